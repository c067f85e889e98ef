#!/usr/bin/env python3
"""GET /v1/nodes against a real Ironic with many nodes.

Starts a standalone Ironic (noauth, fake hardware) from the test harness
(``esi_leap/tests/fixtures/ironic.py``; its venv must exist, e.g. from
``tools/run-tests.sh``), creates N nodes (default 1000) split between two
owners, offers a tenth of them and leases some, starts ``esi-leap-api``
with ``[api] default_resource_type = ironic_node``, and times GET /v1/nodes
as an admin (all nodes) and as one owner. It prints figures, never a
verdict. Only 127.0.0.1 is used.
"""
import argparse
import os
import statistics
import tempfile
import time

import requests

from esi_leap.tests.fixtures import databases
from esi_leap.tests.fixtures import ironic as ironic_fixture
from esi_leap.tests.fixtures import server as server_fixture

ADMIN = {'X-Project-Id': 'admin-project', 'X-Roles': 'admin'}
OWNER = {'X-Project-Id': 'owner-a', 'X-Roles': 'esi_leap_owner'}


def timed(session, url, headers, repeat):
    samples, size, count = [], 0, 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        response = session.get(url, headers=headers, timeout=600)
        samples.append(time.perf_counter() - t0)
        response.raise_for_status()
        size = len(response.content)
        count = len(response.json()['nodes'])
    return samples, size, count


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--nodes', type=int, default=1000)
    parser.add_argument('--repeat', type=int, default=10)
    parser.add_argument('--backend', default='mysql',
                        choices=databases.ALL_BACKENDS)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix='esi-leap-nodes-bench-')
    ironic = ironic_fixture.Ironic(os.path.join(workdir, 'ironic'))
    os.makedirs(ironic.workdir)
    ironic.setup()
    ironic.start()
    database = databases.ThrowawayDatabase(args.backend, workdir).create()
    api = None
    try:
        t0 = time.perf_counter()
        half = args.nodes // 2
        uuids = (ironic.create_nodes(half, 'owner-a')
                 + ironic.create_nodes(args.nodes - half, 'owner-b'))
        created = time.perf_counter() - t0
        port = server_fixture.free_port()
        conf = server_fixture.write_config(
            os.path.join(workdir, 'esi-leap.conf'), database.url,
            os.path.join(workdir, 'nodes'), port, workers=2,
            extra={'api': {'default_resource_type': 'ironic_node'},
                   'ironic': {'auth_type': 'none',
                              'endpoint_override': ironic.url}})
        api = server_fixture.Server(conf, port)
        api.dbsync()
        api.start()
        session = requests.Session()
        for i, uuid in enumerate(uuids[:args.nodes // 10]):
            owner = 'owner-a' if i < half else 'owner-b'
            offer = session.post(api.url + '/v1/offers', headers={
                'X-Project-Id': owner, 'X-Roles': 'esi_leap_owner'}, json={
                'resource_uuid': uuid, 'start_time': '2030-01-01',
                'end_time': '2030-02-01'})
            offer.raise_for_status()
            if i % 2:
                session.post(api.url + '/v1/offers/%s/claim'
                             % offer.json()['uuid'],
                             headers={'X-Project-Id': 'lessee',
                                      'X-Roles': 'esi_leap_lessee'},
                             json={'start_time': '2030-01-05',
                                   'end_time': '2030-01-06'}
                             ).raise_for_status()
        print('== GET /v1/nodes with %d Ironic nodes (%d offers); nodes '
              'created in %.0f s; %s, 2 API workers'
              % (args.nodes, args.nodes // 10, created, args.backend))
        print('%-22s %6s %9s %9s %9s %10s' % ('caller', 'nodes', 'p50 ms',
                                              'max ms', 'req/s', 'bytes'))
        for name, headers in (('admin (all nodes)', ADMIN),
                              ('owner-a', OWNER)):
            timed(session, api.url + '/v1/nodes', headers, 1)  # warm up
            samples, size, count = timed(session, api.url + '/v1/nodes',
                                         headers, args.repeat)
            print('%-22s %6d %9.0f %9.0f %9.2f %10d' % (
                name, count, 1000 * statistics.median(samples),
                1000 * max(samples), len(samples) / sum(samples), size))
        t0 = time.perf_counter()
        listed = session.get(ironic.url + '/v1/nodes?detail=true',
                             headers=ironic_fixture.HEADERS, timeout=600)
        listed.raise_for_status()
        print('for scale: Ironic\'s own GET /v1/nodes?detail=true took '
              '%.0f ms' % (1000 * (time.perf_counter() - t0)))
        print('baseline (original ESI-Leap): one Ironic list plus one '
              'Keystone list, then O(nodes x (offers + leases)) in Python')
    finally:
        if api is not None:
            api.stop()
        ironic.stop()
        database.drop()


if __name__ == '__main__':
    main()
