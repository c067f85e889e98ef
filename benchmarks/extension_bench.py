#!/usr/bin/env python3
"""Lease extensions (PATCH end_time) against new bookings, side by side.

One ``esi-leap-api`` server (noauth, dummy nodes) runs on a throwaway
database. Each of ``--nodes`` nodes gets a direct lease to a lessee
project, starting in an hour. Then, in alternating turns for
``--rounds`` rounds: the lessee extends one lease by five minutes (the
PATCH takes the node's lock, checks the added time, the quota and writes
the change and its event), and the owner books five minutes of another
node directly (POST /v1/leases, the same checks for a new booking). With
1 and 4 client threads. It prints latencies (median, 95th percentile) and
the ratio extension / booking, never a verdict.
"""
import argparse
import concurrent.futures
import datetime
import os
import shutil
import statistics
import sys
import tempfile
import time

import requests

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))

from esi_leap.tests.fixtures import databases  # noqa: E402
from esi_leap.tests.fixtures import nodes as nodes_fixture  # noqa: E402
from esi_leap.tests.fixtures import server as server_fixture  # noqa: E402

OWNER = {'X-Project-Id': 'owner-project', 'X-Roles': 'esi_leap_owner',
         'X-User-Id': 'owner'}
LESSEE = {'X-Project-Id': 'lessee-project', 'X-Roles': 'esi_leap_lessee',
          'X-User-Id': 'lessee'}
STEP = datetime.timedelta(minutes=5)


def iso(value):
    return value.strftime('%Y-%m-%dT%H:%M:%S')


class Bench(object):
    """The server, its nodes, and the state of every lease and node."""

    def __init__(self, url, nodes, start):
        self.url = url
        self.session = requests.Session()
        self.leases = {}     # node -> [lease uuid, current end]
        self.booked = {}     # node -> end of the last new booking
        self.start = start
        self.nodes = nodes

    def seed(self):
        for node in self.nodes:
            end = self.start + STEP
            response = self.session.post(self.url + '/v1/leases', json={
                'resource_uuid': node, 'project_id': 'lessee-project',
                'start_time': iso(self.start), 'end_time': iso(end)},
                headers=OWNER, timeout=60)
            response.raise_for_status()
            self.leases[node] = [response.json()['uuid'], end]
            # New bookings go on the same nodes, a day later.
            self.booked[node] = self.start + datetime.timedelta(days=1)

    def extend(self, node):
        lease = self.leases[node]
        lease[1] += STEP
        return self._timed('patch', '/v1/leases/%s' % lease[0],
                           {'end_time': iso(lease[1])}, LESSEE)

    def book(self, node):
        begin = self.booked[node]
        self.booked[node] = begin + STEP
        return self._timed('post', '/v1/leases', {
            'resource_uuid': node, 'project_id': 'other-project',
            'start_time': iso(begin), 'end_time': iso(begin + STEP)}, OWNER)

    def _timed(self, method, path, body, headers):
        began = time.perf_counter()
        response = requests.request(method, self.url + path, json=body,
                                    headers=headers, timeout=60)
        took = time.perf_counter() - began
        if response.status_code not in (200, 201):
            raise RuntimeError('%s %s: %s %s' % (method, path,
                                                 response.status_code,
                                                 response.text))
        return took


def run(bench, kind, clients, rounds):
    """``rounds`` calls of ``kind`` spread over the nodes; latencies."""
    action = bench.extend if kind == 'extend' else bench.book
    nodes = bench.nodes
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        # Each client thread works on its own nodes, so that two calls of
        # one round never queue on one node's lock.
        work = [nodes[i % len(nodes)] for i in range(rounds)]
        return list(pool.map(action, work))


def describe(values):
    ordered = sorted(values)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered)
                                                           - 1))]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--backend', default='mysql',
                        choices=('sqlite', 'mysql', 'postgresql'))
    parser.add_argument('--nodes', type=int, default=8)
    parser.add_argument('--rounds', type=int, default=200)
    parser.add_argument('--workers', type=int, default=2)
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix='extension-bench-')
    database = databases.ThrowawayDatabase(args.backend, workdir).create()
    server = None
    try:
        dummy = nodes_fixture.DummyNodes(os.path.join(workdir, 'nodes'))
        names = [dummy.add('bench-%03d' % i, 'owner-project')
                 for i in range(args.nodes)]
        port = server_fixture.free_port()
        config = server_fixture.write_config(
            os.path.join(workdir, 'api.conf'), database.url,
            dummy.directory, port, workers=args.workers)
        server = server_fixture.Server(config, port)
        server.dbsync()
        server.start()
        start = datetime.datetime.now(datetime.timezone.utc).replace(
            tzinfo=None, microsecond=0) + datetime.timedelta(hours=1)
        bench = Bench(server.url, names, start)
        bench.seed()
        run(bench, 'extend', 1, args.nodes)   # warm-up
        run(bench, 'book', 1, args.nodes)
        print('backend %s, %d nodes, %d calls per figure, %d API workers'
              % (args.backend, args.nodes, args.rounds, args.workers))
        for clients in (1, 4):
            figures = {}
            for turn in range(2):
                order = ('extend', 'book') if turn == 0 else \
                    ('book', 'extend')
                for kind in order:
                    figures.setdefault(kind, []).extend(
                        run(bench, kind, clients, args.rounds // 2))
            ext, book = describe(figures['extend']), describe(
                figures['book'])
            print('%d client(s): extend median %.1f ms p95 %.1f ms; '
                  'new booking median %.1f ms p95 %.1f ms; ratio of '
                  'medians %.2f' % (clients, ext[0] * 1e3, ext[1] * 1e3,
                                    book[0] * 1e3, book[1] * 1e3,
                                    ext[0] / book[0]))
    finally:
        if server is not None:
            server.stop()
        database.drop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == '__main__':
    main()
