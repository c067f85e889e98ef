"""An end-time change racing the manager's end of a lease.

The manager plans an end, takes the node back (the scrub), then records
the end under the node's lock row. These tests drive those steps one by
one and put an end-time change between the scrub and the record, on
every database: the change is refused once the end has come, and the
record only applies to the end time the manager acted on.
"""
import datetime

import pytest
import sqlalchemy as sa

from esi_leap.common import statuses
from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.db.sqlalchemy import models
from esi_leap.manager import plan as plan_mod
from esi_leap.manager import recording
from esi_leap.manager import steps
from esi_leap.tests.functional import helpers

NODE = 'race-node'
PAIR = ('dummy_node', NODE)


def _iso(value):
    return timeutils.isoformat(value)


def _set_end(uuid, end):
    """Move a lease's stored end directly.

    As time passing would, or a writer whose clock lags the manager's.
    """
    with db_api.writer() as session:
        session.execute(sa.update(models.Lease)
                        .where(models.Lease.uuid == uuid)
                        .values(end_time=end))


def _lease_for_an_hour(nodes, owner):
    """Have the owner lease NODE to lessee-project from now for an hour.

    Returns the lease as the API shows it and the now it starts at.
    """
    nodes.add(NODE, 'owner-project')
    now = timeutils.utcnow()
    return owner.post('/v1/leases', {
        'resource_uuid': NODE, 'project_id': 'lessee-project',
        'start_time': _iso(now),
        'end_time': _iso(now + datetime.timedelta(hours=1))}).json, now


@pytest.fixture
def held_lease(nodes, owner, scheduler):
    """A lease that holds NODE and whose end time has just come."""
    lease, _ = _lease_for_an_hour(nodes, owner)
    scheduler.run_once()
    assert db_api.lease_get(lease['uuid']).status == statuses.ACTIVE
    assert nodes.read(NODE)['lease_uuid'] == lease['uuid']
    _set_end(lease['uuid'], timeutils.utcnow() - datetime.timedelta(
        seconds=1))
    return lease['uuid']


def _plan_and_scrub():
    """The manager's first two steps: plan, then act (scrub the node)."""
    now = timeutils.utcnow()
    plan = plan_mod.plan_many([PAIR], now)[PAIR]
    assert [lease.uuid for lease in plan.ending]
    outcome = steps.act(PAIR[0], PAIR[1], plan, now)
    assert outcome.scrubbed
    return steps.Work(PAIR[0], PAIR[1], plan, outcome), now


def test_patch_between_scrub_and_record_is_refused(held_lease, nodes,
                                                   admin):
    work, now = _plan_and_scrub()
    assert 'lease_uuid' not in nodes.read(NODE)  # taken back

    later = timeutils.utcnow() + datetime.timedelta(hours=3)
    response = admin.patch('/v1/leases/%s' % held_lease,
                           {'end_time': _iso(later)}, status=409)
    reason = helpers.fault(response)
    assert held_lease in reason and 'end time' in reason

    recording.record([work], now)
    ended = db_api.lease_get(held_lease)
    assert ended.status == statuses.EXPIRED
    assert ended.end_time < later
    assert 'lease_uuid' not in nodes.read(NODE)


def test_patch_refused_before_the_manager_acts(held_lease, admin):
    later = timeutils.utcnow() + datetime.timedelta(hours=3)
    response = admin.patch('/v1/leases/%s' % held_lease,
                           {'end_time': _iso(later)}, status=409)
    assert 'end time' in helpers.fault(response)
    assert db_api.lease_get(held_lease).end_time < later


def test_patch_before_the_end_still_works(nodes, owner, admin):
    lease, now = _lease_for_an_hour(nodes, owner)
    later = now + datetime.timedelta(hours=2)
    admin.patch('/v1/leases/%s' % lease['uuid'], {'end_time': _iso(later)})
    assert db_api.lease_get(lease['uuid']).end_time == later


def test_record_applies_only_to_the_end_acted_on(held_lease, nodes,
                                                 scheduler):
    work, now = _plan_and_scrub()
    # A change that got in anyway (a writer whose clock lags the
    # manager's): the stored end is no longer the one acted on.
    later = timeutils.utcnow() + datetime.timedelta(hours=3)
    _set_end(held_lease, later)

    recording.record([work], now)
    kept = db_api.lease_get(held_lease)
    assert kept.status == statuses.WAIT_FULFILL  # the node was taken
    assert kept.end_time == later
    assert kept.next_attempt_at is not None
    assert scheduler.seconds_to_next_due() <= 2.0

    # The next pass reconciles: the node goes back to its lease.
    scheduler.run_once(now=kept.next_attempt_at)
    assert db_api.lease_get(held_lease).status == statuses.ACTIVE
    data = nodes.read(NODE)
    assert (data['lease_uuid'], data['project_id']) == (held_lease,
                                                        'lessee-project')


def test_shortened_end_is_not_recorded_for_the_old_one(held_lease, nodes,
                                                       scheduler):
    work, now = _plan_and_scrub()
    earlier = timeutils.utcnow() - datetime.timedelta(seconds=30)
    _set_end(held_lease, earlier)
    recording.record([work], now)
    waiting = db_api.lease_get(held_lease)
    assert waiting.status == statuses.WAIT_FULFILL
    scheduler.run_once(now=waiting.next_attempt_at)
    ended = db_api.lease_get(held_lease)
    assert ended.status == statuses.EXPIRED
    assert ended.end_time == earlier
