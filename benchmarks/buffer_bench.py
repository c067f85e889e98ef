#!/usr/bin/env python3
"""Claim throughput with a cleaning buffer against none, side by side.

One database is seeded as api_bench.py seeds it (offers with leases after
their first two days) and two ``esi-leap-api`` servers are started on it:
one with ``[manager] cleaning_buffer = 0``, one with a buffer (and a
per-class override for the seeded nodes' class, so the class lookup is
exercised). Each side claims its own half of the offers (even and odd),
the same slots on both: 5-minute claims, each slot ``--buffer`` seconds
after the previous one ends, so every claim succeeds on both sides. The
sides take turns, in alternating order, for ``--rounds`` rounds, with 1
and 4 client threads, on one offer (every claim takes one node's lock)
and spread over the offers. It prints figures, never a verdict.
"""
import argparse
import datetime
import os
import random
import shutil
import statistics
import sys
import tempfile

import sqlalchemy as sa

import api_bench

from esi_leap.db.sqlalchemy import models
from esi_leap.tests.fixtures import databases
from esi_leap.tests.fixtures import server as server_fixture

CLAIM = datetime.timedelta(minutes=5)
NODE_CLASS = 'baremetal'   # what the benchmark's dummy nodes are


class Slots(object):
    """Claim windows of some offers, one offer after another in turn.

    Each offer's windows are CLAIM long, ``gap`` apart, inside the free
    lead api_bench leaves before the seeded leases (less one gap).
    """

    def __init__(self, offers, indices, gap):
        per_offer = int((datetime.timedelta(hours=api_bench.FREE_LEAD_HOURS)
                         - gap) // (CLAIM + gap))
        self._windows = []
        for used in range(per_offer):
            for index in indices:
                offer_uuid, _node, _owner, start, _end = offers[index]
                begin = start + used * (CLAIM + gap)
                self._windows.append((offer_uuid, begin, begin + CLAIM))
        self._windows.reverse()

    def take(self):
        """(offer uuid, start, end), or None when all were handed out."""
        try:
            return self._windows.pop()
        except IndexError:
            return None


class Side(object):
    """One server, its buffer, and the offers it claims."""

    def __init__(self, label, buffer, indices):
        self.label = label
        self.buffer = buffer
        self.indices = indices
        self.server = None
        self.cpu = None
        self.results = {}   # (kind, clients) -> [Result]


def start_side(side, args, workdir, database, nodes_dir):
    port = server_fixture.free_port()
    manager = {'cleaning_buffer': str(side.buffer)}
    if side.buffer:
        manager['cleaning_buffer_by_resource_class'] = '%s:%d,gpu:%d' % (
            NODE_CLASS, side.buffer, 2 * side.buffer)
    config = server_fixture.write_config(
        os.path.join(workdir, 'esi-leap-%s.conf' % side.label),
        database.url, nodes_dir, port, workers=args.workers,
        extra={'manager': manager})
    side.server = server_fixture.Server(config, port)
    side.server.start()
    side.cpu = api_bench.ServerCpu(side.server.process.pid)


def seed(args, database, nodes_dir):
    rng = random.Random(args.seed)
    now = datetime.datetime.now(api_bench.UTC)
    seeded = api_bench.seed(database.url, nodes_dir, args.offers, 10, rng,
                            now)
    # NOTE(esi-leap): bulk-seeded rows have no class; offers made through
    # the API carry their node's.
    engine = sa.create_engine(database.url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.update(models.Offer.__table__).values(
                resource_class=NODE_CLASS))
    finally:
        engine.dispose()
    return seeded


def one_measurement(side, kind, clients, slots, args):
    send = api_bench._claim_sender(side.server.url, slots)
    result = api_bench.measure(
        'claim %s (%s)' % (kind, side.label), kind, clients,
        args.claim_requests, args.time_limit, send, send, side.cpu)
    side.results.setdefault((kind, clients), []).append(result)
    return result


def run_rounds(args, sides, seeded, gap):
    # The first offers of each side serve the one-offer measurements, one
    # each; the spread claims go over the rest.
    ones = args.rounds * len(args.clients)
    spread = {side.label: Slots(seeded.offers, side.indices[ones:], gap)
              for side in sides}
    used_one = {side.label: 0 for side in sides}
    for number in range(args.rounds):
        order = sides if number % 2 == 0 else list(reversed(sides))
        for kind in ('one offer', 'spread'):
            for clients in args.clients:
                for side in order:
                    if kind == 'one offer':
                        # A fresh offer each time: one offer's lead has
                        # room for about a hundred buffered claims.
                        index = side.indices[used_one[side.label]]
                        used_one[side.label] += 1
                        slots = Slots(seeded.offers, [index], gap)
                    else:
                        slots = spread[side.label]
                    r = one_measurement(side, kind, clients, slots, args)
                    print('round %d  %-10s %d cli  %-9s %8.1f req/s  p50 '
                          '%6.1f ms  codes %s' % (
                              number + 1, kind, clients, side.label,
                              r.rate, r.percentile(50) or 0.0, r.codes),
                          flush=True)


def report(args, sides):
    print('\nmedian over %d rounds (each %d claims or %.0f s):'
          % (args.rounds, args.claim_requests, args.time_limit))
    header = '%-10s %3s  %-9s %8s %9s %9s %8s %9s' % (
        'claims', 'cli', 'buffer', 'req/s', 'p50 ms', 'p99 ms', 'cpu ms',
        'vs 0 s')
    print(header)
    print('-' * len(header))
    for kind in ('one offer', 'spread'):
        for clients in args.clients:
            base = None
            for side in sides:
                runs = side.results.get((kind, clients), [])
                rate = statistics.median(r.rate for r in runs)
                p50 = statistics.median(r.percentile(50) or 0 for r in runs)
                p99 = statistics.median(r.percentile(99) or 0 for r in runs)
                cpu = statistics.median(r.cpu_per_request or 0
                                        for r in runs)
                base = rate if base is None else base
                print('%-10s %3d  %-9s %8.1f %9.1f %9.1f %8.2f %8.2fx' % (
                    kind, clients, side.label, rate, p50, p99, cpu,
                    rate / base if base else 0.0))
            bad = [(side.label, r.codes) for side in sides
                   for r in side.results.get((kind, clients), [])
                   if set(r.codes) - {201}]
            if bad:
                print('  not all 201: %s' % bad)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--backend', default='mysql',
                        choices=('sqlite', 'mysql', 'mysqlclient',
                                 'postgresql'))
    parser.add_argument('--offers', type=int, default=200,
                        help='offers seeded (default %(default)s)')
    parser.add_argument('--buffer', type=int, default=600,
                        help='seconds of the buffered side (default '
                             '%(default)s)')
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--clients', type=api_bench._int_list,
                        default=[1, 4])
    parser.add_argument('--claim-requests', type=int, default=60,
                        help='claims per measurement (default %(default)s)')
    parser.add_argument('--time-limit', type=float, default=15.0)
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--seed', type=int, default=1)
    args = parser.parse_args(argv)
    if args.buffer < 1 or args.offers < 4 * args.rounds * len(args.clients):
        parser.error('--buffer must be positive and --offers at least 4 '
                     'per round and client count')
    return args


def main(argv=None):
    args = parse_args(argv)
    workdir = tempfile.mkdtemp(prefix='esi-leap-buffer-bench-')
    database = databases.ThrowawayDatabase(args.backend, workdir)
    nodes_dir = os.path.join(workdir, 'nodes')
    sides = [Side('0 s', 0, []), Side('%d s' % args.buffer, args.buffer, [])]
    for index in range(args.offers):
        sides[index % 2].indices.append(index)
    print('cleaning buffer benchmark: %s, %d offers, %d API workers per '
          'server, code %s; a fixed pure-Python loop took %.0f ms of CPU'
          % (args.backend, args.offers, args.workers,
             api_bench._code_version(), api_bench._calibration_ms()),
          flush=True)
    database.create()
    try:
        first = server_fixture.Server(server_fixture.write_config(
            os.path.join(workdir, 'dbsync.conf'), database.url, nodes_dir,
            None), None)
        first.dbsync()
        seeded = seed(args, database, nodes_dir)
        for side in sides:
            start_side(side, args, workdir, database, nodes_dir)
        run_rounds(args, sides, seeded,
                   datetime.timedelta(seconds=args.buffer))
        report(args, sides)
    finally:
        for side in sides:
            if side.server is not None:
                side.server.stop()
        database.drop()
        shutil.rmtree(workdir, ignore_errors=True)
    sys.stdout.flush()


if __name__ == '__main__':
    main()
