"""POST /v1/claims: N nodes at once, all or none, on a real database."""
import pytest
import sqlalchemy as sa

from esi_leap.db import api as db_api
from esi_leap.db.sqlalchemy import models
from esi_leap.tests.functional.helpers import count_node_reads
from esi_leap.tests.functional.helpers import fault

START, END = '2030-01-01T00:00:00', '2030-01-02T00:00:00'


def make_pool(nodes, owner, racks, resource_class='baremetal',
              memory=65536, prefix='n'):
    """One node and one offer per rack value; returns the offer uuids."""
    uuids = []
    for i, rack in enumerate(racks):
        name = '%s%02d' % (prefix, i)
        nodes.add(name, 'owner-project', resource_class=resource_class,
                  properties={'rack': rack, 'memory_mb': memory,
                              'cpu_arch': 'x86_64'})
        uuids.append(owner.post('/v1/offers', {
            'resource_uuid': name, 'start_time': '2030-01-01',
            'end_time': '2030-03-01'}).json['uuid'])
    return uuids


def leases_in_db():
    with db_api.reader() as session:
        return session.scalars(sa.select(models.Lease)).all()


def claim(lessee, body, status=201):
    body = dict({'start_time': START, 'end_time': END}, **body)
    return lessee.post('/v1/claims', body, status=status)


def test_claims_count_nodes(owner, lessee, nodes):
    make_pool(nodes, owner, ['r1', 'r1', 'r2', 'r2'])
    got = claim(lessee, {'count': 3, 'name': 'cluster',
                         'properties': {'k': 'v'}}).json['leases']
    assert len(got) == 3
    assert len({lease['resource_uuid'] for lease in got}) == 3
    for lease in got:
        assert lease['project_id'] == 'lessee-project'
        assert lease['offer_uuid'] is not None
        assert lease['name'] == 'cluster'
        assert lease['properties'] == {'k': 'v'}
        assert lease['status'] == 'created'
        assert (lease['start_time'], lease['end_time']) == (START, END)
    assert len(leases_in_db()) == 3


def test_not_enough_is_a_409_with_the_free_count(owner, lessee, nodes):
    make_pool(nodes, owner, ['r1', 'r1', 'r2'])
    response = claim(lessee, {'count': 4}, status=409)
    assert fault(response) == (
        'Cannot claim 4 nodes: only 3 matching nodes are free for '
        '2030-01-01 00:00:00 - 2030-01-02 00:00:00.')
    assert leases_in_db() == []


def test_all_or_nothing_when_one_offer_is_taken(owner, lessee, caller,
                                                nodes):
    offers = make_pool(nodes, owner, ['r1', 'r2', 'r3'])
    other = caller('other-project', 'esi_leap_lessee')
    other.post('/v1/offers/%s/claim' % offers[1],
               {'start_time': START, 'end_time': END})
    response = claim(lessee, {'offers': offers}, status=409)
    assert 'only 2 matching nodes are free' in fault(response)
    assert [lease.project_id for lease in leases_in_db()] == [
        'other-project']


def test_named_offers(owner, lessee, nodes):
    offers = make_pool(nodes, owner, ['r1', 'r2', 'r3'])
    got = claim(lessee, {'offers': offers[:2]}).json['leases']
    assert sorted(lease['offer_uuid'] for lease in got) == sorted(offers[:2])


def test_resource_class_and_properties(owner, lessee, nodes):
    make_pool(nodes, owner, ['r1', 'r2'], resource_class='gpu',
              memory=131072, prefix='g')
    make_pool(nodes, owner, ['r1', 'r2'], resource_class='gpu',
              memory=32768, prefix='s')
    make_pool(nodes, owner, ['r1', 'r2'], prefix='b', memory=131072)
    got = claim(lessee, {'count': 2, 'resource_class': 'gpu',
                         'resource_properties': ['memory_mb>=65536',
                                                 'cpu_arch==x86_64']}
                ).json['leases']
    assert sorted(lease['resource_uuid'] for lease in got) == ['g00', 'g01']
    response = claim(lessee, {'count': 1, 'resource_class': 'gpu',
                              'resource_properties': ['memory_mb>=65536']},
                     status=409)
    assert 'only 0 matching nodes are free' in fault(response)


def test_locality_same(owner, lessee, nodes):
    make_pool(nodes, owner, ['r1', 'r2', 'r2', 'r3', 'r3', 'r3'])
    got = claim(lessee, {'count': 2, 'locality': {
        'key': 'rack', 'mode': 'same'}}).json['leases']
    # The smallest rack that fits is used, keeping the larger ones whole.
    assert {lease['resource_properties']['rack'] for lease in got} == {'r2'}
    response = claim(lessee, {'count': 4, 'locality': {
        'key': 'rack', 'mode': 'same'}}, status=409)
    assert fault(response) == (
        'Cannot claim 4 nodes on one value of rack: 4 matching nodes are '
        'free for 2030-01-01 00:00:00 - 2030-01-02 00:00:00, at most 3 of '
        'them on one value of rack.')


def test_locality_spread(owner, lessee, nodes):
    make_pool(nodes, owner, ['r1', 'r1', 'r2', 'r2', 'r3'])
    got = claim(lessee, {'count': 3, 'locality': {
        'key': 'rack', 'mode': 'spread'}}).json['leases']
    assert sorted(lease['resource_properties']['rack'] for lease in got) \
        == ['r1', 'r2', 'r3']


def test_locality_spread_unmet(owner, lessee, nodes):
    make_pool(nodes, owner, ['r1', 'r1', 'r1', 'r2'])
    response = claim(lessee, {'count': 3, 'locality': {
        'key': 'rack', 'mode': 'spread'}}, status=409)
    assert 'at most 2 of them on different values of rack' in \
        fault(response)
    assert leases_in_db() == []


def test_same_conflict_rule_as_a_single_claim(owner, lessee, nodes, config):
    """The cleaning buffer keeps a gang claim off a node, as a claim."""
    config(group='manager', cleaning_buffer=3600)
    offers = make_pool(nodes, owner, ['r1'])
    lessee.post('/v1/offers/%s/claim' % offers[0], {
        'start_time': '2030-01-02T00:00:00',
        'end_time': '2030-01-03T00:00:00'})
    claim(lessee, {'count': 1, 'end_time': '2030-01-01T23:30:00'},
          status=409)
    claim(lessee, {'count': 1, 'end_time': '2030-01-01T23:00:00'})


@pytest.mark.parametrize('body,message', [
    ({}, 'Invalid input for field/attribute count.'),
    ({'count': 0}, 'Invalid count: it must be an integer from 1 to 64.'),
    ({'count': 65}, 'Invalid count: it must be an integer from 1 to 64.'),
    ({'count': True}, 'Invalid count: it must be an integer from 1 to 64.'),
    ({'count': '2'}, 'Invalid count: it must be an integer from 1 to 64.'),
    ({'count': 1, 'x': 1}, 'Invalid input: unknown field x in the claim'),
    ({'count': 1, 'locality': {'key': 'rack', 'mode': 'near'}},
     'Invalid locality.mode: it must be one of same, spread.'),
    ({'count': 1, 'locality': {'mode': 'same'}},
     'Invalid input for field/attribute locality.key.'),
    ({'count': 1, 'locality': 'rack'},
     'Invalid input: locality must be a JSON object'),
    ({'count': 1, 'resource_properties': 'a==b'},
     'Invalid resource_properties: it must be a list of strings.'),
    ({'count': 1, 'resource_properties': ['memory_mb~1']},
     'Invalid resource_properties: memory_mb~1 is not <key><op><value>'),
    ({'count': 1, 'resource_properties': ['x==1'] * 33},
     'Invalid resource_properties: at most 32 expressions are accepted.'),
    ({'count': 1, 'resource_properties': ['memory_mb>=lots']},
     'Invalid resource_properties: memory_mb>=lots compares with >=, '
     'which needs a number.'),
    ({'offers': []}, 'Invalid offers: it must be a list of 1 to 64'),
    ({'offers': ['a', 'a']}, 'Invalid offers: an offer is named twice.'),
    ({'offers': ['a', 'b'], 'count': 3},
     'Invalid count: it must be the number of offers named.'),
    ({'count': 1, 'start_time': 5},
     'Invalid start_time: it must be an ISO 8601 string.'),
    ({'count': 1, 'resource_class': '\n'},
     'Invalid resource_class: it must be a non-blank string.'),
    ({'count': 1, 'end_time': '2029-01-01'},
     'Start Time must be strictly less than End Time'),
])
def test_bad_input(lessee, body, message):
    body = dict({'start_time': START, 'end_time': END}, **body)
    response = lessee.post('/v1/claims', body, status=400)
    assert message in fault(response)


def test_not_a_json_object(lessee):
    response = lessee.request('post', '/v1/claims', body=[1], status=400)
    assert 'must be a JSON object' in fault(response)


def test_named_offer_not_visible(owner, lessee, nodes):
    nodes.add('n0', 'owner-project')
    offer = owner.post('/v1/offers', {
        'resource_uuid': 'n0', 'start_time': '2030-01-01',
        'end_time': '2030-03-01', 'lessee_id': 'someone-else'}).json
    response = claim(lessee, {'offers': [offer['uuid']]}, status=404)
    assert offer['uuid'] in fault(response)


def test_needs_a_project(caller):
    nobody = caller(None, 'esi_leap_lessee')
    nobody.post('/v1/claims', {'count': 1}, status=403)


def test_nodes_are_read_once(owner, lessee, nodes, monkeypatch):
    """The backend is asked about the candidates once, not for the answer."""
    make_pool(nodes, owner, ['r1', 'r1', 'r2'])
    reads = count_node_reads(monkeypatch)
    claim(lessee, {'count': 2})
    assert sorted(reads) == ['n00', 'n01', 'n02']
