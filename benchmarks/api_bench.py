#!/usr/bin/env python3
"""Throughput and latency of esi-leap's REST API on a real server.

For each size N this script creates a fresh database, seeds N offers (and
one to three leases inside each offer's window) straight into the tables,
starts ``esi-leap-api`` on 127.0.0.1 in noauth mode and measures, with
keep-alive ``requests`` sessions from 1 and 4 client threads:

* ``GET /v1/offers`` as an admin (every offer, with its availabilities),
* ``GET /v1/leases?view=all`` as an admin and ``GET /v1/leases`` as a plain
  owner (the leases its project granted or holds),
* ``POST /v1/offers/<uuid>/claim`` as lessees, all on one offer (as the
  baseline measured it) and spread over many offers and nodes.

It prints figures, never a verdict. See benchmarks/README.rst.
"""
import argparse
import collections
import contextlib
import datetime
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import requests
import sqlalchemy as sa

import lean_http

from esi_leap.db.sqlalchemy import models
from esi_leap.tests.fixtures import databases
from esi_leap.tests.fixtures import nodes as nodes_fixture
from esi_leap.tests.fixtures import server as server_fixture

UTC = datetime.timezone.utc
RESOURCE_TYPE = 'dummy_node'
OFFERS_PER_NODE = 10
OFFER_DAYS = 10
# Every offer keeps the first two days of its window free of seeded
# leases; claims are carved out of that gap in CLAIM_MINUTES slots.
FREE_LEAD_HOURS = 48
CLAIM_MINUTES = 5
HTTP_TIMEOUT = 300
# The load generators' HTTP clients (--client): the lean one by default,
# so that the client's own CPU time (on the same cores) weighs little.
SESSIONS = {'lean': lean_http.Session, 'requests': requests.Session}
CLIENT = 'lean'

ADMIN = ('admin-project', 'admin')
OWNER_ROLE = 'esi_leap_owner'
LESSEE_ROLE = 'esi_leap_lessee'
LESSEES = ['lessee-%02d' % i for i in range(20)]

# The original ESI-Leap 1.0.0 as measured in the peer runbook, section 6
# (MariaDB, 2 API workers, the bigger database pool). Where the runbook
# gives a range the middle is used. Key: (measurement, N, clients); N is
# None where the baseline does not depend on it.
# Value: (req/s, p50 ms, p99 ms).
BASELINE = {
    ('offers', 100, 1): (2.835, 350.0, 402.0),
    ('offers', 100, 4): (3.70, 668.0, 2550.0),
    ('offers', 1000, 1): (0.33, 2995.0, 3206.0),
    ('offers', 1000, 4): (0.41, 9164.0, 10497.0),
    ('claim-one', None, 1): (65.0, 11.9, 45.3),
    ('claim-one', None, 4): (41.7, 52.8, 433.7),
}


def _isoformat(value):
    return value.astimezone(UTC).replace(tzinfo=None).isoformat()


def headers(project_id, role):
    """Return the noauth identity headers of ``project_id`` with ``role``."""
    return {'X-Project-Id': project_id, 'X-Roles': role,
            'X-User-Id': 'bench-user', 'Accept': 'application/json'}


# Seeding ------------------------------------------------------------------

class Seeded(object):
    """What seed() put in the database."""

    def __init__(self):
        self.nodes = []
        self.owners = []
        self.offers = []      # (uuid, node, owner, start, end), by id
        self.lease_count = 0
        self.leases_by_owner = {}
        self.seconds = 0.0


def seed(db_url, nodes_dir, n_offers, n_owners, rng, now):
    """Insert ``n_offers`` available offers and their leases in bulk.

    Offers are spread over ``n_offers / OFFERS_PER_NODE`` dummy nodes, each
    node's offers back to back in OFFER_DAYS windows from tomorrow on, and
    the nodes over ``n_owners`` owner projects. Each offer gets 1-3 leases
    in status ``created`` after its first FREE_LEAD_HOURS, 12-48 hours
    long, so its availabilities have gaps.
    """
    started = time.perf_counter()
    result = Seeded()
    n_nodes = max(1, int(math.ceil(n_offers / float(OFFERS_PER_NODE))))
    result.owners = ['owner-%02d' % i for i in range(min(n_owners, n_nodes))]
    dummy = nodes_fixture.DummyNodes(nodes_dir)
    for i in range(n_nodes):
        node = 'bench-node-%05d' % i
        dummy.add(node, result.owners[i % len(result.owners)])
        result.nodes.append(node)

    base = now.replace(minute=0, second=0, microsecond=0) + \
        datetime.timedelta(days=1)
    offer_rows, lease_rows = [], []
    # Offer k is the (k // n_nodes)-th offer of node (k % n_nodes), so
    # consecutive offers are on different nodes.
    for k in range(n_offers):
        node_index, slot = k % n_nodes, k // n_nodes
        node = result.nodes[node_index]
        owner = result.owners[node_index % len(result.owners)]
        start = base + datetime.timedelta(days=slot * OFFER_DAYS)
        end = start + datetime.timedelta(days=OFFER_DAYS)
        offer_uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        offer_rows.append(dict(
            uuid=offer_uuid, name='bench-offer-%d' % k, project_id=owner,
            lessee_id=None, resource_type=RESOURCE_TYPE,
            resource_uuid=node, start_time=start, end_time=end,
            status='available', properties={}, parent_lease_uuid=None,
            created_at=now))
        result.offers.append((offer_uuid, node, owner, start, end))
        for j in range(rng.randint(1, 3)):
            lease_start = start + datetime.timedelta(
                hours=FREE_LEAD_HOURS + 72 * j + rng.randint(0, 12))
            lease_end = lease_start + datetime.timedelta(
                hours=rng.randint(12, 48))
            lessee = rng.choice(LESSEES)
            lease_rows.append(dict(
                uuid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                name=None, project_id=lessee, owner_id=owner,
                purpose='benchmark', resource_type=RESOURCE_TYPE,
                resource_uuid=node, start_time=lease_start,
                end_time=lease_end, status='created', properties={},
                offer_uuid=offer_uuid, parent_lease_uuid=None,
                created_at=now))
            result.leases_by_owner[owner] = \
                result.leases_by_owner.get(owner, 0) + 1
    result.lease_count = len(lease_rows)

    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as conn:
            for table, rows in ((models.Offer.__table__, offer_rows),
                                (models.Lease.__table__, lease_rows)):
                for i in range(0, len(rows), 1000):
                    conn.execute(table.insert(), rows[i:i + 1000])
    finally:
        engine.dispose()
    result.seconds = time.perf_counter() - started
    return result


class ClaimSlots(object):
    """Hands out free CLAIM_MINUTES windows, never the same one twice.

    Windows come from the leading free gap of each offer; ``order`` is the
    sequence of offers to take them from, one window per offer in turn.
    """

    def __init__(self, offers, order):
        self._offers = offers
        self._order = order
        self._next = {}
        self._turn = 0
        self._lock = threading.Lock()
        self._per_offer = FREE_LEAD_HOURS * 60 // CLAIM_MINUTES

    def take(self):
        """Return (offer uuid, start, end), or None when none are left."""
        with self._lock:
            for _ in range(len(self._order)):
                index = self._order[self._turn % len(self._order)]
                self._turn += 1
                used = self._next.get(index, 0)
                if used >= self._per_offer:
                    continue
                self._next[index] = used + 1
                offer_uuid, _node, _owner, start, _end = self._offers[index]
                slot_start = start + datetime.timedelta(
                    minutes=CLAIM_MINUTES * used)
                return (offer_uuid, slot_start, slot_start +
                        datetime.timedelta(minutes=CLAIM_MINUTES))
            return None


# Measuring ----------------------------------------------------------------

def _cpu_seconds(pid):
    """User+system CPU seconds of one process (Linux /proc), or None."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            fields = f.read().rsplit(')', 1)[1].split()
    except (OSError, IndexError):
        return None
    # After the command name: state is field 3, utime 14, stime 15.
    return (int(fields[11]) + int(fields[12])) / float(
        os.sysconf('SC_CLK_TCK'))


def _children(pid):
    try:
        with open('/proc/%d/task/%d/children' % (pid, pid)) as f:
            return [int(c) for c in f.read().split()]
    except (OSError, ValueError):
        return []


class ServerCpu(object):
    """CPU time used by a server process and its (worker) children."""

    def __init__(self, pid):
        self.pid = pid

    def sample(self):
        """Return {pid: cpu seconds} of the server's processes."""
        pids = [self.pid] + _children(self.pid)
        found = {}
        for pid in pids:
            value = _cpu_seconds(pid)
            if value is not None:
                found[pid] = value
        return found

    @staticmethod
    def used(before, after):
        """CPU seconds used between two samples, or None."""
        if not before or not after:
            return None
        return sum(after[pid] - before.get(pid, 0.0) for pid in after)


class Result(object):
    """The outcome of one measurement."""

    def __init__(self, name, kind, clients):
        self.name = name
        self.kind = kind
        self.clients = clients
        self.latencies = []       # seconds, 2xx responses only
        self.codes = {}
        self.sizes = []
        self.sent = 0
        self.wall = 0.0
        self.errors = []
        self.last_body = None
        self.rows = None
        self.server_cpu = None    # seconds, whole measurement

    @property
    def ok(self):
        return len(self.latencies)

    @property
    def rate(self):
        return self.ok / self.wall if self.wall > 0 else 0.0

    @property
    def cpu_per_request(self):
        """Server CPU ms per request sent (all workers), or None."""
        if self.server_cpu is None or not self.sent:
            return None
        return self.server_cpu * 1000.0 / self.sent

    def percentile(self, p):
        """Nearest-rank percentile of the 2xx latencies, in ms."""
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        rank = max(1, int(math.ceil(p / 100.0 * len(ordered))))
        return ordered[rank - 1] * 1000.0


class _Load(object):
    """The shared state of one measure() run."""

    def __init__(self, result, max_requests, time_limit, send, cpu,
                 min_time=0.0):
        self.result = result
        self.max_requests = max_requests
        self.time_limit = time_limit
        self.min_time = min_time
        self.send = send
        self.cpu = cpu
        self.lock = threading.Lock()
        self.sent = 0
        self.started = self.deadline = self.cpu_before = None

    def go(self):
        """Barrier action: the timed part starts now."""
        if self.cpu is not None:
            self.cpu_before = self.cpu.sample()
        self.started = time.monotonic()
        self.deadline = self.started + self.time_limit

    def take(self):
        """Count one more request; False once the budget is used up.

        The budget is ``max_requests``, or more until ``min_time`` seconds
        have passed, and never beyond ``time_limit`` seconds.
        """
        with self.lock:
            now = time.monotonic()
            if now >= self.deadline or (
                    self.sent >= self.max_requests and
                    now >= self.started + self.min_time):
                return False
            self.sent += 1
            return True

    def failed(self, error):
        with self.lock:
            self.result.errors.append(str(error))
            self.result.codes['error'] = \
                self.result.codes.get('error', 0) + 1

    def done(self, response, elapsed):
        """Record one response (None: the sender had nothing to send)."""
        result = self.result
        with self.lock:
            if response is None:
                self.sent -= 1
                return False
            code = response.status_code
            result.codes[code] = result.codes.get(code, 0) + 1
            result.sizes.append(len(response.content))
            if 200 <= code < 300:
                result.latencies.append(elapsed)
                result.last_body = response.content
            elif len(result.errors) < 3:
                result.errors.append('%s %s' % (code, response.text[:200]))
            return True

    def loop(self, session, index):
        """Send requests from one client until the budget is used up."""
        while self.take():
            began = time.perf_counter()
            try:
                response = self.send(session, index)
            except requests.RequestException as e:
                self.failed(e)
                continue
            if not self.done(response, time.perf_counter() - began):
                return


def measure(name, kind, clients, max_requests, time_limit, warm_up,
            send, cpu=None, min_time=0.0):
    """Run ``send(session, client_index)`` from ``clients`` threads.

    Each thread has its own keep-alive session, opened by ``warm_up`` (not
    counted). Then all start together and send requests until
    ``max_requests`` were sent in total or ``time_limit`` seconds passed;
    ``send`` returns a response or None when it has nothing left to send.
    Throughput and percentiles count 2xx responses only. With ``cpu`` (a
    ServerCpu), the server's CPU time during the timed part is recorded.
    With ``min_time``, requests go on past ``max_requests`` until that many
    seconds have passed (for requests that change nothing).
    """
    result = Result(name, kind, clients)
    load = _Load(result, max_requests, time_limit, send, cpu, min_time)
    ready = threading.Barrier(clients, action=load.go)

    def run(index):
        session = SESSIONS[CLIENT]()
        try:
            try:
                warm_up(session, index)
            except requests.RequestException as e:
                with load.lock:
                    result.errors.append('warm-up: %s' % e)
            ready.wait()
            load.loop(session, index)
        finally:
            session.close()

    threads = [threading.Thread(target=run, args=(i,), daemon=True)
               for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.wall = time.monotonic() - load.started
    if cpu is not None:
        result.server_cpu = cpu.used(load.cpu_before, cpu.sample())
    result.sent = load.sent
    return result


def count_rows(body, key):
    if body is None:
        return None
    try:
        return len(json.loads(body)[key])
    except (ValueError, KeyError, TypeError):
        return None


# Reporting ----------------------------------------------------------------

def _fmt(value, digits=1):
    if value is None:
        return '-'
    return '%.*f' % (digits, value)


def baseline_note(result, n):
    """Return the comparison with the original ESI-Leap, if it has one."""
    base = BASELINE.get((result.kind, n, result.clients)) or \
        BASELINE.get((result.kind, None, result.clients))
    if base is None or not result.ok:
        return ''
    rate, p50, _p99 = base
    return 'req/s x%.2f, p50 x%.2f (base %s/s, p50 %s ms)' % (
        result.rate / rate, result.percentile(50) / p50,
        _fmt(rate, 2), _fmt(p50))


def print_table(n, results):
    header = ('%-33s %3s %5s %5s %8s %9s %9s %9s %6s %8s  %s' % (
        'endpoint', 'cli', 'reqs', 'ok', 'req/s', 'p50 ms', 'p99 ms',
        'bytes', 'rows', 'cpu ms', 'vs original ESI-Leap'))
    print(header)
    print('-' * len(header))
    for r in results:
        size = sorted(r.sizes)[len(r.sizes) // 2] if r.sizes else None
        print('%-33s %3d %5d %5d %8s %9s %9s %9s %6s %8s  %s' % (
            r.name, r.clients, r.sent, r.ok, _fmt(r.rate, 2),
            _fmt(r.percentile(50)), _fmt(r.percentile(99)),
            size if size is not None else '-',
            r.rows if r.rows is not None else '-',
            _fmt(r.cpu_per_request), baseline_note(r, n)))
    for r in results:
        bad = {c: k for c, k in r.codes.items()
               if not (isinstance(c, int) and 200 <= c < 300)}
        if bad or r.errors:
            print('  %s (%d clients): non-2xx %s %s' % (
                r.name, r.clients, bad, '; '.join(r.errors[:3])))
    sys.stdout.flush()


# One size -----------------------------------------------------------------

def requests_for(args, n, claims=False):
    """Request bound of one measurement at size ``n``."""
    if claims:
        return args.claim_requests
    if args.requests:
        return args.requests
    return max(8, min(100, 20000 // n))


# What seeded_server() yields.
Seeding = collections.namedtuple(
    'Seeding', 'server seeded now config nodes_dir rng')


@contextlib.contextmanager
def seeded_server(args, n, workdir, owners, workers, extra=None):
    """A stopped API server on a throwaway database seeded with ``n`` offers.

    Yields a Seeding; the server is stopped, the
    database dropped and the node files removed afterwards. The caller
    starts the server once it has added what it needs to the seed.
    """
    rng = random.Random(args.seed + n)
    database = databases.ThrowawayDatabase(args.backend, workdir)
    nodes_dir = os.path.join(workdir, 'nodes-%d' % n)
    port = server_fixture.free_port()
    config = server_fixture.write_config(
        os.path.join(workdir, 'esi-leap-%d.conf' % n), database.url,
        nodes_dir, port, workers=workers, extra=extra)
    server = server_fixture.Server(config, port)
    database.create()
    try:
        server.dbsync()
        now = datetime.datetime.now(UTC)
        yield Seeding(server, seed(database.url, nodes_dir, n, owners, rng,
                                   now), now, config, nodes_dir, rng)
    finally:
        server.stop()
        database.drop()
        shutil.rmtree(nodes_dir, ignore_errors=True)


def bench_size(args, n, workdir):
    with seeded_server(args, n, workdir, args.owners, args.workers, extra={
            'DEFAULT': {'transport_url': args.transport_url}}) as site:
        server, seeded = site.server, site.seeded
        server.start()
        print('\n== N=%d offers on %d nodes, %d owners, %d leases; '
              '%s, %d API workers; seeded in %.1f s'
              % (n, len(seeded.nodes), len(seeded.owners),
                 seeded.lease_count, args.backend, args.workers,
                 seeded.seconds), flush=True)
        load_before = _load()
        results = run_measurements(args, n, server.url, seeded,
                                   ServerCpu(server.process.pid))
        print_table(n, results)
        print('load average (1 min) before/after: %s / %s on %s CPUs'
              % (load_before, _load(), os.cpu_count()))
        if args.keep_server:
            print('server left running for inspection: %s, master PID %d '
                  '(workers are its children), config %s; press Enter to '
                  'stop it' % (server.url, server.process.pid, site.config),
                  flush=True)
            sys.stdin.readline()
        return results


def _load():
    try:
        return '%.1f' % os.getloadavg()[0]
    except OSError:
        return '-'


def run_measurements(args, n, url, seeded, cpu):
    results = []
    admin = headers(*ADMIN)
    owner = seeded.owners[0]
    owner_headers = headers(owner, OWNER_ROLE)
    small = {'resource_type': RESOURCE_TYPE,
             'resource_uuid': seeded.nodes[0]}

    def get(path, hdrs, params=None):
        def send(session, _index):
            return session.get(url + path, headers=hdrs, params=params,
                               timeout=HTTP_TIMEOUT)

        def warm_up(session, _index):
            # The same code path, on one node's offers or leases only.
            warm = dict(params or {})
            warm.update(small)
            session.get(url + path, headers=hdrs, params=warm,
                        timeout=HTTP_TIMEOUT)
        return send, warm_up

    lists = [
        ('GET /v1/offers (admin)', 'offers', '/v1/offers', admin, None,
         'offers'),
        ('GET /v1/leases?view=all (admin)', 'leases-all', '/v1/leases',
         admin, {'view': 'all'}, 'leases'),
        ('GET /v1/leases (owner %s)' % owner, 'leases-owner', '/v1/leases',
         owner_headers, None, 'leases'),
    ]
    for name, kind, path, hdrs, params, key in lists:
        for clients in args.clients:
            send, warm_up = get(path, hdrs, params)
            r = measure(name, kind, clients, requests_for(args, n),
                        args.time_limit, warm_up, send, cpu)
            r.rows = count_rows(r.last_body, key)
            r.last_body = None
            results.append(r)

    # Claims: one offer, as the baseline measured them (every claim takes
    # the same resource lock), then one claim per offer, nodes in turn.
    # Each client's warm-up is one uncounted claim.
    one = ClaimSlots(seeded.offers, [0])
    spread = ClaimSlots(seeded.offers, list(range(1, len(seeded.offers)))
                        or [0])
    for name, kind, slots in (
            ('POST claim (one offer)', 'claim-one', one),
            ('POST claim (spread over offers)', 'claim-spread', spread)):
        for clients in args.clients:
            r = measure(name, kind, clients, requests_for(args, n, True),
                        args.time_limit, _claim_sender(url, slots),
                        _claim_sender(url, slots), cpu)
            r.rows = None
            r.last_body = None
            results.append(r)
    return results


def _claim_sender(url, slots):
    def send(session, index):
        slot = slots.take()
        if slot is None:
            return None
        offer_uuid, start, end = slot
        return session.post(
            url + '/v1/offers/%s/claim' % offer_uuid,
            headers=headers(LESSEES[index % len(LESSEES)], LESSEE_ROLE),
            json={'start_time': _isoformat(start),
                  'end_time': _isoformat(end)},
            timeout=HTTP_TIMEOUT)
    return send


# Main ---------------------------------------------------------------------

def _int_list(text):
    try:
        values = [int(v) for v in text.split(',') if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError('expected integers, comma '
                                         'separated: %r' % text)
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError('expected positive integers')
    return values


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Measure requests/s and latency of esi-leap\'s REST '
                    'API on a real server and database (127.0.0.1 only).')
    parser.add_argument('--backend', default='mysql',
                        choices=databases.ALL_BACKENDS,
                        help='database backend (default: %(default)s)')
    parser.add_argument('--sizes', type=_int_list, default=[100, 1000, 10000],
                        help='numbers of offers, comma separated '
                             '(default: 100,1000,10000)')
    parser.add_argument('--clients', type=_int_list, default=[1, 4],
                        help='client thread counts, comma separated '
                             '(default: 1,4)')
    parser.add_argument('--workers', type=int, default=2,
                        help='API worker processes (default: %(default)s)')
    parser.add_argument('--owners', type=int, default=10,
                        help='owner projects the nodes are spread over '
                             '(default: %(default)s)')
    parser.add_argument('--requests', type=int, default=0,
                        help='requests per list measurement (default: '
                             '20000/N, between 8 and 100)')
    parser.add_argument('--claim-requests', type=int, default=200,
                        help='claims per claim measurement '
                             '(default: %(default)s)')
    parser.add_argument('--time-limit', type=float, default=15.0,
                        help='seconds per measurement; requests in flight '
                             'then finish (default: %(default)s)')
    parser.add_argument('--transport-url', default='fake://',
                        help='oslo.messaging transport of the server, '
                             'which casts to the manager after every '
                             'change (default: %(default)s, in-process, '
                             'so no broker is touched)')
    parser.add_argument('--seed', type=int, default=1,
                        help='random seed of the data (default: '
                             '%(default)s)')
    parser.add_argument('--workdir',
                        help='directory for config, logs, dummy nodes and '
                             'SQLite files (default: a new temporary one, '
                             'removed at the end)')
    parser.add_argument('--client', choices=sorted(SESSIONS),
                        default=CLIENT,
                        help='HTTP client of the load (default: %(default)s;'
                             ' see lean_http.py)')
    parser.add_argument('--keep-server', action='store_true',
                        help='after each size, wait for Enter before '
                             'stopping the server (to profile it)')
    args = parser.parse_args(argv)
    one_offer_slots = FREE_LEAD_HOURS * 60 // CLAIM_MINUTES
    needed = sum(args.claim_requests + c for c in args.clients)
    if needed > one_offer_slots:
        parser.error('the one-offer claim test has %d free windows; '
                     '--claim-requests and --clients ask for %d'
                     % (one_offer_slots, needed))
    return args


def _calibration_ms():
    """CPU ms of a fixed pure-Python loop: how fast this machine is now."""
    best = None
    for _attempt in range(3):
        began = time.process_time()
        total = 0
        for i in range(1000000):
            total += i * i
        used = (time.process_time() - began) * 1000.0
        best = used if best is None else min(best, used)
    return best


def _code_version():
    """The git commit of the esi-leap being measured, if it has one."""
    top = os.path.abspath(models.__file__)
    for _level in range(4):     # esi_leap/db/sqlalchemy/models.py
        top = os.path.dirname(top)
    try:
        head = subprocess.run(
            ['git', '-C', top, 'describe', '--always', '--dirty'],
            capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return 'unknown'
    return head.stdout.strip() or 'unknown'


def main(argv=None):
    global CLIENT
    args = parse_args(argv)
    CLIENT = args.client
    workdir = args.workdir or tempfile.mkdtemp(prefix='esi-leap-bench-')
    os.makedirs(workdir, exist_ok=True)
    print('esi-leap API benchmark: backend %s, sizes %s, clients %s, '
          '%d workers, transport %s; %s client; code %s; workdir %s'
          % (args.backend, ','.join(map(str, args.sizes)),
             ','.join(map(str, args.clients)), args.workers,
             args.transport_url, args.client, _code_version(), workdir))
    print('machine: %s CPUs, load average %s; a fixed pure-Python loop '
          'took %.0f ms of CPU (lower is a faster machine)'
          % (os.cpu_count(), _load(), _calibration_ms()))
    started = time.monotonic()
    try:
        for n in args.sizes:
            bench_size(args, n, workdir)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    print('\ntotal %.0f s. Throughput and percentiles count 2xx responses '
          'only; "bytes" is the median response size; "rows" the items in '
          'a list response; "cpu ms" the server\'s CPU time (all workers) '
          'per request. Baseline: the original ESI-Leap 1.0.0 '
          '(shared/docs/peer-runbook.md section 6); "x" is ours divided by '
          'the baseline.'
          % (time.monotonic() - started))


if __name__ == '__main__':
    main()
