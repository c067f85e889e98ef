#!/usr/bin/env python3
"""How exactly and how cheaply the manager keeps time.

1. Lag: seeds leases (default 200) on as many dummy nodes through the API
   of a real ``esi-leap-api`` + ``esi-leap-manager`` pair (RabbitMQ
   transport, MariaDB by default), with start and end times spread over a
   window, waits until they have all ended, and prints p50 / p99 / max of
   ``fulfill_time - start_time`` and ``expire_time - end_time`` as recorded
   by the manager.
2. Burst (``--only burst``): 1 000 leases on as many ``active`` dummy
   nodes, all starting at one instant and all ending at one later instant,
   through the same pair; the same figures.
3. Ironic (``--only ironic``): the burst on a real Ironic 39 (fake
   hardware, one process, SQLite, noauth) started as the test harness
   does (``esi_leap/tests/fixtures/ironic.py``; ``ESI_LEAP_IRONIC_VENV``),
   with ``--leases`` (200) nodes created in it; it also counts the node
   requests Ironic logged.
4. Sweep cost: times the manager's planning queries (next due instant,
   resources with due work, the ending event's next due instant and due
   leases) and a whole idle ``run_once`` on an empty database and again
   with 100 000 finished (expired and deleted) leases, and prints the
   ratio.
5. Ending event (``--only ending``): the lag run's leases with ``[manager]
   ending_lead_time`` = ``--ending-lead`` (5 s): p50 / p99 / max of the
   event's lateness (its recorded time minus end - lead), and how many
   leases got it other than once.
6. Ending burst (``--only ending-burst``): the burst twice, with the event
   off (lead 0) and with the default lead of one day (every lease, shorter
   than that, gets it at its start, in the same run as its start): the
   fulfil and expire lags and the manager's CPU time of both, i.e. what
   the event costs the manager's batch, and the event's lateness.

``--profile PREFIX`` samples the manager's processes with py-spy during
lag, burst and ironic runs (collapsed stacks in PREFIX.<pid>.txt). It
prints figures, never a verdict. Only 127.0.0.1 is used.
"""
import argparse
from concurrent import futures
import configparser
import datetime
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import requests
import sqlalchemy as sa

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import api_bench  # noqa: E402

from esi_leap.tests.fixtures import databases  # noqa: E402
from esi_leap.tests.fixtures import nodes as nodes_fixture  # noqa: E402
from esi_leap.tests.fixtures import server as server_fixture  # noqa: E402

UTC = datetime.timezone.utc
ADMIN = {'X-Project-Id': 'owner-project', 'X-Roles': 'admin'}
RABBIT = 'rabbit://guest:guest@127.0.0.1:5672/'


def now():
    return datetime.datetime.now(UTC)


def iso(moment):
    return moment.replace(tzinfo=None).isoformat()


def pct(values, p):
    ordered = sorted(values)
    index = int(round(p / 100.0 * (len(ordered) - 1)))
    return ordered[min(len(ordered) - 1, index)]


def start_manager(conf, log_path):
    log = open(log_path, 'ab')
    process = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), 'esi-leap-manager'),
         '--config-file', conf], stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with open(log_path) as f:
            if 'esi-leap manager' in f.read():
                return process
        time.sleep(0.2)
    raise RuntimeError('manager did not start; see %s' % log_path)


def stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def descendants(pid):
    """``pid`` and every process below it (children of any of its threads).

    cotyledon forks the manager's worker from a thread that is not the
    main one, so /proc/PID/task/PID/children alone misses it.
    """
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            tasks = os.listdir('/proc/%d/task' % current)
        except OSError:
            continue
        for task in tasks:
            try:
                with open('/proc/%d/task/%s/children' % (current, task)) as f:
                    todo.extend(int(c) for c in f.read().split())
            except (OSError, ValueError):
                pass
    return found


def tree_cpu(pid):
    """{pid: CPU seconds} of ``pid`` and its descendants."""
    samples = {p: api_bench._cpu_seconds(p) for p in descendants(pid)}
    return {p: v for p, v in samples.items() if v is not None}


def start_profiler(args, manager_pid, seconds):
    """Sample the manager's processes with py-spy for ``seconds``.

    Returns the py-spy processes (one per manager process with CPU time:
    the forked worker does the work), or [] without ``--profile``.
    """
    if not args.profile:
        return []
    spy = os.path.join(os.path.dirname(sys.executable), 'py-spy')
    procs = []
    for pid in descendants(manager_pid):
        out = '%s.%d.txt' % (args.profile, pid)
        procs.append(subprocess.Popen(
            [spy, 'record', '--pid', str(pid), '--format', 'raw',
             '--rate', '50', '--duration', str(int(seconds)), '--nonblocking',
             '--output', out], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL))
    return procs


def start_pair(args, workdir, database, extra=None):
    """Start esi-leap-api and esi-leap-manager; return (api, manager).

    ``extra`` adds config sections (e.g. [ironic]).
    """
    port = server_fixture.free_port()
    manager_opts = {'sweep_interval': '60'}
    if args.manager_workers:
        manager_opts['workers'] = str(args.manager_workers)
    sections = {'DEFAULT': {'transport_url': RABBIT},
                'manager': manager_opts}
    for section, values in (extra or {}).items():
        sections.setdefault(section, {}).update(values)
    conf = server_fixture.write_config(
        os.path.join(workdir, 'esi-leap.conf'), database.url,
        os.path.join(workdir, 'nodes'), port, workers=2, extra=sections)
    api = server_fixture.Server(conf, port)
    api.dbsync()
    api.start()
    try:
        manager = start_manager(conf, os.path.join(workdir, 'manager.log'))
    except Exception:
        api.stop()
        raise
    return api, manager


def create_leases(url, schedule, threads):
    """POST one lease per (node, start, end) of ``schedule``; return uuids.

    ``threads`` client threads, each with its own keep-alive session.
    """
    local = threading.local()

    def create(item):
        i, (node, start, end) = item
        if not hasattr(local, 'session'):
            local.session = requests.Session()
        response = local.session.post(
            url + '/v1/leases', headers=ADMIN, timeout=120,
            json={'resource_uuid': node, 'project_id': 'lessee-%d' % i,
                  'start_time': iso(start), 'end_time': iso(end)})
        response.raise_for_status()
        return response.json()['uuid']
    with futures.ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(create, enumerate(schedule)))


def wait_ended(url, made, last_end, timeout):
    """Sleep until ``last_end``, then poll until every lease has expired.

    Nothing polls while leases start, so the listing does not compete
    with the manager for the CPU. Returns the leases of ``made`` as last
    listed.
    """
    session = requests.Session()
    wanted = set(made)
    time.sleep(max(0.0, (last_end - now()).total_seconds()))
    deadline = time.monotonic() + timeout
    while True:
        listed = session.get(url + '/v1/leases', headers=ADMIN, timeout=120,
                             params={'view': 'all', 'status': 'any'})
        listed.raise_for_status()
        leases = [x for x in listed.json()['leases'] if x['uuid'] in wanted]
        done = all(x['status'] == 'expired' for x in leases)
        if done or time.monotonic() > deadline:
            return leases
        time.sleep(2)


def lags(leases):
    """Seconds of fulfil and expiry lag; and the leases lacking either."""
    parse = datetime.datetime.fromisoformat
    fulfil, expire, missing = [], [], 0
    for lease in leases:
        if lease['status'] != 'expired' or not lease['fulfill_time']:
            missing += 1
            continue
        fulfil.append((parse(lease['fulfill_time'])
                       - parse(lease['start_time'])).total_seconds())
        expire.append((parse(lease['expire_time'])
                       - parse(lease['end_time'])).total_seconds())
    return fulfil, expire, missing


def print_lags(title, leases, manager_cpu):
    fulfil, expire, missing = lags(leases)
    print('\n== ' + title)
    print('%-10s %8s %8s %8s %8s %8s' % ('', 'min ms', 'p50 ms', 'p99 ms',
                                         'max ms', 'n'))
    for name, values in (('fulfil', fulfil), ('expire', expire)):
        if values:
            print('%-10s %8.0f %8.0f %8.0f %8.0f %8d' % (
                name, 1000 * min(values), 1000 * statistics.median(values),
                1000 * pct(values, 99), 1000 * max(values), len(values)))
    print('leases not fulfilled and expired: %d' % missing)
    if manager_cpu is not None:
        print('manager CPU time over the run: %.2f s' % manager_cpu)
    print('baseline (original ESI-Leap): polls every 60 s, so lags of up '
          'to ~60 000 ms, ~30 000 ms on average')


def dummy_nodes(args, workdir):
    """Create ``--leases`` available dummy nodes; return their uuids.

    NOTE(esi-leap): available, not active: a lease starts only on an
    available node (the readiness gate of the hand-back).
    """
    nodes = nodes_fixture.DummyNodes(os.path.join(workdir, 'nodes'))
    return [nodes.add('node-%04d' % i, 'owner-project',
                      provision_state='available')
            for i in range(args.leases)]


def run_schedule(args, workdir, database, make_schedule, title,
                 names=None, extra=None, on_seeded=None, on_ended=None):
    """Seed the leases ``make_schedule(nodes, first)`` gives, time them.

    ``make_schedule`` returns a list of (node, start, end); the first
    lease starts ``--lead`` seconds after seeding begins. ``names`` are
    the nodes (default: ``--leases`` new dummy nodes); ``extra`` config
    sections for the pair; ``on_seeded()`` is called once the leases
    are made, ``on_ended(made, schedule)`` once they have ended.
    """
    if names is None:
        names = dummy_nodes(args, workdir)
    api, manager = start_pair(args, workdir, database, extra)
    try:
        cpu_before = tree_cpu(manager.pid)
        began = now()
        first = began + datetime.timedelta(seconds=args.lead)
        schedule = make_schedule(names, first)
        made = create_leases(api.url, schedule, args.seed_threads)
        seeded = now()
        if on_seeded is not None:
            on_seeded()
        print('seeded %d leases in %.1f s (%d threads); first start %.1f s '
              'after seeding ended' % (
                  len(made), (seeded - began).total_seconds(),
                  args.seed_threads, (first - seeded).total_seconds()))
        if seeded > first:
            print('WARNING: seeding took longer than --lead; early leases '
                  'started before they were all created')
        last_end = max(end for _node, _start, end in schedule)
        profilers = start_profiler(
            args, manager.pid, (last_end - now()).total_seconds() + 15)
        leases = wait_ended(api.url, made, last_end,
                            timeout=max(60.0, 0.2 * args.leases))
        manager_cpu = api_bench.ServerCpu.used(cpu_before,
                                               tree_cpu(manager.pid))
        for profiler in profilers:
            profiler.wait()
    finally:
        stop(manager)
        api.stop()
    print_lags(title, leases, manager_cpu)
    if on_ended is not None:
        on_ended(made, schedule)


def lag_run(args, workdir, database):
    """Leases whose starts (and ends) are spread over ``--spread`` s."""
    def schedule(names, first):
        items = []
        for i, node in enumerate(names):
            start = first + datetime.timedelta(
                seconds=args.spread * i / len(names))
            items.append((node, start, start + datetime.timedelta(
                seconds=args.length + (i % 7))))
        return items
    run_schedule(args, workdir, database, schedule,
                 'Lag over %d leases (%s, RabbitMQ, 2 API workers, starts '
                 'spread over %d s)' % (args.leases, args.backend,
                                        args.spread))


def burst_run(args, workdir, database):
    """Every lease starts at one instant and ends at one later instant."""
    def schedule(names, first):
        end = first + datetime.timedelta(seconds=args.burst_length)
        return [(node, first, end) for node in names]
    run_schedule(args, workdir, database, schedule,
                 'Burst: %d leases on %d active dummy nodes all starting at '
                 'one instant and all ending %d s later (%s, RabbitMQ, 2 '
                 'API workers, manager workers %s)' % (
                     args.leases, args.leases, args.burst_length,
                     args.backend, args.manager_workers or 'default'))


ENDING = 'esi_leap.lease.ending.end'


def ending_report(database, lead):
    """An on_ended() printing the ending events' lateness and count.

    The due instant of a lease's event is its end minus ``lead``, or its
    start if later. The event times are read from the events table.
    """
    def report(made, schedule):
        engine = sa.create_engine(database.url)
        try:
            with engine.connect() as conn:
                rows = conn.execute(sa.text(
                    'SELECT object_uuid, event_time FROM events '
                    'WHERE event_type = :t'), {'t': ENDING}).all()
        finally:
            engine.dispose()
        times = {}
        for lease_uuid, when in rows:
            times.setdefault(lease_uuid, []).append(
                when if isinstance(when, datetime.datetime)
                else datetime.datetime.fromisoformat(str(when)))
        late = []
        for lease_uuid, (_node, start, end) in zip(made, schedule):
            due = max(start, end - datetime.timedelta(seconds=lead))
            for when in times.get(lease_uuid, []):
                late.append((when.replace(tzinfo=UTC) - due)
                            .total_seconds())
        print('%-10s %8s %8s %8s %8s %8s' % ('', 'min ms', 'p50 ms',
                                             'p99 ms', 'max ms', 'n'))
        if late:
            print('%-10s %8.0f %8.0f %8.0f %8.0f %8d' % (
                'ending', 1000 * min(late), 1000 * statistics.median(late),
                1000 * pct(late, 99), 1000 * max(late), len(late)))
        print('leases with other than one ending event: %d' % sum(
            1 for u in made if len(times.get(u, [])) != 1))
    return report


def ending_run(args, workdir, database):
    """The lag run's schedule with a short ending lead time."""
    lead = args.ending_lead

    def schedule(names, first):
        items = []
        for i, node in enumerate(names):
            start = first + datetime.timedelta(
                seconds=args.spread * i / len(names))
            items.append((node, start, start + datetime.timedelta(
                seconds=args.length + lead + (i % 7))))
        return items
    run_schedule(args, workdir, database, schedule,
                 'Ending event over %d leases (%s, RabbitMQ, lead %d s, '
                 'ends spread over %d s)' % (args.leases, args.backend, lead,
                                             args.spread),
                 extra={'manager': {'ending_lead_time': str(lead)}},
                 on_ended=ending_report(database, lead))


def ending_burst_run(args, workdir, database):
    """The burst with the ending event off, then at every start."""
    def schedule(names, first):
        end = first + datetime.timedelta(seconds=args.burst_length)
        return [(node, first, end) for node in names]
    for lead in (0, 86400):
        run_schedule(args, workdir, database, schedule,
                     'Burst of %d leases, ending_lead_time %d (%s)' % (
                         args.leases, lead, args.backend),
                     extra={'manager': {'ending_lead_time': str(lead)}},
                     on_ended=ending_report(database, lead) if lead
                     else None)
        workdir = tempfile.mkdtemp(prefix='esi-leap-manager-bench-')
        database.drop()
        database.create()


def ironic_nodes(ironic, count, threads=4):
    """Create ``count`` available fake-hardware nodes; return uuids.

    Available: esi-leap hands over nothing else (the readiness gate).
    """
    with futures.ThreadPoolExecutor(max_workers=threads) as pool:
        made = pool.map(lambda i: ironic.create_nodes(
            1, 'owner-project', available=True)[0], range(count))
        return list(made)


def ironic_run(args, workdir, database):
    """Burst on a real Ironic (fake hardware) from the test harness."""
    from esi_leap.tests.fixtures import ironic as ironic_fixture
    ironic = ironic_fixture.Ironic(os.path.join(workdir, 'ironic'))
    os.makedirs(ironic.workdir, exist_ok=True)
    ironic.setup()
    if args.ironic_nosync:
        # Ironic's SQLite commits without fsync: how much of its pace is
        # its database's.
        parser = configparser.ConfigParser()
        parser.read(ironic.config_file)
        parser.set('database', 'sqlite_synchronous', 'false')
        with open(ironic.config_file, 'w') as f:
            parser.write(f)
    ironic.start()
    try:
        t0 = time.monotonic()
        names = ironic_nodes(ironic, args.leases)
        print('created %d Ironic nodes in %.1f s' % (
            len(names), time.monotonic() - t0))

        def schedule(names, first):
            end = first + datetime.timedelta(seconds=args.burst_length)
            return [(node, first, end) for node in names]
        offset = []
        run_schedule(
            args, workdir, database, schedule,
            'Ironic burst: %d leases on %d fake-hardware Ironic nodes all '
            'starting at one instant and all ending %d s later (%s, '
            'RabbitMQ, 2 API workers, manager workers %s; Ironic 39, one '
            'process, SQLite, noauth)' % (
                args.leases, args.leases, args.burst_length, args.backend,
                args.manager_workers or 'default'),
            names=names,
            extra={'api': {'default_resource_type': 'ironic_node'},
                   'ironic': {'auth_type': 'none',
                              'endpoint_override': ironic.url}},
            on_seeded=lambda: offset.append(ironic_log_size(ironic)))
        print_ironic_requests(ironic, offset[0] if offset else 0)
        probe_ironic(ironic, names)
    finally:
        ironic.stop()


# An access line of Ironic's API log: "127.0.0.1 - PATCH /v1/nodes/X -
# 200 (302.46ms)".
IRONIC_ACCESS = re.compile(r' - (GET|PATCH|PUT|POST|DELETE) (/v1/nodes\S*) '
                           r'- (\d+) \(([\d.]+)ms\)')


def ironic_log_size(ironic):
    """The size of Ironic's log now (to read only what follows)."""
    try:
        return os.path.getsize(os.path.join(ironic.workdir, 'ironic.log'))
    except OSError:
        return 0


def probe_ironic(ironic, names, threads=(1, 8)):
    """Ironic's own pace: PATCHes of its nodes straight from clients.

    Each client thread PATCHes ``/extra/bench`` of its share of
    ``names`` with its own session; prints PATCHes per second. The
    manager needs one PATCH per lease start and one per lease end.
    """
    from esi_leap.tests.fixtures import ironic as ironic_fixture
    for count in threads:
        local = threading.local()

        def patch(item):
            i, uuid = item
            if not hasattr(local, 'session'):
                local.session = requests.Session()
                local.session.headers.update(ironic_fixture.HEADERS)
            local.session.patch(
                ironic.url + '/v1/nodes/' + uuid, timeout=120,
                json=[{'op': 'add', 'path': '/extra/bench', 'value': i}]
            ).raise_for_status()
        t0, cpu0 = time.monotonic(), process_cpu(ironic.process.pid)
        with futures.ThreadPoolExecutor(max_workers=count) as pool:
            list(pool.map(patch, enumerate(names)))
        elapsed = time.monotonic() - t0
        cpu = process_cpu(ironic.process.pid) - cpu0
        print('Ironic alone: %d PATCHes from %d client thread(s) in %.1f s '
              '(%.1f/s); Ironic\'s CPU time %.1f s (%.1f ms a PATCH)' % (
                  len(names), count, elapsed, len(names) / elapsed, cpu,
                  1000.0 * cpu / len(names)))


def process_cpu(pid):
    """CPU seconds (user and system) used so far by the session of ``pid``.

    NOTE(esi-leap): Ironic's ``ironic`` may fork its API workers; they
    all stay in the session it was started in (start_new_session), and a
    live child's time is not in its parent's figures.
    """
    total = 0
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % entry) as f:
                fields = f.read().rsplit(')', 1)[1].split()
        except OSError:
            continue
        # stat(5) after the command name: state, ppid, pgrp, session, ...
        # utime and stime are the 12th and 13th.
        if int(fields[3]) == pid:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf('SC_CLK_TCK')


def print_ironic_requests(ironic, offset):
    """Count the node requests Ironic logged after ``offset``, and time.

    By method and kind (one node, its VIFs, a listing): how many, and
    their mean and total time as Ironic measured it.
    """
    found = {}
    with open(os.path.join(ironic.workdir, 'ironic.log')) as f:
        f.seek(offset)
        for line in f:
            match = IRONIC_ACCESS.search(line)
            if match is None:
                continue
            method, path, _status, ms = match.groups()
            path = path.split('?')[0]
            kind = ('listing' if path == '/v1/nodes' else
                    'vifs' if path.endswith('/vifs') else 'node')
            entry = found.setdefault('%s %s' % (method, kind), [0, 0.0])
            entry[0] += 1
            entry[1] += float(ms)
    print('Ironic node requests after seeding (as Ironic logged them):')
    for name, (count, total) in sorted(found.items()):
        print('  %-14s %5d  mean %7.1f ms  total %7.1f s' % (
            name, count, total / count, total / 1000.0))


def sweep_run(args, workdir, database):
    from esi_leap.common import service  # noqa: F401
    from esi_leap.db import api as db_api
    from esi_leap.db import migration
    from esi_leap.db.sqlalchemy import models
    from esi_leap.manager import ending
    from esi_leap.manager import scheduler as scheduler_mod
    from oslo_config import cfg

    conf = cfg.CONF
    conf([], project='esi-leap', default_config_files=[])
    conf.set_override('connection', database.url, group='database')
    conf.set_override('transport_url', 'fake://')
    conf.set_override('dummy_node_dir', os.path.join(workdir, 'nodes2'),
                      group='dummy_node')
    db_api.reset()
    migration.upgrade()
    sched = scheduler_mod.Scheduler(name='bench')

    def measure(label):
        timings = {}
        for name, fn in (
                ('next_due', lambda: db_api.next_due(now())),
                ('due_resources', lambda: db_api.due_resources(now())),
                ('ending.next_due', lambda: ending.next_due(now())),
                ('ending.announce', lambda: ending.announce(now())),
                ('run_once (idle)', lambda: sched.run_once())):
            fn()
            samples = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                fn()
                samples.append(time.perf_counter() - t0)
            timings[name] = statistics.median(samples)
        return timings

    empty = measure('empty')
    t0 = time.perf_counter()
    base = now() - datetime.timedelta(days=400)
    rows = []
    for i in range(args.finished):
        start = base + datetime.timedelta(minutes=5 * i)
        rows.append({
            'uuid': str(uuid.uuid4()), 'project_id': 'p%d' % (i % 50),
            'owner_id': 'o%d' % (i % 20), 'resource_type': 'dummy_node',
            'resource_uuid': 'node-%d' % (i % 1000),
            'start_time': start,
            'end_time': start + datetime.timedelta(minutes=4),
            'expire_time': start + datetime.timedelta(minutes=4),
            'status': 'expired' if i % 3 else 'deleted',
            'attempts': 0, 'properties': {}})
    with db_api.writer() as session:
        for i in range(0, len(rows), 5000):
            session.execute(sa.insert(models.Lease), rows[i:i + 5000])
    seeded = time.perf_counter() - t0
    full = measure('full')
    sched.stop()
    print('\n== Manager planning cost (%s), median of %d runs; %d finished '
          'leases seeded in %.1f s' % (args.backend, args.repeat,
                                       args.finished, seeded))
    print('%-18s %12s %16s %8s' % ('', 'empty DB ms', 'with %dk ms'
                                   % (args.finished // 1000), 'ratio'))
    for name in empty:
        print('%-18s %12.2f %16.2f %8.2f' % (
            name, 1000 * empty[name], 1000 * full[name],
            full[name] / empty[name] if empty[name] else float('nan')))
    print('baseline (original ESI-Leap): every 60 s each job loads every '
          'lease in its statuses and filters by time in Python')


MODES = {'lag': lag_run, 'burst': burst_run, 'sweep': sweep_run,
         'ironic': ironic_run, 'ending': ending_run,
         'ending-burst': ending_burst_run}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--backend', default='mysql',
                        choices=databases.ALL_BACKENDS)
    parser.add_argument('--leases', type=int, default=None,
                        help='leases (and nodes) of lag and burst (default: '
                             '200 for lag, 1000 for burst)')
    parser.add_argument('--lead', type=float, default=None,
                        help='seconds from the start of seeding to the '
                             'first lease start (default: 25 for lag; '
                             'for burst 30 + 0.05 s per lease)')
    parser.add_argument('--spread', type=float, default=30.0,
                        help='lag: seconds over which starts are spread')
    parser.add_argument('--length', type=float, default=10.0,
                        help='lag: shortest lease, seconds')
    parser.add_argument('--burst-length', type=int, default=60,
                        help='burst: seconds from the common start to the '
                             'common end (default: %(default)s)')
    parser.add_argument('--seed-threads', type=int, default=4,
                        help='client threads creating the leases')
    parser.add_argument('--manager-workers', type=int, default=None,
                        help='[manager] workers (default: the service\'s)')
    parser.add_argument('--profile', metavar='PREFIX',
                        help='lag and burst: sample the manager with py-spy '
                             'from the end of seeding to the end of the run, '
                             'into PREFIX.<pid>.txt (collapsed stacks)')
    parser.add_argument('--ironic-nosync', action='store_true',
                        help='ironic: run Ironic\'s SQLite without fsync '
                             '([database] sqlite_synchronous = false)')
    parser.add_argument('--ending-lead', type=int, default=5,
                        help='ending: [manager] ending_lead_time, seconds')
    parser.add_argument('--finished', type=int, default=100000)
    parser.add_argument('--repeat', type=int, default=20)
    parser.add_argument('--only', choices=sorted(MODES),
                        help='one mode; without it lag then sweep run '
                             '(burst only when asked)')
    return parser.parse_args(argv)


def run_mode(name, args, workdir):
    """Run one mode on its own throwaway database."""
    mode_args = argparse.Namespace(**vars(args))
    if mode_args.leases is None:
        mode_args.leases = 1000 if name == 'burst' else 200
    if mode_args.lead is None:
        mode_args.lead = (30.0 + 0.05 * mode_args.leases
                          if name in ('burst', 'ending-burst') else 25.0)
        if name == 'ironic':
            # Seeding waits for Ironic: each lease reads its node.
            mode_args.lead = 30.0 + 0.2 * mode_args.leases
    database = databases.ThrowawayDatabase(args.backend, workdir).create()
    try:
        MODES[name](mode_args, workdir, database)
    finally:
        database.drop()


def main(argv=None):
    args = parse_args(argv)
    workdir = tempfile.mkdtemp(prefix='esi-leap-manager-bench-')
    for name in [args.only] if args.only else ['lag', 'sweep']:
        run_mode(name, args, workdir)


if __name__ == '__main__':
    main()
