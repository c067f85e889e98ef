"""Lessees and owners change their leases' end times (PATCH end_time).

Every rule and bound of esi_leap.objects.extension through the API on a
real database: who may extend or shorten which lease, the offer, parent
lease, [api] max_lease_time and [api] lessee_extension_window bounds,
conflicts named when the caller may see them, quotas, the update event and
its notification, and shortening below now ending the lease through the
manager.
"""
import datetime

import pytest
import sqlalchemy as sa

from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.db.sqlalchemy import models
from esi_leap.tests.functional.helpers import fault

NODE = 'node-1'


_BASE = []


@pytest.fixture(autouse=True)
def base_time():
    """The "now" of later(): the test's start, to the second."""
    _BASE[:] = [timeutils.utcnow().replace(microsecond=0)]


def later(hours):
    """The test's start plus ``hours``, as the API writes times."""
    when = _BASE[0] + datetime.timedelta(hours=hours)
    return when.strftime('%Y-%m-%dT%H:%M:%S')


def plus(iso, hours):
    """``iso`` (as later() returns) plus ``hours``."""
    when = datetime.datetime.fromisoformat(iso) + \
        datetime.timedelta(hours=hours)
    return when.strftime('%Y-%m-%dT%H:%M:%S')


@pytest.fixture
def node(nodes):
    return nodes.add(NODE, 'owner-project', resource_class='gpu')


def direct(owner, start, end, project='lessee-project', node=NODE):
    return owner.post('/v1/leases', {
        'resource_uuid': node, 'project_id': project,
        'start_time': start, 'end_time': end}).json


def claimed(owner, lessee, start, end, offer_end):
    offer = owner.post('/v1/offers', {
        'resource_uuid': NODE, 'start_time': start,
        'end_time': offer_end}).json
    lease = lessee.post('/v1/offers/%s/claim' % offer['uuid'], {
        'start_time': start, 'end_time': end}).json
    return offer, lease


def end_of(caller, lease):
    return caller.get('/v1/leases/%s' % lease['uuid']).json['end_time']


def patch(caller, lease, end, status=200):
    return caller.request('patch', '/v1/leases/%s' % lease['uuid'],
                          body={'end_time': end}, status=status)


class TestWho(object):

    def test_lessee_extends_and_shortens(self, owner, lessee, node):
        start, end = later(1), later(24)
        for lease in (direct(owner, start, end),
                      claimed(owner, lessee, plus(end, 10), plus(end, 12),
                              plus(end, 48))[1]):
            longer = plus(lease['end_time'], 5)
            assert patch(lessee, lease, longer).json['end_time'] == longer
            shorter = plus(lease['end_time'], -1)
            assert patch(lessee, lease, shorter).json['end_time'] == shorter
            assert end_of(owner, lease) == shorter

    def test_owner_shortens_any_and_extends_direct_only(self, owner, lessee,
                                                        node):
        lease = direct(owner, later(1), later(24))
        assert patch(owner, lease, later(30)).json['end_time'] == later(30)
        assert patch(owner, lease, later(2)).json['end_time'] == later(2)
        offer, mine = claimed(owner, lessee, later(40), later(50), later(90))
        assert patch(owner, mine, later(45)).json['end_time'] == later(45)
        response = patch(owner, mine, later(60), status=403)
        assert fault(response) == (
            'Lease %s was claimed from offer %s: its owner may shorten it '
            'but not extend it.' % (mine['uuid'], offer['uuid']))
        assert end_of(owner, mine) == later(45)

    def test_admin_is_not_bounded_by_max_lease_time(self, owner, admin,
                                                    lessee, node, config):
        config(group='api', max_lease_time=2)
        lease = direct(owner, later(1), later(24))
        for who in (owner, lessee):
            response = patch(who, lease, later(24 * 2 + 2), status=403)
            assert fault(response) == (
                'End time %s is too far: a lease may be extended to at '
                'most 2 days from now.' % later(50).replace('T', ' '))
        assert end_of(owner, lease) == later(24)
        assert patch(admin, lease, later(24 * 30)).json['end_time'] == \
            later(24 * 30)
        # Within the bound for a non-admin too.
        lease = direct(owner, later(24 * 31), later(24 * 32))
        response = patch(lessee, lease, later(24 * 33), status=403)
        assert 'is too far' in fault(response)

    @pytest.mark.parametrize('project,roles,status', [
        ('other-owner-project', ['esi_leap_owner'], 404),
        ('stranger-project', ['esi_leap_lessee'], 404),
        ('owner-project', ['member'], 404),
        ('lessee-project', ['member'], 404),
        (None, ['esi_leap_owner', 'esi_leap_lessee'], 403),
    ])
    def test_others_are_refused(self, owner, caller, node, project, roles,
                                status):
        lease = direct(owner, later(1), later(24))
        response = patch(caller(project, *roles), lease, later(30),
                         status=status)
        assert fault(response)
        assert end_of(owner, lease) == later(24)

    def test_lessee_role_is_needed(self, owner, caller, node):
        # The project holding the lease, with only an owner role.
        lease = direct(owner, later(1), later(24))
        response = patch(caller('lessee-project', 'esi_leap_owner'), lease,
                         later(30), status=403)
        assert fault(response) == 'Access was denied to lease %s.' % (
            lease['uuid'])

    def test_admin_only_restored_by_policy(self, owner, lessee, admin, node,
                                           config, tmp_path):
        from esi_leap.common import policy
        rules = tmp_path / 'policy.yaml'
        rules.write_text('"esi_leap:lease:update_as_lessee": "rule:is_admin"'
                         '\n"esi_leap:lease:update_as_owner": "!"\n')
        config(group='oslo_policy', policy_file=str(rules))
        policy.reset()
        lease = direct(owner, later(1), later(24))
        for who in (owner, lessee):
            patch(who, lease, later(2), status=403)
        assert patch(admin, lease, later(2)).json['end_time'] == later(2)


class TestBounds(object):

    def test_offer_window(self, owner, lessee, node):
        offer, lease = claimed(owner, lessee, later(1), later(5), later(10))
        response = patch(lessee, lease, later(11), status=409)
        assert fault(response).startswith(
            'Offer %s has no availabilities' % offer['uuid'])
        assert patch(lessee, lease, later(10)).json['end_time'] == later(10)

    def test_extension_window(self, owner, lessee, admin, node, nodes,
                              config):
        nodes.add('node-2', 'owner-project')
        config(group='api', lessee_extension_window=3600)
        far = direct(owner, later(1), later(24))
        response = patch(lessee, far, later(30), status=403)
        assert fault(response) == (
            'Lease %s can be extended by its lessee from %s on (3600 s '
            'before its end time %s).' % (
                far['uuid'], later(23).replace('T', ' '),
                later(24).replace('T', ' ')))
        # Shortening is never bound; the owner and admins are not bound.
        assert patch(lessee, far, later(20)).json['end_time'] == later(20)
        assert patch(owner, far, later(30)).json['end_time'] == later(30)
        assert patch(admin, far, later(31)).json['end_time'] == later(31)
        near = direct(owner, later(-1), later(0.5), node='node-2')
        assert patch(lessee, near, later(3)).json['end_time'] == later(3)

    def test_later_booking_named_when_visible(self, owner, lessee, admin,
                                              node):
        mine = direct(owner, later(1), later(24))
        theirs = direct(owner, later(30), later(40), project='other-project')
        response = patch(lessee, mine, later(35), status=409)
        assert fault(response) == 'Time conflict for dummy_node node-1.'
        for who in (owner, admin):
            response = patch(who, mine, later(35), status=409)
            assert fault(response) == (
                'Time conflict for dummy_node node-1. It overlaps lease %s '
                '(%s - %s).' % (theirs['uuid'], later(30).replace('T', ' '),
                                later(40).replace('T', ' ')))
        assert end_of(owner, mine) == later(24)
        assert patch(lessee, mine, later(30)).json['end_time'] == later(30)

    def test_later_claim_of_the_offer_named_when_visible(
            self, owner, lessee, admin, caller, node):
        offer, mine = claimed(owner, lessee, later(1), later(5), later(48))
        theirs = caller('other-project', 'esi_leap_lessee').post(
            '/v1/offers/%s/claim' % offer['uuid'], {
                'start_time': later(10), 'end_time': later(20)}).json
        response = patch(lessee, mine, later(12), status=409)
        assert fault(response).startswith(
            'Offer %s has no availabilities' % offer['uuid'])
        assert theirs['uuid'] not in fault(response)
        response = patch(admin, mine, later(12), status=409)
        assert fault(response).endswith(
            'It overlaps lease %s (%s - %s).' % (
                theirs['uuid'], later(10).replace('T', ' '),
                later(20).replace('T', ' ')))
        assert patch(lessee, mine, later(10)).json['end_time'] == later(10)

    def test_cleaning_buffer(self, owner, lessee, node, config):
        config(group='manager', cleaning_buffer=3600)
        mine = direct(owner, later(1), later(24))
        direct(owner, later(30), later(40), project='other-project')
        response = patch(lessee, mine, later(29.5), status=409)
        assert 'cleaning buffer' in fault(response)
        assert patch(lessee, mine, later(29)).json['end_time'] == later(29)

    def test_quota(self, owner, lessee, node, nodes, admin, config):
        nodes.add('node-2', 'owner-project', resource_class='gpu')
        config(group='quota', max_nodes=1)
        mine = direct(owner, later(1), later(24))
        direct(owner, later(30), later(40), node='node-2')
        response = patch(lessee, mine, later(31), status=403)
        assert fault(response) == (
            'Quota exceeded for project lessee-project: max_nodes is 1 and '
            'the booking would make it 2.')
        assert end_of(owner, mine) == later(24)
        assert patch(lessee, mine, later(30)).json['end_time'] == later(30)

    def test_past_end_of_a_future_lease_is_refused(self, owner, lessee,
                                                   node):
        lease = direct(owner, later(2), later(24))
        response = patch(lessee, lease, later(-1), status=400)
        assert 'Start Time must be strictly less than End Time' in \
            fault(response)
        assert end_of(owner, lease) == later(24)

    def test_ended_lease(self, owner, lessee, node):
        lease = direct(owner, later(1), later(24))
        lessee.delete('/v1/leases/%s' % lease['uuid'])
        response = patch(lessee, lease, later(30), status=409)
        assert 'deleted' in fault(response)


@pytest.fixture
def tree(caller, owner, node):
    """A parent lease held by mid-project, with a sub-lease to child-project.

    mid-project holds the parent (lessee role) and grants sub-leases
    (owner role).
    """
    mid = caller('mid-project', 'esi_leap_owner', 'esi_leap_lessee')
    child = caller('child-project', 'esi_leap_lessee')
    parent = direct(owner, later(1), later(24), project='mid-project')
    sub = mid.post('/v1/leases', {
        'resource_uuid': NODE, 'project_id': 'child-project',
        'start_time': later(2), 'end_time': later(10)}).json
    assert sub['parent_lease_uuid'] == parent['uuid']
    return mid, child, parent, sub


class TestSubLeases(object):

    def test_sub_lessee_within_parent(self, tree, owner):
        mid, child, parent, sub = tree
        assert patch(child, sub, later(20)).json['end_time'] == later(20)
        response = patch(child, sub, later(25), status=409)
        assert fault(response).startswith(
            'Lease %s has no availabilities' % parent['uuid'])
        # The owner of the node is no party of the sub-lease.
        patch(owner, sub, later(12), status=404)
        assert patch(mid, sub, later(24)).json['end_time'] == later(24)

    def test_sub_leases_never_overlap(self, tree):
        mid, child, parent, sub = tree
        other = mid.post('/v1/leases', {
            'resource_uuid': NODE, 'project_id': 'other-project',
            'start_time': later(12), 'end_time': later(14)}).json
        response = patch(child, sub, later(13), status=409)
        assert 'has no availabilities' in fault(response)
        assert patch(child, sub, later(12)).json['end_time'] == later(12)
        assert end_of(mid, other) == later(14)

    def test_parent_extension_keeps_children(self, tree, owner, sent):
        mid, child, parent, sub = tree
        assert patch(mid, parent, later(48)).json['end_time'] == later(48)
        assert end_of(child, sub) == later(10)
        assert [t for t, _ in sent] == ['esi_leap.lease.update.end']
        # The children may now grow into the parent's new time.
        assert patch(child, sub, later(40)).json['end_time'] == later(40)

    def test_parent_extension_against_a_later_booking(self, tree, owner):
        mid, child, parent, sub = tree
        direct(owner, later(30), later(40), project='other-project')
        response = patch(mid, parent, later(35), status=409)
        assert fault(response) == 'Time conflict for dummy_node node-1.'
        assert end_of(mid, parent) == later(24)
        assert end_of(child, sub) == later(10)

    def test_parent_shortening_clips_children(self, tree, sent):
        mid, child, parent, sub = tree
        assert patch(mid, parent, later(5)).json['end_time'] == later(5)
        assert end_of(child, sub) == later(5)
        changes = {d['uuid']: d for t, d in sent
                   if t == 'esi_leap.lease.update.end'}
        assert changes[parent['uuid']]['previous_end_time'] == later(24)
        assert changes[sub['uuid']]['previous_end_time'] == later(10)
        assert changes[sub['uuid']]['end_time'] == later(5)


class TestRecords(object):

    def test_event_and_notification(self, owner, lessee, node, sent):
        lease = direct(owner, later(1), later(24))
        patch(lessee, lease, later(30))
        kind, data = sent[-1]
        assert kind == 'esi_leap.lease.update.end'
        assert data['uuid'] == lease['uuid']
        assert data['previous_end_time'] == later(24)
        assert data['end_time'] == later(30)
        listed = lessee.get('/v1/events', resource_uuid=NODE).json['events']
        assert [(e['event_type'], e['object_uuid']) for e in listed][-1] == (
            'esi_leap.lease.update.end', lease['uuid'])


def end_events(caller, lease, **params):
    """The (end_time, previous_end_time) of a lease's update.end events."""
    listed = caller.get('/v1/events', event_type='esi_leap.lease.update.end',
                        **params).json['events']
    return [(e['end_time'], e['previous_end_time']) for e in listed
            if e['object_uuid'] == lease['uuid']]


def all_pages(caller, **params):
    """Every event ``caller`` sees, following the ``next`` links."""
    page = caller.get('/v1/events', **params).json
    found = list(page['events'])
    while 'next' in page:
        page = caller.get('/v1' + page['next'].split('/v1', 1)[1]).json
        found.extend(page['events'])
    return found


class TestEventRows(object):
    """The event rows in GET /v1/events carry the old and new end."""

    @pytest.mark.parametrize('who', ['admin', 'lessee', 'owner'])
    def test_each_party_s_change(self, request, owner, node, who):
        changer = request.getfixturevalue(who)
        lease = direct(owner, later(1), later(24))
        patch(changer, lease, later(30) if who != 'owner' else later(20))
        patch(changer, lease, later(10))
        middle = later(30) if who != 'owner' else later(20)
        assert end_events(changer, lease) == [
            (middle, later(24)), (later(10), middle)]
        # The lessee and the owner see the same rows.
        assert end_events(owner, lease) == end_events(changer, lease)

    def test_other_events_have_none(self, owner, lessee, node):
        lease = direct(owner, later(1), later(24))
        offer = owner.post('/v1/offers', {
            'resource_uuid': NODE, 'start_time': later(30),
            'end_time': later(40)}).json
        owner.request('patch', '/v1/offers/%s' % offer['uuid'],
                      body={'end_time': later(50)})
        lessee.delete('/v1/leases/%s' % lease['uuid'])
        listed = owner.get('/v1/events').json['events']
        assert {e['event_type'] for e in listed} == {
            'esi_leap.lease.create.end', 'esi_leap.offer.create.end',
            'esi_leap.offer.update.end', 'esi_leap.lease.delete.end'}
        for event in listed:
            assert event['end_time'] is None, event
            assert event['previous_end_time'] is None, event

    def test_clipped_sub_lease(self, tree):
        mid, child, parent, sub = tree
        patch(mid, parent, later(5))
        assert end_events(mid, parent) == [(later(5), later(24))]
        assert end_events(child, sub) == [(later(5), later(10))]

    def test_filters_and_paging_keep_the_fields(self, owner, lessee, node):
        lease = direct(owner, later(1), later(24))
        for hours in (25, 26, 27):
            patch(lessee, lease, later(hours))
        everything = owner.get('/v1/events').json['events']
        assert len(everything) == 4
        assert all_pages(owner, limit='1') == everything
        assert all_pages(lessee, limit='2', resource_uuid=NODE,
                         lessee_or_owner_id='lessee-project') == everything
        first = everything[1]['id']
        assert end_events(lessee, lease, last_event_id=str(first)) == [
            (later(26), later(25)), (later(27), later(26))]
        assert end_events(lessee, lease, sort_dir='desc') == [
            (later(27), later(26)), (later(26), later(25)),
            (later(25), later(24))]

    def test_shortening_below_now_records_the_stored_end(self, owner,
                                                         lessee, node):
        lease = direct(owner, later(-1), later(24))
        changed = patch(lessee, lease, later(-48)).json
        assert end_events(lessee, lease) == [
            (changed['end_time'], later(24))]


class TestEndNow(object):

    def test_shortening_below_now_ends_the_lease(self, owner, lessee,
                                                 node, nodes, scheduler):
        lease = direct(owner, later(-1), later(24))
        scheduler.run_once()
        assert lessee.get('/v1/leases/%s' % lease['uuid']).json[
            'status'] == 'active'
        assert nodes.read(NODE)['project_id'] == 'lessee-project'
        before = timeutils.utcnow()
        changed = patch(lessee, lease, later(-48)).json
        after = timeutils.utcnow()
        stored = datetime.datetime.fromisoformat(
            changed['end_time']).replace(tzinfo=datetime.timezone.utc)
        # "Now", as the change was made: never the past time asked for.
        assert before - datetime.timedelta(seconds=1) <= stored <= after
        scheduler.run_once()
        assert lessee.get('/v1/leases/%s' % lease['uuid']).json[
            'status'] == 'expired'
        assert 'project_id' not in nodes.read(NODE)
        response = patch(lessee, lease, later(30), status=409)
        assert 'expired' in fault(response)
        with db_api.reader() as session:
            kinds = list(session.scalars(
                sa.select(models.Event.event_type).where(
                    models.Event.object_uuid == lease['uuid'])
                .order_by(models.Event.id)))
        assert kinds[-3:] == ['esi_leap.lease.update.end',
                              'esi_leap.lease.delete.start',
                              'esi_leap.lease.delete.end']
