"""The cleaning buffer through the API, on every database backend.

A node's top-level bookings keep [manager] cleaning_buffer (or its
class's) free after each other; claims, direct leases, offers, extensions,
the offers' availabilities and the available_start/end_time filter all
agree on it. Bookings inside a parent lease are not buffered.
"""
import pytest
import sqlalchemy as sa

from esi_leap.db import api as db_api
from esi_leap.db.sqlalchemy import models
from esi_leap.tests.functional import helpers
from esi_leap.tests.functional.helpers import fault
from esi_leap.tests.functional.helpers import set_lease_status

NODE = 'node-1'


@pytest.fixture
def buffered(config):
    """One hour of cleaning buffer, two for nodes of class gpu."""
    config(group='manager', cleaning_buffer=3600,
           cleaning_buffer_by_resource_class={'gpu': 7200})


@pytest.fixture
def node(nodes):
    return nodes.add(NODE, 'owner-project', resource_class='baremetal')


def make_offer(owner, node_uuid=NODE, start='2030-01-01',
               end='2030-02-01'):
    return owner.post('/v1/offers', {'resource_uuid': node_uuid,
                                     'start_time': start,
                                     'end_time': end}).json


def claim(caller, offer, start, end=None, status=201):
    body = {'start_time': start}
    if end is not None:
        body['end_time'] = end
    return caller.request('post', '/v1/offers/%s/claim' % offer['uuid'],
                          body=body, status=status)


def free(caller, offer):
    return caller.get('/v1/offers/%s' % offer['uuid']).json['availabilities']


def listed(caller, start, end):
    """Uuids of the offers listed as available for [start, end]."""
    return [o['uuid'] for o in caller.get(
        '/v1/offers', available_start_time=start,
        available_end_time=end).json['offers']]


class TestClaims(object):

    @pytest.fixture
    def booked(self, buffered, node, owner, lessee):
        """An offer of the node with a lease on 2030-01-02."""
        offer = make_offer(owner)
        claim(lessee, offer, '2030-01-02T00:00', '2030-01-03T00:00')
        return offer

    def test_availabilities_leave_the_buffer_out(self, booked, lessee):
        assert free(lessee, booked) == [
            ['2030-01-01T00:00:00', '2030-01-01T23:00:00'],
            ['2030-01-03T01:00:00', '2030-02-01T00:00:00']]

    def test_409_after_the_lease_inside_the_buffer(self, booked, caller):
        other = caller('other-project', 'esi_leap_lessee')
        message = fault(claim(other, booked, '2030-01-03T00:30',
                              '2030-01-04T00:00', status=409))
        assert message == (
            'Offer %s has no availabilities at given time range '
            '2030-01-03 00:30:00, 2030-01-04 00:00:00. It conflicts with a '
            'lease of the offer ending at 2030-01-03 00:00:00 plus the '
            'node\'s 3600 s cleaning buffer.' % booked['uuid'])

    def test_409_before_the_lease_inside_the_buffer(self, booked, caller):
        other = caller('other-project', 'esi_leap_lessee')
        message = fault(claim(other, booked, '2030-01-01T00:00',
                              '2030-01-01T23:30', status=409))
        assert message.endswith(
            'It ends less than the node\'s 3600 s cleaning buffer before a '
            'lease of the offer starting at 2030-01-02 00:00:00.')

    def test_plain_overlap_keeps_the_original_message(self, booked, lessee):
        message = fault(claim(lessee, booked, '2030-01-02T12:00',
                              '2030-01-04T00:00', status=409))
        assert message == (
            'Offer %s has no availabilities at given time range '
            '2030-01-02 12:00:00, 2030-01-04 00:00:00.' % booked['uuid'])

    def test_201_right_after_and_before_the_buffer(self, booked, caller):
        other = caller('other-project', 'esi_leap_lessee')
        claim(other, booked, '2030-01-03T01:00', '2030-01-04T00:00')
        claim(other, booked, '2030-01-01T00:00', '2030-01-01T23:00')
        assert free(other, booked) == [
            ['2030-01-04T01:00:00', '2030-02-01T00:00:00']]

    def test_claim_without_end_stops_a_buffer_before_the_next(
            self, booked, lessee):
        lease = claim(lessee, booked, '2030-01-01T06:00').json
        assert lease['end_time'] == '2030-01-01T23:00:00'

    def test_claim_without_end_inside_the_buffer(self, booked, lessee):
        message = fault(claim(lessee, booked, '2030-01-01T23:30',
                              status=409))
        assert 'cleaning buffer before a lease of the offer starting at ' \
            '2030-01-02 00:00:00' in message
        message = fault(claim(lessee, booked, '2030-01-03T00:30',
                              status=409))
        assert 'ending at 2030-01-03 00:00:00 plus the node\'s 3600 s ' \
            'cleaning buffer' in message

    def test_claim_without_end_after_the_offer(self, booked, lessee):
        # Nothing to do with the buffer: refused as without one.
        for start in ('2030-02-01T00:00', '2030-02-03T00:00'):
            message = fault(claim(lessee, booked, start, status=400))
            assert 'cleaning' not in message

    def test_available_filter_agrees(self, booked, lessee):
        uuid = booked['uuid']
        assert listed(lessee, '2030-01-03T00:30', '2030-01-04') == []
        assert listed(lessee, '2030-01-01T00:00', '2030-01-01T23:30') == []
        assert listed(lessee, '2030-01-03T01:00', '2030-01-04') == [uuid]
        assert listed(lessee, '2030-01-01T00:00', '2030-01-01T23:00') == [
            uuid]

    def test_lease_ending_within_the_buffer_still_blocks(self, booked,
                                                         lessee):
        # A lease of the offer still being ended (the manager cleans its
        # node) keeps the buffer after its end.
        leases = lessee.get('/v1/leases').json['leases']
        set_lease_status(leases[0]['uuid'], 'wait expire')
        claim(lessee, booked, '2030-01-03T00:30', '2030-01-04', status=409)
        # Once ended, the node is clean: the time is free.
        set_lease_status(leases[0]['uuid'], 'expired')
        claim(lessee, booked, '2030-01-03T00:30', '2030-01-04')


class TestExtension(object):

    def test_extending_into_the_buffer_of_the_next_lease(
            self, buffered, node, owner, lessee, admin):
        offer = make_offer(owner)
        first = claim(lessee, offer, '2030-01-02', '2030-01-03').json
        claim(lessee, offer, '2030-01-04', '2030-01-05')
        path = '/v1/leases/%s' % first['uuid']
        message = fault(admin.request('patch', path, status=409, body={
            'end_time': '2030-01-03T23:30'}))
        assert 'cleaning buffer' in message
        assert admin.patch(path, {'end_time': '2030-01-03T23:00'}).json[
            'end_time'] == '2030-01-03T23:00:00'

    def test_extending_a_direct_lease(self, buffered, node, owner, admin):
        first = owner.post('/v1/leases', {
            'resource_uuid': NODE, 'project_id': 'a-project',
            'start_time': '2030-01-02', 'end_time': '2030-01-03'}).json
        second = owner.post('/v1/leases', {
            'resource_uuid': NODE, 'project_id': 'b-project',
            'start_time': '2030-01-04', 'end_time': '2030-01-05'}).json
        path = '/v1/leases/%s' % first['uuid']
        message = fault(admin.request('patch', path, status=409, body={
            'end_time': '2030-01-03T23:01'}))
        assert 'cleaning buffer' in message
        # The admin may see the lease the buffer protects: it is named.
        assert 'before lease %s starting at 2030-01-04 00:00:00.' % (
            second['uuid']) in message
        admin.patch(path, {'end_time': '2030-01-03T23:00'})


class TestDirectBookings(object):

    @pytest.fixture
    def lease(self, buffered, node, owner):
        return owner.post('/v1/leases', {
            'resource_uuid': NODE, 'project_id': 'a-project',
            'start_time': '2030-01-02', 'end_time': '2030-01-03'}).json

    def test_lease_after_inside_the_buffer(self, lease, owner):
        response = owner.request('post', '/v1/leases', status=409, body={
            'resource_uuid': NODE, 'project_id': 'b-project',
            'start_time': '2030-01-03T00:59', 'end_time': '2030-01-04'})
        assert fault(response) == (
            'Time conflict for dummy_node %s. It conflicts with lease %s '
            'ending at 2030-01-03 00:00:00 plus the node\'s 3600 s cleaning '
            'buffer.' % (NODE, lease['uuid']))
        owner.post('/v1/leases', {
            'resource_uuid': NODE, 'project_id': 'b-project',
            'start_time': '2030-01-03T01:00', 'end_time': '2030-01-04'})

    def test_offer_before_inside_the_buffer(self, lease, owner):
        response = owner.request('post', '/v1/offers', status=409, body={
            'resource_uuid': NODE, 'start_time': '2030-01-01',
            'end_time': '2030-01-01T23:01'})
        assert fault(response) == (
            'Time conflict for dummy_node %s. It ends less than the node\'s '
            '3600 s cleaning buffer before lease %s starting at 2030-01-02 '
            '00:00:00.' % (NODE, lease['uuid']))
        offer = make_offer(owner, start='2030-01-01', end='2030-01-01T23:00')
        assert free(owner, offer) == [['2030-01-01T00:00:00',
                                       '2030-01-01T23:00:00']]

    def test_plain_overlap_keeps_the_original_message(self, lease, owner):
        response = owner.request('post', '/v1/offers', status=409, body={
            'resource_uuid': NODE, 'start_time': '2030-01-02T12:00',
            'end_time': '2030-01-05'})
        assert fault(response) == (
            'Time conflict for dummy_node %s. It overlaps lease %s '
            '(2030-01-02 00:00:00 - 2030-01-03 00:00:00).' % (
                NODE, lease['uuid']))

    def test_hidden_booking_is_not_named(self, buffered, node, owner,
                                         admin):
        hidden = admin.post('/v1/leases', {
            'resource_uuid': NODE, 'project_id': 'a-project',
            'start_time': '2030-01-02', 'end_time': '2030-01-03'}).json
        response = owner.request('post', '/v1/offers', status=409, body={
            'resource_uuid': NODE, 'start_time': '2030-01-03T00:30',
            'end_time': '2030-01-05'})
        message = fault(response)
        assert message == (
            'Time conflict for dummy_node %s. It falls within the node\'s '
            '3600 s cleaning buffer, kept free between two bookings.' % NODE)
        assert hidden['uuid'] not in message

    def test_offers_are_buffered_from_each_other(self, buffered, node,
                                                 owner):
        make_offer(owner, start='2030-01-01', end='2030-01-10')
        owner.post('/v1/offers', {'resource_uuid': NODE,
                                  'start_time': '2030-01-10T00:30',
                                  'end_time': '2030-01-20'}, status=409)
        make_offer(owner, start='2030-01-10T01:00', end='2030-01-20')


class TestResourceClass(object):

    def test_class_buffer_overrides_the_default(self, buffered, nodes,
                                                owner, lessee):
        nodes.add('gpu-node', 'owner-project', resource_class='gpu')
        nodes.add('cpu-node', 'owner-project', resource_class='cpu')
        gpu = make_offer(owner, 'gpu-node')
        cpu = make_offer(owner, 'cpu-node')
        for offer in (gpu, cpu):
            claim(lessee, offer, '2030-01-02', '2030-01-03')
        message = fault(claim(lessee, gpu, '2030-01-03T01:30',
                              '2030-01-04', status=409))
        assert 'the node\'s 7200 s cleaning buffer' in message
        claim(lessee, cpu, '2030-01-03T01:30', '2030-01-04')
        assert free(lessee, gpu)[1][0] == '2030-01-03T02:00:00'
        assert listed(lessee, '2030-01-03T01:30', '2030-01-03T01:45') == []
        assert listed(lessee, '2030-01-03T02:00', '2030-01-03T03:00') == [
            gpu['uuid']]
        claim(lessee, gpu, '2030-01-03T02:00', '2030-01-04')

    def test_bookings_keep_the_node_class(self, nodes, owner, lessee):
        nodes.add('gpu-node', 'owner-project', resource_class='gpu')
        offer = make_offer(owner, 'gpu-node')
        claim(lessee, offer, '2030-01-02', '2030-01-03')   # written first
        claim(lessee, offer, '2030-01-04')                 # read first
        owner.post('/v1/leases', {
            'resource_uuid': 'gpu-node', 'project_id': 'a-project',
            'start_time': '2030-03-01', 'end_time': '2030-03-02'})
        with db_api.reader() as session:
            assert session.scalars(sa.select(
                models.Offer.resource_class)).all() == ['gpu']
            assert session.scalars(sa.select(
                models.Lease.resource_class)).all() == ['gpu'] * 3

    def test_class_of_zero_on_a_buffered_site(self, config, nodes, owner,
                                              lessee):
        config(group='manager', cleaning_buffer=3600,
               cleaning_buffer_by_resource_class={'fast': 0})
        nodes.add('fast-node', 'owner-project', resource_class='fast')
        offer = make_offer(owner, 'fast-node')
        claim(lessee, offer, '2030-01-02', '2030-01-03')
        claim(lessee, offer, '2030-01-03', '2030-01-04')


class TestSubLeases(object):

    @pytest.fixture
    def parent(self, buffered, node, owner):
        return helpers.lease_to_holder(owner, NODE)

    def test_sub_leases_meet_without_buffer(self, parent, holder):
        for start, end in (('2030-01-01', '2030-01-05'),
                           ('2030-01-05', '2030-01-10'),
                           ('2030-01-10', '2030-01-20')):
            lease = holder.post('/v1/leases', {
                'resource_uuid': NODE, 'project_id': 'third-project',
                'start_time': start, 'end_time': end}).json
            assert lease['parent_lease_uuid'] == parent['uuid']

    def test_sub_offer_claims_meet_without_buffer(self, parent, holder,
                                                  lessee):
        offer = make_offer(holder, start='2030-01-02', end='2030-01-10')
        claim(lessee, offer, '2030-01-03', '2030-01-04')
        assert free(lessee, offer) == [
            ['2030-01-02T00:00:00', '2030-01-03T00:00:00'],
            ['2030-01-04T00:00:00', '2030-01-10T00:00:00']]
        claim(lessee, offer, '2030-01-04', '2030-01-05')
        claim(lessee, offer, '2030-01-02', '2030-01-03')
        assert lessee.get('/v1/offers', available_start_time='2030-01-05',
                          available_end_time='2030-01-06').json[
            'offers'][0]['uuid'] == offer['uuid']

    def test_next_top_level_booking_waits_for_the_parent_buffer(
            self, parent, owner):
        owner.post('/v1/leases', {
            'resource_uuid': NODE, 'project_id': 'b-project',
            'start_time': '2030-01-20T00:30', 'end_time': '2030-01-21'},
            status=409)
        owner.post('/v1/leases', {
            'resource_uuid': NODE, 'project_id': 'b-project',
            'start_time': '2030-01-20T01:00', 'end_time': '2030-01-21'})


class TestNoBuffer(object):
    """With the default of 0, bookings meet end to start, as before."""

    def test_adjacent_bookings(self, node, owner, lessee):
        offer = make_offer(owner, end='2030-01-10')
        claim(lessee, offer, '2030-01-02', '2030-01-03')
        claim(lessee, offer, '2030-01-03', '2030-01-04')
        claim(lessee, offer, '2030-01-01', '2030-01-02')
        assert free(lessee, offer) == [['2030-01-04T00:00:00',
                                        '2030-01-10T00:00:00']]
        assert listed(lessee, '2030-01-04', '2030-01-05') == [offer['uuid']]
        lease = claim(lessee, offer, '2030-01-05').json
        assert lease['end_time'] == '2030-01-10T00:00:00'
        make_offer(owner, start='2030-01-10', end='2030-01-11')
        owner.post('/v1/leases', {
            'resource_uuid': NODE, 'project_id': 'b-project',
            'start_time': '2030-01-11', 'end_time': '2030-01-12'})

    def test_overlap_message_is_unchanged(self, node, owner, lessee):
        offer = make_offer(owner, end='2030-01-10')
        claim(lessee, offer, '2030-01-02', '2030-01-03')
        message = fault(claim(lessee, offer, '2030-01-02T12:00',
                              '2030-01-04', status=409))
        assert 'cleaning' not in message

    def test_claim_starting_where_a_lease_starts(self, node, owner,
                                                 lessee):
        # Without an end and without a buffer, as before: 400.
        offer = make_offer(owner, end='2030-01-10')
        claim(lessee, offer, '2030-01-03', '2030-01-04')
        claim(lessee, offer, '2030-01-03', status=400)


def _statements_of(action):
    """The SQL statements (and transaction ends) ``action()`` sends."""
    seen = []

    def listener(conn, cursor, statement, parameters, context, many):
        seen.append(statement)
    engine = db_api.get_engine()
    sa.event.listen(engine, 'before_cursor_execute', listener)
    try:
        action()
    finally:
        sa.event.remove(engine, 'before_cursor_execute', listener)
    return seen


def test_a_buffer_costs_no_statement(config, nodes, owner, lessee):
    """A claim sends the same statements with and without a buffer."""
    nodes.add('gpu-node', 'owner-project', resource_class='gpu')
    offer = make_offer(owner, 'gpu-node')
    claim(lessee, offer, '2030-01-02', '2030-01-03')
    counted = []
    for seconds, start, end in ((0, '2030-01-05', '2030-01-06'),
                                (3600, '2030-01-08', '2030-01-09')):
        config(group='manager', cleaning_buffer=seconds,
               cleaning_buffer_by_resource_class={'gpu': seconds})
        counted.append(_statements_of(lambda: claim(lessee, offer, start,
                                                    end)))
    assert len(counted[0]) == len(counted[1])
    assert counted[0] == counted[1]
