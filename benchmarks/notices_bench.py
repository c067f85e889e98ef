#!/usr/bin/env python3
"""What the manager's e-mail notifier costs when there is nothing to send.

Times the notifier's planning queries (next due notice, leases to warn,
due notices) and a whole idle ``Notifier.run_once`` on a database with a
few active leases, then again after seeding many finished (expired and
deleted) leases, each with its two sent notices, and prints the ratio.
A flat ratio means the queries are served by indexes and do not grow with
history. It prints figures, never a verdict. Only 127.0.0.1 is used.
"""
import argparse
import datetime
import os
import statistics
import tempfile
import time
import uuid

import sqlalchemy as sa

from esi_leap.tests.fixtures import databases

UTC = datetime.timezone.utc


def now():
    return datetime.datetime.now(UTC)


def _lease_row(i, start, length, status):
    return {'uuid': str(uuid.uuid4()), 'project_id': 'p%d' % (i % 50),
            'owner_id': 'o%d' % (i % 20), 'resource_type': 'dummy_node',
            'resource_uuid': 'node-%d' % (i % 1000), 'start_time': start,
            'end_time': start + length, 'status': status, 'attempts': 0,
            'properties': {}}


def _notice_rows(lease_uuids, when):
    return [{'lease_uuid': u, 'kind': kind, 'status': 'sent', 'attempts': 1,
             'sent_at': when, 'recipients': 'x@example.org'}
            for u in lease_uuids for kind in ('started', 'ending')]


def seed(db_api, models, rows, notices):
    with db_api.writer() as session:
        for i in range(0, len(rows), 5000):
            session.execute(sa.insert(models.Lease), rows[i:i + 5000])
        for i in range(0, len(notices), 5000):
            session.execute(sa.insert(models.LeaseNotice),
                            notices[i:i + 5000])


def measure(args, db_api, notices, notifier):
    lead = datetime.timedelta(days=1)
    timings = {}
    for name, fn in (
            ('next_due', lambda: notices.next_due(now())),
            ('leases_to_warn', lambda: db_api.leases_to_warn(
                now(), now() + lead)),
            ('due_notices', lambda: db_api.due_notices(now())),
            ('run_once (idle)', lambda: notifier.run_once())):
        fn()
        samples = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - t0)
        timings[name] = statistics.median(samples)
    return timings


def run(args, workdir, database):
    from esi_leap.common import service  # noqa: F401
    from esi_leap.db import api as db_api
    from esi_leap.db import migration
    from esi_leap.db.sqlalchemy import models
    from esi_leap.manager import email_notices
    from oslo_config import cfg

    conf = cfg.CONF
    conf([], project='esi-leap', default_config_files=[])
    conf.set_override('connection', database.url, group='database')
    conf.set_override('enabled', True, group='email')
    db_api.reset()
    migration.upgrade()
    # Active leases ending in 2 to 12 days, already told they started.
    base = now()
    active = [_lease_row(i, base - datetime.timedelta(days=1),
                         datetime.timedelta(days=3 + i % 10), 'active')
              for i in range(args.active)]
    seed(db_api, models, active,
         [n for n in _notice_rows([r['uuid'] for r in active], base)
          if n['kind'] == 'started'])
    notifier = email_notices.Notifier()
    empty = measure(args, db_api, email_notices, notifier)

    t0 = time.perf_counter()
    old = base - datetime.timedelta(days=400)
    finished = [_lease_row(i, old + datetime.timedelta(minutes=5 * i),
                           datetime.timedelta(minutes=4),
                           'expired' if i % 3 else 'deleted')
                for i in range(args.finished)]
    seed(db_api, models, finished,
         _notice_rows([r['uuid'] for r in finished], old))
    seeded = time.perf_counter() - t0
    full = measure(args, db_api, email_notices, notifier)
    print('\n== Notifier planning cost (%s), median of %d runs; %d active '
          'leases; %d finished leases and %d sent notices seeded in %.1f s'
          % (args.backend, args.repeat, args.active, args.finished,
             2 * args.finished, seeded))
    print('%-18s %12s %16s %8s' % ('', 'base ms', 'with %dk ms'
                                   % (args.finished // 1000), 'ratio'))
    for name in empty:
        print('%-18s %12.2f %16.2f %8.2f' % (
            name, 1000 * empty[name], 1000 * full[name],
            full[name] / empty[name] if empty[name] else float('nan')))
    print('baseline (original ESI-Leap): a cron script lists every lease '
          'and mails every warning again on every run')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--backend', default='mysql',
                        choices=databases.ALL_BACKENDS)
    parser.add_argument('--active', type=int, default=200)
    parser.add_argument('--finished', type=int, default=100000)
    parser.add_argument('--repeat', type=int, default=20)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix='esi-leap-notices-bench-')
    database = databases.ThrowawayDatabase(args.backend, workdir).create()
    try:
        run(args, workdir, database)
    finally:
        database.drop()
        if os.path.isdir(workdir):
            os.rmdir(workdir)


if __name__ == '__main__':
    main()
