#!/usr/bin/env python3
"""Resident memory of an esi-leap API worker while it lists offers.

Seeds ``--offers`` offers (with leases) in bulk as api_bench.py does,
starts ``esi-leap-api`` on 127.0.0.1 with one worker, and prints the
worker's RSS (``VmRSS`` of /proc) before any request, after the first
``GET /v1/offers`` and after every ``--every`` of ``--repeat`` more. Growth
after the first few listings would be a leak. It prints figures, never a
verdict. See benchmarks/README.rst.
"""
import argparse
import datetime
import os
import random
import shutil
import sys
import tempfile
import time

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import api_bench  # noqa: E402

from esi_leap.tests.fixtures import databases  # noqa: E402
from esi_leap.tests.fixtures import server as server_fixture  # noqa: E402


def rss_kib(pid):
    """VmRSS of a process in KiB, or None."""
    try:
        with open('/proc/%d/status' % pid) as f:
            for line in f:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def worker_pid(master):
    """The one worker of an esi-leap-api master process."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = api_bench._children(master)
        if children:
            return children[0]
        time.sleep(0.2)
    raise RuntimeError('no worker process under %d' % master)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--backend', default='mysql',
                        choices=databases.ALL_BACKENDS)
    parser.add_argument('--offers', type=int, default=10000)
    parser.add_argument('--repeat', type=int, default=1000)
    parser.add_argument('--every', type=int, default=100)
    args = parser.parse_args(argv)
    workdir = tempfile.mkdtemp(prefix='esi-leap-mem-')
    database = databases.ThrowawayDatabase(args.backend, workdir).create()
    port = server_fixture.free_port()
    nodes_dir = os.path.join(workdir, 'nodes')
    config = server_fixture.write_config(
        os.path.join(workdir, 'esi-leap.conf'), database.url, nodes_dir,
        port, workers=1)
    server = server_fixture.Server(config, port)
    try:
        server.dbsync()
        now = datetime.datetime.now(datetime.timezone.utc)
        seeded = api_bench.seed(database.url, nodes_dir, args.offers, 10,
                                random.Random(1), now)
        server.start()
        pid = worker_pid(server.process.pid)
        session = requests.Session()
        hdrs = api_bench.headers(*api_bench.ADMIN)
        print('esi-leap API worker RSS: %s, %d offers, %d leases, one '
              'worker (PID %d)' % (args.backend, args.offers,
                                   seeded.lease_count, pid))
        print('%10s %10s %10s' % ('listings', 'RSS MiB', 'last ms'))
        print('%10d %10.1f %10s' % (0, rss_kib(pid) / 1024.0, '-'))
        for i in range(1, args.repeat + 2):
            began = time.perf_counter()
            response = session.get(server.url + '/v1/offers', headers=hdrs,
                                   timeout=300)
            elapsed = (time.perf_counter() - began) * 1000.0
            response.raise_for_status()
            if i == 1 or (i - 1) % args.every == 0:
                print('%10d %10.1f %10.0f' % (i, rss_kib(pid) / 1024.0,
                                              elapsed), flush=True)
        print('rows in the last listing: %d'
              % len(response.json()['offers']))
    finally:
        server.stop()
        database.drop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == '__main__':
    main()
