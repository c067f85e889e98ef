"""A booking's window never leaves its parent's (no double booking).

Shortening a lease clips its sub-offers and sub-leases to the new end, or
cancels those that start after it, in the same transaction; claiming a
sub-offer re-checks the parent lease inside the booking transaction.
"""
import itertools

import sqlalchemy as sa

from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.db.sqlalchemy import models
from esi_leap.tests.functional.helpers import fault
from esi_leap.tests.functional.helpers import set_lease_status

NODE = 'node-1'


def overlapping_live_leases():
    """Pairs of created/active leases of one node whose windows overlap.

    A sub-lease lies inside its parent by design; only bookings that are
    not each other's ancestor can conflict.
    """
    with db_api.reader() as session:
        rows = list(session.scalars(sa.select(models.Lease).where(
            models.Lease.status.in_(('created', 'active')))))
    pairs = []
    for a, b in itertools.combinations(rows, 2):
        related = a.uuid == b.parent_lease_uuid or \
            b.uuid == a.parent_lease_uuid
        if (a.resource_uuid == b.resource_uuid and not related and
                a.start_time < b.end_time and b.start_time < a.end_time):
            pairs.append((a.uuid, b.uuid))
    return pairs


def test_issue_scenario_ends_with_409(parent, holder, admin, owner, caller):
    offer = holder.post('/v1/offers', {
        'resource_uuid': NODE, 'start_time': '2030-01-02',
        'end_time': '2030-01-19'}).json
    admin.patch('/v1/leases/%s' % parent['uuid'],
                {'end_time': '2030-01-08'})
    # The sub-offer was clipped with its parent.
    assert holder.get('/v1/offers/%s' % offer['uuid']).json[
        'end_time'] == '2030-01-08T00:00:00'
    # The parent ends; the manager has not yet expired the sub-offer.
    set_lease_status(parent['uuid'], 'expired')
    # The owner books the freed time directly.
    owner.post('/v1/leases', {'resource_uuid': NODE,
                              'project_id': 'direct-project',
                              'start_time': '2030-01-10',
                              'end_time': '2030-01-15'})
    third = caller('third-project', 'esi_leap_lessee')
    for start, end in (('2030-01-10', '2030-01-15'),
                       ('2030-01-03', '2030-01-05')):
        response = third.request(
            'post', '/v1/offers/%s/claim' % offer['uuid'], status=409,
            body={'start_time': start, 'end_time': end})
        assert fault(response)
    assert overlapping_live_leases() == []


def test_claim_rechecks_the_parent_window(parent, holder, caller):
    offer = holder.post('/v1/offers', {
        'resource_uuid': NODE, 'start_time': '2030-01-02',
        'end_time': '2030-01-19'}).json
    # A parent shortened behind the offer's back (an older server, or a
    # direct database change): the claim itself must still refuse.
    third = caller('third-project', 'esi_leap_lessee')
    with db_api.writer() as session:
        session.execute(sa.update(models.Lease).where(
            models.Lease.uuid == parent['uuid']).values(
                end_time=sa.select(models.Offer.start_time).where(
                    models.Offer.uuid == offer['uuid']).scalar_subquery()))
    response = third.request(
        'post', '/v1/offers/%s/claim' % offer['uuid'], status=409,
        body={'start_time': '2030-01-03', 'end_time': '2030-01-04'})
    assert fault(response).startswith('Lease %s has no availabilities'
                                      % parent['uuid'])
    response = third.request(
        'post', '/v1/offers/%s/claim' % offer['uuid'], status=409, body={})
    assert fault(response)


def test_claim_rechecks_the_parent_status(parent, holder, caller):
    offer = holder.post('/v1/offers', {
        'resource_uuid': NODE, 'start_time': '2030-01-02',
        'end_time': '2030-01-19'}).json
    set_lease_status(parent['uuid'], 'expired')
    response = caller('third-project', 'esi_leap_lessee').request(
        'post', '/v1/offers/%s/claim' % offer['uuid'], status=409,
        body={'start_time': '2030-01-03', 'end_time': '2030-01-04'})
    assert fault(response) == (
        'Lease %s has status "expired"; it cannot be sub-leased or changed '
        'now.' % parent['uuid'])


def test_default_claim_end_stays_inside_the_parent(parent, holder, caller,
                                                   config):
    config(group='api', default_lease_time=30)
    offer = holder.post('/v1/offers', {
        'resource_uuid': NODE, 'start_time': '2030-01-02'}).json
    lease = caller('third-project', 'esi_leap_lessee').post(
        '/v1/offers/%s/claim' % offer['uuid'],
        {'start_time': '2030-01-05'}).json
    assert lease['end_time'] == '2030-01-20T00:00:00'


def test_shortening_clips_and_cancels_children(parent, holder, admin,
                                               caller):
    third = caller('third-project', 'esi_leap_lessee')
    early_offer = holder.post('/v1/offers', {
        'resource_uuid': NODE, 'start_time': '2030-01-02',
        'end_time': '2030-01-09'}).json
    straddling = third.post('/v1/offers/%s/claim' % early_offer['uuid'], {
        'start_time': '2030-01-04', 'end_time': '2030-01-08'}).json
    inside = third.post('/v1/offers/%s/claim' % early_offer['uuid'], {
        'start_time': '2030-01-02', 'end_time': '2030-01-03'}).json
    late_offer = holder.post('/v1/offers', {
        'resource_uuid': NODE, 'start_time': '2030-01-10',
        'end_time': '2030-01-14'}).json
    late_claim = third.post('/v1/offers/%s/claim' % late_offer['uuid'], {
        'start_time': '2030-01-11', 'end_time': '2030-01-12'}).json
    sub_lease = holder.post('/v1/leases', {
        'resource_uuid': NODE, 'project_id': 'fourth-project',
        'start_time': '2030-01-15', 'end_time': '2030-01-18'}).json

    admin.patch('/v1/leases/%s' % parent['uuid'],
                {'end_time': '2030-01-06'})

    def show(kind, obj):
        return admin.get('/v1/%s/%s' % (kind, obj['uuid'])).json

    assert show('offers', early_offer)['end_time'] == '2030-01-06T00:00:00'
    assert show('offers', early_offer)['status'] == 'available'
    assert show('leases', straddling)['end_time'] == '2030-01-06T00:00:00'
    assert show('leases', inside)['end_time'] == '2030-01-03T00:00:00'
    assert show('offers', late_offer)['status'] == 'deleted'
    assert show('leases', late_claim)['status'] == 'deleted'
    assert show('leases', sub_lease)['status'] == 'deleted'
    events = [e['event_type'] for e in admin.get(
        '/v1/events').json['events']]
    assert 'esi_leap.offer.update.end' in events
    # Nothing is left outside the parent.
    parent_end = timeutils.parse(show('leases', parent)['end_time'], 'end')
    with db_api.reader() as session:
        for model in (models.Offer, models.Lease):
            outside = session.scalar(sa.select(sa.func.count()).where(
                model.parent_lease_uuid == parent['uuid'],
                model.status.in_(('available', 'created', 'active')),
                model.end_time > parent_end))
            assert outside == 0


def test_extending_a_lease_of_a_sub_offer_stays_inside_the_parent(
        parent, holder, admin, caller):
    offer = holder.post('/v1/offers', {
        'resource_uuid': NODE, 'start_time': '2030-01-02',
        'end_time': '2030-01-19'}).json
    lease = caller('third-project', 'esi_leap_lessee').post(
        '/v1/offers/%s/claim' % offer['uuid'],
        {'start_time': '2030-01-03', 'end_time': '2030-01-04'}).json
    set_lease_status(parent['uuid'], 'expired')
    response = admin.request('patch', '/v1/leases/%s' % lease['uuid'],
                             status=409, body={'end_time': '2030-01-05'})
    assert fault(response).startswith('Lease %s has status "expired"'
                                      % parent['uuid'])
