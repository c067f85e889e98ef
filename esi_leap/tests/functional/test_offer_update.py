"""PATCH /v1/offers/{offer}: owners change their offers, on every backend.

Every rule and every refusal of a change of an offer's window, lessee,
name and properties, read back through the API, the event log and the
notifications (checked against the published schema).
"""
import json
import os

import jsonschema
import pytest
import sqlalchemy as sa

from esi_leap.common import exception
from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.db.sqlalchemy import models
from esi_leap.objects import offer_update
from esi_leap.objects import sight
from esi_leap.tests.functional import helpers
from esi_leap.tests.functional.helpers import fault
from esi_leap.tests.functional.helpers import set_lease_status

NODE = 'node-1'
DEEP = {'a': {'b': {'c': {'d': {'e': {'f': {}}}}}}}
SCHEMA = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'doc',
                      'source', 'admin', 'notification-schema.json')


@pytest.fixture
def node(nodes):
    return nodes.add(NODE, 'owner-project', resource_class='gpu')


@pytest.fixture
def offer(owner, node):
    return owner.post('/v1/offers', {
        'resource_uuid': NODE, 'name': 'o1', 'start_time': '2030-01-01',
        'end_time': '2030-02-01', 'properties': {'k': 'v'}}).json


@pytest.fixture
def claimed(offer, lessee):
    """A lease claimed from the offer: 2030-01-10 to 2030-01-12."""
    return lessee.post('/v1/offers/%s/claim' % offer['uuid'], {
        'start_time': '2030-01-10', 'end_time': '2030-01-12'}).json


@pytest.fixture
def sent(monkeypatch, config):
    """(event type, payload) of every notification the API hands over."""
    return helpers.spy_notifications(monkeypatch, config,
                                     lambda entry: entry[1:])


def patch(caller, offer, body, status=200):
    ident = offer['uuid'] if isinstance(offer, dict) else offer
    return caller.request('patch', '/v1/offers/%s' % ident, body=body,
                          status=status)


class TestChanges(object):

    def test_every_field_at_once(self, owner, offer, sent):
        changed = patch(owner, offer, {
            'start_time': '2030-01-02', 'end_time': '2030-03-01T00:00:00Z',
            'lessee_id': 'lessee-project', 'name': 'o2',
            'properties': {'a': [1, 2]}}).json
        assert changed['uuid'] == offer['uuid']
        assert (changed['start_time'], changed['end_time']) == (
            '2030-01-02T00:00:00', '2030-03-01T00:00:00')
        assert changed['lessee_id'] == 'lessee-project'
        assert changed['name'] == 'o2'
        assert changed['properties'] == {'a': [1, 2]}
        assert changed['availabilities'] == [['2030-01-02T00:00:00',
                                              '2030-03-01T00:00:00']]
        assert owner.get('/v1/offers/%s' % offer['uuid']).json == changed
        # The change is one event and one notification, valid by the
        # published schema.
        listed = owner.get('/v1/events').json['events']
        assert [(e['event_type'], e['object_uuid']) for e in listed][-1] == (
            'esi_leap.offer.update.end', offer['uuid'])
        assert listed[-1]['lessee_id'] == 'lessee-project'
        assert [t for t, _ in sent] == ['esi_leap.offer.update.end']
        with open(SCHEMA) as f:
            schema = json.load(f)
        jsonschema.validate({'event_type': 'esi_leap.offer.update.end',
                             'priority': 'INFO', 'publisher_id': 'x',
                             'payload': sent[0][1]}, schema)
        data = sent[0][1]['esi_leap_object.data']
        assert data['end_time'] == '2030-03-01T00:00:00'
        assert data['node_name'] == 'dummy-node-node-1'

    def test_by_name_and_by_admin(self, owner, admin, offer):
        assert patch(owner, 'o1', {'name': 'renamed'}).json['name'] == \
            'renamed'
        changed = patch(admin, offer, {'name': None, 'properties': None,
                                       'lessee_id': None}).json
        assert (changed['name'], changed['properties'],
                changed['lessee_id']) == (None, {}, None)

    def test_open_ended(self, owner, offer):
        changed = patch(owner, offer, {'end_time': None}).json
        assert changed['end_time'] == '9999-12-31T23:59:59.999999'

    def test_availabilities_follow_the_new_window(self, owner, offer,
                                                  claimed):
        changed = patch(owner, offer, {'end_time': '2030-01-20'}).json
        assert changed['availabilities'] == [
            ['2030-01-01T00:00:00', '2030-01-10T00:00:00'],
            ['2030-01-12T00:00:00', '2030-01-20T00:00:00']]
        changed = patch(owner, offer, {'end_time': '2030-04-01'}).json
        assert changed['availabilities'][-1] == [
            '2030-01-12T00:00:00', '2030-04-01T00:00:00']

    def test_claims_follow_the_new_window(self, owner, lessee, offer):
        patch(owner, offer, {'end_time': '2030-01-05'})
        response = lessee.request(
            'post', '/v1/offers/%s/claim' % offer['uuid'], status=409,
            body={'start_time': '2030-01-06', 'end_time': '2030-01-07'})
        assert 'has no availabilities' in fault(response)
        patch(owner, offer, {'end_time': '2030-01-08'})
        lessee.post('/v1/offers/%s/claim' % offer['uuid'], {
            'start_time': '2030-01-06', 'end_time': '2030-01-07'})

    def test_lessee_change_leaves_claimed_leases_alone(
            self, owner, caller, lessee, offer, claimed):
        patch(owner, offer, {'lessee_id': 'other-project'})
        # The lessee no longer sees the offer, but keeps its lease.
        lessee.request('get', '/v1/offers/%s' % offer['uuid'], status=404)
        lease = lessee.get('/v1/leases/%s' % claimed['uuid']).json
        for key in ('project_id', 'owner_id', 'offer_uuid', 'status',
                    'start_time', 'end_time'):
            assert lease[key] == claimed[key]
        other = caller('other-project', 'esi_leap_lessee')
        other.post('/v1/offers/%s/claim' % offer['uuid'], {
            'start_time': '2030-01-20', 'end_time': '2030-01-21'})

    def test_unchanged_window_needs_no_check(self, owner, offer, claimed):
        set_lease_status(claimed['uuid'], 'active')
        changed = patch(owner, offer, {'start_time': '2030-01-01',
                                       'name': 'same'}).json
        assert changed['name'] == 'same'


class TestStart(object):

    def test_moves_while_nothing_is_booked(self, owner, offer):
        assert patch(owner, offer, {'start_time': '2029-12-01'}).json[
            'start_time'] == '2029-12-01T00:00:00'
        assert patch(owner, offer, {'start_time': '2030-01-15'}).json[
            'start_time'] == '2030-01-15T00:00:00'

    @pytest.mark.parametrize('status', ['created', 'active', 'error',
                                        'wait fulfill', 'wait expire',
                                        'wait cancel'])
    def test_refused_while_a_lease_is_not_over(self, owner, offer, claimed,
                                               status):
        set_lease_status(claimed['uuid'], status)
        response = patch(owner, offer, {'start_time': '2030-01-02'}, 409)
        assert fault(response) == (
            'The start time of offer %s cannot change while lease %s '
            'claimed from it is not over.' % (offer['uuid'],
                                              claimed['uuid']))
        assert owner.get('/v1/offers/%s' % offer['uuid']).json[
            'start_time'] == '2030-01-01T00:00:00'

    @pytest.mark.parametrize('status', ['expired', 'deleted'])
    def test_moves_once_its_leases_are_over(self, owner, offer, claimed,
                                            status):
        set_lease_status(claimed['uuid'], status)
        patch(owner, offer, {'start_time': '2030-01-02'})


class TestEnd(object):

    def test_shrink_to_a_lease_end(self, owner, offer, claimed):
        patch(owner, offer, {'end_time': '2030-01-12'})

    def test_shrink_below_a_lease_names_it(self, owner, admin, offer,
                                           claimed, lessee):
        later = lessee.post('/v1/offers/%s/claim' % offer['uuid'], {
            'start_time': '2030-01-14', 'end_time': '2030-01-15'}).json
        for caller_ in (owner, admin):
            response = patch(caller_, offer, {'end_time': '2030-01-11'}, 409)
            assert fault(response) == (
                'Offer %s cannot end at 2030-01-11 00:00:00: lease %s '
                'claimed from it ends at 2030-01-15 00:00:00.'
                % (offer['uuid'], later['uuid']))
        assert owner.get('/v1/offers/%s' % offer['uuid']).json[
            'end_time'] == '2030-02-01T00:00:00'

    def test_cancelled_leases_do_not_hold_the_end(self, owner, offer,
                                                  claimed):
        set_lease_status(claimed['uuid'], 'wait cancel')
        patch(owner, offer, {'end_time': '2030-01-05'})

    def test_hidden_lease_is_not_named(self, owner, offer, claimed):
        # With a policy under which the caller cannot see the lease (an
        # operator's rule), the refusal says "a lease".
        seen = sight.Sight(offers=None, party='someone', all_leases=False)
        row = db_api.offer_get(offer['uuid'])
        with pytest.raises(exception.OfferEndBooked) as error:
            offer_update.update(row, {'end_time': timeutils.parse(
                '2030-01-11', 'end_time')}, seen)
        assert str(error.value) == (
            'Offer %s cannot end at 2030-01-11 00:00:00: a lease claimed '
            'from it ends at 2030-01-12 00:00:00.' % offer['uuid'])
        assert claimed['uuid'] not in str(error.value)

    def test_end_must_follow_start_and_be_future(self, owner, offer):
        response = patch(owner, offer, {'end_time': '2029-06-01'}, 400)
        assert 'Start Time must be strictly less than End Time' in fault(
            response)
        response = patch(owner, offer, {'start_time': '2020-01-01',
                                        'end_time': '2020-02-01'}, 400)
        assert fault(response) == (
            'Invalid end_time: the offer would end at 2020-02-01 00:00:00, '
            'which is not in the future.')


class TestGainedTime(object):

    def test_extension_into_another_offer_names_it(self, owner, offer,
                                                   node):
        other = owner.post('/v1/offers', {
            'resource_uuid': NODE, 'start_time': '2030-03-01',
            'end_time': '2030-04-01'}).json
        response = patch(owner, offer, {'end_time': '2030-03-15'}, 409)
        assert fault(response) == (
            'Time conflict for dummy_node %s. It overlaps offer %s '
            '(2030-03-01 00:00:00 - 2030-04-01 00:00:00).'
            % (NODE, other['uuid']))
        patch(owner, offer, {'end_time': '2030-03-01'})

    def test_start_moved_over_a_direct_lease(self, owner, admin, caller,
                                             offer):
        direct = owner.post('/v1/leases', {
            'resource_uuid': NODE, 'project_id': 'third-project',
            'start_time': '2029-12-01', 'end_time': '2029-12-10'}).json
        response = patch(owner, offer, {'start_time': '2029-12-05'}, 409)
        assert direct['uuid'] in fault(response)
        patch(owner, offer, {'start_time': '2029-12-10'})

    def test_cleaning_buffer_between_offers(self, owner, offer, config,
                                            claimed):
        config(group='manager', cleaning_buffer_by_resource_class={
            'gpu': 7200})
        owner.post('/v1/offers', {
            'resource_uuid': NODE, 'start_time': '2030-02-01T03:00:00',
            'end_time': '2030-03-01'})
        response = patch(owner, offer, {'end_time': '2030-02-01T02:00:00'},
                         409)
        assert 'cleaning buffer' in fault(response)
        patch(owner, offer, {'end_time': '2030-02-01T01:00:00'})
        # Its own lease ending at the old end does not count.
        patch(owner, offer, {'end_time': '2030-01-12'})
        patch(owner, offer, {'end_time': '2030-02-01'})

    def test_hidden_conflict_is_not_named(self, owner, admin, offer, node):
        other = admin.post('/v1/offers', {
            'resource_uuid': NODE, 'start_time': '2030-03-01',
            'end_time': '2030-04-01', 'lessee_id': 'x-project'}).json
        # The admin made it, for x-project: the owner sees neither.
        response = patch(owner, offer, {'end_time': '2030-03-15'}, 409)
        assert fault(response) == 'Time conflict for dummy_node %s.' % NODE
        assert other['uuid']


class TestSubOffer(object):

    @pytest.fixture
    def sub_offer(self, owner, holder, node):
        parent = helpers.lease_to_holder(owner, NODE)
        offer = holder.post('/v1/offers', {
            'resource_uuid': NODE, 'start_time': '2030-01-02',
            'end_time': '2030-01-10'}).json
        return parent, offer

    def test_extension_inside_the_parent(self, holder, sub_offer):
        _, offer = sub_offer
        assert patch(holder, offer, {'end_time': '2030-01-20'}).json[
            'end_time'] == '2030-01-20T00:00:00'

    def test_extension_beyond_the_parent(self, holder, sub_offer):
        parent, offer = sub_offer
        response = patch(holder, offer, {'end_time': '2030-01-21'}, 409)
        assert fault(response) == (
            'Lease %s has no availabilities at given time range '
            '2030-01-02 00:00:00, 2030-01-21 00:00:00.' % parent['uuid'])
        response = patch(holder, offer, {'start_time': '2029-12-31'}, 409)
        assert parent['uuid'] in fault(response)

    def test_open_end_is_the_parent_end(self, holder, sub_offer):
        _, offer = sub_offer
        assert patch(holder, offer, {'end_time': None}).json[
            'end_time'] == '2030-01-20T00:00:00'

    def test_node_owner_may_not_change_it(self, owner, sub_offer):
        _, offer = sub_offer
        # The sub-offer is the holder's, open to all: the node's owner
        # sees it but may not change it.
        assert fault(patch(owner, offer, {'name': 'x'}, 403)) == (
            'Access was denied to offer %s.' % offer['uuid'])


class TestRefusals(object):

    @pytest.mark.parametrize('status', ['deleted', 'expired', 'error'])
    def test_only_available_offers(self, owner, offer, status):
        with db_api.writer() as session:
            session.execute(sa.update(models.Offer).where(
                models.Offer.uuid == offer['uuid']).values(status=status))
        response = patch(owner, offer, {'name': 'x'}, 409)
        assert fault(response) == (
            'Offer %s is %s and ends at 2030-02-01 00:00:00; only an '
            'available offer that has not ended can be changed.'
            % (offer['uuid'], status))

    def test_ended_offer(self, owner, node):
        old = owner.post('/v1/offers', {'resource_uuid': NODE,
                                        'start_time': '2020-01-01',
                                        'end_time': '2020-02-01'}).json
        response = patch(owner, old, {'end_time': '2031-01-01'}, 409)
        assert 'only an available offer that has not ended' in fault(
            response)

    def test_who_may_change(self, caller, lessee, offer):
        assert fault(patch(lessee, offer, {'name': 'x'}, 403)) == (
            'Access was denied to offer %s.' % offer['uuid'])
        other = caller('other-owner', 'esi_leap_owner')
        assert fault(patch(other, offer, {'name': 'x'}, 403))

    @pytest.mark.parametrize('ident', [
        'no-such-offer', '00000000-0000-0000-0000-000000000000',
        'x' * 300])
    def test_bad_ids(self, owner, offer, ident):
        response = patch(owner, ident, {'name': 'x'}, 404)
        assert fault(response).startswith('Offer with name or uuid')

    @pytest.mark.parametrize('body,text', [
        ({}, 'Invalid input: the offer change names no field; known: '
             'start_time, end_time, lessee_id, name, properties'),
        ({'status': 'deleted'}, 'Invalid input: unknown field status in '
         'the offer change; known: start_time, end_time, lessee_id, name, '
         'properties'),
        ({'resource_uuid': 'node-2'}, 'Invalid input: unknown field '
         'resource_uuid in the offer change'),
        ({'end_time': 5}, 'Invalid end_time: it must be an ISO 8601 '
                          'string.'),
        ({'start_time': None}, 'Invalid start_time: it must be an ISO '
                               '8601 string.'),
        ({'end_time': '2030'}, 'Invalid datetime for end_time'),
        ({'end_time': ''}, 'Invalid datetime for end_time'),
        ({'start_time': ''}, 'Invalid datetime for start_time'),
        ({'start_time': '2030-02-30'}, 'Invalid datetime for start_time'),
        ({'end_time': '2030-01-01 EST'}, 'Invalid datetime for end_time'),
        ({'name': ['x']}, 'Invalid name: it must be a string or null.'),
        ({'name': 'n' * 256}, 'name is longer than 255 characters.'),
        ({'lessee_id': 7}, 'Invalid lessee_id: it must be a string or '
                           'null.'),
        ({'lessee_id': ' '}, 'lessee_id must not be empty or blank.'),
        ({'lessee_id': 'a\nb'}, 'Invalid lessee_id: a project id or name '
                                'cannot contain the control character'),
        ({'properties': []}, 'Invalid properties: properties must be a '
                             'JSON object'),
        ({'properties': {'x': 'y' * 40000}}, 'Invalid properties: '
                                             'properties is'),
        ({'properties': DEEP}, 'Invalid properties: properties is nested '
                               'deeper'),
    ])
    def test_bad_bodies(self, owner, offer, body, text, config):
        config(group='api', max_properties_bytes=30000,
               max_properties_depth=5)
        response = patch(owner, offer, body, 400)
        assert fault(response).startswith(text), fault(response)
        assert owner.get('/v1/offers/%s' % offer['uuid']).json == offer
