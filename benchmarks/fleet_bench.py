#!/usr/bin/env python3
"""N-node claims, quota checks and usage reports: time and round trips.

Builds esi-leap's WSGI app in this process (noauth, dummy nodes) on a
throwaway database of the chosen backend and prints, as figures only:

1. an N-node claim (POST /v1/claims, N = 1, 8, 32) against N single
   claims (POST /v1/offers/<uuid>/claim), p50 of the wall time in the app
   and the database round trips (statements + commits + rollbacks);
2. a single claim without any quota and with a quota in force (the cost
   of the quota check);
3. GET /v1/usage over 10,000 and 100,000 leases (seeded in bulk), p50.

Run from the repository root, e.g.::

    PYTHONPATH=. python benchmarks/fleet_bench.py --backend mysql
"""
import argparse
import datetime
import os
import random
import shutil
import statistics
import sys
import tempfile
import time

import sqlalchemy as sa
import webtest

from esi_leap.api import app as app_module
from esi_leap.common import rpc
from esi_leap.common import service  # noqa: F401  (registers options)
from esi_leap import conf as esi_conf
from esi_leap.db import api as db_api
from esi_leap.db import migration
from esi_leap.db.sqlalchemy import models
from esi_leap.tests.fixtures import databases
from esi_leap.tests.fixtures import nodes as nodes_fixture

CONF = esi_conf.CONF
UTC = datetime.timezone.utc
OWNER = {'X-Project-Id': 'owner-project', 'X-Roles': 'esi_leap_owner'}
ADMIN = {'X-Project-Id': 'admin-project', 'X-Roles': 'admin'}
DAY = datetime.timedelta(days=1)
BASE = datetime.datetime(2031, 1, 1, tzinfo=UTC)


def lessee(i):
    return {'X-Project-Id': 'bench-lessee-%d' % i,
            'X-Roles': 'esi_leap_lessee'}


class Trips(object):
    """Counts statements, commits and rollbacks on every engine."""

    def __init__(self):
        self.count = 0
        for name in ('before_cursor_execute',):
            sa.event.listen(sa.engine.Engine, name, self._one)
        sa.event.listen(sa.engine.Engine, 'commit', self._bare)
        sa.event.listen(sa.engine.Engine, 'rollback', self._bare)

    def _one(self, *args, **kwargs):
        self.count += 1

    def _bare(self, conn):
        self.count += 1


def pool(app, dummy, name, size):
    """``size`` nodes of pool ``name``, each offered for all of 2031."""
    offers = []
    for i in range(size):
        node = dummy.add('%s-%03d' % (name, i), 'owner-project',
                         properties={'pool': name, 'rack': 'r%d' % (i % 4)})
        offers.append(app.post_json('/v1/offers', {
            'resource_uuid': node, 'start_time': '2031-01-01',
            'end_time': '2032-01-01'}, headers=OWNER).json['uuid'])
    return offers


def timed(trips, call):
    before, start = trips.count, time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000, trips.count - before


def window(day):
    start = BASE + day * DAY
    return {'start_time': start.isoformat(),
            'end_time': (start + DAY / 2).isoformat()}


def bench_claims(app, dummy, trips, repeat):
    print('\n1. N-node claim against N single claims (p50 of %d)' % repeat)
    print('%-26s %10s %12s' % ('request', 'ms p50', 'round trips'))
    day = 0
    for n in (1, 8, 32):
        offers = pool(app, dummy, 'p%d' % n, n)
        gang, single = [], []
        for r in range(repeat):
            day += 1
            body = dict(window(day), count=n,
                        resource_properties=['pool==p%d' % n])
            gang.append(timed(trips, lambda: app.post_json(
                '/v1/claims', body, headers=lessee(r))))
            day += 1
            body = window(day)
            single.append(timed(trips, lambda: [app.post_json(
                '/v1/offers/%s/claim' % o, body, headers=lessee(r))
                for o in offers]))
        for label, runs in (('%d-node claim' % n, gang),
                            ('%d single claims' % n, single)):
            print('%-26s %10.2f %12g' % (
                label, statistics.median(ms for ms, _ in runs),
                statistics.median(t for _, t in runs)))
    return day


def bench_quota(app, dummy, trips, repeat, day):
    print('\n2. One single claim: no quota, and a quota in force')
    offers = pool(app, dummy, 'q', repeat * 2)
    print('%-26s %10s %12s' % ('request', 'ms p50', 'round trips'))
    for label, quota in (('claim, unlimited', None),
                         ('claim, max_nodes 1000', {'max_nodes': 1000})):
        if quota:
            app.put_json('/v1/quotas/bench-quota', quota, headers=ADMIN)
        runs = []
        for r in range(repeat):
            day += 1
            offer = offers.pop()
            headers = {'X-Project-Id': 'bench-quota',
                       'X-Roles': 'esi_leap_lessee'}
            runs.append(timed(trips, lambda: app.post_json(
                '/v1/offers/%s/claim' % offer, window(day),
                headers=headers)))
        print('%-26s %10.2f %12g' % (
            label, statistics.median(ms for ms, _ in runs),
            statistics.median(t for _, t in runs)))


def seed_leases(count, seed):
    """``count`` leases that ran in 2025, inserted in bulk."""
    rng = random.Random(seed)
    table = models.Lease.__table__
    t0 = datetime.datetime(2025, 1, 1)
    rows = []
    for i in range(count):
        start = t0 + datetime.timedelta(seconds=rng.randrange(300 * 86400))
        end = start + datetime.timedelta(seconds=rng.randrange(3600,
                                                               9 * 86400))
        rows.append(dict(
            uuid='%08x-0000-4000-8000-%012x' % (seed, i),
            project_id='p%d' % rng.randrange(50),
            owner_id='o%d' % rng.randrange(10),
            resource_type='dummy_node', resource_uuid='n%d' % (i % 5000),
            resource_class=rng.choice(('baremetal', 'gpu')),
            start_time=start, end_time=end, fulfill_time=start,
            expire_time=end, status='expired', properties={}))
    with db_api.writer() as session:
        for i in range(0, count, 5000):
            session.execute(table.insert(), rows[i:i + 5000])


def bench_usage(app, repeat):
    print('\n3. GET /v1/usage (view=all, 2025-02-01 .. 2025-11-01)')
    print('%-36s %10s' % ('request', 'ms p50'))
    seeded = 0
    for size in (10000, 100000):
        seed_leases(size - seeded, size)
        seeded = size
        for group in ('project', 'project,resource_class', 'resource'):
            runs = []
            for _ in range(repeat):
                start = time.perf_counter()
                app.get('/v1/usage', params={
                    'view': 'all', 'start_time': '2025-02-01',
                    'end_time': '2025-11-01', 'group_by': group},
                    headers=ADMIN)
                runs.append((time.perf_counter() - start) * 1000)
            print('%-36s %10.2f' % ('%d leases, by %s' % (size, group),
                                    statistics.median(runs)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--backend', default='mysql',
                        choices=databases.ALL_BACKENDS)
    parser.add_argument('--repeat', type=int, default=11)
    parser.add_argument('--skip-usage', action='store_true')
    args = parser.parse_args(argv)
    workdir = tempfile.mkdtemp(prefix='esi-leap-fleet-')
    database = databases.ThrowawayDatabase(args.backend, workdir).create()
    try:
        CONF([], project='esi-leap', default_config_files=[])
        CONF.set_override('auth_strategy', 'noauth')
        CONF.set_override('transport_url', 'fake://')
        CONF.set_override('connection', database.url, group='database')
        CONF.set_override('default_resource_type', 'dummy_node',
                          group='api')
        nodes_dir = os.path.join(workdir, 'nodes')
        CONF.set_override('dummy_node_dir', nodes_dir, group='dummy_node')
        db_api.reset()
        migration.upgrade()
        rpc.reset()
        app = webtest.TestApp(app_module.setup_app())
        dummy = nodes_fixture.DummyNodes(nodes_dir)
        trips = Trips()
        print('esi-leap fleet benchmark: %s, in-process (no HTTP)'
              % args.backend)
        day = bench_claims(app, dummy, trips, args.repeat)
        bench_quota(app, dummy, trips, args.repeat, day)
        if not args.skip_usage:
            bench_usage(app, args.repeat)
    finally:
        db_api.reset()
        database.drop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
