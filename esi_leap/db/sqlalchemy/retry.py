"""The one retry of a booking transaction lost to a deadlock.

Every booking transaction (one node, an offer's or a lease's node, a
claim, many nodes, an N-node claim) is run through run().
"""
import random
import time

from oslo_db import exception as db_exc
from oslo_log import log

from esi_leap.common import exception

LOG = log.getLogger(__name__)

# NOTE(esi-leap): on MariaDB Galera two nodes may each take the resource
# lock row locally; certification then rolls one back at commit and
# reports it as a deadlock (MySQL error 1213). InnoDB reports real
# deadlocks the same way. The loser must re-run the whole transaction
# (lock, checks and writes), which then sees the winner's booking.
BOOKING_ATTEMPTS = 6
_BACKOFF_BASE = 0.01
_BACKOFF_MAX = 0.2


def _backoff(attempt):
    """Sleep a jittered, growing, bounded time before attempt + 1."""
    ceiling = min(_BACKOFF_MAX, _BACKOFF_BASE * (2 ** attempt))
    time.sleep(random.uniform(ceiling / 2, ceiling))


def run(transaction, body, what, attempts=BOOKING_ATTEMPTS):
    """Run ``body(txn)`` in ``transaction()``; re-run it after a deadlock.

    ``transaction`` opens a fresh transaction (a context manager) on every
    attempt; ``what`` is (resource_type, resource_uuid) of the booking,
    for the log and the error. Raises BookingContended (409) once
    ``attempts`` attempts were rolled back; whatever else ``body`` or the
    commit raises propagates at once.

    NOTE(esi-leap): not oslo_db.api.wrap_db_retry, which placement and
    ironic use, for what it would change here: its first pause is a fixed
    interval without jitter (the losers of one Galera certification round
    would all come back at the same instant), later ones may be close to
    zero (uniform(0, n)), it has no hook for the per-attempt log line
    ('lost to a concurrent change', counted by the Galera storm test and
    by operators), and it logs an ERROR with a traceback for every
    exhausted booking, which is an expected 409 here. Its behaviour is
    reproduced by none of its options, so this loop is the one place.
    """
    for attempt in range(1, attempts + 1):
        try:
            with transaction() as txn:
                return body(txn)
        except db_exc.DBDeadlock:
            LOG.info('Booking of %s %s lost to a concurrent change '
                     '(attempt %d of %d)', what[0], what[1], attempt,
                     attempts)
            if attempt < attempts:
                _backoff(attempt)
    raise exception.BookingContended(resource_type=what[0],
                                     resource_uuid=what[1])
