#!/usr/bin/env python3
"""Booking retries under a contention storm: esi-leap's loop vs oslo.db's.

Runs real esi-leap-api servers on loopback, one set per retry variant of
retry_variants.py, all on the same database: a throwaway database on the
test MariaDB (``mariadb``: InnoDB's own deadlocks) and/or a fresh 3-node
Galera cluster (``galera``: one server per variant on every cluster node,
so lost certifications). Rounds alternate between the variants. In every
round, ``--claims`` lessees claim disjoint windows of one offer on each of
``--pairs`` claim nodes while the owner makes ``--direct`` disjoint direct
leases on each lease node, all released together by a barrier. Every
request could succeed: what fails is a booking that lost every attempt.

Prints, per backend and variant: successful bookings/s, latency p50/p95/
max, 201 / 409 after exhausted retries / other 4xx / 5xx, attempts lost
(re-run), and what the servers logged in those rounds (lines, ERROR lines,
tracebacks). Figures only; it stops after ``--rounds`` rounds per variant
or ``--time-limit`` seconds.

    PYTHONPATH=. .venv/bin/python benchmarks/retry_bench.py
"""
import argparse
import collections
import concurrent.futures
import datetime
import os
import shutil
import stat
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import requests

from esi_leap.tests import clock
from esi_leap.tests.fixtures import cli as cli_fixture
from esi_leap.tests.fixtures import databases
from esi_leap.tests.fixtures import galera
from esi_leap.tests.fixtures import nodes as nodes_fixture
from esi_leap.tests.fixtures import server as server_fixture

HERE = os.path.dirname(os.path.abspath(__file__))
OWNER = 'owner-project'
OWNER_HEADERS = {'X-Project-Id': OWNER, 'X-Roles': 'esi_leap_owner',
                 'X-User-Id': 'owner'}
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
BASE = datetime.datetime(2036, 1, 1)


def lessee(i):
    return {'X-Project-Id': 'lessee-%d' % i, 'X-Roles': 'esi_leap_lessee',
            'X-User-Id': 'lessee-%d' % i}


def _launcher(workdir, variant):
    """An executable that runs esi-leap-api with ``variant``'s retry."""
    path = os.path.join(workdir, 'api-%s' % variant)
    with open(path, 'w') as f:
        f.write('#!/bin/sh\nexec %s %s %s "$@"\n' % (
            sys.executable, os.path.join(HERE, 'retry_variants.py'),
            variant))
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)
    return path


class Deployment(object):
    """Per variant, one API server on each database URL."""

    def __init__(self, workdir, variants, workers):
        self.workdir = workdir
        self.variants = variants
        self.workers = workers
        self.nodes = nodes_fixture.DummyNodes(os.path.join(workdir, 'nodes'))
        self.servers = {}

    def start_servers(self, urls):
        """Build the schema on urls[0], then start every server."""
        env_path = os.environ.get('PYTHONPATH', '')
        os.environ['PYTHONPATH'] = os.pathsep.join(
            p for p in (os.path.dirname(HERE), env_path) if p)
        every = []
        for variant in self.variants:
            program = _launcher(self.workdir, variant)
            for index, url in enumerate(urls):
                port = server_fixture.free_port()
                config = server_fixture.write_config(
                    os.path.join(self.workdir, '%s-%d.conf' % (variant,
                                                               index)),
                    url, self.nodes.directory, port, workers=self.workers)
                server = server_fixture.Server(config, port, program=program)
                self.servers.setdefault(variant, []).append(server)
                every.append(server)
        every[0].dbsync()
        cli_fixture.concurrently(*[s.start for s in every])

    def stop_servers(self):
        every = [s for group in self.servers.values() for s in group]
        cli_fixture.concurrently(*[s.stop for s in every] or [lambda: 0])

    def log_offsets(self, variant):
        return [os.path.getsize(s.log_path) for s in self.servers[variant]]

    def log_since(self, variant, offsets):
        text = b''
        for server, offset in zip(self.servers[variant], offsets):
            with open(server.log_path, 'rb') as f:
                f.seek(offset)
                text += f.read()
        return text


class MariaDB(Deployment):
    """Servers on one throwaway database of the test MariaDB."""

    name = 'mariadb'

    def start(self, per_variant):
        self.database = databases.ThrowawayDatabase(
            'mysql', self.workdir).create()
        self.start_servers([self.database.url] * per_variant)

    def stop(self):
        try:
            self.stop_servers()
        finally:
            self.database.drop()


class Galera(Deployment):
    """Servers on a fresh 3-node Galera cluster, one per node."""

    name = 'galera'

    def start(self, per_variant):
        self.cluster = galera.GaleraCluster(3)
        self.cluster.start()
        self.cluster.nodes[0].execute(
            'CREATE DATABASE esi_leap_retry CHARACTER SET utf8mb4')
        self.start_servers([n.url('esi_leap_retry')
                            for n in self.cluster.nodes])

    def stop(self):
        try:
            self.stop_servers()
        finally:
            self.cluster.stop()


def _post(base, path, body, headers):
    response = requests.post(base + path, json=body, headers=headers,
                             timeout=60)
    return response


def _round_calls(round_, pairs, claims, direct, base_url):
    """The requests of one round, claims and direct leases interleaved."""
    day = BASE + round_ * DAY
    calls = []
    for pair in range(pairs):
        offer = _post(base_url, '/v1/offers', {
            'resource_uuid': 'claimed-%d' % pair,
            'start_time': clock.iso(day),
            'end_time': clock.iso(day + claims * HOUR)}, OWNER_HEADERS)
        assert offer.status_code == 201, offer.text
        uuid = offer.json()['uuid']
        for i in range(max(claims, direct)):
            window = {'start_time': clock.iso(day + i * HOUR),
                      'end_time': clock.iso(day + (i + 1) * HOUR)}
            if i < claims:
                calls.append(('/v1/offers/%s/claim' % uuid, window,
                              lessee(i)))
            if i < direct:
                calls.append(('/v1/leases', dict(
                    window, resource_uuid='leased-%d' % pair,
                    project_id='lessee-%d' % i), OWNER_HEADERS))
    return calls


def _race(urls, calls):
    """Send ``calls`` at once (call i to urls[i % n]); (status, s) each."""
    barrier = threading.Barrier(len(calls) + 1)

    def send(index):
        path, body, headers = calls[index]
        base = urls[index % len(urls)]
        with requests.Session() as session:
            session.get(base + '/', timeout=30)
            barrier.wait(timeout=60)
            started = time.monotonic()
            response = session.post(base + path, json=body,
                                    headers=headers, timeout=60)
            return (response.status_code, time.monotonic() - started,
                    response.text)

    with concurrent.futures.ThreadPoolExecutor(len(calls)) as pool:
        futures = [pool.submit(send, i) for i in range(len(calls))]
        barrier.wait(timeout=60)
        started = time.monotonic()
        results = [f.result() for f in futures]
        return results, time.monotonic() - started


class Tally(object):
    """What one variant's rounds gave."""

    def __init__(self):
        self.counts = collections.Counter()
        self.latencies = []
        self.rates = []
        self.wall = 0.0
        self.log = b''

    def add(self, results, wall, log_text):
        won = 0
        for status, seconds, text in results:
            self.latencies.append(seconds)
            if status == 201:
                won += 1
                self.counts['201'] += 1
            elif status == 409 and 'concurrent changes' in text:
                self.counts['409 exhausted'] += 1
            elif status >= 500:
                self.counts['5xx'] += 1
            else:
                self.counts['other %d' % status] += 1
        self.wall += wall
        self.rates.append(won / wall)
        self.log += log_text

    def row(self):
        lat = sorted(self.latencies)

        def pct(p):
            return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000
        lines = self.log.splitlines()
        rate = self.counts['201'] / self.wall if self.wall else 0
        spread = (statistics.stdev(self.rates)
                  if len(self.rates) > 1 else 0.0)
        other = sum(v for k, v in self.counts.items()
                    if k.startswith('other'))
        return ('%7.1f  %5.1f  %6.0f  %6.0f  %6.0f  %5d  %5d  %5d  %4d  '
                '%6d  %6d  %5d  %5d' % (
                    rate, spread, pct(0.5), pct(0.95), lat[-1] * 1000,
                    self.counts['201'], self.counts['409 exhausted'], other,
                    self.counts['5xx'],
                    self.log.count(b'lost to a concurrent change'),
                    len(lines), sum(1 for x in lines if b' ERROR ' in x),
                    self.log.count(b'Traceback (most recent call last)')))


HEADER = ('variant      booked/s  ±sd    p50ms   p95ms   maxms    201  '
          '409ex  other  5xx  re-run  loglns  ERROR  trace')


def _storm(deployment, args, deadline):
    """Alternate rounds between the variants; return {variant: Tally}."""
    for pair in range(args.pairs):
        deployment.nodes.add('claimed-%d' % pair, OWNER)
        deployment.nodes.add('leased-%d' % pair, OWNER)
    tallies = {v: Tally() for v in args.variants}
    round_ = 0
    for index in range(-1, args.rounds):
        for variant in (args.variants if index % 2 != 0
                        else args.variants[::-1]):
            if time.monotonic() > deadline:
                return tallies
            urls = [s.url for s in deployment.servers[variant]]
            calls = _round_calls(round_, args.pairs,
                                 args.claims, args.direct, urls[0])
            round_ += 1
            offsets = deployment.log_offsets(variant)
            results, wall = _race(urls, calls)
            time.sleep(0.3)  # the last log lines
            if index < 0:
                continue  # a warm-up round, not counted
            tallies[variant].add(results, wall,
                                 deployment.log_since(variant, offsets))
    return tallies


def _describe():
    head = subprocess.run(['git', 'describe', '--always', '--dirty'],
                          cwd=HERE, capture_output=True, text=True)
    return 'code %s, %d CPUs, load %s' % (
        head.stdout.strip(), os.cpu_count(),
        ' '.join('%.2f' % x for x in os.getloadavg()))


def _parse():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--backends', default='mariadb,galera')
    parser.add_argument('--variants', default='loop,oslo,oslo-plain')
    parser.add_argument('--rounds', type=int, default=10,
                        help='rounds per variant and backend')
    parser.add_argument('--pairs', type=int, default=2,
                        help='claim nodes (and as many lease nodes)')
    parser.add_argument('--claims', type=int, default=16)
    parser.add_argument('--direct', type=int, default=16)
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--servers', type=int, default=2,
                        help='servers per variant on MariaDB')
    parser.add_argument('--time-limit', type=float, default=1500,
                        help='seconds for the whole run')
    args = parser.parse_args()
    args.variants = args.variants.split(',')
    return args


def main():
    """Run the storm on each backend and print one table per backend."""
    args = _parse()
    deadline = time.monotonic() + args.time_limit
    print('retry_bench: %s' % _describe())
    print('per round: %d claim nodes x %d claims + %d lease nodes x %d '
          'direct leases, all at once; %d API workers per server; rounds '
          'alternate between variants' % (args.pairs, args.claims,
                                          args.pairs, args.direct,
                                          args.workers))
    kinds = {'mariadb': MariaDB, 'galera': Galera}
    for name in args.backends.split(','):
        workdir = tempfile.mkdtemp(prefix='retry-bench-')
        os.chmod(workdir, 0o755)
        deployment = kinds[name](workdir, args.variants, args.workers)
        try:
            deployment.start(args.servers)
            tallies = _storm(deployment, args, deadline)
        finally:
            deployment.stop()
            shutil.rmtree(workdir, ignore_errors=True)
        rounds = len(tallies[args.variants[0]].rates)
        print('\n%s: %d servers per variant, %d rounds per variant, '
              'load %.2f' % (name, len(deployment.servers[args.variants[0]]),
                             rounds, os.getloadavg()[0]))
        print(HEADER)
        for variant in args.variants:
            print('%-11s %s' % (variant, tallies[variant].row()))
        sys.stdout.flush()


if __name__ == '__main__':
    main()
