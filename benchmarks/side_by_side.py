#!/usr/bin/env python3
"""esi-leap and the original ESI-Leap 1.0.0, measured side by side.

One run, one machine, one MariaDB server (separate databases), the same
number of API workers, the same data seeded through each API, the same
bounded load; every phase alternates between the two servers (original,
esi-leap, original, esi-leap) so that machine noise hits both alike. At
the end it prints one table of figures and ratios (esi-leap over the
original). Everything listens on 127.0.0.1; every loop is bounded by a
count and a time limit, and every process started is stopped by PID.

The original is installed from PyPI (``esi-leap==1.0.0``) into its own
venv (``--peer-venv``, created when missing). It runs with
``[pecan] auth_enable = false``, so it still asks Keystone and Ironic for
project and node lists: benchmarks/openstack_standin.py answers them.
See benchmarks/README.rst.
"""
import argparse
import datetime
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import api_bench  # noqa: E402

from esi_leap.tests.fixtures import databases  # noqa: E402
from esi_leap.tests.fixtures import nodes as nodes_fixture  # noqa: E402
from esi_leap.tests.fixtures import server as server_fixture  # noqa: E402

UTC = datetime.timezone.utc
HTTP_TIMEOUT = 120
# Least seconds per round and side of a phase of reads (--min-read-time).
READ_MIN_TIME = 2.0
OWNERS = ['0e%030d' % i for i in range(1, 5)]
LESSEES = ['1e%030d' % i for i in range(1, 9)]
ADMIN = 'ad%030d' % 1
DEFAULT_PEER_VENV = os.path.join(
    os.environ.get('XDG_CACHE_HOME', os.path.expanduser('~/.cache')),
    'esi-leap-bench', 'esi-leap-1.0.0')


def iso(value):
    return value.astimezone(UTC).replace(tzinfo=None).isoformat()


def hdrs(project, role):
    return {'X-Project-Id': project, 'X-Roles': role,
            'X-User-Id': 'bench', 'Accept': 'application/json'}


# The two servers ------------------------------------------------------------

def ensure_peer_venv(path):
    """Create the original's venv with esi-leap==1.0.0 unless present."""
    api = os.path.join(path, 'bin', 'esi-leap-api')
    if os.path.exists(api):
        return path
    print('installing esi-leap==1.0.0 from PyPI into %s' % path, flush=True)
    subprocess.run([sys.executable, '-m', 'venv', path], check=True)
    subprocess.run([os.path.join(path, 'bin', 'pip'), 'install', '-q',
                    '--disable-pip-version-check', 'esi-leap==1.0.0'],
                   check=True, timeout=900)
    return path


class Process(object):
    """A server process in its own session, stopped by PID.

    ``env``: its environment (default: this process's).
    """

    def __init__(self, argv, log_path, url, env=None):
        self.argv = argv
        self.log_path = log_path
        self.url = url
        self.env = env
        self.process = None

    def start(self, timeout=90):
        with open(self.log_path, 'ab') as log:
            self.process = subprocess.Popen(
                self.argv, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
                env=self.env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError('%s exited; see %s'
                                   % (self.argv[0], self.log_path))
            try:
                if requests.get(self.url + '/', timeout=2).status_code < 500:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError('%s did not answer; see %s'
                           % (self.argv[0], self.log_path))

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, 15)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
            self.process.wait()


def peer_config(path, workdir, db_url, port, standin_url, workers):
    """The original's config: auth off, dummy nodes, the stand-in."""
    sections = {
        'DEFAULT': {'host': 'bench-peer', 'transport_url': 'fake:/',
                    'log_dir': workdir, 'debug': 'false'},
        'api': {'host_ip': '127.0.0.1', 'port': str(port),
                'api_workers': str(workers),
                'default_resource_type': 'dummy_node'},
        'pecan': {'auth_enable': 'false'},
        # NOTE: the shipped pool (5 + 50) makes 4 concurrent listings
        # fail after 30 s (peer runbook section 6); the original gets the
        # bigger pool, its best configuration.
        'database': {'connection': db_url, 'max_pool_size': '10',
                     'max_overflow': '200'},
        'dummy_node': {'dummy_node_dir': os.path.join(workdir,
                                                      'peer-nodes')},
        'oslo_concurrency': {'lock_path': os.path.join(workdir, 'locks')},
        'keystone': {'auth_type': 'admin_token', 'token': 'bench',
                     'endpoint': standin_url + '/identity/v3'},
        'ironic': {'auth_type': 'admin_token', 'token': 'bench',
                   'endpoint': standin_url + '/baremetal'},
    }
    return server_fixture.write_ini(path, sections)


class Side(object):
    """One server under test and how to talk to it."""

    def __init__(self, name, url, admin, owner_role, lessee_role, pid,
                 seed_threads):
        self.name = name
        self.seed_threads = seed_threads
        self.url = url
        self.admin = admin
        self.owner_role = owner_role
        self.lessee_role = lessee_role
        self.cpu = api_bench.ServerCpu(pid)
        self.offers = []        # (uuid, start, end, owner)
        self.leases = 0

    def owner(self, project):
        return hdrs(project, self.owner_role)

    def lessee(self, project):
        return hdrs(project, self.lessee_role)


# Seeding through the APIs ------------------------------------------------

def _parallel(jobs, threads):
    """Run ``jobs`` (callables taking a session) on ``threads`` threads."""
    jobs = list(jobs)
    lock = threading.Lock()
    errors = []

    def run():
        session = requests.Session()
        while True:
            with lock:
                if not jobs or len(errors) > 5:
                    return
                job = jobs.pop()
            try:
                job(session)
            except Exception as e:     # reported below, never hidden
                with lock:
                    errors.append(repr(e)[:300])
    workers = [threading.Thread(target=run, daemon=True)
               for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if errors:
        raise RuntimeError('seeding failed: %s' % errors[:3])


def _check(response, what):
    if response.status_code not in (200, 201):
        raise RuntimeError('%s: %s %s' % (what, response.status_code,
                                          response.text[:200]))
    return response.json()


class Plan(object):
    """The data both sides get: nodes, offers and leases in them."""

    def __init__(self, base, n_nodes):
        self.base = base
        self.nodes = ['bench-node-%04d' % i for i in range(n_nodes)]

    def owner_of(self, node_index):
        return OWNERS[node_index % len(OWNERS)]

    def offer_window(self, k):
        node_index, slot = k % len(self.nodes), k // len(self.nodes)
        start = self.base + datetime.timedelta(days=30 * slot)
        return node_index, start, start + datetime.timedelta(days=30)


def write_nodes(directory, plan):
    dummy = nodes_fixture.DummyNodes(directory)
    for i, node in enumerate(plan.nodes):
        dummy.add(node, plan.owner_of(i), resource_class='bench-class')


def seed_offers(side, plan, upto, threads):
    """Create offers number len(side.offers) .. upto-1 through the API."""
    wanted = range(len(side.offers), upto)
    made = {}

    def job(k):
        node_index, start, end = plan.offer_window(k)
        owner = plan.owner_of(node_index)

        def run(session):
            body = {'resource_type': 'dummy_node',
                    'resource_uuid': plan.nodes[node_index],
                    'start_time': iso(start), 'end_time': iso(end)}
            offer = _check(session.post(side.url + '/v1/offers', json=body,
                                        headers=side.owner(owner),
                                        timeout=HTTP_TIMEOUT), 'offer')
            made[k] = (offer['uuid'], start, end, owner)
        return run
    _parallel([job(k) for k in wanted], threads)
    side.offers.extend(made[k] for k in wanted)


def seed_leases(side, count, threads):
    """Claim one day-long lease from each of the first ``count`` offers.

    Day 20 to 21 of each offer's window, so the claim benchmarks (days
    0-10 of offer 0) and availabilities both stay meaningful.
    """
    def job(k):
        offer_uuid, start, _end, _owner = side.offers[k]
        lease_start = start + datetime.timedelta(days=20)

        def run(session):
            _check(session.post(
                side.url + '/v1/offers/%s/claim' % offer_uuid,
                json={'start_time': iso(lease_start),
                      'end_time': iso(lease_start +
                                      datetime.timedelta(days=1))},
                headers=side.lessee(LESSEES[k % len(LESSEES)]),
                timeout=HTTP_TIMEOUT), 'claim')
        return run
    _parallel([job(k) for k in range(side.leases, count)], threads)
    side.leases = max(side.leases, count)


def seed_direct_leases(side, plan, count, threads):
    """Add direct leases (POST /v1/leases) until ``count`` leases exist.

    Hour-long leases far in the future, on every node in turn.
    """
    far = plan.base + datetime.timedelta(days=3000)

    def job(k):
        node_index = k % len(plan.nodes)
        start = far + datetime.timedelta(hours=k // len(plan.nodes))

        def run(session):
            _check(session.post(side.url + '/v1/leases', json={
                'resource_uuid': plan.nodes[node_index],
                'project_id': LESSEES[k % len(LESSEES)],
                'start_time': iso(start),
                'end_time': iso(start + datetime.timedelta(minutes=59))},
                headers=side.owner(plan.owner_of(node_index)),
                timeout=HTTP_TIMEOUT), 'lease')
        return run
    _parallel([job(k) for k in range(side.leases, count)], threads)
    side.leases = max(side.leases, count)


# Phases ---------------------------------------------------------------------

class Figures(object):
    """The merged results of one phase on one side."""

    def __init__(self):
        self.latencies = []
        self.ok = 0
        self.sent = 0
        self.wall = 0.0
        self.cpu = 0.0
        self.errors = []

    def add(self, result):
        self.latencies.extend(result.latencies)
        self.ok += result.ok
        self.sent += result.sent
        self.wall += result.wall
        self.cpu += result.server_cpu or 0.0
        self.errors.extend(result.errors[:2])

    @property
    def rate(self):
        return self.ok / self.wall if self.wall else 0.0

    def percentile(self, p):
        r = api_bench.Result('', '', 0)
        r.latencies = self.latencies
        return r.percentile(p)


def get_phase(path, params, who):
    """A phase that GETs ``path``; ``who(side)`` gives the headers."""
    def make(side):
        def send(session, _index):
            return session.get(side.url + path, params=params,
                               headers=who(side), timeout=HTTP_TIMEOUT)
        return send, send
    make.reads_only = True
    return make


def first_lease(side):
    """The uuid of one lease of ``side``, listed by its admin."""
    listed = _check(requests.get(side.url + '/v1/leases',
                                 params={'view': 'all'}, headers=side.admin,
                                 timeout=HTTP_TIMEOUT), 'leases')
    return listed['leases'][0]['uuid']


def floor_phases(sides, rounds, limit):
    """The cheapest requests of each side: what no listing can go under.

    ``GET /`` (the version document: routing, the renderer, no policy and
    no database) and ``GET /v1/leases/<uuid>`` (policy, one lease read,
    one view). A listing's ratio can be no larger than the original's
    listing time over the second of these.
    """
    leases = {side.name: first_lease(side) for side in sides}

    def one_lease(side):
        path = '/v1/leases/%s' % leases[side.name]
        return get_phase(path, None, lambda s: s.admin)(side)
    return [run_phase('floor: GET / (versions)', sides,
                      get_phase('/', None, lambda s: s.admin), 1, 200,
                      rounds, limit),
            run_phase('floor: GET /v1/leases/<uuid> (admin)', sides,
                      one_lease, 1, 200, rounds, limit)]


class ClaimWindows(object):
    """Free 10-minute windows in days 0-10 of one offer, never reused."""

    def __init__(self, offer):
        self.offer = offer
        self.next = 0
        self.lock = threading.Lock()

    def take(self):
        with self.lock:
            if self.next >= 10 * 24 * 6:
                return None
            slot = self.next
            self.next += 1
        start = self.offer[1] + datetime.timedelta(minutes=10 * slot)
        return start, start + datetime.timedelta(minutes=10)


def claim_phase(windows):
    def make(side):
        slots = windows[side.name]

        def send(session, index):
            window = slots.take()
            if window is None:
                return None
            return session.post(
                side.url + '/v1/offers/%s/claim' % slots.offer[0],
                json={'start_time': iso(window[0]),
                      'end_time': iso(window[1])},
                headers=side.lessee(LESSEES[index % len(LESSEES)]),
                timeout=HTTP_TIMEOUT)
        return send, send
    return make


def lease_cycle_phase(plan, counters):
    """POST /v1/leases then DELETE it: one create and one cancel."""
    def make(side):
        node = plan.nodes[-1]
        owner = plan.owner_of(len(plan.nodes) - 1)
        base = plan.base + datetime.timedelta(days=5000)

        def send(session, _index):
            with counters['lock']:
                k = counters[side.name]
                counters[side.name] = k + 1
            start = base + datetime.timedelta(hours=k)
            created = session.post(side.url + '/v1/leases', json={
                'resource_uuid': node, 'project_id': LESSEES[0],
                'start_time': iso(start),
                'end_time': iso(start + datetime.timedelta(minutes=30))},
                headers=side.owner(owner), timeout=HTTP_TIMEOUT)
            if created.status_code != 201:
                return created
            return session.delete(
                side.url + '/v1/leases/%s' % created.json()['uuid'],
                headers=side.owner(owner), timeout=HTTP_TIMEOUT)
        return send, lambda session, index: None
    return make


def run_phase(name, sides, make, clients, requests_per_round, rounds,
              time_limit):
    """Alternate ``rounds`` bounded rounds over the sides; merge them."""
    merged = {side.name: Figures() for side in sides}
    # NOTE(esi-leap): a side that answers in milliseconds would send its
    # requests in a fraction of a second, so one busy moment of the machine
    # would decide its figures; requests that change nothing go on for
    # READ_MIN_TIME seconds of each round, as the slower side's do anyway.
    min_time = READ_MIN_TIME if getattr(make, 'reads_only', False) else 0.0
    for _round in range(rounds):
        for side in sides:
            send, warm = make(side)
            result = api_bench.measure(name, name, clients,
                                       requests_per_round, time_limit,
                                       warm, send, side.cpu, min_time)
            merged[side.name].add(result)
    return name, clients, merged


# Report ----------------------------------------------------------------------

def _f(value, digits=1):
    return '-' if value is None else '%.*f' % (digits, value)


def print_table(rows, sides):
    names = [s.name for s in sides]
    header = '%-44s %3s' % ('work', 'cli')
    for n in names:
        header += ' | %-8s %8s %8s %8s' % (n[:8], 'req/s', 'p50 ms',
                                           'p99 ms')
    header += ' | %9s %9s' % ('x req/s', 'x p50')
    print(header)
    print('-' * len(header))
    for name, clients, merged in rows:
        line = '%-44s %3d' % (name[:44], clients)
        for n in names:
            fig = merged.get(n)
            if fig is None:
                line += ' | %-8s %8s %8s %8s' % ('', '-', '-', '-')
                continue
            line += ' | %-8s %8s %8s %8s' % (
                '%d/%d' % (fig.ok, fig.sent), _f(fig.rate, 2),
                _f(fig.percentile(50)), _f(fig.percentile(99)))
        line += ' | %9s %9s' % _ratios(merged, names)
        print(line)
    for name, clients, merged in rows:
        for n, fig in merged.items():
            if fig.errors:
                print('  %s, %s, %d clients: %s'
                      % (n, name, clients, fig.errors[:2]))


def _ratios(merged, names):
    if len(names) < 2 or names[0] not in merged or names[1] not in merged:
        return '-', '-'
    peer, ours = merged[names[0]], merged[names[1]]
    rate = ours.rate / peer.rate if peer.rate else None
    p_peer, p_ours = peer.percentile(50), ours.percentile(50)
    p50 = p_peer / p_ours if p_peer and p_ours else None
    return (_f(rate, 1) + 'x' if rate else '-',
            _f(p50, 1) + 'x' if p50 else '-')


# Main ------------------------------------------------------------------------

def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--peer-venv', default=DEFAULT_PEER_VENV,
                        help='venv of the original (default: %(default)s; '
                             'created with pip when missing)')
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--client', choices=sorted(api_bench.SESSIONS),
                        default=api_bench.CLIENT,
                        help='HTTP client of the load, the same for both '
                             '(default: %(default)s; see lean_http.py)')
    parser.add_argument('--nodes', type=int, default=50)
    parser.add_argument('--rounds', type=int, default=2,
                        help='alternating rounds per phase (default: '
                             '%(default)s)')
    parser.add_argument('--time-limit', type=float, default=12.0,
                        help='seconds per round and side (default: '
                             '%(default)s)')
    parser.add_argument('--min-read-time', type=float,
                        default=READ_MIN_TIME,
                        help='reads go on for at least this many seconds '
                             'per round and side, past their request count '
                             '(default: %(default)s)')
    parser.add_argument('--big-leases', type=int, default=10000,
                        help='leases esi-leap alone is listed at '
                             '(0: skip; default: %(default)s)')
    parser.add_argument('--seed-threads', type=int, default=4)
    parser.add_argument('--driver', choices=('pymysql', 'mysqlclient'),
                        default='pymysql',
                        help="esi-leap's MySQL driver (the original always "
                             'uses PyMySQL; default: %(default)s)')
    return parser.parse_args(argv)


def start_sides(args, workdir, plan):
    """Start the stand-in and both servers; return (sides, processes)."""
    processes = []
    standin_port = server_fixture.free_port()
    standin = Process([sys.executable, os.path.join(
        os.path.dirname(os.path.abspath(__file__)), 'openstack_standin.py'),
        '--port', str(standin_port)], os.path.join(workdir, 'standin.log'),
        'http://127.0.0.1:%d' % standin_port)
    processes.append(standin.start())

    peer_db = databases.ThrowawayDatabase('mysql', workdir).create()
    ours_db = databases.ThrowawayDatabase(
        'mysql' if args.driver == 'pymysql' else 'mysqlclient',
        workdir).create()
    processes.extend([peer_db, ours_db])
    peer_url = peer_db.url.replace('utf8mb4', 'utf8')
    peer_port, ours_port = (server_fixture.free_port(),
                            server_fixture.free_port())
    conf = peer_config(os.path.join(workdir, 'peer.conf'), workdir,
                       peer_url, peer_port, standin.url, args.workers)
    venv = ensure_peer_venv(args.peer_venv)
    subprocess.run([os.path.join(venv, 'bin', 'esi-leap-dbsync'),
                    '--config-file', conf, 'create_schema'], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    write_nodes(os.path.join(workdir, 'peer-nodes'), plan)
    peer = Process([os.path.join(venv, 'bin', 'esi-leap-api'),
                    '--config-file', conf],
                   os.path.join(workdir, 'peer-api.log'),
                   'http://127.0.0.1:%d' % peer_port)
    processes.append(peer.start())

    ours_nodes = os.path.join(workdir, 'ours-nodes')
    write_nodes(ours_nodes, plan)
    ours_conf = server_fixture.write_config(
        os.path.join(workdir, 'ours.conf'), ours_db.url, ours_nodes,
        ours_port, workers=args.workers)
    ours = server_fixture.Server(ours_conf, ours_port)
    ours.dbsync()
    processes.append(ours.start())
    # NOTE: the original can hang for good on concurrent writes (peer
    # runbook section 9, bug 5), so it is seeded by one thread.
    sides = [Side('original', peer.url, hdrs(ADMIN, 'admin'), 'owner',
                  'lessee', peer.process.pid, 1),
             Side('esi-leap', ours.url, hdrs(ADMIN, 'admin'),
                  'esi_leap_owner', 'esi_leap_lessee', ours.process.pid,
                  args.seed_threads)]
    return sides, processes


def stop_all(processes):
    for p in reversed(processes):
        try:
            if hasattr(p, 'drop'):
                p.drop()
            else:
                p.stop()
        except Exception as e:
            print('cleanup: %r' % e)


def measure_all(args, sides, plan):
    rows = []
    ours = sides[1]
    rounds, limit = args.rounds, args.time_limit
    for n in (100, 1000):
        for side in sides:
            seed_offers(side, plan, n, side.seed_threads)
        for clients in (1, 4):
            rows.append(run_phase(
                'GET /v1/offers, %d offers' % n, sides,
                get_phase('/v1/offers', None, lambda s: s.admin),
                clients, max(5, 4000 // n), rounds, limit))
    for side in sides:
        seed_leases(side, 1000, side.seed_threads)
    owner = OWNERS[0]
    for label, params, who in (
            ('admin view=all', {'view': 'all'}, lambda s: s.admin),
            ('owner', None, lambda s: s.owner(owner))):
        rows.append(run_phase(
            'GET /v1/leases (%s), 1,000 leases' % label, sides,
            get_phase('/v1/leases', params, who), 1, 8, rounds, limit))
    rows.extend(floor_phases(sides, rounds, limit))
    windows = {s.name: ClaimWindows(s.offers[0]) for s in sides}
    for clients in (1, 4):
        rows.append(run_phase('POST claim, one offer', sides,
                              claim_phase(windows), clients, 100, rounds,
                              limit))
    counters = {'lock': threading.Lock()}
    counters.update({s.name: 0 for s in sides})
    rows.append(run_phase('POST /v1/leases + DELETE (create, cancel)',
                          sides, lease_cycle_phase(plan, counters), 1, 60,
                          rounds, limit))
    if args.big_leases:
        seed_direct_leases(ours, plan, args.big_leases, ours.seed_threads)
        for label, params, who in (
                ('admin view=all', {'view': 'all'}, lambda s: s.admin),
                ('owner', None, lambda s: s.owner(owner))):
            rows.append(run_phase(
                'GET /v1/leases (%s), %d leases' % (label,
                                                    args.big_leases),
                [ours], get_phase('/v1/leases', params, who), 1, 8, rounds,
                limit))
    return rows


def main(argv=None):
    args = parse_args(argv)
    api_bench.CLIENT = args.client
    global READ_MIN_TIME
    READ_MIN_TIME = args.min_read_time
    workdir = tempfile.mkdtemp(prefix='esi-leap-sbs-')
    started = time.monotonic()
    plan = Plan(datetime.datetime.now(UTC).replace(
        minute=0, second=0, microsecond=0) + datetime.timedelta(days=1),
        args.nodes)
    processes = []
    try:
        sides, processes = start_sides(args, workdir, plan)
        print('side by side: original ESI-Leap 1.0.0 (%s) and esi-leap '
              '(%s), %d API workers each, MariaDB 127.0.0.1:3306, %d '
              'nodes; %d alternating rounds of at most %.0f s per phase '
              'and side (reads at least %.1f s); %s HTTP client; esi-leap '
              'through %s' % (
                  args.peer_venv, api_bench._code_version(), args.workers,
                  args.nodes, args.rounds, args.time_limit,
                  args.min_read_time, args.client, args.driver),
              flush=True)
        rows = measure_all(args, sides, plan)
        print()
        print_table(rows, sides)
        print('\n"ok/sent" are 2xx responses of requests sent; latencies '
              'and rates count 2xx only; "x" is esi-leap over the '
              'original (req/s ratio, and p50 original/esi-leap). Total '
              '%.0f s.' % (time.monotonic() - started))
    finally:
        stop_all(processes)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == '__main__':
    main()
