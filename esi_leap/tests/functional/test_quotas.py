"""Per-project quotas: /v1/quotas and their enforcement on every path."""
import threading

import pytest
import sqlalchemy as sa

from esi_leap.db import api as db_api

from esi_leap.tests.functional.helpers import fault
from esi_leap.tests.functional.helpers import set_lease_status
from esi_leap.tests.functional.test_fleet_claims import claim
from esi_leap.tests.functional.test_fleet_claims import END
from esi_leap.tests.functional.test_fleet_claims import leases_in_db
from esi_leap.tests.functional.test_fleet_claims import make_pool
from esi_leap.tests.functional.test_fleet_claims import START

LESSEE = 'lessee-project'


def set_quota(admin, body, project=LESSEE):
    return admin.request('put', '/v1/quotas/' + project, body=body,
                         status=200).json


def test_defaults_are_unlimited(lessee):
    got = lessee.get('/v1/quotas/' + LESSEE).json
    assert got == {'project_id': LESSEE, 'max_nodes': -1, 'max_leases': -1,
                   'max_nodes_by_resource_class': {}, 'overridden': [],
                   'usage': {'leases': 0, 'nodes': 0,
                             'nodes_by_resource_class': {}}}


def test_set_show_delete(admin, lessee):
    got = set_quota(admin, {'max_nodes': 3, 'max_nodes_by_resource_class':
                            {'gpu': 1}})
    assert got['max_nodes'] == 3 and got['max_leases'] == -1
    assert got['max_nodes_by_resource_class'] == {'gpu': 1}
    assert got['overridden'] == ['max_nodes', 'max_nodes_by_resource_class']
    assert lessee.get('/v1/quotas/' + LESSEE).json['max_nodes'] == 3
    admin.delete('/v1/quotas/' + LESSEE)
    assert lessee.get('/v1/quotas/' + LESSEE).json['max_nodes'] == -1
    response = admin.delete('/v1/quotas/' + LESSEE, status=404)
    assert fault(response) == 'Project %s has no quota of its own.' % LESSEE


def test_config_defaults(config, lessee):
    config(group='quota', max_nodes=5, max_leases=7,
           max_nodes_by_resource_class={'gpu': 2})
    got = lessee.get('/v1/quotas/' + LESSEE).json
    assert (got['max_nodes'], got['max_leases'],
            got['max_nodes_by_resource_class']) == (5, 7, {'gpu': 2})


def test_config_defaults_hold_single_and_n_node_claims(
        config, owner, lessee, nodes):
    # No override: the [quota] defaults alone make bookings counted.
    config(group='quota', max_nodes=2)
    offers = make_pool(nodes, owner, ['r1'] * 4)
    lessee.post('/v1/offers/%s/claim' % offers[0],
                {'start_time': START, 'end_time': END})
    response = claim(lessee, {'count': 2}, status=403)
    assert fault(response) == (
        'Quota exceeded for project lessee-project: max_nodes is 2 and the '
        'booking would make it 3.')
    assert len(leases_in_db()) == 1
    claim(lessee, {'count': 1})
    free = sorted(set(offers) - {lease.offer_uuid for lease in leases_in_db()})
    response = lessee.request(
        'post', '/v1/offers/%s/claim' % free[0], status=403,
        body={'start_time': START, 'end_time': END})
    assert 'max_nodes is 2 and the booking would make it 3' in \
        fault(response)
    assert len(leases_in_db()) == 2


def test_override_set_while_a_claim_is_under_way(database, admin, owner,
                                                 lessee, nodes):
    """An override committed after a claim's locks still holds the claim.

    The claim's lock statement saw no override (so took no project lock);
    its check then reads the override, and the quota is enforced.
    """
    if database.backend == 'sqlite':
        pytest.skip('SQLite runs one writer at a time')
    offers = make_pool(nodes, owner, ['r1'] * 2)
    lessee.post('/v1/offers/%s/claim' % offers[0],
                {'start_time': START, 'end_time': END})
    engine = db_api.get_engine()
    fired = []

    def between(conn, cursor, statement, *args):
        if statement.startswith('INSERT INTO resource_locks') and \
                not fired:
            fired.append(True)
            worker = threading.Thread(target=db_api.quota_set, args=(
                LESSEE, {'max_nodes': 1, 'max_leases': None,
                         'max_nodes_by_resource_class': None}))
            worker.start()
            worker.join(60)

    sa.event.listen(engine, 'after_cursor_execute', between)
    try:
        response = lessee.request(
            'post', '/v1/offers/%s/claim' % offers[1], status=403,
            body={'start_time': START, 'end_time': END})
    finally:
        sa.event.remove(engine, 'after_cursor_execute', between)
    assert fired
    assert 'max_nodes is 1 and the booking would make it 2' in \
        fault(response)
    assert len(leases_in_db()) == 1


def test_who_may(lessee, owner, admin):
    response = lessee.request('get', '/v1/quotas/owner-project',
                              status=403)
    assert 'esi_leap:quota:quota_admin' in fault(response)
    admin.get('/v1/quotas/owner-project')
    for caller in (lessee, owner):
        caller.request('put', '/v1/quotas/' + LESSEE,
                       body={'max_nodes': 100}, status=403)
        caller.request('delete', '/v1/quotas/' + LESSEE, status=403)


@pytest.mark.parametrize('body,message', [
    ({'max_nodes': -2}, 'Invalid max_nodes: it must be an integer from -1'),
    ({'max_nodes': '3'}, 'Invalid max_nodes: it must be an integer'),
    ({'max_leases': 1.5}, 'Invalid max_leases: it must be an integer'),
    ({'max_leases': True}, 'Invalid max_leases: it must be an integer'),
    ({'nodes': 3}, 'unknown field nodes in the quota'),
    ({'max_nodes_by_resource_class': {'gpu': 'x'}},
     'Invalid max_nodes_by_resource_class: it must be an integer'),
    ({'max_nodes_by_resource_class': [1]},
     'Invalid max_nodes_by_resource_class: it must be an object'),
])
def test_bad_quota(admin, body, message):
    response = admin.request('put', '/v1/quotas/' + LESSEE, body=body,
                             status=400)
    assert message in fault(response)


def test_n_node_claim_over_quota_is_a_403_and_nothing(admin, owner, lessee,
                                                      nodes):
    make_pool(nodes, owner, ['r1'] * 5)
    set_quota(admin, {'max_nodes': 3})
    response = claim(lessee, {'count': 4}, status=403)
    assert fault(response) == (
        'Quota exceeded for project lessee-project: max_nodes is 3 and the '
        'booking would make it 4.')
    assert leases_in_db() == []
    claim(lessee, {'count': 3})
    response = claim(lessee, {'count': 1}, status=403)
    assert 'max_nodes is 3' in fault(response)
    # Later, after those leases end, the nodes are free for the quota.
    claim(lessee, {'count': 2, 'start_time': END,
                   'end_time': '2030-01-03T00:00:00'})


def test_single_claims_and_max_leases(admin, owner, lessee, nodes):
    offers = make_pool(nodes, owner, ['r1'] * 3)
    set_quota(admin, {'max_leases': 2})
    for offer in offers[:2]:
        lessee.post('/v1/offers/%s/claim' % offer,
                    {'start_time': START, 'end_time': END})
    response = lessee.request(
        'post', '/v1/offers/%s/claim' % offers[2], status=403,
        body={'start_time': '2030-02-01', 'end_time': '2030-02-02'})
    assert fault(response) == (
        'Quota exceeded for project lessee-project: max_leases is 2 and '
        'the booking would make it 3.')
    # A cancelled lease no longer counts.
    lease = leases_in_db()[0]
    lessee.delete('/v1/leases/' + lease.uuid)
    lessee.post('/v1/offers/%s/claim' % offers[2],
                {'start_time': '2030-02-01', 'end_time': '2030-02-02'})


def test_resource_class_limit(admin, owner, lessee, nodes):
    make_pool(nodes, owner, ['r1'] * 2, resource_class='gpu', prefix='g')
    make_pool(nodes, owner, ['r1'] * 2, prefix='b')
    set_quota(admin, {'max_nodes_by_resource_class': {'gpu': 1}})
    claim(lessee, {'count': 2, 'resource_class': 'baremetal'})
    response = claim(lessee, {'count': 2, 'resource_class': 'gpu'},
                     status=403)
    assert 'max_nodes for resource class gpu is 1' in fault(response)
    claim(lessee, {'count': 1, 'resource_class': 'gpu'})


def test_direct_lease_and_extension(admin, owner, nodes):
    nodes.add('n1', 'owner-project')
    nodes.add('n2', 'owner-project')
    set_quota(admin, {'max_nodes': 1})
    lease = owner.post('/v1/leases', {
        'resource_uuid': 'n1', 'project_id': LESSEE,
        'start_time': '2030-01-01', 'end_time': '2030-01-10'}).json
    owner.post('/v1/leases', {
        'resource_uuid': 'n2', 'project_id': LESSEE,
        'start_time': '2030-01-10', 'end_time': '2030-01-20'})
    response = owner.request('post', '/v1/leases', status=403, body={
        'resource_uuid': 'n2', 'project_id': LESSEE,
        'start_time': '2030-01-05', 'end_time': '2030-01-07'})
    assert 'max_nodes is 1' in fault(response)
    set_lease_status(lease['uuid'], 'active')
    # Extending n1's lease into n2's time would hold two nodes at once.
    response = admin.request('patch', '/v1/leases/' + lease['uuid'],
                             body={'end_time': '2030-01-12'}, status=403)
    assert 'max_nodes is 1' in fault(response)
    # Admins are held to the project's quota too.
    response = admin.request('post', '/v1/leases', status=403, body={
        'resource_uuid': 'n2', 'project_id': LESSEE,
        'start_time': '2030-01-05', 'end_time': '2030-01-07'})
    assert 'max_nodes is 1' in fault(response)


def test_sub_lease_counts_for_the_sub_lessee(admin, owner, caller, nodes):
    nodes.add('n1', 'owner-project')
    parent = owner.post('/v1/leases', {
        'resource_uuid': 'n1', 'project_id': 'holder-project',
        'start_time': '2030-01-01', 'end_time': '2030-01-20'}).json
    set_lease_status(parent['uuid'], 'active')
    holder = caller('holder-project', 'esi_leap_owner', 'esi_leap_lessee')
    set_quota(admin, {'max_nodes': 0})
    response = holder.request('post', '/v1/leases', status=403, body={
        'resource_uuid': 'n1', 'project_id': LESSEE,
        'start_time': '2030-01-02', 'end_time': '2030-01-03'})
    assert 'max_nodes is 0' in fault(response)
    # The holder sub-leasing to itself still holds one node.
    set_quota(admin, {'max_nodes': 1}, project='holder-project')
    holder.post('/v1/leases', {
        'resource_uuid': 'n1', 'project_id': 'holder-project',
        'start_time': '2030-01-02', 'end_time': '2030-01-03'})
    got = holder.get('/v1/quotas/holder-project').json
    assert got['usage']['leases'] == 2
