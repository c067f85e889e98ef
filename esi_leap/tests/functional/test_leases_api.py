"""/v1/leases on a real database: create, list, show, update, delete."""
import datetime

import pytest

from esi_leap.common import policy
from esi_leap.common import timeutils
from esi_leap.tests.functional.helpers import checkouts
from esi_leap.tests.functional.helpers import count_node_reads
from esi_leap.tests.functional.helpers import fault
from esi_leap.tests.functional.helpers import set_lease_status

NODE = 'node-1'


@pytest.fixture
def node(nodes):
    return nodes.add(NODE, 'owner-project', resource_class='gpu')


def make_lease(owner, project='lessee-project', start='2030-01-01',
               end='2030-01-05', **extra):
    body = {'resource_uuid': NODE, 'project_id': project,
            'start_time': start, 'end_time': end}
    body.update(extra)
    return owner.post('/v1/leases', body).json


def uuids(caller, **params):
    return [lease['uuid'] for lease in
            caller.get('/v1/leases', **params).json['leases']]


class TestCreate(object):

    def test_fields(self, owner, lessee, node):
        lease = make_lease(owner, name='l1', purpose='research',
                           properties={'x': [1]})
        assert list(lease) == [
            'name', 'uuid', 'project_id', 'project', 'owner_id', 'owner',
            'resource_type', 'resource_uuid', 'resource_class',
            'resource_properties', 'resource', 'start_time', 'fulfill_time',
            'expire_time', 'end_time', 'status', 'properties', 'purpose',
            'offer_uuid', 'parent_lease_uuid', 'status_reason']
        assert lease['project_id'] == 'lessee-project'
        assert lease['owner_id'] == 'owner-project'
        assert lease['resource'] == 'dummy-node-node-1'
        assert lease['resource_class'] == 'gpu'
        assert lease['status'] == 'created'
        assert lease['offer_uuid'] is None
        assert lease['purpose'] == 'research'
        assert lease['properties'] == {'x': [1]}
        assert lessee.get('/v1/leases/%s' % lease['uuid']).json == lease

    def test_node_read_once(self, owner, lessee, node, monkeypatch):
        # NOTE: the response shows the node as read before the booking;
        # the backend (an Ironic GET on a real deployment) is asked once.
        reads = count_node_reads(monkeypatch)
        lease = make_lease(owner)
        assert reads == [NODE]
        assert lease['resource'] == 'dummy-node-node-1'
        assert lease['resource_class'] == 'gpu'
        assert lessee.get('/v1/leases/%s' % lease['uuid']).json == lease

    def test_default_times(self, owner, node):
        before = timeutils.utcnow().replace(tzinfo=None)
        lease = owner.post('/v1/leases', {'resource_uuid': NODE,
                                          'project_id': 'p'}).json
        start = datetime.datetime.fromisoformat(lease['start_time'])
        end = datetime.datetime.fromisoformat(lease['end_time'])
        assert before <= start <= before + datetime.timedelta(seconds=5)
        assert end - start == datetime.timedelta(days=7)
        lease = owner.post('/v1/leases', {
            'resource_uuid': NODE, 'project_id': 'p',
            'start_time': '2031-01-01T00:00:00+01:00'}).json
        assert lease['start_time'] == '2030-12-31T23:00:00'
        assert lease['end_time'] == '2031-01-07T23:00:00'

    def test_conflicts(self, owner, node):
        lease = make_lease(owner)
        offer = owner.post('/v1/offers', {'resource_uuid': NODE,
                                          'start_time': '2030-02-01',
                                          'end_time': '2030-03-01'}).json
        for start, end, detail in (
                ('2030-01-04', '2030-01-06', 'lease %s (2030-01-01 00:00:00 '
                 '- 2030-01-05 00:00:00)' % lease['uuid']),
                ('2030-02-10', '2030-02-11', 'offer %s (2030-02-01 00:00:00 '
                 '- 2030-03-01 00:00:00)' % offer['uuid'])):
            response = owner.request('post', '/v1/leases', status=409, body={
                'resource_uuid': NODE, 'project_id': 'p',
                'start_time': start, 'end_time': end})
            # The original wording first, then what conflicts.
            assert fault(response) == (
                'Time conflict for dummy_node node-1. It overlaps %s.'
                % detail)
        make_lease(owner, start='2030-01-05', end='2030-01-06')

    def test_conflict_details_only_for_visible_bookings(self, owner, admin,
                                                        node):
        hidden = admin.post('/v1/leases', {
            'resource_uuid': NODE, 'project_id': 'elsewhere',
            'start_time': '2030-01-01', 'end_time': '2030-01-05'}).json
        response = owner.request('post', '/v1/leases', status=409, body={
            'resource_uuid': NODE, 'project_id': 'p',
            'start_time': '2030-01-02', 'end_time': '2030-01-03'})
        assert fault(response) == 'Time conflict for dummy_node node-1.'
        response = admin.request('post', '/v1/offers', status=409, body={
            'resource_uuid': NODE, 'start_time': '2030-01-02',
            'end_time': '2030-01-03'})
        assert hidden['uuid'] in fault(response)

    def test_cancelled_lease_frees_the_window(self, owner, node):
        lease = make_lease(owner)
        owner.delete('/v1/leases/%s' % lease['uuid'])
        make_lease(owner)

    @pytest.mark.parametrize('roles', [(), ('esi_leap_lessee',),
                                       ('member',)])
    def test_needs_owner_role(self, caller, node, roles):
        response = caller('owner-project', *roles).request(
            'post', '/v1/leases', status=403,
            body={'resource_uuid': NODE, 'project_id': 'p'})
        assert fault(response) == \
            'Access was denied to esi_leap:lease:create.'

    def test_other_owner_is_refused(self, caller, node):
        response = caller('other', 'esi_leap_owner').request(
            'post', '/v1/leases', status=403,
            body={'resource_uuid': NODE, 'project_id': 'p'})
        assert fault(response) == 'Access was denied to dummy_node node-1.'

    def test_max_length(self, owner, admin, node):
        response = owner.request('post', '/v1/leases', status=403, body={
            'resource_uuid': NODE, 'project_id': 'p',
            'start_time': '2030-01-01', 'end_time': '2030-03-01'})
        assert 'The max time range is 21 days.' in fault(response)
        make_lease(admin, start='2030-01-01', end='2030-03-01')

    @pytest.mark.parametrize('body,status,text', [
        ({'project_id': 'p'}, 400,
         'Invalid input for field/attribute resource_uuid.'),
        ({'resource_uuid': NODE}, 400,
         'Invalid input for field/attribute project_id.'),
        ({'resource_uuid': 'gone', 'project_id': 'p'}, 404,
         'No such file or directory'),
        ({'resource_uuid': NODE, 'project_id': 'p',
          'resource_type': 'foo'}, 400, 'foo resource type unknown.'),
        ({'resource_uuid': NODE, 'project_id': 'p',
          'end_time': 'later'}, 400, 'Invalid datetime for end_time'),
        ({'resource_uuid': NODE, 'project_id': 'p',
          'start_time': '2030-01-02', 'end_time': '2030-01-01'}, 400,
         'Start Time must be strictly less than End Time'),
        ({'resource_uuid': NODE, 'project_id': 'p',
          'offer_uuid': 'x'}, 400, 'Cannot set read only field.'),
        ({'resource_uuid': NODE, 'project_id': 'p',
          'properties': 3}, 400, 'properties'),
    ])
    def test_bad_input(self, owner, node, body, status, text):
        response = owner.request('post', '/v1/leases', body=body,
                                 status=status)
        assert text in fault(response)
        assert owner.get('/v1/leases', status='any').json['leases'] == []


class TestList(object):

    def test_scoping(self, owner, lessee, admin, caller, node):
        granted = make_lease(owner)
        admins = make_lease(admin, project='third', start='2030-02-01',
                            end='2030-02-02')
        assert uuids(owner) == [granted['uuid']]
        assert uuids(lessee) == [granted['uuid']]
        assert uuids(caller('stranger', 'esi_leap_lessee')) == []
        # Plain lists show what the caller's project granted or holds,
        # admins included; view=all shows everything to admins.
        assert uuids(admin) == [admins['uuid']]
        assert uuids(admin, view='all') == [granted['uuid'],
                                            admins['uuid']]
        assert uuids(admin, project_id='lessee-project') == [
            granted['uuid']]
        assert uuids(admin, owner_id='owner-project') == [granted['uuid']]
        assert uuids(owner, owner_id='owner-project') == [granted['uuid']]
        assert uuids(lessee, project_id='lessee-project') == [
            granted['uuid']]

    @pytest.mark.parametrize('params,rule', [
        ({'view': 'all'}, 'esi_leap:lease:lease_admin'),
        ({'project_id': 'someone'}, 'esi_leap:lease:lease_admin'),
        ({'owner_id': 'someone'}, 'esi_leap:lease:lease_admin'),
        ({}, None)])
    def test_scoping_refusals(self, owner, caller, params, rule):
        response = owner.request('get', '/v1/leases', params=params)
        if rule is None:
            assert response.status_int == 200
            response = caller('p').request('get', '/v1/leases', status=403)
            rule = 'esi_leap:lease:get_all'
        else:
            assert response.status_int == 403
        assert fault(response) == 'Access was denied to %s.' % rule

    def test_filters(self, owner, lessee, nodes, node):
        nodes.add('node-2', 'owner-project', resource_class='cpu')
        first = make_lease(owner, purpose='a')
        second = owner.post('/v1/leases', {
            'resource_uuid': 'node-2', 'project_id': 'lessee-project',
            'start_time': '2030-01-10', 'end_time': '2030-01-20',
            'purpose': 'b'}).json
        offer = owner.post('/v1/offers', {'resource_uuid': NODE,
                                          'start_time': '2030-02-01',
                                          'end_time': '2030-03-01'}).json
        claimed = lessee.post('/v1/offers/%s/claim' % offer['uuid'], {
            'start_time': '2030-02-02', 'end_time': '2030-02-03'}).json
        assert uuids(owner, resource_uuid='node-2') == [second['uuid']]
        assert uuids(owner, resource_class='gpu') == [first['uuid'],
                                                      claimed['uuid']]
        assert uuids(owner, purpose='b') == [second['uuid']]
        assert uuids(owner, offer_uuid=offer['uuid']) == [claimed['uuid']]
        # Leases overlapping the window, touching ones included.
        assert uuids(owner, start_time='2030-01-05',
                     end_time='2030-01-10') == [first['uuid'],
                                                second['uuid']]
        assert uuids(owner, start_time='2030-01-06',
                     end_time='2030-01-09') == []
        owner.delete('/v1/leases/%s' % first['uuid'])
        assert uuids(owner) == [second['uuid'], claimed['uuid']]
        assert uuids(owner, status='deleted') == [first['uuid']]
        assert uuids(owner, status='any') == [first['uuid'], second['uuid'],
                                              claimed['uuid']]

    @pytest.mark.parametrize('params,text', [
        ({'status': 'gone'}, 'Invalid status'),
        ({'start_time': '2030-01-01'}, 'both a valid Start Time'),
        ({'start_time': 'x', 'end_time': 'y'}, 'Invalid datetime'),
        ({'resource_type': 'nope'}, 'nope resource type unknown.'),
        ({'page_size': '3'}, 'Unknown argument: "page_size"'),
    ])
    def test_bad_filters(self, owner, params, text):
        response = owner.request('get', '/v1/leases', status=400,
                                 params=params)
        assert text in fault(response)


class TestShow(object):

    def test_by_name_and_hidden(self, owner, caller, admin, node):
        lease = make_lease(owner, name='named')
        assert owner.get('/v1/leases/named').json['uuid'] == lease['uuid']
        assert admin.get('/v1/leases/named').json['uuid'] == lease['uuid']
        stranger = caller('stranger', 'esi_leap_owner')
        for ident in (lease['uuid'], 'named'):
            response = stranger.request('get', '/v1/leases/%s' % ident,
                                        status=404)
            assert fault(response) == \
                'Lease with name or uuid %s not found.' % ident

    def test_missing_and_duplicate(self, owner, node):
        response = owner.request(
            'get', '/v1/leases/1c6f8e37-6fd3-4e36-b7ab-4e0d5f62ff3c',
            status=404)
        assert fault(response) == ('Lease with name or uuid '
                                   '1c6f8e37-6fd3-4e36-b7ab-4e0d5f62ff3c '
                                   'not found.')
        make_lease(owner, name='twin')
        make_lease(owner, name='twin', start='2030-02-01', end='2030-02-02')
        response = owner.request('get', '/v1/leases/twin', status=409)
        assert fault(response) == 'Duplicate leases with name twin.'


class TestUpdate(object):

    def test_admin_extends_and_shortens(self, owner, admin, node):
        lease = make_lease(owner)
        url = '/v1/leases/%s' % lease['uuid']
        for given, stored in (('2030-01-08T00:00:00', '2030-01-08T00:00:00'),
                              ('2030-01-07 12:00', '2030-01-07T12:00:00'),
                              ('2030-01-06T00:00:00+01:00',
                               '2030-01-05T23:00:00')):
            assert admin.patch(url, {'end_time': given}).json[
                'end_time'] == stored
        assert owner.get(url).json['end_time'] == '2030-01-05T23:00:00'

    def test_extension_is_checked(self, owner, admin, node):
        lease = make_lease(owner)
        other = make_lease(owner, start='2030-01-10', end='2030-01-12')
        response = admin.request('patch', '/v1/leases/%s' % lease['uuid'],
                                 body={'end_time': '2030-01-11'},
                                 status=409)
        assert fault(response) == (
            'Time conflict for dummy_node node-1. It overlaps lease %s '
            '(2030-01-10 00:00:00 - 2030-01-12 00:00:00).' % other['uuid'])
        admin.patch('/v1/leases/%s' % lease['uuid'],
                    {'end_time': '2030-01-10'})

    def test_extension_of_claimed_lease(self, owner, lessee, admin, node):
        offer = owner.post('/v1/offers', {'resource_uuid': NODE,
                                          'start_time': '2030-01-01',
                                          'end_time': '2030-01-10'}).json
        lease = lessee.post('/v1/offers/%s/claim' % offer['uuid'], {
            'start_time': '2030-01-01', 'end_time': '2030-01-02'}).json
        lessee.post('/v1/offers/%s/claim' % offer['uuid'], {
            'start_time': '2030-01-03', 'end_time': '2030-01-04'})
        url = '/v1/leases/%s' % lease['uuid']
        for end in ('2030-01-03 00:00:01', '2030-01-11'):
            response = admin.request('patch', url, status=409,
                                     body={'end_time': end})
            assert 'has no availabilities' in fault(response)
        admin.patch(url, {'end_time': '2030-01-03'})

    @pytest.mark.parametrize('body,text', [
        ({}, 'Only the end_time field may be updated'),
        ({'end_time': '2030-01-09', 'name': 'x'},
         'Only the end_time field may be updated'),
        ({'start_time': '2030-01-09'},
         'Only the end_time field may be updated'),
        ({'end_time': 'whenever'}, 'Invalid datetime for end_time'),
        ({'end_time': '2029-12-31'},
         'Start Time must be strictly less than End Time'),
    ])
    def test_bad_patches(self, owner, admin, node, body, text):
        lease = make_lease(owner)
        response = admin.request('patch', '/v1/leases/%s' % lease['uuid'],
                                 body=body, status=400)
        assert text in fault(response)
        assert owner.get('/v1/leases/%s' % lease['uuid']).json[
            'end_time'] == '2030-01-05T00:00:00'

    def test_only_admins_when_configured(self, owner, lessee, admin, node,
                                         config, tmp_path):
        # Operators restore admin-only end-time changes with two rules.
        lease = make_lease(owner)
        rules = tmp_path / 'policy.yaml'
        rules.write_text('"esi_leap:lease:update_as_lessee": "!"\n'
                         '"esi_leap:lease:update_as_owner": "!"\n')
        config(group='oslo_policy', policy_file=str(rules))
        policy.reset()
        for who in (owner, lessee):
            response = who.request('patch', '/v1/leases/%s' % lease['uuid'],
                                   body={'end_time': '2030-01-04'},
                                   status=403)
            assert fault(response) == 'Access was denied to lease %s.' % (
                lease['uuid'])
        assert admin.patch('/v1/leases/%s' % lease['uuid'], {
            'end_time': '2030-01-04'}).json['end_time'] == \
            '2030-01-04T00:00:00'

    def test_ended_lease_cannot_change(self, owner, admin, node):
        lease = make_lease(owner)
        owner.delete('/v1/leases/%s' % lease['uuid'])
        response = admin.request('patch', '/v1/leases/%s' % lease['uuid'],
                                 body={'end_time': '2030-01-09'}, status=409)
        assert 'deleted' in fault(response)


class TestDelete(object):

    def test_lessee_or_owner_cancels(self, owner, lessee, node):
        for who in (owner, lessee):
            lease = make_lease(owner)
            response = who.delete('/v1/leases/%s' % lease['uuid'])
            assert response.body == b'null'
            shown = owner.get('/v1/leases/%s' % lease['uuid']).json
            assert shown['status'] == 'deleted'
            assert shown['expire_time'] is not None
            response = who.request('delete', '/v1/leases/%s' % lease['uuid'],
                                   status=404)
            assert fault(response) == \
                'Lease with name or uuid %s not found.' % lease['uuid']

    def test_active_lease_waits_for_the_manager(self, owner, node):
        lease = make_lease(owner)
        set_lease_status(lease['uuid'], 'active')
        owner.delete('/v1/leases/%s' % lease['uuid'])
        assert owner.get('/v1/leases/%s' % lease['uuid']).json[
            'status'] == 'wait cancel'
        # The window is given back at once.
        make_lease(owner)

    def test_by_name(self, owner, lessee, caller, node):
        lease = make_lease(owner, name='by-name')
        response = caller('stranger', 'esi_leap_owner').request(
            'delete', '/v1/leases/by-name', status=404)
        assert fault(response) == 'Lease with name or uuid by-name not found.'
        lessee.delete('/v1/leases/by-name')
        assert owner.get('/v1/leases/%s' % lease['uuid']).json[
            'status'] == 'deleted'
        lessee.request('delete', '/v1/leases/by-name', status=404)

    def test_by_uuid_is_one_transaction(self, owner, node):
        # NOTE: locked straight from the lease's row, no read before.
        lease = make_lease(owner)
        named = make_lease(owner, name='one-txn', start='2030-02-01',
                           end='2030-02-02')
        with checkouts() as seen:
            owner.delete('/v1/leases/%s' % lease['uuid'])
        assert len(seen) == 1
        with checkouts() as seen:
            owner.delete('/v1/leases/one-txn')
        assert len(seen) == 2
        for cancelled in (lease, named):
            assert owner.get('/v1/leases/%s' % cancelled['uuid']).json[
                'status'] == 'deleted'

    def test_uuid_that_is_a_name(self, owner, node):
        # A uuid no lease has may still be another lease's name.
        ident = '2b6e3a4c-7d1f-4e0a-9c5b-8f2d1e6a7b3c'
        lease = make_lease(owner, name=ident)
        owner.delete('/v1/leases/%s' % ident)
        assert owner.get('/v1/leases/%s' % lease['uuid']).json[
            'status'] == 'deleted'

    @pytest.mark.parametrize('ident', ['uuid', 'name'])
    def test_seen_but_not_allowed_changes_nothing(self, owner, lessee, node,
                                                  config, tmp_path, ident):
        lease = make_lease(owner, name='kept')
        rules = tmp_path / 'policy.yaml'
        rules.write_text('"esi_leap:lease:delete": "role:admin"\n')
        config(group='oslo_policy', policy_file=str(rules))
        policy.reset()
        response = lessee.request(
            'delete', '/v1/leases/%s' % (lease['uuid'] if ident == 'uuid'
                                         else 'kept'), status=403)
        assert fault(response) == \
            'Access was denied to lease %s.' % lease['uuid']
        assert owner.get('/v1/leases/%s' % lease['uuid']).json[
            'status'] == 'created'

    def test_stranger_is_refused(self, owner, caller, node):
        lease = make_lease(owner)
        response = caller('stranger', 'esi_leap_owner').request(
            'delete', '/v1/leases/%s' % lease['uuid'], status=404)
        assert fault(response) == 'Lease with name or uuid %s not found.' % (
            lease['uuid'])
        assert owner.get('/v1/leases/%s' % lease['uuid']).json[
            'status'] == 'created'
