#!/usr/bin/env python3
"""The booking retries retry_bench.py compares, and a server launcher.

Each variant has retry.run()'s contract: ``run(transaction, body, what,
attempts)`` runs ``body(txn)`` in a fresh ``transaction()`` per attempt,
re-runs it after a DBDeadlock (an InnoDB deadlock or a lost Galera
certification, MySQL error 1213), logs 'Booking of <type> <uuid> lost to a
concurrent change' per lost attempt and raises BookingContended (409)
once ``attempts`` attempts were lost.

- ``loop``: esi-leap's own loop (retry.py up to 2026-12-07): jittered
  pauses uniform(c/2, c), c = min(0.2, 0.01 * 2**attempt).
- ``oslo``: retry.run() as it is now: oslo_db.api.wrap_db_retry(
  retry_on_deadlock=True) with the same number of attempts and the same
  pause ceilings (0.02 s first, doubling, at most 0.2 s); the last lost
  attempt is turned into the 409 inside the wrapped function, so
  wrap_db_retry never reaches its own 'DB exceeded retry limit' ERROR.
- ``oslo-plain``: the same wrap_db_retry, but the exhausted DBDeadlock
  leaves it (with its ERROR and traceback) and is turned into the 409
  outside.

``retry_variants.py VARIANT ARGS...`` runs esi-leap-api ARGS with
retry.run replaced by VARIANT (the forked workers inherit it).
"""
import contextlib
import itertools
import random
import sys
import time

from oslo_db import api as oslo_db_api
from oslo_db import exception as db_exc
from oslo_log import log

from esi_leap.common import exception
from esi_leap.db.sqlalchemy import retry

LOG = log.getLogger('esi_leap.db.sqlalchemy.retry')

_BASE = 0.01
_MAX = 0.2


def _lost(what, attempt, attempts):
    LOG.info('Booking of %s %s lost to a concurrent change '
             '(attempt %d of %d)', what[0], what[1], attempt, attempts)


def _contended(what):
    return exception.BookingContended(resource_type=what[0],
                                      resource_uuid=what[1])


def loop(transaction, body, what, attempts):
    """esi-leap's own retry loop, as retry.run() had it."""
    for attempt in range(1, attempts + 1):
        try:
            with transaction() as txn:
                return body(txn)
        except db_exc.DBDeadlock:
            _lost(what, attempt, attempts)
            if attempt < attempts:
                ceiling = min(_MAX, _BASE * (2 ** attempt))
                time.sleep(random.uniform(ceiling / 2, ceiling))
    raise _contended(what)


@contextlib.contextmanager
def _logging(transaction, what, numbers, attempts):
    """transaction(), logging the lost-attempt line on a DBDeadlock."""
    number = next(numbers)
    try:
        with transaction() as txn:
            yield txn
    except db_exc.DBDeadlock:
        _lost(what, number, attempts)
        raise


def oslo_plain(transaction, body, what, attempts):
    """retry.run()'s wrap_db_retry, its own exhaustion ERROR left in.

    The exhausted DBDeadlock leaves wrap_db_retry (which logs it) and is
    turned into the 409 outside.
    """
    numbers = itertools.count(1)
    retried = oslo_db_api.wrap_db_retry(
        max_retries=attempts - 1, retry_interval=retry._FIRST_PAUSE,
        max_retry_interval=retry._MAX_PAUSE, retry_on_deadlock=True)

    @retried
    def attempt():
        with _logging(transaction, what, numbers, attempts) as txn:
            return body(txn)
    try:
        return attempt()
    except db_exc.DBDeadlock:
        raise _contended(what)


VARIANTS = {'loop': loop, 'oslo': retry.run, 'oslo-plain': oslo_plain}


def main():
    """Serve esi-leap-api with retry.run replaced by sys.argv[1]."""
    from esi_leap.cmd import api

    retry.run = VARIANTS[sys.argv.pop(1)]
    api.main()


if __name__ == '__main__':
    main()
