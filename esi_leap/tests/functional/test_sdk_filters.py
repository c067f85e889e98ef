"""The list filters esisdk may send, over raw HTTP.

Offers by uuid, name and lessee, leases by uuid, nodes by name, offer and
lease.
"""
import pytest

from esi_leap.db.sqlalchemy import statements
from esi_leap.tests.functional.helpers import fault

OTHER = 'other-project'


@pytest.fixture
def booked(nodes, owner, lessee):
    """Two nodes of owner-project, two offers and a lease.

    An open offer of node-a, an offer of node-b restricted to
    other-project, and lessee's lease from the first.
    """
    nodes.add('node-a', 'owner-project')
    nodes.add('node-b', 'owner-project')
    open_offer = owner.post('/v1/offers', {
        'resource_uuid': 'node-a', 'name': 'shared',
        'start_time': '2030-01-01', 'end_time': '2030-02-01'}).json
    private = owner.post('/v1/offers', {
        'resource_uuid': 'node-b', 'name': 'private',
        'lessee_id': OTHER,
        'start_time': '2030-01-01', 'end_time': '2030-02-01'}).json
    lease = lessee.post('/v1/offers/%s/claim' % open_offer['uuid'], {
        'start_time': '2030-01-02', 'end_time': '2030-01-03'}).json
    return open_offer, private, lease


def uuids(response, key):
    return [item['uuid'] for item in response.json[key]]


def test_offers_by_uuid_name_and_lessee(booked, owner, lessee, caller):
    open_offer, private, _ = booked
    other = caller(OTHER, 'esi_leap_lessee')
    assert uuids(owner.get('/v1/offers', uuid=private['uuid']),
                 'offers') == [private['uuid']]
    # The same uuid in capitals or without hyphens means the same offer.
    assert uuids(owner.get('/v1/offers', uuid=private['uuid'].upper()),
                 'offers') == [private['uuid']]
    assert uuids(owner.get('/v1/offers', name='shared'),
                 'offers') == [open_offer['uuid']]
    assert uuids(owner.get('/v1/offers', lessee_id=OTHER),
                 'offers') == [private['uuid']]
    assert uuids(other.get('/v1/offers', name='private'),
                 'offers') == [private['uuid']]
    # A filter never reveals an offer the caller may not see.
    assert uuids(lessee.get('/v1/offers', uuid=private['uuid']),
                 'offers') == []
    assert uuids(lessee.get('/v1/offers', name='private'), 'offers') == []
    assert uuids(lessee.get('/v1/offers', lessee_id=OTHER), 'offers') == []
    # Filters combine.
    assert uuids(owner.get('/v1/offers', name='shared',
                           uuid=private['uuid']), 'offers') == []


def test_leases_by_uuid(booked, owner, lessee, admin, caller):
    _, _, lease = booked
    for who in (owner, lessee):
        assert uuids(who.get('/v1/leases', uuid=lease['uuid']),
                     'leases') == [lease['uuid']]
    # An admin's plain list holds its own project's leases only.
    assert uuids(admin.get('/v1/leases', uuid=lease['uuid']),
                 'leases') == []
    assert uuids(admin.get('/v1/leases', uuid=lease['uuid'], view='all'),
                 'leases') == [lease['uuid']]
    stranger = caller(OTHER, 'esi_leap_lessee')
    assert uuids(stranger.get('/v1/leases', uuid=lease['uuid']),
                 'leases') == []
    assert uuids(admin.get('/v1/leases', uuid=lease['uuid'], view='all',
                           status='expired'), 'leases') == []


def test_nodes_by_name_offer_and_lease(booked, owner, lessee, caller):
    open_offer, private, lease = booked

    def listed(who, **params):
        return uuids(who.get('/v1/nodes', **params), 'nodes')
    assert listed(owner, name='dummy-node-node-b') == ['node-b']
    assert listed(owner, name='no-such-node') == []
    assert listed(owner, offer_uuid=private['uuid']) == ['node-b']
    assert listed(owner, offer_uuid='private') == ['node-b']
    assert listed(owner, lease_uuid=lease['uuid']) == ['node-a']
    assert listed(owner, offer_uuid=open_offer['uuid'],
                  lease_uuid=lease['uuid']) == ['node-a']
    assert listed(owner, offer_uuid=private['uuid'],
                  lease_uuid=lease['uuid']) == []
    # Missing and hidden offers and leases look alike: no node.
    other = caller(OTHER, 'esi_leap_owner')
    assert listed(owner, offer_uuid='00000000-0000-0000-0000-000000000000'
                  ) == []
    assert listed(other, lease_uuid=lease['uuid']) == []


@pytest.mark.parametrize('path, params, message', [
    ('/v1/offers', {'uuid': 'not-a-uuid'}, 'Invalid uuid: not a UUID.'),
    ('/v1/offers', {'uuid': 'x' * 300},
     'Query parameter uuid is longer than 255 characters.'),
    ('/v1/offers', {'name': ''}, 'Invalid name: empty.'),
    ('/v1/offers', {'name': 'n' * 256},
     'Query parameter name is longer than 255 characters.'),
    ('/v1/offers', {'lessee_id': ' '}, None),
    ('/v1/leases', {'uuid': '1234'}, 'Invalid uuid: not a UUID.'),
    ('/v1/nodes', {'name': ''}, 'Invalid name: empty.'),
    ('/v1/nodes', {'offer_uuid': ''}, 'Invalid offer_uuid: empty.'),
    ('/v1/nodes', {'lease_uuid': 'l' * 256},
     'Query parameter lease_uuid is longer than 255 characters.'),
])
def test_bad_filters_are_400(booked, owner, path, params, message):
    response = owner.request('get', path, status=400, params=params)
    text = fault(response)
    if message is not None:
        assert text == message
    assert 'Traceback' not in text


def test_a_filter_shape_is_built_once_whatever_the_values(booked, owner,
                                                          monkeypatch):
    open_offer, private, lease = booked
    monkeypatch.setattr(statements, '_BUILT', {})
    builds = []
    built = statements.built

    def counting(key, build):
        def counted():
            builds.append(key)
            return build()
        return built(key, counted)
    monkeypatch.setattr(statements, 'built', counting)
    for offer in (open_offer, private):
        owner.get('/v1/offers', uuid=offer['uuid'], lessee_id=OTHER)
        owner.get('/v1/offers', name=offer['name'])
        owner.get('/v1/leases', uuid=lease['uuid'])
    first_round = len(builds)
    assert first_round >= 3
    for name in ('n1', 'n2', 'n3'):
        owner.get('/v1/offers', name=name)
    assert len(builds) == first_round, builds


def test_node_filter_by_a_shared_offer_name_is_409(booked, owner):
    for start, end in (('2032-01-01', '2032-02-01'),
                       ('2033-01-01', '2033-02-01')):
        owner.post('/v1/offers', {'resource_uuid': 'node-a', 'name': 'dup',
                                  'start_time': start, 'end_time': end})
    response = owner.request('get', '/v1/nodes', status=409,
                             params={'offer_uuid': 'dup'})
    assert 'dup' in fault(response)
    # By name the offer list shows both.
    assert len(owner.get('/v1/offers', name='dup').json['offers']) == 2
