"""The attested hand-over in the embedded default: esi-leap-all, SQLite,
dummy nodes, and a real Keylime verifier, registrar and TPM."""
import datetime
import json
import time

import pytest
import requests

from esi_leap.tests import clock
from esi_leap.tests.fixtures import keylime as keylime_fixture
from esi_leap.tests.fixtures import nodes as nodes_fixture
from esi_leap.tests.fixtures import server as server_fixture

OWNER = {'X-Project-Id': 'owner-project', 'X-Roles': 'admin'}


@pytest.fixture(scope='module')
def stack(tmp_path_factory):
    with keylime_fixture.started_stack(
            str(tmp_path_factory.mktemp('keylime')), count=1) as stack:
        yield stack


@pytest.fixture
def embedded(stack, tmp_path):
    nodes = nodes_fixture.DummyNodes(str(tmp_path / 'nodes'))
    nodes.add('node-0', 'owner-project',
              extra={'keylime_agent_uuid': stack.agents[0].agent_id})
    port = server_fixture.free_port()
    keylime = dict(stack.options(), timeout='60',
                   tpm_policy=json.dumps(stack.known_good(0)))
    conf = server_fixture.write_config(
        str(tmp_path / 'esi-leap.conf'),
        'sqlite:///%s' % (tmp_path / 'esi-leap.sqlite'), nodes.directory,
        port, extra={'attestation': {'enabled': 'true'}, 'keylime': keylime,
                     'manager': {'retry_initial_delay': '0.5'}})
    server = server_fixture.Server(conf, port, program='esi-leap-all')
    server.dbsync()
    server.start()
    yield server, nodes
    server.stop()


def lease(server, start, end):
    response = requests.post(server.url + '/v1/leases', headers=OWNER,
                             json={'resource_uuid': 'node-0',
                                   'project_id': 'lessee-project',
                                   'start_time': clock.iso(start),
                                   'end_time': clock.iso(end)})
    assert response.status_code == 201, response.text
    return response.json()['uuid']


def wait_for(server, uuid, check, timeout=40):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = requests.get('%s/v1/leases/%s' % (server.url, uuid),
                                headers=OWNER)
        assert response.status_code == 200, response.text
        if check(response.json()):
            return response.json()
        time.sleep(0.3)
    return response.json()


def attestation(server, headers):
    listed = requests.get(server.url + '/v1/nodes', headers=headers)
    assert listed.status_code == 200, listed.text
    return {n['uuid']: n.get('attestation') for n in listed.json()['nodes']}


def test_embedded_hand_over_waits_for_a_fresh_pass_and_refuses_pcr_0(
        embedded, stack):
    server, nodes = embedded
    now = clock.utcnow()
    first = lease(server, now, now + datetime.timedelta(seconds=12))
    second = lease(server, now + datetime.timedelta(seconds=12),
                   now + datetime.timedelta(minutes=5))
    body = wait_for(server, first, lambda b: b['status'] != 'created')
    body = wait_for(server, first, lambda b: b['status'] == 'active')
    assert body['status'] == 'active', body
    assert nodes.read('node-0')['project_id'] == 'lessee-project'
    assert attestation(server, OWNER)['node-0']['status'] == 'pass'
    owner = {'X-Project-Id': 'owner-project', 'X-Roles': 'esi_leap_owner'}
    assert attestation(server, owner)['node-0']['status'] == 'pass'
    lessee = {'X-Project-Id': 'lessee-project',
              'X-Roles': 'esi_leap_lessee'}
    assert 'node-0' in attestation(server, lessee)
    assert attestation(server, lessee)['node-0'] is None
    # Changed firmware while the first lessee has the node.
    stack.tpms[0].extend(0)
    body = wait_for(server, second, lambda b: 'invalid_pcr_0' in (
        b.get('status_reason') or ''))
    assert body['status'] == 'wait fulfill', body
    assert 'pcr_validation.invalid_pcr_0' in body['status_reason']
    assert nodes.read('node-0').get('lease_uuid') != second
    found = attestation(server, OWNER)['node-0']
    assert found['event_id'] == 'pcr_validation.invalid_pcr_0'
