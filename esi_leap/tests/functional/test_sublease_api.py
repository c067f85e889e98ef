"""Sub-leasing: the holder of a lease offers or leases the node again."""
import pytest

from esi_leap.tests.functional.helpers import fault
from esi_leap.tests.functional.helpers import set_lease_status

NODE = 'node-1'


def test_sub_offer_and_claim(parent, holder, caller, owner):
    offer = holder.post('/v1/offers', {
        'resource_uuid': NODE, 'start_time': '2030-01-02',
        'end_time': '2030-01-10'}).json
    assert offer['parent_lease_uuid'] == parent['uuid']
    assert offer['project_id'] == 'holder-project'
    third = caller('third-project', 'esi_leap_lessee')
    lease = third.post('/v1/offers/%s/claim' % offer['uuid'], {
        'start_time': '2030-01-03', 'end_time': '2030-01-04'}).json
    # The parent lease is between the owner and the holder: the sub-lessee
    # cannot read it, so it does not see its uuid either.
    assert lease['parent_lease_uuid'] is None
    third.request('get', '/v1/leases/' + parent['uuid'], status=404)
    assert holder.get('/v1/leases/' + lease['uuid']).json[
        'parent_lease_uuid'] == parent['uuid']
    assert lease['owner_id'] == 'holder-project'
    assert lease['project_id'] == 'third-project'
    # The node's owner still sees the lease it granted, not the sub-lease.
    assert [x['uuid'] for x in owner.get('/v1/leases').json['leases']] == [
        parent['uuid']]


def test_sub_offer_without_end_runs_to_the_parent_end(parent, holder):
    offer = holder.post('/v1/offers', {'resource_uuid': NODE,
                                       'start_time': '2030-01-05'}).json
    assert offer['end_time'] == '2030-01-20T00:00:00'


def test_direct_sub_lease_defaults_within_parent(parent, holder):
    lease = holder.post('/v1/leases', {
        'resource_uuid': NODE, 'project_id': 'third-project',
        'start_time': '2030-01-15'}).json
    assert lease['parent_lease_uuid'] == parent['uuid']
    assert lease['end_time'] == '2030-01-20T00:00:00'


@pytest.mark.parametrize('start,end', [('2029-12-31', '2030-01-05'),
                                       ('2030-01-10', '2030-01-21')])
def test_outside_the_parent_window(parent, holder, start, end):
    response = holder.request('post', '/v1/offers', status=403, body={
        'resource_uuid': NODE, 'start_time': start, 'end_time': end})
    assert fault(response) == (
        'You do not have permissions on dummy_node node-1 for the time '
        'range %s 00:00:00 - %s 00:00:00.' % (start, end))


def test_sub_bookings_do_not_overlap(parent, holder):
    holder.post('/v1/offers', {'resource_uuid': NODE,
                               'start_time': '2030-01-02',
                               'end_time': '2030-01-05'})
    for path, body in (('/v1/offers', {}), ('/v1/leases',
                                            {'project_id': 'x'})):
        body.update({'resource_uuid': NODE, 'start_time': '2030-01-04',
                     'end_time': '2030-01-06'})
        response = holder.request('post', path, body=body, status=409)
        assert fault(response) == (
            'Lease %s has no availabilities at given time range '
            '2030-01-04 00:00:00, 2030-01-06 00:00:00.' % parent['uuid'])


def test_only_one_level(parent, holder, caller):
    holder.post('/v1/leases', {'resource_uuid': NODE,
                               'project_id': 'third-project',
                               'start_time': '2030-01-02',
                               'end_time': '2030-01-05'})
    third = caller('third-project', 'esi_leap_owner')
    response = third.request('post', '/v1/offers', status=403, body={
        'resource_uuid': NODE, 'start_time': '2030-01-03',
        'end_time': '2030-01-04'})
    assert fault(response) == 'Access was denied to dummy_node node-1.'


def test_cancelling_the_parent_cancels_children(parent, holder, caller,
                                                owner):
    offer = holder.post('/v1/offers', {'resource_uuid': NODE,
                                       'start_time': '2030-01-02',
                                       'end_time': '2030-01-10'}).json
    third = caller('third-project', 'esi_leap_lessee')
    claimed = third.post('/v1/offers/%s/claim' % offer['uuid'], {
        'start_time': '2030-01-03', 'end_time': '2030-01-04'}).json
    direct = holder.post('/v1/leases', {
        'resource_uuid': NODE, 'project_id': 'fourth',
        'start_time': '2030-01-12', 'end_time': '2030-01-13'}).json
    set_lease_status(direct['uuid'], 'active')
    owner.delete('/v1/leases/%s' % parent['uuid'])
    assert owner.get('/v1/leases/%s' % parent['uuid']).json[
        'status'] == 'wait cancel'
    assert holder.get('/v1/offers/%s' % offer['uuid']).json[
        'status'] == 'deleted'
    assert third.get('/v1/leases/%s' % claimed['uuid']).json[
        'status'] == 'deleted'
    assert holder.get('/v1/leases/%s' % direct['uuid']).json[
        'status'] == 'wait cancel'


def test_parent_must_still_hold_the_node(parent, holder, owner):
    owner.delete('/v1/leases/%s' % parent['uuid'])
    response = holder.request('post', '/v1/offers', status=403, body={
        'resource_uuid': NODE, 'start_time': '2030-01-02',
        'end_time': '2030-01-05'})
    assert fault(response) == 'Access was denied to dummy_node node-1.'
