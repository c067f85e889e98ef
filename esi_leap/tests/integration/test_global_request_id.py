"""esi-leap passes the request's global id on to Ironic.

A real Ironic 39 (noauth, fake hardware) and esi-leap-api (SQLite, noauth,
``ironic_node`` resources) run for the module. Ironic puts the
``X-OpenStack-Request-ID`` it receives in its own log lines (oslo.log's
default context format), so its log shows which id each call of esi-leap
carried: the caller's global request id when it sent a valid one, else
esi-leap's own id for the request (its response's x-openstack-request-id).
"""
from concurrent import futures
import os
import uuid

import pytest
import requests

from esi_leap.tests.fixtures import ironic as ironic_fixture
from esi_leap.tests.fixtures import server as server_fixture
from esi_leap.tests import polling

pytestmark = pytest.mark.slow

OWNER = 'gri-owner-project'
OWNER_HEADERS = {'X-Project-Id': OWNER, 'X-Roles': 'esi_leap_owner'}
HEADER = 'X-OpenStack-Request-ID'


class IronicLog(object):
    """Ironic's log file, read from a remembered offset."""

    def __init__(self, path):
        self.path = path
        self.offset = 0

    def mark(self):
        """Remember the current end of the log."""
        self.offset = os.path.getsize(self.path)

    def lines_since_mark(self, needle, timeout=10):
        """Return the new log lines with ``needle``; waits for one."""
        def found():
            with open(self.path) as f:
                f.seek(self.offset)
                return [line for line in f if needle in line]
        return polling.poll(found, timeout)


# A real Ironic for the module; fails if it is not installed.
ironic = ironic_fixture.module_fixture()


@pytest.fixture(scope='module')
def api(ironic, tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp('esi'))
    port = server_fixture.free_port()
    conf = server_fixture.write_config(
        os.path.join(workdir, 'api.conf'),
        'sqlite:///%s' % os.path.join(workdir, 'esi.sqlite'),
        os.path.join(workdir, 'nodes'), port,
        extra={'api': {'default_resource_type': 'ironic_node'},
               'ironic': {'auth_type': 'none',
                          'endpoint_override': ironic.url}})
    server = server_fixture.Server(conf, port)
    server.dbsync()
    server.start()
    try:
        yield 'http://127.0.0.1:%d' % port
    finally:
        server.stop()


@pytest.fixture(scope='module')
def node(ironic):
    return ironic.create_nodes(1, OWNER, prefix='gri')[0]


@pytest.fixture
def ironic_log(ironic):
    log = IronicLog(os.path.join(ironic.workdir, 'ironic.log'))
    log.mark()
    return log


def call(api, method, path, request_id=None, **kwargs):
    headers = dict(OWNER_HEADERS)
    if request_id is not None:
        headers[HEADER] = request_id
    return requests.request(method, api + path, headers=headers,
                            timeout=30, **kwargs)


def test_caller_global_id_reaches_ironic(api, node, ironic_log):
    global_id = 'req-%s' % uuid.uuid4()
    response = call(api, 'GET', '/v1/nodes', request_id=global_id)
    assert response.status_code == 200, response.text
    assert node in response.text
    own_id = response.headers['x-openstack-request-id']
    assert own_id != global_id
    lines = ironic_log.lines_since_mark(global_id)
    assert any('GET /v1/nodes' in line for line in lines), lines
    assert not ironic_log.lines_since_mark(own_id, timeout=0)


def test_own_id_reaches_ironic_without_caller_id(api, node, ironic_log):
    response = call(api, 'GET', '/v1/nodes')
    assert response.status_code == 200, response.text
    own_id = response.headers['x-openstack-request-id']
    assert own_id.startswith('req-')
    lines = ironic_log.lines_since_mark(own_id)
    assert any('GET /v1/nodes' in line for line in lines), lines


def test_invalid_caller_id_is_not_passed_on(api, node, ironic_log):
    bogus = 'req-not-a-uuid-%s' % uuid.uuid4().hex[:8]
    response = call(api, 'GET', '/v1/nodes', request_id=bogus)
    assert response.status_code == 200, response.text
    own_id = response.headers['x-openstack-request-id']
    assert ironic_log.lines_since_mark(own_id)
    assert not ironic_log.lines_since_mark(bogus, timeout=0)


def test_offer_creation_calls_carry_the_id(api, node, ironic_log):
    global_id = 'req-%s' % uuid.uuid4()
    response = call(api, 'POST', '/v1/offers', request_id=global_id,
                    json={'resource_uuid': node,
                          'resource_type': 'ironic_node'})
    assert response.status_code == 201, response.text
    lines = ironic_log.lines_since_mark(global_id)
    assert any(node in line for line in lines), lines


def test_concurrent_requests_keep_their_own_ids(api, node, ironic_log):
    # One Connection serves every thread: no request's id may leak into
    # another's calls.
    ids = ['req-%s' % uuid.uuid4() for _ in range(8)]
    with futures.ThreadPoolExecutor(4) as pool:
        responses = list(pool.map(
            lambda rid: call(api, 'GET', '/v1/nodes', request_id=rid), ids))
    assert all(r.status_code == 200 for r in responses)
    for rid in ids:
        lines = ironic_log.lines_since_mark(rid)
        assert any('GET /v1/nodes' in line for line in lines), (rid, lines)
