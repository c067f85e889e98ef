#!/usr/bin/env python3
"""What passing the global request id on to Ironic costs per call.

Starts a standalone Ironic (noauth, fake hardware) from the test harness
(``esi_leap/tests/fixtures/ironic.py``; its venv must exist), creates a few
nodes, and times, interleaved round by round, the two Ironic calls
esi-leap's request paths make (list nodes, get one node) through:

* ``plain``: one shared openstacksdk Connection on a plain keystoneauth
  Session (no id sent: esi-leap before this change);
* ``session``: one shared Connection on esi-leap's GlobalRequestSession,
  with a request context current on the thread (what esi-leap does now);
* ``global_request``: ``Connection.global_request(id)`` per request, then
  its ``baremetal`` proxy (openstacksdk's own way, a new Connection each
  time).

It also times ``global_request()`` alone and the session's own addition
(reading the thread's context) without any network. Prints medians in
milliseconds, never a verdict. Only 127.0.0.1 is used.
"""
import argparse
import os
import statistics
import tempfile
import time
import timeit
import uuid

from keystoneauth1 import noauth
from keystoneauth1 import session as ks_session
import openstack

from esi_leap.common import context
from esi_leap.common import global_request
from esi_leap.tests.fixtures import ironic as ironic_fixture


def connection(session, url):
    return openstack.connection.Connection(
        session=session, app_name='esi-leap-bench',
        baremetal_endpoint_override=url, baremetal_api_version='1')


def ways(url):
    plain = connection(ks_session.Session(auth=noauth.NoAuth()), url)
    ours = connection(
        global_request.GlobalRequestSession(auth=noauth.NoAuth()), url)
    return {
        'plain': lambda: plain.baremetal,
        'session': lambda: ours.baremetal,
        'global_request': lambda: plain.global_request(
            global_request.current_global_id()).baremetal,
    }


def calls(node):
    return {
        'list nodes': lambda bm: list(bm.nodes(details=True)),
        'get node': lambda bm: bm.get_node(node),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--nodes', type=int, default=20)
    parser.add_argument('--rounds', type=int, default=300)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix='esi-leap-global-request-bench-')
    ironic = ironic_fixture.Ironic(os.path.join(workdir, 'ironic'))
    os.makedirs(ironic.workdir)
    ironic.start()
    try:
        nodes = ironic.create_nodes(args.nodes, 'owner-a')
        run(ironic.url, nodes[0], args.rounds)
    finally:
        ironic.stop()


def run(url, node, rounds):
    getters, made = ways(url), calls(node)
    samples = {(w, c): [] for w in getters for c in made}
    for name, getter in getters.items():  # warm up: discovery, pools
        context.RequestContext(overwrite=True)
        for call in made.values():
            call(getter())
    for _ in range(rounds):
        context.RequestContext(request_id='req-%s' % uuid.uuid4(),
                               overwrite=True)
        for (way, call_name), found in samples.items():
            t0 = time.perf_counter()
            made[call_name](getters[way]())
            found.append((time.perf_counter() - t0) * 1000)
    print('%d nodes in Ironic, %d rounds; median ms per call'
          % (len(list(connection(ks_session.Session(
              auth=noauth.NoAuth()), url).baremetal.nodes())), rounds))
    for (way, call_name), found in sorted(samples.items()):
        median = statistics.median(found)
        print('  %-11s %-15s %7.3f' % (call_name, way, median))
    plain = connection(ks_session.Session(auth=noauth.NoAuth()), url)
    plain.baremetal
    n = 200
    print('without network, ms per request:')
    print('  global_request()            %7.3f' % (timeit.timeit(
        lambda: plain.global_request('req-x'), number=n) / n * 1000))
    print('  global_request().baremetal  %7.3f' % (timeit.timeit(
        lambda: plain.global_request('req-x').baremetal,
        number=n) / n * 1000))
    print('  current_global_id()         %7.5f' % (timeit.timeit(
        global_request.current_global_id, number=20000) / 20000 * 1000))


if __name__ == '__main__':
    main()
