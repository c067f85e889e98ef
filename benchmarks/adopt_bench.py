#!/usr/bin/env python3
"""How long ``esi-leap-dbsync upgrade`` takes to adopt an ESI-Leap database.

Builds the original ESI-Leap 1.0.0's schema on MariaDB with its own
``esi-leap-dbsync create_schema`` (from .venv-peer, see
tools/run-tests.sh), fills it straight in SQL with --offers offers,
--leases leases and --events events shaped as the original writes them
(naive times, about a tenth of the leases active or future, the rest
expired or deleted), then times the adoption as the operator runs it
(``esi-leap-dbsync upgrade`` in a subprocess, and its steps from the
log), once for each --timezones entry on a fresh copy. It prints figures,
never a verdict: the operator plans the downtime from them. Only
127.0.0.1 is used.

    PYTHONPATH=. .venv/bin/python benchmarks/adopt_bench.py \
        --leases 100000 --events 300000
"""
import argparse
import datetime
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid

import sqlalchemy as sa

from esi_leap.tests.fixtures import databases
from esi_leap.tests.fixtures import original as original_fixture
from esi_leap.tests.fixtures import server as server_fixture

CHUNK = 5000
STATUSES = ['expired'] * 7 + ['deleted'] * 2 + ['active', 'created']


def _offer_rows(count, now):
    for i in range(count):
        start = now - datetime.timedelta(days=400 - i % 300)
        yield {'uuid': str(uuid.uuid4()), 'name': 'offer-%d' % i,
               'project_id': 'owner-%d' % (i % 20),
               'resource_type': 'dummy_node',
               'resource_uuid': 'node-%d' % (i % 2000),
               'start_time': start,
               'end_time': start + datetime.timedelta(days=500),
               'status': 'available' if i % 3 else 'expired',
               'properties': '{}', 'created_at': start}


def _lease_rows(count, offers, now, rng):
    for i in range(count):
        offer = offers[i % len(offers)]
        status = rng.choice(STATUSES)
        start = now - datetime.timedelta(hours=rng.randint(24, 9000))
        if status == 'created':
            start = now + datetime.timedelta(hours=rng.randint(1, 2000))
        end = start + datetime.timedelta(hours=rng.randint(2, 400))
        if status == 'active':
            end = now + datetime.timedelta(hours=rng.randint(1, 400))
        started = status in ('active', 'expired')
        yield {'uuid': str(uuid.uuid4()), 'name': 'lease-%d' % i,
               'project_id': 'lessee-%d' % (i % 200),
               'owner_id': offer[1], 'resource_type': 'dummy_node',
               'resource_uuid': offer[2], 'start_time': start,
               'end_time': end, 'status': status, 'properties': '{}',
               'fulfill_time': start if started else None,
               'expire_time': end if status in ('expired', 'deleted')
               else None, 'offer_uuid': offer[0], 'created_at': start}


def _event_rows(count, leases, now):
    kinds = ('fulfill.start', 'fulfill.end', 'expire.start', 'expire.end',
             'delete.start', 'create.end')
    for i in range(count):
        lease = leases[i % len(leases)]
        yield {'event_type': 'esi_leap.lease.' + kinds[i % len(kinds)],
               'event_time': now - datetime.timedelta(seconds=count - i),
               'object_type': 'lease', 'object_uuid': lease[0],
               'resource_type': 'dummy_node', 'resource_uuid': lease[1],
               'lessee_id': lease[2], 'owner_id': lease[3]}


def _insert(connection, table, rows):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == CHUNK:
            connection.execute(sa.insert(table), batch)
            batch = []
    if batch:
        connection.execute(sa.insert(table), batch)


def seed(engine, args):
    """Fill the original's tables; return the seconds it took."""
    began = time.monotonic()
    rng = random.Random(args.seed)
    now = datetime.datetime.utcnow().replace(microsecond=0)
    meta = sa.MetaData()
    meta.reflect(engine, only=('offers', 'leases', 'events'))
    offers = list(_offer_rows(args.offers, now))
    leases = list(_lease_rows(args.leases, [
        (o['uuid'], o['project_id'], o['resource_uuid']) for o in offers],
        now, rng))
    with engine.begin() as connection:
        _insert(connection, meta.tables['offers'], offers)
        _insert(connection, meta.tables['leases'], leases)
        _insert(connection, meta.tables['events'], _event_rows(
            args.events, [(lease['uuid'], lease['resource_uuid'],
                           lease['project_id'], lease['owner_id'])
                          for lease in leases], now))
    return time.monotonic() - began


def adopt(url, workdir, zone):
    """Run esi-leap-dbsync upgrade; return (seconds, its log)."""
    config = server_fixture.write_ini(
        os.path.join(workdir, 'adopt.conf'),
        {'database': {'connection': url},
         'adoption': {'original_timezone': zone}})
    began = time.monotonic()
    done = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), 'esi-leap-dbsync'),
         '--config-file', config, 'upgrade'], capture_output=True,
        text=True)
    seconds = time.monotonic() - began
    if done.returncode:
        sys.exit('esi-leap-dbsync upgrade failed:\n' + done.stderr[-3000:])
    return seconds, done.stdout + done.stderr


def _steps(log):
    """Seconds between the adoption's log lines (set aside, copy, end)."""
    stamps = []
    for line in log.splitlines():
        match = re.match(r'(\S+ \S+) \d+ \w+ (\S+)', line)
        if match and ('Adopt' in line or 'Running upgrade' in line):
            stamps.append((datetime.datetime.fromisoformat(match.group(1)),
                           line.split('] ', 1)[-1][:60]))
    return [(later[0] - earlier[0]).total_seconds()
            for earlier, later in zip(stamps, stamps[1:])], stamps


def run_once(args, zone, workdir):
    database = databases.ThrowawayDatabase('mysql', workdir).create()
    engine = sa.create_engine(database.url)
    try:
        original_fixture.create_schema(workdir, database.url)
        seeded = seed(engine, args)
        seconds, log = adopt(database.url, workdir, zone)
        with engine.connect() as connection:
            counts = {t: connection.exec_driver_sql(
                'SELECT COUNT(*) FROM %s' % t).scalar()
                for t in ('offers', 'leases', 'events', 'lease_notices',
                          'resource_locks')}
        gaps, stamps = _steps(log)
        print('timezone %s: seeded in %.1f s; adoption (esi-leap-dbsync '
              'upgrade, whole process) %.1f s' % (zone, seeded, seconds))
        print('  rows after: %s' % ', '.join(
            '%s %d' % item for item in counts.items()))
        print('  from "%s" to "%s": %.1f s (the copy and drop)'
              % (stamps[-2][1], stamps[-1][1], gaps[-1]))
    finally:
        engine.dispose()
        database.drop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--offers', type=int, default=10000)
    parser.add_argument('--leases', type=int, default=100000)
    parser.add_argument('--events', type=int, default=300000)
    parser.add_argument('--timezones', default='UTC,America/New_York')
    parser.add_argument('--seed', type=int, default=21)
    args = parser.parse_args()
    if original_fixture.venv_problem():
        sys.exit('the original ESI-Leap venv is missing: %s'
                 % original_fixture.venv_problem())
    print('adopt_bench: %d offers, %d leases, %d events, MariaDB %s, %s'
          % (args.offers, args.leases, args.events,
             databases.MYSQL_SERVER.split('@')[-1],
             datetime.date.today().isoformat()))
    for zone in args.timezones.split(','):
        with tempfile.TemporaryDirectory() as workdir:
            run_once(args, zone, workdir)


if __name__ == '__main__':
    main()
