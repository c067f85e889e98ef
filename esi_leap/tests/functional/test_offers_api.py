"""/v1/offers on a real database: create, list, show, claim, delete."""
import datetime

import pytest

import sqlalchemy as sa

from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.db.sqlalchemy import models
from esi_leap.tests.functional.helpers import count_node_reads
from esi_leap.tests.functional.helpers import fault
from esi_leap.tests.functional.helpers import lock_statements

NODE = 'node-1'


@pytest.fixture
def node(nodes):
    return nodes.add(NODE, 'owner-project', resource_class='gpu',
                     properties={'cpus': 16, 'lease_uuid': 'hidden',
                                 'capabilities': 'x'})


def make_offer(owner, start='2030-01-01', end='2030-02-01', **extra):
    body = {'resource_uuid': NODE, 'start_time': start, 'end_time': end}
    body.update(extra)
    return owner.post('/v1/offers', body).json


class TestCreate(object):

    def test_fields(self, owner, node):
        offer = make_offer(owner, name='o1', lessee_id='lessee-project',
                           properties={'k': 'v'})
        assert list(offer) == [
            'name', 'uuid', 'project_id', 'project', 'lessee_id', 'lessee',
            'resource_type', 'resource_uuid', 'resource', 'resource_class',
            'resource_properties', 'start_time', 'end_time', 'status',
            'properties', 'availabilities', 'parent_lease_uuid']
        assert offer['name'] == 'o1'
        assert offer['project_id'] == 'owner-project'
        assert offer['lessee_id'] == 'lessee-project'
        assert offer['resource_type'] == 'dummy_node'
        assert offer['resource_uuid'] == NODE
        assert offer['resource'] == 'dummy-node-node-1'
        assert offer['resource_class'] == 'gpu'
        assert offer['resource_properties'] == {'cpus': 16}
        assert offer['start_time'] == '2030-01-01T00:00:00'
        assert offer['end_time'] == '2030-02-01T00:00:00'
        assert offer['status'] == 'available'
        assert offer['properties'] == {'k': 'v'}
        assert offer['availabilities'] == [['2030-01-01T00:00:00',
                                            '2030-02-01T00:00:00']]
        assert offer['parent_lease_uuid'] is None

    def test_node_read_once(self, owner, lessee, node, monkeypatch):
        reads = count_node_reads(monkeypatch)
        offer = make_offer(owner)
        assert reads == [NODE]
        assert offer['resource_properties'] == {'cpus': 16}
        assert owner.get('/v1/offers/%s' % offer['uuid']).json == offer

    def test_defaults_and_offsets(self, owner, node):
        before = timeutils.utcnow().replace(microsecond=0, tzinfo=None)
        offer = owner.post('/v1/offers', {'resource_uuid': NODE}).json
        start = datetime.datetime.fromisoformat(offer['start_time'])
        assert before <= start <= before + datetime.timedelta(seconds=5)
        assert offer['end_time'] == '9999-12-31T23:59:59.999999'
        owner.delete('/v1/offers/%s' % offer['uuid'])
        offer = make_offer(owner, start='2030-01-01T02:00:00+02:00',
                           end='2030-01-01 12:30:00.5-01:00')
        assert offer['start_time'] == '2030-01-01T00:00:00'
        assert offer['end_time'] == '2030-01-01T13:30:00.500000'

    def test_dummy_node_by_name(self, owner, node):
        offer = make_offer(owner, resource_uuid='dummy-node-node-1')
        assert offer['resource_uuid'] == NODE
        response = owner.request('post', '/v1/offers', status=404, body={
            'resource_uuid': 'dummy-node-nothing'})
        assert 'No such file or directory' in fault(response)

    def test_touching_windows_do_not_conflict(self, owner, node):
        make_offer(owner, '2030-01-01', '2030-01-10')
        make_offer(owner, '2030-01-10', '2030-01-20')

    @pytest.mark.parametrize('start,end', [
        ('2030-01-05', '2030-01-06'), ('2029-12-01', '2030-01-02'),
        ('2030-01-31', '2030-03-01'), ('2029-01-01', '2031-01-01')])
    def test_overlapping_offer_conflicts(self, owner, node, start, end):
        make_offer(owner)
        response = owner.request('post', '/v1/offers', status=409, body={
            'resource_uuid': NODE, 'start_time': start, 'end_time': end})
        assert fault(response).startswith(
            'Time conflict for dummy_node node-1. It overlaps ')

    def test_offer_conflicts_with_direct_lease(self, owner, node):
        owner.post('/v1/leases', {'resource_uuid': NODE,
                                  'project_id': 'lessee-project',
                                  'start_time': '2030-01-05',
                                  'end_time': '2030-01-06'})
        response = owner.request('post', '/v1/offers', status=409, body={
            'resource_uuid': NODE, 'start_time': '2030-01-01',
            'end_time': '2030-02-01'})
        assert fault(response).startswith(
            'Time conflict for dummy_node node-1. It overlaps ')

    def test_withdrawn_offer_frees_the_window(self, owner, node):
        offer = make_offer(owner)
        owner.delete('/v1/offers/%s' % offer['uuid'])
        make_offer(owner)

    @pytest.mark.parametrize('roles', [(), ('esi_leap_lessee',),
                                       ('lessee',), ('member',)])
    def test_needs_owner_role(self, caller, node, roles):
        response = caller('owner-project', *roles).request(
            'post', '/v1/offers', body={'resource_uuid': NODE}, status=403)
        assert fault(response) == \
            'Access was denied to esi_leap:offer:create.'

    def test_other_owner_is_refused(self, caller, node):
        response = caller('other-project', 'esi_leap_owner').request(
            'post', '/v1/offers', body={'resource_uuid': NODE}, status=403)
        assert fault(response) == 'Access was denied to dummy_node node-1.'

    def test_admin_may_offer_any_node(self, admin, node):
        offer = make_offer(admin)
        assert offer['project_id'] == 'admin-project'

    @pytest.mark.parametrize('body,status,text', [
        ({}, 400, 'Invalid input for field/attribute resource_uuid. '
                  'Value: \'None\'. Mandatory field missing.'),
        ({'resource_uuid': 'missing'}, 404, 'No such file or directory'),
        ({'resource_uuid': '../etc'}, 404, 'not a valid dummy node name'),
        ({'resource_uuid': NODE, 'resource_type': 'foo'}, 400,
         'foo resource type unknown.'),
        ({'resource_uuid': NODE, 'start_time': 'soon'}, 400,
         'Invalid datetime for start_time'),
        ({'resource_uuid': NODE, 'end_time': '2030-02-30'}, 400,
         'Invalid datetime for end_time'),
        ({'resource_uuid': NODE, 'start_time': '2030-01-02',
          'end_time': '2030-01-01'}, 400,
         'Start Time must be strictly less than End Time'),
        ({'resource_uuid': NODE, 'start_time': '2030-01-01',
          'end_time': '2030-01-01'}, 400,
         'Start Time must be strictly less than End Time'),
        ({'resource_uuid': NODE, 'properties': 'x'}, 400, 'properties'),
        ({'resource_uuid': NODE, 'bogus': 1}, 400,
         'Unknown attribute for argument new_offer: bogus'),
        ({'resource_uuid': NODE, 'status': 'deleted'}, 400,
         'Cannot set read only field.'),
        ({'resource_uuid': NODE, 'name': 'n' * 256}, 400,
         'longer than 255'),
    ])
    def test_bad_input(self, owner, node, body, status, text):
        response = owner.request('post', '/v1/offers', body=body,
                                 status=status)
        assert text in fault(response)
        assert owner.get('/v1/offers', status='any').json['offers'] == []

    def test_invalid_json(self, app, owner, node):
        response = app.post('/v1/offers', '{"resource_uuid": ',
                            headers=dict(owner.headers,
                                         **{'Content-Type':
                                            'application/json'}),
                            expect_errors=True)
        assert response.status_int == 400
        assert fault(response).startswith(
            'The request body is not valid JSON')


class TestList(object):

    def test_default_statuses_and_any(self, owner, node):
        kept = make_offer(owner, '2030-01-01', '2030-01-02')
        gone = make_offer(owner, '2030-02-01', '2030-02-02')
        owner.delete('/v1/offers/%s' % gone['uuid'])

        def uuids(**params):
            return [o['uuid'] for o in
                    owner.get('/v1/offers', **params).json['offers']]
        assert uuids() == [kept['uuid']]
        assert uuids(status='any') == [kept['uuid'], gone['uuid']]
        assert uuids(status='deleted') == [gone['uuid']]
        assert uuids(status='expired') == []
        response = owner.request('get', '/v1/offers', status=400,
                                 params={'status': 'cancelled'})
        assert 'Invalid status' in fault(response)

    def test_filters(self, owner, nodes, node):
        nodes.add('node-2', 'owner-project', resource_class='cpu')
        first = make_offer(owner, '2030-01-01', '2030-01-10')
        second = owner.post('/v1/offers', {
            'resource_uuid': 'node-2', 'start_time': '2030-01-05',
            'end_time': '2030-01-20'}).json

        def uuids(**params):
            return [o['uuid'] for o in
                    owner.get('/v1/offers', **params).json['offers']]
        assert uuids(resource_uuid='node-2') == [second['uuid']]
        assert uuids(resource_uuid='node-2',
                     resource_type='dummy_node') == [second['uuid']]
        assert uuids(resource_type='dummy_node') == [first['uuid'],
                                                     second['uuid']]
        assert uuids(resource_class='gpu') == [first['uuid']]
        assert uuids(project_id='owner-project') == [first['uuid'],
                                                     second['uuid']]
        assert uuids(project_id='nobody') == []
        # Offers that contain the whole window.
        assert uuids(start_time='2030-01-06',
                     end_time='2030-01-09') == [first['uuid'],
                                                second['uuid']]
        assert uuids(start_time='2030-01-02',
                     end_time='2030-01-04') == [first['uuid']]
        # Offers a claim of exactly this window would succeed on.
        owner.post('/v1/offers/%s/claim' % second['uuid'],
                   {'start_time': '2030-01-06', 'end_time': '2030-01-08'})
        assert uuids(available_start_time='2030-01-06',
                     available_end_time='2030-01-07') == [first['uuid']]
        assert uuids(available_start_time='2030-01-08',
                     available_end_time='2030-01-09') == [first['uuid'],
                                                          second['uuid']]
        response = owner.request('get', '/v1/offers', status=400,
                                 params={'resource_type': 'nope'})
        assert fault(response) == 'nope resource type unknown.'

    @pytest.mark.parametrize('params,text', [
        ({'start_time': '2030-01-01'}, 'both a valid Start Time'),
        ({'end_time': '2030-01-01'}, 'both a valid Start Time'),
        ({'start_time': '2030-01-02', 'end_time': '2030-01-01'},
         'both a valid Start Time'),
        ({'start_time': 'x', 'end_time': '2030-01-01'},
         'Invalid datetime for start_time'),
        ({'available_start_time': '2030-01-01'}, 'Availability Start Time'),
        ({'available_start_time': '2030-01-03',
          'available_end_time': '2030-01-01'}, 'Availability Start Time'),
        ({'bogus': 'x'}, 'Unknown argument: "bogus"'),
    ])
    def test_bad_filters(self, owner, params, text):
        response = owner.request('get', '/v1/offers', status=400,
                                 params=params)
        assert text in fault(response)

    def test_visibility(self, owner, caller, admin, node):
        public = make_offer(owner, '2030-01-01', '2030-01-02')
        private = make_offer(owner, '2030-01-03', '2030-01-04',
                             lessee_id='lessee-project')

        def uuids(who):
            return [o['uuid'] for o in who.get('/v1/offers').json['offers']]
        both = [public['uuid'], private['uuid']]
        assert uuids(owner) == both
        assert uuids(admin) == both
        assert uuids(caller('lessee-project', 'esi_leap_lessee')) == both
        assert uuids(caller('stranger', 'esi_leap_lessee')) == [
            public['uuid']]
        response = caller('stranger', 'esi_leap_lessee').request(
            'get', '/v1/offers/%s' % private['uuid'], status=404)
        assert fault(response) == (
            'Offer with name or uuid %s not found.' % private['uuid'])

    def test_availabilities_in_list(self, owner, lessee, node):
        offer = make_offer(owner)
        lessee.post('/v1/offers/%s/claim' % offer['uuid'],
                    {'start_time': '2030-01-10', 'end_time': '2030-01-12'})
        listed = owner.get('/v1/offers').json['offers'][0]
        assert listed['availabilities'] == [
            ['2030-01-01T00:00:00', '2030-01-10T00:00:00'],
            ['2030-01-12T00:00:00', '2030-02-01T00:00:00']]


class TestShow(object):

    def test_by_uuid_and_name(self, owner, lessee, node):
        offer = make_offer(owner, name='summer')
        assert owner.get('/v1/offers/%s' % offer['uuid']).json == offer
        assert lessee.get('/v1/offers/summer').json == offer
        undashed = offer['uuid'].replace('-', '')
        assert owner.get('/v1/offers/%s' % undashed).json == offer

    def test_missing(self, owner):
        for ident in ('nothing', '1c6f8e37-6fd3-4e36-b7ab-4e0d5f62ff3c'):
            response = owner.request('get', '/v1/offers/%s' % ident,
                                     status=404)
            assert fault(response) == \
                'Offer with name or uuid %s not found.' % ident

    def test_ambiguous_name(self, owner, node):
        make_offer(owner, '2030-01-01', '2030-01-02', name='dup')
        make_offer(owner, '2030-01-03', '2030-01-04', name='dup')
        response = owner.request('get', '/v1/offers/dup', status=409)
        assert fault(response) == 'Duplicate offers with name dup.'

    def test_uuid_like_name(self, owner, node):
        name = '00000000-0000-0000-0000-000000000001'
        offer = make_offer(owner, name=name)
        assert owner.get('/v1/offers/%s' % name).json['uuid'] == \
            offer['uuid']


class TestClaim(object):

    def test_claim_fields(self, owner, lessee, node):
        offer = make_offer(owner)
        lease = lessee.post('/v1/offers/%s/claim' % offer['uuid'], {
            'start_time': '2030-01-05', 'end_time': '2030-01-06 12:00',
            'name': 'mine', 'purpose': 'ci', 'properties': {'a': 1}}).json
        assert lease['project_id'] == 'lessee-project'
        assert lease['owner_id'] == 'owner-project'
        assert lease['offer_uuid'] == offer['uuid']
        assert lease['resource_uuid'] == NODE
        assert lease['resource'] == 'dummy-node-node-1'
        assert lease['resource_class'] == 'gpu'
        assert lease['start_time'] == '2030-01-05T00:00:00'
        assert lease['end_time'] == '2030-01-06T12:00:00'
        assert lease['status'] == 'created'
        assert lease['name'] == 'mine'
        assert lease['purpose'] == 'ci'
        assert lease['properties'] == {'a': 1}
        assert lease['fulfill_time'] is None
        assert lease['parent_lease_uuid'] is None
        assert lessee.get('/v1/leases/%s' % lease['uuid']).json == lease

    def test_claim_by_name_and_empty_body(self, owner, lessee, node):
        now = timeutils.utcnow()
        offer = owner.post('/v1/offers', {
            'resource_uuid': NODE, 'name': 'by-name',
            'end_time': timeutils.isoformat(
                now + datetime.timedelta(days=30))}).json
        lease = lessee.post('/v1/offers/by-name/claim', {}).json
        assert lease['offer_uuid'] == offer['uuid']
        start = datetime.datetime.fromisoformat(lease['start_time'])
        end = datetime.datetime.fromisoformat(lease['end_time'])
        assert end - start == datetime.timedelta(days=7)

    def test_default_start_of_a_future_offer(self, owner, lessee, node):
        offer = make_offer(owner, '2030-01-01', '2030-01-03')
        lease = lessee.post('/v1/offers/%s/claim' % offer['uuid'], {}).json
        assert lease['start_time'] == '2030-01-01T00:00:00'
        assert lease['end_time'] == '2030-01-03T00:00:00'

    def test_default_end_stops_at_next_lease(self, owner, lessee, node):
        offer = make_offer(owner)
        lessee.post('/v1/offers/%s/claim' % offer['uuid'],
                    {'start_time': '2030-01-04', 'end_time': '2030-01-05'})
        lease = lessee.post('/v1/offers/%s/claim' % offer['uuid'],
                            {'start_time': '2030-01-02'}).json
        assert lease['end_time'] == '2030-01-04T00:00:00'

    @pytest.mark.parametrize('start,end', [
        ('2030-01-05', '2030-01-06'), ('2030-01-04', '2030-01-05 00:00:01'),
        ('2030-01-05 12:00', '2030-01-05 13:00'),
        ('2029-12-31', '2030-01-02'), ('2030-01-31', '2030-02-02')])
    def test_unavailable_windows(self, owner, lessee, node, start, end):
        offer = make_offer(owner)
        lessee.post('/v1/offers/%s/claim' % offer['uuid'],
                    {'start_time': '2030-01-05', 'end_time': '2030-01-06'})
        response = lessee.request(
            'post', '/v1/offers/%s/claim' % offer['uuid'], status=409,
            body={'start_time': start, 'end_time': end})
        expected = 'Offer %s has no availabilities at given time range ' \
            '%s, %s.' % (offer['uuid'],
                         timeutils.message_format(
                             timeutils.parse(start, 's')),
                         timeutils.message_format(timeutils.parse(end, 'e')))
        assert fault(response) == expected

    def test_touching_claims(self, owner, lessee, node):
        offer = make_offer(owner)
        for start, end in (('2030-01-05', '2030-01-06'),
                           ('2030-01-06', '2030-01-07'),
                           ('2030-01-04', '2030-01-05')):
            lessee.post('/v1/offers/%s/claim' % offer['uuid'],
                        {'start_time': start, 'end_time': end})

    def test_max_lease_time(self, owner, lessee, admin, node):
        offer = make_offer(owner, '2030-01-01', '2030-06-01')
        response = lessee.request(
            'post', '/v1/offers/%s/claim' % offer['uuid'], status=403,
            body={'start_time': '2030-01-01', 'end_time': '2030-01-23'})
        assert fault(response) == ('Attempted to create lease with an '
                                   'invalid time range. The max time range '
                                   'is 21 days.')
        lessee.post('/v1/offers/%s/claim' % offer['uuid'],
                    {'start_time': '2030-01-01', 'end_time': '2030-01-22'})
        admin.post('/v1/offers/%s/claim' % offer['uuid'],
                   {'start_time': '2030-02-01', 'end_time': '2030-05-01'})

    def test_lessee_outside_the_offer_tree(self, owner, caller, node):
        offer = make_offer(owner, lessee_id='lessee-project')
        response = caller('stranger', 'esi_leap_lessee').request(
            'post', '/v1/offers/%s/claim' % offer['uuid'], status=404,
            body={'start_time': '2030-01-05', 'end_time': '2030-01-06'})
        assert fault(response) == 'Offer with name or uuid %s not found.' % (
            offer['uuid'])
        caller('lessee-project', 'esi_leap_lessee').post(
            '/v1/offers/%s/claim' % offer['uuid'],
            {'start_time': '2030-01-05', 'end_time': '2030-01-06'})

    def test_claim_needs_a_role(self, owner, caller, node):
        offer = make_offer(owner)
        response = caller('lessee-project').request(
            'post', '/v1/offers/%s/claim' % offer['uuid'], body={},
            status=403)
        assert fault(response) == 'Access was denied to esi_leap:offer:claim.'

    @pytest.mark.parametrize('body,text', [
        ({'start_time': 'x'}, 'Invalid datetime for start_time'),
        ({'start_time': '2030-01-06', 'end_time': '2030-01-05'},
         'Start Time must be strictly less than End Time'),
        ({'properties': [1]}, 'properties'),
        ({'uuid': 'x'}, 'Cannot set read only field.'),
        ({'bogus': 'x'}, 'Unknown attribute'),
    ])
    def test_bad_claims(self, owner, lessee, node, body, text):
        offer = make_offer(owner)
        response = lessee.request(
            'post', '/v1/offers/%s/claim' % offer['uuid'], body=body,
            status=400)
        assert text in fault(response)
        assert owner.get('/v1/leases').json['leases'] == []

    def test_claim_of_missing_or_withdrawn_offer(self, owner, lessee, node):
        response = lessee.request('post', '/v1/offers/nope/claim', body={},
                                  status=404)
        assert fault(response) == 'Offer with name or uuid nope not found.'
        offer = make_offer(owner)
        owner.delete('/v1/offers/%s' % offer['uuid'])
        response = lessee.request(
            'post', '/v1/offers/%s/claim' % offer['uuid'], body={},
            status=404)
        assert fault(response) == (
            'Offer with name or uuid %s not found.' % offer['uuid'])


def _rows(model):
    with db_api.reader() as session:
        return session.execute(sa.select(model)).scalars().all()


def _written_statements():
    """Collect every INSERT (into any table) sent while inside."""
    seen = []

    def listener(conn, cursor, statement, parameters, context, many):
        if statement.lstrip().upper().startswith('INSERT'):
            seen.append(statement.split('(')[0].split()[-1])
    return seen, listener


class TestClaimWrittenBeforeTheLock(object):
    """Claims by uuid with both times: the lease, the lock, the check.

    A refused claim must leave nothing behind.
    """

    def test_rows_then_lock_and_one_event(self, owner, lessee, node):
        offer = make_offer(owner)
        seen, listener = _written_statements()
        engine = db_api.get_engine()
        sa.event.listen(engine, 'before_cursor_execute', listener)
        try:
            with lock_statements() as locks:
                lease = lessee.post('/v1/offers/%s/claim' % offer['uuid'], {
                    'start_time': '2030-01-05',
                    'end_time': '2030-01-06'}).json
        finally:
            sa.event.remove(engine, 'before_cursor_execute', listener)
        # The lease before the lock; the event after the check, just
        # before the commit (event ids are what pollers page by).
        assert seen == ['leases', 'resource_locks', 'events']
        assert len(locks) == 1
        events = [e for e in _rows(models.Event)
                  if e.object_uuid == lease['uuid']]
        assert [(e.event_type, e.object_type, e.resource_type,
                 e.resource_uuid, e.lessee_id, e.owner_id)
                for e in events] == [
            ('esi_leap.lease.create.end', 'lease', 'dummy_node', NODE,
             'lessee-project', 'owner-project')]
        stored, = [r for r in _rows(models.Lease)
                   if r.uuid == lease['uuid']]
        assert (stored.owner_id, stored.offer_uuid, stored.attempts,
                stored.resource_uuid) == ('owner-project', offer['uuid'],
                                          0, NODE)
        assert stored.created_at is not None
        assert lessee.get('/v1/leases/%s' % lease['uuid']).json == lease

    @pytest.mark.parametrize('start,end,status', [
        ('2030-01-05 12:00', '2030-01-06 12:00', 409),   # overlaps
        ('2029-12-31', '2030-01-02', 409),               # before the offer
        ('2030-01-31', '2030-02-02', 409),               # after it
    ])
    def test_refused_claims_leave_nothing(self, owner, lessee, node, start,
                                          end, status):
        offer = make_offer(owner)
        lessee.post('/v1/offers/%s/claim' % offer['uuid'],
                    {'start_time': '2030-01-05', 'end_time': '2030-01-06'})
        before = (len(_rows(models.Lease)), len(_rows(models.Event)))
        lessee.request('post', '/v1/offers/%s/claim' % offer['uuid'],
                       body={'start_time': start, 'end_time': end},
                       status=status)
        assert (len(_rows(models.Lease)), len(_rows(models.Event))) == \
            before

    def test_hidden_withdrawn_and_missing_offers(self, owner, caller,
                                                 lessee, node):
        private = make_offer(owner, lessee_id='lessee-project')
        withdrawn = make_offer(owner, '2030-03-01', '2030-04-01')
        owner.delete('/v1/offers/%s' % withdrawn['uuid'])
        before = (len(_rows(models.Lease)), len(_rows(models.Event)))
        body = {'start_time': '2030-01-05', 'end_time': '2030-01-06'}
        stranger = caller('stranger', 'esi_leap_lessee')
        for who, uuid in ((stranger, private['uuid']),
                          (lessee, withdrawn['uuid']),
                          (lessee, '00000000-0000-4000-8000-000000000000')):
            response = who.request('post', '/v1/offers/%s/claim' % uuid,
                                   body=body, status=404)
            assert fault(response) == \
                'Offer with name or uuid %s not found.' % uuid
        assert (len(_rows(models.Lease)), len(_rows(models.Event))) == \
            before


class TestDelete(object):

    def test_delete_cascades_to_leases(self, owner, lessee, node):
        offer = make_offer(owner)
        lease = lessee.post('/v1/offers/%s/claim' % offer['uuid'], {
            'start_time': '2030-01-05', 'end_time': '2030-01-06'}).json
        response = owner.delete('/v1/offers/%s' % offer['uuid'])
        assert response.body == b'null'
        assert owner.get('/v1/offers/%s' % offer['uuid']).json[
            'status'] == 'deleted'
        shown = lessee.get('/v1/leases/%s' % lease['uuid']).json
        assert shown['status'] == 'deleted'
        assert shown['expire_time'] is not None
        response = owner.request('delete', '/v1/offers/%s' % offer['uuid'],
                                 status=404)
        assert fault(response) == (
            'Offer with name or uuid %s not found.' % offer['uuid'])

    def test_delete_by_name(self, owner, node):
        make_offer(owner, name='gone')
        owner.delete('/v1/offers/gone')

    @pytest.mark.parametrize('project,roles,status', [
        ('lessee-project', ('esi_leap_lessee',), 403),
        ('other-project', ('esi_leap_owner',), 404)])
    def test_others_may_not_delete(self, owner, caller, node, project,
                                   roles, status):
        offer = make_offer(owner, lessee_id='lessee-project')
        response = caller(project, *roles).request(
            'delete', '/v1/offers/%s' % offer['uuid'], status=status)
        if status == 403:  # it may see the offer, not withdraw it
            assert fault(response) == 'Access was denied to offer %s.' % (
                offer['uuid'])
        else:  # hidden from it: exactly as if missing
            assert fault(response) == (
                'Offer with name or uuid %s not found.' % offer['uuid'])
        assert owner.get('/v1/offers/%s' % offer['uuid']).json[
            'status'] == 'available'
