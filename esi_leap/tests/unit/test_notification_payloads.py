"""Notification payloads against the schema published in the docs."""
import datetime
import json
import os
import re
import types

import jsonschema
import pytest

from esi_leap.manager import ending
from esi_leap.manager import transitions
from esi_leap.notifications import payloads
from esi_leap.resource_types import base

SCHEMA = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'doc',
                      'source', 'admin', 'notification-schema.json')
UTC = datetime.timezone.utc
START = datetime.datetime(2030, 1, 1, tzinfo=UTC)
END = datetime.datetime(2030, 1, 2, 12, 30, 0, 500, tzinfo=UTC)
NODE = base.NodeInfo(uuid='11111111-2222-3333-4444-555555555555',
                     name='rack1-node7', properties={
                         'cpu_arch': 'x86_64', 'lease_uuid': 'hidden',
                         'capabilities': 'boot_mode:uefi'},
                     provision_state='active', power_state='power on')


@pytest.fixture(scope='module')
def schema():
    with open(SCHEMA) as f:
        return json.load(f)


def _row(**extra):
    fields = dict(id=7, uuid='aaaaaaaa-0000-0000-0000-000000000001',
                  name=None, project_id='p1', resource_type='ironic_node',
                  resource_uuid=NODE.uuid, start_time=START, end_time=END,
                  status='created', properties={},
                  parent_lease_uuid=None)
    fields.update(extra)
    return types.SimpleNamespace(**fields)


def _lease(**extra):
    return _row(owner_id='o1', purpose=None, offer_uuid=None,
                fulfill_time=None, expire_time=None, **extra)


def _message(event_type, payload):
    return {'event_type': event_type, 'priority': 'INFO',
            'publisher_id': 'esi-leap-manager.host', 'payload': payload}


@pytest.mark.parametrize('node', [NODE, None])
def test_lease_payload_matches_schema(schema, node):
    payload = payloads.lease_payload(_lease(), 'active', node)
    jsonschema.validate(_message('esi_leap.lease.fulfill.end', payload),
                        schema)
    data = payload['esi_leap_object.data']
    assert data['node_uuid'] == NODE.uuid
    assert data['end_time'] == '2030-01-02T12:30:00.000500'
    if node is None:
        assert data['node_name'] is None
        assert data['node_properties'] is None
    else:
        assert data['node_name'] == 'rack1-node7'
        assert data['node_properties'] == {'cpu_arch': 'x86_64'}
        assert data['node_power_state'] == 'power on'


@pytest.mark.parametrize('node', [NODE, None])
def test_offer_payload_matches_schema(schema, node):
    payload = payloads.offer_payload(_row(lessee_id=None, id=None),
                                     'available', node)
    jsonschema.validate(_message('esi_leap.offer.create.end', payload),
                        schema)
    assert payload['esi_leap_object.name'] == 'OfferCRUDPayload'


def test_lease_end_with_its_handback_record_matches_schema(schema):
    payload = payloads.lease_payload(_lease(), 'active', NODE)
    payload['esi_leap_object.data']['handback'] = {'outcome': 'cleaned',
                                                   'seconds': 3.25}
    jsonschema.validate(_message('esi_leap.lease.delete.end', payload),
                        schema)
    payload['esi_leap_object.data']['handback'] = {'outcome': 'cleaned'}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(_message('esi_leap.lease.delete.end', payload),
                            schema)


def test_lease_ending_event_matches_schema(schema, config):
    config(group='manager', ending_lead_time=3600)
    lease = _lease(status='active')
    payload = payloads.lease_payload(lease, 'active', NODE)
    payload['esi_leap_object.data'].update(ending.payload_extra(lease))
    jsonschema.validate(_message('esi_leap.lease.ending.end', payload),
                        schema)
    assert payload['esi_leap_object.data']['ending'] == {
        'end_time': '2030-01-02T12:30:00.000500', 'lead_time': 3600}
    # The event always says which end it is for.
    del payload['esi_leap_object.data']['ending']['end_time']
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(_message('esi_leap.lease.ending.end', payload),
                            schema)
    # An offer payload is no ending event's.
    offer = payloads.offer_payload(_row(lessee_id=None), 'available', NODE)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(_message('esi_leap.lease.ending.end', offer),
                            schema)


@pytest.mark.parametrize('node', [NODE, None])
@pytest.mark.parametrize('phase,reason', [
    ('start', 'quarantined: node rack1-node7 failed cleaning'),
    ('end', None)])
def test_node_payload_matches_schema(schema, node, phase, reason):
    payload = payloads.node_payload(_lease(), reason, node)
    message = _message('esi_leap.node.quarantine.%s' % phase, payload)
    message['priority'] = 'WARN' if phase == 'start' else 'INFO'
    jsonschema.validate(message, schema)
    data = payload['esi_leap_object.data']
    assert data['lease_uuid'] == 'aaaaaaaa-0000-0000-0000-000000000001'
    assert data['node_uuid'] == NODE.uuid
    assert data['node_name'] == (node and 'rack1-node7')
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(_message('esi_leap.lease.delete.end', payload),
                            schema)


def test_schema_refuses_a_lease_payload_for_an_offer_event(schema):
    payload = payloads.lease_payload(_lease(), 'active', NODE)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(_message('esi_leap.offer.create.end', payload),
                            schema)


def test_schema_refuses_an_unknown_event_type(schema):
    payload = payloads.lease_payload(_lease(), 'active', NODE)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(_message('esi_leap.lease.vanish.end', payload),
                            schema)


def test_every_recorded_event_type_is_in_the_schema(schema):
    # Every recorder.record('<type>', obj, '<action>', '<phase>'...) call
    # of the product code names an event type the schema documents.
    root = os.path.join(os.path.dirname(__file__), '..', '..')
    call = re.compile(r"record\(\s*'(lease|offer)',\s*\w+,\s*"
                      r"'(\w+)',\s*'(\w+)'")
    found = set()
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != 'tests']
        for name in files:
            if name.endswith('.py'):
                with open(os.path.join(folder, name)) as f:
                    found.update('esi_leap.%s.%s.%s' % m
                                 for m in call.findall(f.read()))
    # Lease ends and starts record the phases of the manager's
    # transition table, node events go through record_node().
    found.update('esi_leap.lease.delete.%s' % phase
                 for row in transitions.END.values() for phase in row.events)
    found.update('esi_leap.lease.fulfill.%s' % phase
                 for row in transitions.HOLD.values()
                 for phase in row.events)
    node = re.compile(r"record_node\(\s*\w+,\s*'(\w+)',\s*'(\w+)'")
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != 'tests']
        for name in files:
            if name.endswith('.py'):
                with open(os.path.join(folder, name)) as f:
                    found.update('esi_leap.node.%s.%s' % m
                                 for m in node.findall(f.read()))
    assert len(found) >= 14, found
    assert found <= set(schema['properties']['event_type']['enum'])
