#!/usr/bin/env python3
"""How exactly and how cheaply the manager keeps time.

1. Lag: seeds leases (default 200) on as many dummy nodes through the API
   of a real ``esi-leap-api`` + ``esi-leap-manager`` pair (RabbitMQ
   transport, MariaDB by default), with start and end times spread over a
   window, waits until they have all ended, and prints p50 / p99 / max of
   ``fulfill_time - start_time`` and ``expire_time - end_time`` as recorded
   by the manager.
2. Sweep cost: times the manager's planning queries (next due instant,
   resources with due work) and a whole idle ``run_once`` on an empty
   database and again with 100 000 finished (expired and deleted) leases,
   and prints the ratio.

It prints figures, never a verdict. Only 127.0.0.1 is used.
"""
import argparse
import datetime
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import requests
import sqlalchemy as sa

from esi_leap.tests.fixtures import databases
from esi_leap.tests.fixtures import nodes as nodes_fixture
from esi_leap.tests.fixtures import server as server_fixture

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


def lag_run(args, workdir, database):
    nodes = nodes_fixture.DummyNodes(os.path.join(workdir, 'nodes'))
    port = server_fixture.free_port()
    conf = server_fixture.write_config(
        os.path.join(workdir, 'esi-leap.conf'), database.url,
        nodes.directory, port, workers=2,
        extra={'DEFAULT': {'transport_url': RABBIT},
               'manager': {'sweep_interval': '60'}})
    api = server_fixture.Server(conf, port)
    api.dbsync()
    api.start()
    manager = start_manager(conf, os.path.join(workdir, 'manager.log'))
    try:
        session = requests.Session()
        first = now() + datetime.timedelta(seconds=args.lead)
        made = []
        for i in range(args.leases):
            node = nodes.add('node-%04d' % i, 'owner-project')
            start = first + datetime.timedelta(
                seconds=args.spread * i / args.leases)
            end = start + datetime.timedelta(
                seconds=args.length + (i % 7))
            response = session.post(api.url + '/v1/leases', headers=ADMIN,
                                    json={'resource_uuid': node,
                                          'project_id': 'lessee-%d' % i,
                                          'start_time': iso(start),
                                          'end_time': iso(end)})
            response.raise_for_status()
            made.append(response.json()['uuid'])
        seeded = now()
        if seeded > first:
            print('WARNING: seeding took longer than --lead; early leases '
                  'started before they were all created')
        last_end = first + datetime.timedelta(
            seconds=args.spread + args.length + 7)
        while now() < last_end + datetime.timedelta(seconds=30):
            listed = session.get(api.url + '/v1/leases', headers=ADMIN,
                                 params={'view': 'all', 'status': 'any'})
            leases = [x for x in listed.json()['leases']
                      if x['uuid'] in set(made)]
            if all(x['status'] == 'expired' for x in leases):
                break
            time.sleep(1)
    finally:
        stop(manager)
        api.stop()
    fulfil, expire, missing = [], [], 0
    for lease in leases:
        if lease['status'] != 'expired' or not lease['fulfill_time']:
            missing += 1
            continue
        parse = datetime.datetime.fromisoformat
        fulfil.append((parse(lease['fulfill_time'])
                       - parse(lease['start_time'])).total_seconds())
        expire.append((parse(lease['expire_time'])
                       - parse(lease['end_time'])).total_seconds())
    print('\n== Lag over %d leases (%s, RabbitMQ, 2 API workers, '
          'starts spread over %d s)' % (len(made), args.backend,
                                        args.spread))
    print('%-10s %8s %8s %8s %8s' % ('', 'p50 ms', 'p99 ms', 'max ms',
                                     'n'))
    for name, values in (('fulfil', fulfil), ('expire', expire)):
        if values:
            print('%-10s %8.0f %8.0f %8.0f %8d' % (
                name, 1000 * statistics.median(values),
                1000 * pct(values, 99), 1000 * max(values), len(values)))
    print('leases not fulfilled and expired: %d' % missing)
    print('baseline (original ESI-Leap): polls every 60 s, so lags of up '
          'to ~60 000 ms, ~30 000 ms on average')


def sweep_run(args, workdir, database):
    from esi_leap.common import service  # noqa: F401
    from esi_leap.db import api as db_api
    from esi_leap.db import migration
    from esi_leap.db.sqlalchemy import models
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--backend', default='mysql',
                        choices=databases.ALL_BACKENDS)
    parser.add_argument('--leases', type=int, default=200)
    parser.add_argument('--lead', type=float, default=25.0,
                        help='seconds before the first lease starts')
    parser.add_argument('--spread', type=float, default=30.0,
                        help='seconds over which lease starts are spread')
    parser.add_argument('--length', type=float, default=10.0,
                        help='shortest lease, seconds')
    parser.add_argument('--finished', type=int, default=100000)
    parser.add_argument('--repeat', type=int, default=20)
    parser.add_argument('--only', choices=['lag', 'sweep'])
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix='esi-leap-manager-bench-')
    for run in (lag_run, sweep_run):
        if args.only and run.__name__ != args.only + '_run':
            continue
        database = databases.ThrowawayDatabase(args.backend,
                                               workdir).create()
        try:
            run(args, workdir, database)
        finally:
            database.drop()


if __name__ == '__main__':
    main()
