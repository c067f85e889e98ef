#!/usr/bin/env python3
"""What each change to a framework's behaviour is worth, on and off.

esi-leap changes three frameworks' defaults for speed: pecan's argument
specs (remembered instead of rebuilt), the connection pool's upkeep (no
ping of a busy connection, no rollback after a finished transaction) and
the MySQL drivers' DATETIME parsing (one C call, aware values). This
builds esi-leap's WSGI app in this process (noauth, dummy nodes, no HTTP)
on a throwaway database seeded in bulk like api_bench.py, then measures
the requests each change touches with the change on and off, in
interleaved rounds (on/off, off/on, ...), so that the load of the machine
falls on both alike.

For each request it prints the median over rounds of each round's median
wall time and CPU time (this process's) with and without the change, the
spread of the round medians (min-max) and the ratio; on MariaDB through
PyMySQL also the commands sent to the server per request. It prints
figures, never a verdict. See benchmarks/README.rst.
"""
import argparse
import datetime
import random
import statistics
import sys
import time

import pecan.compat
from pecan import util as pecan_util
import sqlalchemy as sa
import webtest

import api_bench
from esi_leap.api import app as app_module
from esi_leap.db import api as db_api
from esi_leap.db.sqlalchemy import engine as engine_module
from esi_leap.db.sqlalchemy import pool as pool_module
import roundtrips

UTC = datetime.timezone.utc
ADMIN, LESSEE = roundtrips.ADMIN, roundtrips.LESSEE


# --- the changes, each with a way to turn it on and off ------------------

class ArgspecCache(object):
    """pecan's getargspec answered from a cache (esi_leap.api.argspecs)."""

    name = 'pecan argspec cache'
    kinds = ('list_offers', 'show_offer', 'claim')

    def __init__(self):
        self.original = pecan.compat.getargspec
        try:
            from esi_leap.api import argspecs
            self.cached = argspecs.getargspec
        except ImportError:     # removed from the service: this is it
            import functools
            import inspect

            @functools.lru_cache(maxsize=1024)
            def spec(function):
                return pecan.compat.getargspec(function)

            def cached(func):
                function = getattr(func, '__func__', func)
                if inspect.isfunction(function):
                    return spec(function)
                return self.original(func)
            self.cached = cached

    def set(self, on):
        pecan_util._getargspec = self.cached if on else self.original


class _EngineChange(object):
    """A change installed when the engine is built: rebuilt to switch."""

    def __init__(self, module, attribute, off_value):
        self.module, self.attribute = module, attribute
        self.on_value = getattr(module, attribute)
        self.off_value = off_value

    def set(self, on):
        setattr(self.module, self.attribute,
                self.on_value if on else self.off_value)
        db_api.reset()


class PoolUpkeep(_EngineChange):
    """esi_leap.db.sqlalchemy.pool: no pre-ping or rollback when needless."""

    name = 'pool upkeep'
    kinds = ('bare_read', 'show_offer', 'claim', 'list_offers')

    def __init__(self):
        super().__init__(pool_module, 'with_upkeep', lambda url: url)


class AwareDatetimes(_EngineChange):
    """The MySQL drivers parse DATETIMEs aware in C (engine.py)."""

    name = 'MySQL DATETIME decoder'
    kinds = ('list_leases_all', 'show_lease')

    def __init__(self):
        super().__init__(engine_module, '_AWARE_DRIVERS', ())


# --- measuring ------------------------------------------------------------

class Requests(roundtrips.Requests):
    """roundtrips.py's requests, claims in fresh slots across all rounds."""

    def __init__(self, app, offers, now):
        super().__init__(app, offers, now)
        self.claims = 0

    def claim(self, _i):
        self.claims += 1
        return super().claim(self.claims)

    def bare_read(self, _i):
        """One read-only transaction of one SELECT, no request around it."""
        with db_api.reader() as session:
            return session.execute(sa.text('SELECT 1')).scalar()


def measure_round(counter, send, repeat):
    """Medians of ``repeat`` requests: wall ms, CPU ms, commands sent."""
    send(0)     # warm-up (a new engine connects here), not counted
    walls, cpus, sent = [], [], []
    for i in range(repeat):
        with counter.counting() as c:
            began, began_cpu = time.perf_counter(), time.process_time()
            send(i)
            walls.append((time.perf_counter() - began) * 1000.0)
            cpus.append((time.process_time() - began_cpu) * 1000.0)
            sent.append(c.sent)
    return (statistics.median(walls), statistics.median(cpus),
            statistics.median(sent) if None not in sent else None)


def compare(change, counter, reqs, rounds, repeat):
    """{kind: {True: [(wall, cpu, sent)...], False: [...]}} over rounds."""
    results = {kind: {True: [], False: []} for kind in change.kinds}
    for r in range(rounds):
        for on in ((True, False) if r % 2 == 0 else (False, True)):
            change.set(on)
            for kind in change.kinds:
                results[kind][on].append(
                    measure_round(counter, getattr(reqs, kind), repeat))
    change.set(True)
    return results


def _fmt(values):
    """'p50 [min-max]' of the round medians."""
    return '%7.2f [%6.2f-%6.2f]' % (
        statistics.median(values), min(values), max(values))


def report(change, results, names, show_sent):
    print('\n%s' % change.name)
    header = '  %-34s %-10s %-24s %-24s %7s %6s' % (
        'request', 'measure', 'with (p50 [spread])', 'without', 'ratio',
        'sent')
    print(header)
    for kind, by_state in results.items():
        for column, label in ((0, 'wall ms'), (1, 'cpu ms')):
            on = [row[column] for row in by_state[True]]
            off = [row[column] for row in by_state[False]]
            sent = ''
            if column == 0 and show_sent:
                sent = '%g/%g' % (statistics.median(r[2] for r in
                                                    by_state[True]),
                                  statistics.median(r[2] for r in
                                                    by_state[False]))
            print('  %-34s %-10s %-24s %-24s %7.3f %6s' % (
                names[kind], label, _fmt(on), _fmt(off),
                statistics.median(on) / statistics.median(off), sent))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--backend', default='mysql',
                        choices=roundtrips.databases.ALL_BACKENDS)
    parser.add_argument('--offers', type=int, default=500,
                        help='offers seeded, 1-3 leases each (default: '
                             '%(default)s, about 1,000 leases)')
    parser.add_argument('--rounds', type=int, default=6,
                        help='on/off rounds (default: %(default)s)')
    parser.add_argument('--repeat', type=int, default=15,
                        help='requests of each kind per round (default: '
                             '%(default)s)')
    parser.add_argument('--only', choices=('argspec', 'pool', 'decoder'),
                        action='append',
                        help='measure only this change (repeatable)')
    return parser.parse_args(argv)


CHANGES = (('argspec', ArgspecCache), ('pool', PoolUpkeep),
           ('decoder', AwareDatetimes))


def main(argv=None):
    args = parse_args(argv)
    with roundtrips.configured(args.backend, 'esi-leap-fp-') as (
            database, nodes_dir):
        now = datetime.datetime.now(UTC)
        seeded = api_bench.seed(database.url, nodes_dir, args.offers, 10,
                                random.Random(42), now)
        app = webtest.TestApp(app_module.setup_app())
        offers = [(uuid, start) for uuid, _n, _o, start, _e in seeded.offers]
        reqs = Requests(app, offers, now)
        counter = roundtrips.Counter()
        counter.install()
        names = {method: name for name, method in roundtrips.KINDS}
        names['bare_read'] = 'db_api.reader(): SELECT 1'
        print('esi-leap framework changes on and off: %s, %d offers, %d '
              'leases; %d interleaved rounds of %d requests each, '
              'in-process (no HTTP)' % (args.backend, args.offers,
                                        seeded.lease_count, args.rounds,
                                        args.repeat))
        for key, change_class in CHANGES:
            if args.only and key not in args.only:
                continue
            if key == 'decoder' and \
                    args.backend not in ('mysql', 'mysqlclient'):
                continue
            change = change_class()
            report(change, compare(change, counter, reqs, args.rounds,
                                   args.repeat), names,
                   show_sent=args.backend == 'mysql')


if __name__ == '__main__':
    sys.exit(main())
