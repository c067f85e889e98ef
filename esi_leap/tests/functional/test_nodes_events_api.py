"""/v1/nodes and /v1/events on a real database."""
import pytest
import sqlalchemy as sa

from esi_leap.db import api as db_api
from esi_leap.db.sqlalchemy import models
from esi_leap.tests.functional.helpers import fault


@pytest.fixture
def two_nodes(nodes):
    nodes.add('node-a', 'owner-project', resource_class='gpu',
              properties={'cpus': 4, 'lease_uuid': 'x'})
    nodes.add('node-b', 'other-project', resource_class='cpu',
              lease_uuid='lease-b', project_id='lessee-project')


def test_nodes_visible_to_owner_lessee_admin(two_nodes, owner, lessee,
                                             admin, caller):
    def names(who, **params):
        return [n['name'] for n in who.get('/v1/nodes', **params).json[
            'nodes']]
    assert names(admin) == ['dummy-node-node-a', 'dummy-node-node-b']
    assert names(owner) == ['dummy-node-node-a']
    assert names(lessee) == ['dummy-node-node-b']
    assert names(caller('stranger', 'esi_leap_owner')) == []
    assert names(admin, resource_class='cpu') == ['dummy-node-node-b']
    assert names(admin, owner='owner-project') == ['dummy-node-node-a']
    assert names(admin, lessee='lessee-project') == ['dummy-node-node-b']
    response = caller('owner-project').request('get', '/v1/nodes',
                                               status=403)
    assert fault(response) == 'Access was denied to esi_leap:node:get_all.'


def test_node_fields_and_bookings(two_nodes, owner, admin):
    current = owner.post('/v1/offers', {'resource_uuid': 'node-a',
                                        'start_time': '2020-01-01',
                                        'end_time': '2099-01-01'}).json
    owner.request('post', '/v1/offers', status=409, body={
        'resource_uuid': 'node-a', 'start_time': '2098-01-01',
        'end_time': '2099-06-01'})
    later = owner.post('/v1/offers', {'resource_uuid': 'node-a',
                                      'start_time': '2099-01-01',
                                      'end_time': '2099-06-01'}).json
    lease = owner.post('/v1/offers/%s/claim' % current['uuid'], {
        'start_time': '2098-01-01', 'end_time': '2098-01-02'}).json
    nodes = {n['uuid']: n for n in admin.get('/v1/nodes').json['nodes']}
    node_a = nodes['node-a']
    assert node_a['offer_uuid'] == current['uuid']
    assert node_a['future_offers'] == [later['uuid']]
    assert node_a['future_leases'] == [lease['uuid']]
    assert node_a['maintenance'] == 'False'
    assert node_a['properties'] == {'cpus': 4}
    assert node_a['resource_class'] == 'gpu'
    # Dummy nodes never move between states: no targets, as null.
    assert node_a['target_provision_state'] is None
    assert node_a['target_power_state'] is None
    assert 'lease_uuid' not in node_a
    node_b = nodes['node-b']
    assert node_b['lease_uuid'] == 'lease-b'
    assert 'offer_uuid' not in node_b
    assert node_b['future_offers'] == [] and node_b['future_leases'] == []


def test_events(nodes, owner, lessee, admin, caller):
    nodes.add('node-a', 'owner-project')
    offer = owner.post('/v1/offers', {'resource_uuid': 'node-a',
                                      'start_time': '2030-01-01',
                                      'end_time': '2030-02-01'}).json
    lease = lessee.post('/v1/offers/%s/claim' % offer['uuid'], {
        'start_time': '2030-01-02', 'end_time': '2030-01-03'}).json
    lessee.delete('/v1/leases/%s' % lease['uuid'])

    def kinds(who, **params):
        return [(e['event_type'], e['object_uuid']) for e in
                who.get('/v1/events', **params).json['events']]
    everything = [('esi_leap.offer.create.end', offer['uuid']),
                  ('esi_leap.lease.create.end', lease['uuid']),
                  ('esi_leap.lease.delete.end', lease['uuid'])]
    assert kinds(admin) == everything
    assert kinds(owner) == everything
    assert kinds(lessee) == everything[1:]
    assert kinds(caller('stranger', 'esi_leap_lessee')) == []
    first = admin.get('/v1/events').json['events'][0]
    assert set(first) == {'id', 'event_type', 'event_time', 'object_type',
                          'object_uuid', 'resource_type', 'resource_uuid',
                          'lessee_id', 'owner_id', 'end_time',
                          'previous_end_time'}
    # No end time changed: none of these events carries end times.
    assert {(e['end_time'], e['previous_end_time'])
            for e in admin.get('/v1/events').json['events']} == {(None, None)}
    assert kinds(admin, last_event_id=str(first['id'])) == everything[1:]
    assert kinds(admin, event_type='esi_leap.lease.delete.end') == \
        everything[2:]
    assert kinds(admin, resource_uuid='node-a',
                 resource_type='dummy_node') == everything
    assert kinds(admin, lessee_or_owner_id='lessee-project') == \
        everything[1:]
    assert kinds(admin, last_event_time='2099-01-01') == []
    with db_api.reader() as session:
        assert session.scalar(sa.select(sa.func.count(models.Event.id))) \
            == 3


@pytest.mark.parametrize('params,status,text', [
    ({'last_event_id': 'abc'}, 400, 'last_event_id must be an integer'),
    ({'last_event_time': 'x'}, 400, 'Invalid datetime for last_event_time'),
    ({'lessee_or_owner_id': 'someone-else'}, 403,
     'Access was denied to esi_leap:event:event_admin.'),
    ({'bogus': '1'}, 400, 'Unknown argument: "bogus"'),
])
def test_bad_event_queries(owner, params, status, text):
    response = owner.request('get', '/v1/events', status=status,
                             params=params)
    assert text in fault(response)
