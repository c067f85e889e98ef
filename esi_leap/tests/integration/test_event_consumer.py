"""Notifications read by a consumer built like ESI's event action listener.

The real RabbitMQ, a real esi-leap-all and a pika consumer in its own
process: the consumer reads ``node_name`` and ``node_uuid`` from every
message and runs a script with payload fields. Every message is checked
against the schema published in the docs.
"""
import json
import os
import subprocess
import sys
import uuid

import jsonschema
import pika
import pytest
import requests

from esi_leap.tests.fixtures import event_listener
from esi_leap.tests.fixtures import nodes as nodes_fixture
from esi_leap.tests.fixtures import server as server_fixture
from esi_leap.tests import polling

RABBIT = os.environ.get('ESI_LEAP_TEST_RABBIT_URL',
                        'rabbit://guest:guest@127.0.0.1:5672/')
OWNER = {'X-Project-Id': 'owner-project', 'X-Roles': 'owner'}
LESSEE = {'X-Project-Id': 'lessee-project', 'X-Roles': 'lessee'}
SCHEMA = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'doc',
                      'source', 'admin', 'notification-schema.json')
SCRIPT = '''#!/bin/sh
printf '%s\\n' "$*" >> {out}
'''


def _listener_config(tmp_path, queue):
    script = tmp_path / 'action.sh'
    script.write_text(SCRIPT.format(out=tmp_path / 'actions.txt'))
    script.chmod(0o755)
    return server_fixture.write_ini(str(tmp_path / 'listener.conf'), {
        'DEFAULT': {'user': 'guest', 'password': 'guest',
                    'host': '127.0.0.1', 'port': '5672', 'queues': queue,
                    'messages': str(tmp_path / 'messages.jsonl'),
                    'stop_after': '60'},
        'fulfilled': {
            'events': 'esi_leap.lease.fulfill.end',
            'script': str(script),
            'script_params': 'node_name,uuid,node_properties.cpu_arch,'
                             'node_provision_state',
            'filter_params': json.dumps({'node_properties.cpu_arch':
                                         '^x86'})},
        'fulfilled_arm': {
            'events': 'esi_leap.lease.fulfill.end',
            'script': str(script),
            'script_params': 'uuid',
            'filter_params': json.dumps({'node_properties.cpu_arch':
                                         '^aarch'})},
        'offered': {
            'events': 'esi_leap.offer.create.end',
            'script': str(script),
            'script_params': 'node_name,node_uuid,node_power_state'},
    })


def _start_listener(conf):
    process = subprocess.Popen(
        [sys.executable, event_listener.__file__, conf],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    line = process.stdout.readline()
    assert b'waiting for messages' in line, line
    return process


def _wait_for(path, count, timeout=20):
    """The non-empty lines of ``path`` once there are ``count`` of them.

    Fewer (what is there) if they do not come within ``timeout`` seconds.
    """
    found = []

    def enough():
        if os.path.exists(path):
            with open(path) as f:
                found[:] = [line for line in f.read().splitlines() if line]
        return len(found) >= count
    polling.poll(enough, timeout)
    return found


def _stop(process):
    if process.poll() is None:
        process.terminate()
    output = process.communicate(timeout=10)[0]
    return output.decode(errors='replace')


def _delete_queues(*queues):
    """Delete this test's queues from RabbitMQ (by their unique names)."""
    connection = pika.BlockingConnection(pika.ConnectionParameters(
        '127.0.0.1', 5672, '/', pika.PlainCredentials('guest', 'guest')))
    try:
        channel = connection.channel()
        for queue in queues:
            channel.queue_delete(queue)
    finally:
        connection.close()


@pytest.fixture
def deployment(tmp_path):
    """esi-leap-all notifying over RabbitMQ, and the consumer's queue."""
    nodes = nodes_fixture.DummyNodes(str(tmp_path / 'nodes'))
    nodes.add('node-x86', 'owner-project',
              properties={'cpu_arch': 'x86_64', 'memory_mb': 4096},
              power_state='power on')
    topic = 'esi_leap_consumer_%s' % uuid.uuid4().hex[:8]
    port = server_fixture.free_port()
    conf = server_fixture.write_config(
        str(tmp_path / 'esi-leap.conf'),
        'sqlite:///%s' % (tmp_path / 'esi-leap.sqlite'), nodes.directory,
        port, extra={
            'DEFAULT': {'transport_url': RABBIT},
            'notification': {'versioned_notifications_topics': topic}})
    server = server_fixture.Server(conf, port, program='esi-leap-all')
    server.dbsync()
    listener = _start_listener(_listener_config(tmp_path, topic + '.info'))
    server.start()
    try:
        yield server, tmp_path, listener
    finally:
        server.stop()
        _stop(listener)
        _delete_queues(topic + '.info', topic + '.error')


def test_listener_runs_scripts_with_node_fields(deployment):
    server, tmp_path, listener = deployment
    offer = requests.post(server.url + '/v1/offers', headers=OWNER, json={
        'resource_uuid': 'node-x86', 'lessee_id': 'lessee-project'})
    assert offer.status_code == 201, offer.text
    lease = requests.post(
        '%s/v1/offers/%s/claim' % (server.url, offer.json()['uuid']),
        headers=LESSEE, json={})
    assert lease.status_code == 201, lease.text
    lease_uuid = lease.json()['uuid']

    actions = _wait_for(str(tmp_path / 'actions.txt'), 2)
    assert listener.poll() is None, _stop(listener)
    assert 'dummy-node-node-x86 node-x86 power on' in actions
    assert 'dummy-node-node-x86 %s x86_64 available' % lease_uuid in actions
    # The aarch64 section's filter kept its script from running.
    assert lease_uuid not in actions

    deleted = requests.delete('%s/v1/leases/%s' % (server.url, lease_uuid),
                              headers=LESSEE)
    assert deleted.status_code == 200, deleted.text
    messages = [json.loads(line) for line in _wait_for(
        str(tmp_path / 'messages.jsonl'), 7)]
    assert listener.poll() is None, _stop(listener)
    kinds = [m['event_type'] for m in messages]
    assert kinds[:2] == ['esi_leap.offer.create.end',
                         'esi_leap.lease.create.end'], kinds
    for wanted in ('esi_leap.lease.fulfill.start',
                   'esi_leap.lease.fulfill.end',
                   'esi_leap.lease.delete.start',
                   'esi_leap.lease.delete.end'):
        assert wanted in kinds, kinds
    with open(SCHEMA) as f:
        schema = json.load(f)
    for message in messages:
        jsonschema.validate(message, schema)
    by_kind = {}  # the first message of each type
    for message in messages:
        by_kind.setdefault(message['event_type'],
                           message['payload']['esi_leap_object.data'])
    claimed = by_kind['esi_leap.lease.create.end']
    assert claimed['node_name'] == 'dummy-node-node-x86'
    assert claimed['node_properties'] == {'cpu_arch': 'x86_64',
                                          'memory_mb': 4096}
    assert claimed['project_id'] == 'lessee-project'
    assert isinstance(claimed['id'], int)
    ended = by_kind['esi_leap.lease.delete.end']
    assert ended['node_uuid'] == 'node-x86'
    assert ended['node_name'] == 'dummy-node-node-x86'
    assert ended['expire_time'] is not None
    # The API cancelled without reading the node: its facts are null, and
    # the keys are still there.
    cancelled = by_kind['esi_leap.lease.delete.start']
    assert cancelled['node_uuid'] == 'node-x86'
    assert cancelled['node_name'] is None
    assert cancelled['node_properties'] is None


def test_schema_refuses_a_payload_without_node_name():
    with open(SCHEMA) as f:
        schema = json.load(f)
    message = {'event_type': 'esi_leap.offer.create.end',
               'priority': 'INFO', 'publisher_id': 'x',
               'payload': {'esi_leap_object.name': 'OfferCRUDPayload',
                           'esi_leap_object.namespace': 'esi_leap',
                           'esi_leap_object.version': '1.1',
                           'esi_leap_object.data': {'uuid': 'u'}}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(message, schema)
