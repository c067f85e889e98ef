#!/usr/bin/env python3
"""Database round trips and server time per request, in one process.

Builds esi-leap's WSGI app in this process (noauth, dummy nodes) on a
throwaway database, seeds a few offers and leases through the API, then
sends each kind of request a number of times and prints, per request:

* the SQL statements sent (a SQLAlchemy ``before_cursor_execute`` listener
  on every engine: a benchmark-only hook, not part of the service),
* the COMMITs and ROLLBACKs (each is a round trip too),
* the median wall time of the request in the app (no HTTP, no network).

With ``--profile`` the hottest request (GET /v1/offers at ``--offers``
offers) is profiled with pyinstrument and the report written as text.
With ``--show-sql`` the statements of one request of each kind are
printed. With ``--calls`` the Python function calls of a request are
counted too (cProfile; the median of a few more requests): a figure that
other work on the machine does not move. It prints figures, never a
verdict. See benchmarks/README.rst.
"""
import argparse
import contextlib
import cProfile
import datetime
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import threading
import time

import sqlalchemy as sa
import webtest

from esi_leap.api import app as app_module
from esi_leap.common import rpc
from esi_leap.common import service  # noqa: F401  (registers options)
from esi_leap import conf as esi_conf
from esi_leap.db import api as db_api
from esi_leap.db import migration
from esi_leap.tests.fixtures import databases
from esi_leap.tests.fixtures import nodes as nodes_fixture

CONF = esi_conf.CONF
UTC = datetime.timezone.utc


class Counter(object):
    """Counts statements, commits and rollbacks on every SQLAlchemy engine."""

    def __init__(self):
        self.local = threading.local()
        self.statements = []
        self.commits = 0
        self.rollbacks = 0
        self.sent = None
        self.keep = False
        self.locked_at = None
        self.held = []
        self.ending_ms = 0.0

    def install(self):
        sa.event.listen(sa.engine.Engine, 'before_cursor_execute',
                        self._statement)
        sa.event.listen(sa.engine.Engine, 'commit', self._commit)
        sa.event.listen(sa.engine.Engine, 'rollback', self._rollback)
        self._count_driver_commands()

    def _count_driver_commands(self):
        """Count every command PyMySQL sends (MariaDB only).

        SQLAlchemy's events do not see the pool's pings and rollbacks on
        return; the driver does. A benchmark-only wrapper.
        """
        try:
            from pymysql import connections
        except ImportError:
            return
        counter = self
        # NOTE(esi-leap): ping() sends its COM_PING through
        # _execute_command too, so it is counted there, once.
        execute = connections.Connection._execute_command
        commit, rollback = (connections.Connection.commit,
                            connections.Connection.rollback)

        def timed(end):
            def ending(conn):
                began = time.perf_counter()
                try:
                    return end(conn)
                finally:
                    counter.ending_ms += (time.perf_counter() - began) * 1e3
                    counter._unlocked()
            return ending

        def counted_execute(conn, command, sql):
            if counter.sent is not None:
                counter.sent += 1
            return execute(conn, command, sql)

        connections.Connection._execute_command = counted_execute
        connections.Connection.commit = timed(commit)
        connections.Connection.rollback = timed(rollback)

    def _unlocked(self):
        """A transaction ended: how long it held a booking lock, if any."""
        if self.locked_at is not None:
            self.held.append((time.perf_counter() - self.locked_at) * 1000.0)
            self.locked_at = None

    def _statement(self, conn, cursor, statement, parameters, context,
                   executemany):
        self.statements.append(statement if self.keep else None)
        # NOTE(esi-leap): every booking transaction starts with the upsert
        # of its resource_locks row; the row lock lasts until it ends.
        if self.locked_at is None and \
                statement.lstrip().upper().startswith(
                    'INSERT INTO RESOURCE_LOCKS'):
            self.locked_at = time.perf_counter()

    def _commit(self, conn):
        self.commits += 1

    def _rollback(self, conn):
        self.rollbacks += 1

    @contextlib.contextmanager
    def counting(self, keep=False):
        """Reset the counts; yield self."""
        self.statements, self.commits, self.rollbacks = [], 0, 0
        self.sent = 0
        self.keep = keep
        self.held = []
        self.ending_ms = 0.0
        yield self


def _iso(value):
    return value.astimezone(UTC).replace(tzinfo=None).isoformat()


def headers(project, role):
    return {'X-Project-Id': project, 'X-Roles': role, 'X-User-Id': 'u'}


ADMIN = headers('admin-project', 'admin')
OWNER = headers('owner-00', 'esi_leap_owner')
LESSEE = headers('lessee-00', 'esi_leap_lessee')


def seed(app, dummy, n_offers, now):
    """Create ``n_offers`` offers on n/10 nodes and one lease in each."""
    n_nodes = max(1, n_offers // 10)
    for i in range(n_nodes):
        dummy.add('rt-node-%04d' % i, 'owner-00')
    offers = []
    base = now + datetime.timedelta(days=1)
    for k in range(n_offers):
        start = base + datetime.timedelta(days=10 * (k // n_nodes))
        body = {'resource_type': 'dummy_node',
                'resource_uuid': 'rt-node-%04d' % (k % n_nodes),
                'start_time': _iso(start),
                'end_time': _iso(start + datetime.timedelta(days=10))}
        offer = app.post_json('/v1/offers', body, headers=OWNER).json
        offers.append((offer['uuid'], start))
        lease_start = start + datetime.timedelta(days=5)
        app.post_json('/v1/offers/%s/claim' % offer['uuid'], {
            'start_time': _iso(lease_start),
            'end_time': _iso(lease_start + datetime.timedelta(days=1))},
            headers=LESSEE)
    return offers


class Requests(object):
    """The requests measured, each a function of its repetition number."""

    def __init__(self, app, offers, now):
        self.app = app
        self.offers = offers
        self.now = now
        self.lease_uuids = []
        self.shown_lease = None

    def list_offers(self, _i):
        return self.app.get('/v1/offers', headers=ADMIN)

    def list_leases_all(self, _i):
        return self.app.get('/v1/leases', {'view': 'all'}, headers=ADMIN)

    def list_leases_owner(self, _i):
        return self.app.get('/v1/leases', headers=OWNER)

    def show_offer(self, _i):
        return self.app.get('/v1/offers/%s' % self.offers[0][0],
                            headers=LESSEE)

    def list_leases_project(self, _i):
        return self.app.get('/v1/leases', {'project_id': 'lessee-00'},
                            headers=ADMIN)

    def list_nodes(self, _i):
        return self.app.get('/v1/nodes', headers=ADMIN)

    def list_nodes_owner(self, _i):
        return self.app.get('/v1/nodes', {'owner': 'owner-00'},
                            headers=ADMIN)

    def versions(self, _i):
        return self.app.get('/', headers=ADMIN)

    def show_lease(self, _i):
        if self.shown_lease is None:
            self.shown_lease = self.app.get(
                '/v1/leases', {'view': 'all'},
                headers=ADMIN).json['leases'][0]['uuid']
        return self.app.get('/v1/leases/%s' % self.shown_lease,
                            headers=ADMIN)

    def claim(self, i):
        offer_uuid, start = self.offers[0]
        slot = start + datetime.timedelta(minutes=5 * i)
        return self.app.post_json(
            '/v1/offers/%s/claim' % offer_uuid,
            {'start_time': _iso(slot),
             'end_time': _iso(slot + datetime.timedelta(minutes=5))},
            headers=LESSEE, status=201)

    def create_lease(self, i):
        slot = self.now + datetime.timedelta(days=3000, hours=i)
        response = self.app.post_json('/v1/leases', {
            'resource_uuid': 'rt-node-0000', 'project_id': 'lessee-00',
            'start_time': _iso(slot),
            'end_time': _iso(slot + datetime.timedelta(minutes=30))},
            headers=OWNER, status=201)
        self.lease_uuids.append(response.json['uuid'])
        return response

    def cancel_lease(self, i):
        return self.app.delete('/v1/leases/%s' % self.lease_uuids[i],
                               headers=OWNER)


KINDS = (
    ('GET /v1/offers (admin)', 'list_offers'),
    ('GET /v1/leases?view=all (admin)', 'list_leases_all'),
    ('GET /v1/leases (owner)', 'list_leases_owner'),
    ('GET /v1/leases?project_id (admin)', 'list_leases_project'),
    ('GET /v1/nodes (admin)', 'list_nodes'),
    ('GET /v1/nodes?owner (admin)', 'list_nodes_owner'),
    ('GET / (versions)', 'versions'),
    ('GET /v1/offers/<uuid> (lessee)', 'show_offer'),
    ('GET /v1/leases/<uuid> (admin)', 'show_lease'),
    ('POST /v1/offers/<uuid>/claim', 'claim'),
    ('POST /v1/leases', 'create_lease'),
    ('DELETE /v1/leases/<uuid>', 'cancel_lease'),
)


def measure(counter, send, repeat, show_sql):
    """Return the medians of one kind of request, as a dict.

    statements, commits, rollbacks, sent (commands PyMySQL sent), ms (wall
    time in the app), cpu_ms, lock_ms (how long its booking lock was
    held, its COMMIT included; None for requests that take none) and
    end_ms (the time spent in COMMIT and ROLLBACK); the last two on
    MariaDB only. The CPU time is
    this process's (the app's, not the database server's): it depends
    much less than wall time on other work on the machine.
    """
    send(repeat)    # warm-up, not counted
    rows = []
    for i in range(repeat):
        with counter.counting(keep=show_sql and i == 0) as c:
            began, began_cpu = time.perf_counter(), time.process_time()
            send(i)
            rows.append(dict(
                ms=(time.perf_counter() - began) * 1000.0,
                cpu_ms=(time.process_time() - began_cpu) * 1000.0,
                statements=len(c.statements), commits=c.commits,
                rollbacks=c.rollbacks, sent=c.sent,
                lock_ms=sum(c.held) if c.held else None,
                end_ms=c.ending_ms if c.sent is not None and
                c.commits + c.rollbacks else None))
            if show_sql and i == 0:
                for statement in c.statements:
                    print('    ' + ' '.join(statement.split())[:150])
    medians = {}
    for key in rows[0]:
        values = [row[key] for row in rows if row[key] is not None]
        medians[key] = statistics.median(values) if values else None
    return medians


def python_calls(send, first, count=3):
    """The median Python function calls of ``send(first)`` and on.

    NOTE(esi-leap): a median, because now and then a request also
    reloads the policy rules (a thousand calls more).
    """
    calls = []
    for i in range(first, first + count):
        profiler = cProfile.Profile()
        profiler.enable()
        send(i)
        profiler.disable()
        calls.append(pstats.Stats(profiler).total_calls)
    return statistics.median(calls)


def profile(send, path, repeat):
    """Profile ``repeat`` calls of ``send`` with pyinstrument."""
    try:
        import pyinstrument
    except ImportError:
        print('pyinstrument is not installed: pip install -r '
              'benchmarks/requirements.txt')
        return
    profiler = pyinstrument.Profiler(interval=0.0005)
    profiler.start()
    for i in range(repeat):
        send(i)
    profiler.stop()
    with open(path, 'w') as f:
        f.write(profiler.output_text(unicode=False, color=False,
                                     show_all=False))
    print('profile of %d requests written to %s' % (repeat, path))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--backend', default='mysql',
                        choices=databases.ALL_BACKENDS)
    parser.add_argument('--offers', type=int, default=100,
                        help='offers seeded (default: %(default)s)')
    parser.add_argument('--repeat', type=int, default=20,
                        help='requests of each kind (default: '
                             '%(default)s)')
    parser.add_argument('--show-sql', action='store_true',
                        help='print the statements of one request of each '
                             'kind')
    parser.add_argument('--calls', action='store_true',
                        help='count the Python function calls per request '
                             '(cProfile, a few more requests of each kind)')
    parser.add_argument('--profile', metavar='PATH',
                        help='profile one kind of request (--profile-kind) '
                             'and write the pyinstrument report to PATH')
    parser.add_argument('--profile-kind', default='list_offers',
                        choices=[method for _name, method in KINDS],
                        help='request profiled (default: %(default)s)')
    return parser.parse_args(argv)


@contextlib.contextmanager
def configured(backend, prefix):
    """Point esi-leap in this process at a throwaway database; drop it after.

    noauth, casts to nowhere (``fake://``), dummy nodes in a temporary
    directory; the schema is built by the migrations. Yields the
    database (ThrowawayDatabase) and the node directory.
    """
    workdir = tempfile.mkdtemp(prefix=prefix)
    database = databases.ThrowawayDatabase(backend, workdir).create()
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
        yield database, nodes_dir
    finally:
        db_api.reset()
        database.drop()
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv=None):
    args = parse_args(argv)
    with configured(args.backend, 'esi-leap-rt-') as (database, nodes_dir):
        app = webtest.TestApp(app_module.setup_app())
        now = datetime.datetime.now(UTC)
        offers = seed(app, nodes_fixture.DummyNodes(nodes_dir), args.offers,
                      now)
        counter = Counter()
        counter.install()
        reqs = Requests(app, offers, now)
        print('esi-leap round trips per request: %s, %d offers, %d '
              'leases; median of %d requests in-process (no HTTP)'
              % (args.backend, args.offers, args.offers, args.repeat))
        header = '%-34s %10s %8s %9s %9s %9s %10s %11s %10s %9s' % (
            'request', 'statements', 'commits', 'rollbacks', 'to server',
            'ms (p50)', 'cpu ms p50', 'lock ms p50', 'end ms p50',
            'py calls')
        print(header)
        print('-' * len(header))
        for name, method in KINDS:
            if args.show_sql:
                print(name)
            m = measure(counter, getattr(reqs, method), args.repeat,
                        args.show_sql)
            sent = '%g' % m['sent'] if args.backend == 'mysql' else '-'
            lock, end = ('-' if m[key] is None else '%.2f' % m[key]
                         for key in ('lock_ms', 'end_ms'))
            calls = '%g' % python_calls(getattr(reqs, method),
                                        args.repeat + 1) \
                if args.calls else '-'
            print('%-34s %10g %8g %9g %9s %9.2f %10.2f %11s %10s %9s' % (
                name, m['statements'], m['commits'], m['rollbacks'], sent,
                m['ms'], m['cpu_ms'], lock, end, calls))
        if args.profile:
            send = getattr(reqs, args.profile_kind)
            if args.profile_kind == 'claim':
                reqs.offers = reqs.offers[1:]   # fresh slots
            profile(send, args.profile, args.repeat)


if __name__ == '__main__':
    sys.exit(main())
