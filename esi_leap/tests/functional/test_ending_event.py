"""The lease ending event, run by the manager's scheduler step by step at
chosen instants, on a real database (SQLite, MariaDB, PostgreSQL), with
leases made and moved through the API."""
import datetime
import os

from oslo_db import exception as db_exc
import pytest

from esi_leap.common import statuses
from esi_leap.db import api as db_api
from esi_leap.db.sqlalchemy import ending_events as ending_db
from esi_leap.manager import ending
from esi_leap.manager import scheduler as scheduler_mod
from esi_leap.tests import clock
from esi_leap.tests.functional import helpers
from esi_leap.tests.functional.helpers import set_lease_status

T0 = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
ENDING = 'esi_leap.lease.ending.end'


def at(hours):
    return T0 + datetime.timedelta(hours=hours)


def iso(hours):
    """The API's form of ``at(hours)``."""
    return clock.iso(at(hours))


@pytest.fixture
def lead(config, app):
    """One hour of lead time; e-mail notices stay off (the default)."""
    config(group='manager', ending_lead_time=3600)
    return 3600


def make_lease(owner, start, end, node='node-1', project='lessee-project'):
    return owner.post('/v1/leases', {
        'resource_uuid': node, 'project_id': project,
        'start_time': iso(start), 'end_time': iso(end)}).json['uuid']


def endings(sent, lease_uuid=None):
    """The ending events sent, as (lease uuid, end time it is for)."""
    return [(data['uuid'], data['ending']['end_time'])
            for event_type, data in sent
            if event_type == ENDING and lease_uuid in (None, data['uuid'])]


def listed(caller, lease_uuid):
    """The ending events of a lease as ``caller`` lists them."""
    return [event for event in caller.get(
        '/v1/events', event_type=ENDING).json['events']
        if event['object_uuid'] == lease_uuid]


def test_event_lead_time_before_the_end(nodes, owner, admin, lessee, lead,
                                        scheduler, sent):
    nodes.add('node-1', 'owner-project')
    lease_uuid = make_lease(owner, 1, 5)
    scheduler.run_once(now=at(1))
    assert ending.next_due(at(1)) == at(4)
    scheduler.run_once(now=at(3.99))
    assert endings(sent) == []
    scheduler.run_once(now=at(4))
    assert endings(sent) == [(lease_uuid, iso(5))]
    [data] = [data for event_type, data in sent if event_type == ENDING]
    assert data['status'] == 'active'
    assert data['end_time'] == iso(5)
    assert data['ending']['lead_time'] == 3600
    assert data['node_uuid'] == 'node-1'
    # Later runs, and a restarted manager, record nothing more.
    scheduler.run_once(now=at(4.5))
    scheduler_mod.Scheduler(name='restarted').run_once(now=at(4.6))
    assert len(endings(sent)) == 1
    assert ending.next_due(at(4.6)) is None
    assert db_api.ending_events_of(lease_uuid) == [at(5)]
    # The events listing shows it with the lease as its object, to the
    # lessee and to the owner.
    for caller in (lessee, owner, admin):
        [event] = listed(caller, lease_uuid)
        assert event['object_type'] == 'lease'
        assert event['resource_uuid'] == 'node-1'
        assert event['lessee_id'] == 'lessee-project'
        assert event['owner_id'] == 'owner-project'
        # The end it is for; no previous end (nothing changed).
        assert event['end_time'] == iso(5)
        assert event['previous_end_time'] is None
    scheduler.run_once(now=at(5))
    assert db_api.lease_get(lease_uuid).status == statuses.EXPIRED
    assert len(endings(sent)) == 1


def test_a_lease_shorter_than_the_lead_time_gets_it_at_its_start(
        nodes, owner, lead, scheduler, sent):
    nodes.add('node-1', 'owner-project')
    lease_uuid = make_lease(owner, 1, 1.5)
    scheduler.run_once(now=at(0.99))
    assert endings(sent) == []
    scheduler.run_once(now=at(1))
    assert endings(sent) == [(lease_uuid, iso(1.5))]
    # Right after the start: the event follows fulfill.end.
    kinds = [event_type for event_type, data in sent
             if data.get('uuid') == lease_uuid]
    assert kinds[-3:] == ['esi_leap.lease.fulfill.start',
                          'esi_leap.lease.fulfill.end', ENDING]
    scheduler.run_once(now=at(1.2))
    assert len(endings(sent)) == 1


def test_a_lease_whose_start_is_retried_gets_it_at_its_start(
        nodes, owner, lead, scheduler, sent):
    nodes.add('node-1', 'owner-project')
    lease_uuid = make_lease(owner, 1, 1.5)
    os.unlink(os.path.join(nodes.directory, 'node-1'))
    scheduler.run_once(now=at(1))
    assert db_api.lease_get(lease_uuid).status == statuses.WAIT_FULFILL
    assert endings(sent) == [(lease_uuid, iso(1.5))]
    [data] = [data for event_type, data in sent if event_type == ENDING]
    assert data['status'] == statuses.WAIT_FULFILL
    nodes.add('node-1', 'owner-project')
    scheduler.run_once(now=at(1.1))
    assert db_api.lease_get(lease_uuid).status == statuses.ACTIVE
    assert len(endings(sent)) == 1


def test_a_lease_whose_end_moves_gets_it_again(nodes, owner, admin, lessee,
                                               lead, scheduler, sent):
    nodes.add('node-1', 'owner-project')
    lease_uuid = make_lease(owner, 1, 5)
    scheduler.run_once(now=at(1))
    scheduler.run_once(now=at(4.2))
    assert endings(sent) == [(lease_uuid, iso(5))]
    admin.patch('/v1/leases/%s' % lease_uuid, {'end_time': iso(8)})
    assert ending.next_due(at(4.2)) == at(7)
    scheduler.run_once(now=at(6.9))
    assert len(endings(sent)) == 1
    scheduler.run_once(now=at(7))
    assert endings(sent)[1:] == [(lease_uuid, iso(8))]
    # Moved while already within the lead time: at the next run.
    admin.patch('/v1/leases/%s' % lease_uuid, {'end_time': iso(7.5)})
    scheduler.run_once(now=at(7.1))
    assert endings(sent)[2:] == [(lease_uuid, iso(7.5))]
    # Moved back to an end already announced: not again.
    admin.patch('/v1/leases/%s' % lease_uuid, {'end_time': iso(8)})
    scheduler.run_once(now=at(7.2))
    assert len(endings(sent)) == 3
    assert db_api.ending_events_of(lease_uuid) == [at(5), at(7.5), at(8)]
    # Each event row names the end it is for, in the order recorded...
    assert [(e['end_time'], e['previous_end_time'])
            for e in listed(lessee, lease_uuid)] == [
        (iso(5), None), (iso(8), None), (iso(7.5), None)]
    # ... and each move, its new and previous end.
    assert [(e['end_time'], e['previous_end_time']) for e in lessee.get(
        '/v1/events', event_type='esi_leap.lease.update.end',
        resource_uuid='node-1').json['events']] == [
        (iso(8), iso(5)), (iso(7.5), iso(8)), (iso(8), iso(7.5))]


def test_none_for_cancelled_failed_or_ended_leases(nodes, owner, admin,
                                                   lead, scheduler, sent):
    for name in ('node-1', 'node-2', 'node-3', 'node-4'):
        nodes.add(name, 'owner-project')
    cancelled = make_lease(owner, 1, 5, node='node-1')
    active_cancelled = make_lease(owner, 1, 5, node='node-2')
    failed = make_lease(owner, 1, 5, node='node-3')
    scheduler.run_once(now=at(1))
    admin.delete('/v1/leases/%s' % cancelled)
    admin.delete('/v1/leases/%s' % active_cancelled)
    set_lease_status(failed, statuses.ERROR)
    # A lease the manager never saw before its end: it only ends.
    missed = make_lease(owner, 1, 2, node='node-4')
    for hours in (2, 4, 4.5, 5):
        scheduler.run_once(now=at(hours))
    assert endings(sent) == []
    assert db_api.lease_get(missed).status == statuses.EXPIRED
    for lease_uuid in (cancelled, active_cancelled, failed, missed):
        assert db_api.ending_events_of(lease_uuid) == []


def test_a_sub_lease_gets_its_own(nodes, owner, caller, lead, scheduler,
                                  sent):
    nodes.add('node-1', 'owner-project')
    parent = make_lease(owner, 0, 10, project='holder-project')
    scheduler.run_once(now=at(0))
    holder = caller('holder-project', 'esi_leap_owner', 'esi_leap_lessee')
    child = holder.post('/v1/leases', {
        'resource_uuid': 'node-1', 'project_id': 'third-project',
        'start_time': iso(2), 'end_time': iso(6)}).json['uuid']
    scheduler.run_once(now=at(2))
    scheduler.run_once(now=at(5))
    assert endings(sent) == [(child, iso(6))]
    [data] = [data for event_type, data in sent if event_type == ENDING]
    assert data['parent_lease_uuid'] == parent
    assert data['project_id'] == 'third-project'
    scheduler.run_once(now=at(6))
    scheduler.run_once(now=at(9))
    assert endings(sent)[1:] == [(parent, iso(10))]
    third = caller('third-project', 'esi_leap_lessee')
    assert [(e['object_uuid'], e['end_time'], e['previous_end_time'])
            for e in third.get('/v1/events', event_type=ENDING).json[
                'events']] == [(child, iso(6), None)]


def test_zero_lead_time_turns_it_off(nodes, owner, config, app, scheduler,
                                     sent):
    config(group='manager', ending_lead_time=0)
    nodes.add('node-1', 'owner-project')
    lease_uuid = make_lease(owner, 1, 1.5)
    scheduler.run_once(now=at(1))
    assert ending.next_due(at(1)) is None
    scheduler.run_once(now=at(1.5))
    assert db_api.lease_get(lease_uuid).status == statuses.EXPIRED
    assert endings(sent) == []


def test_the_scheduler_wakes_for_it(nodes, owner, lead, scheduler, config):
    config(group='manager', sweep_interval=100000)
    nodes.add('node-1', 'owner-project')
    now = clock.utcnow()
    start = now - datetime.timedelta(minutes=10)
    end = now + datetime.timedelta(hours=5)
    owner.post('/v1/leases', {
        'resource_uuid': 'node-1', 'project_id': 'lessee-project',
        'start_time': clock.iso(start), 'end_time': clock.iso(end)})
    scheduler.run_once()
    # Nothing else is due before the lease's end: the next run is when
    # its ending event is, an hour before.
    left = scheduler.seconds_to_next_due()
    expected = (end - datetime.timedelta(hours=1) - now).total_seconds()
    assert expected - 60 < left <= expected


def _run_together(schedulers, instants):
    """Run the schedulers side by side at each instant, in threads."""
    return helpers.together(schedulers, instants,
                            lambda sched, hours: sched.run_once(
                                now=at(hours)))


def test_two_managers_record_each_event_once(nodes, owner, admin, lead, sent):
    made = []
    for i in range(8):
        nodes.add('node-%d' % i, 'owner-project')
        # Half long (due at 4), half shorter than the lead (due at start).
        made.append(make_lease(owner, 1, 5 if i % 2 else 1.5,
                               node='node-%d' % i))
    schedulers = [scheduler_mod.Scheduler(name='manager-%d' % i)
                  for i in range(2)]
    try:
        assert _run_together(schedulers, (1, 1.0001, 4, 4.0001)) == []
    finally:
        for sched in schedulers:
            sched.stop()
    assert sorted(endings(sent)) == sorted(
        (lease_uuid, iso(5 if i % 2 else 1.5))
        for i, lease_uuid in enumerate(made))
    for lease_uuid in made:
        assert len(listed(admin, lease_uuid)) == 1


def _decide(pairs):
    """Decide ``pairs`` in a transaction holding node-1's lock row."""
    return db_api.run_bookings(
        [('dummy_node', 'node-1')],
        lambda txn: txn.decide_ending_events(pairs, at(0)))


def test_a_lease_and_end_is_decided_once(database):
    first = [('lease-a', at(5)), ('lease-a', at(6)), ('lease-b', at(5))]
    assert _decide(first + first[:1]) == first
    assert _decide(first) == []
    assert _decide([('lease-a', at(7)), ('lease-b', at(5))]) == [
        ('lease-a', at(7))]
    assert db_api.ending_events_of('lease-a') == [at(5), at(6), at(7)]


def test_a_row_the_unique_key_refuses_undoes_the_decision(
        database, monkeypatch):
    _decide([('lease-a', at(5))])
    # As if another decider's row had not been seen: the insert skips it,
    # and nothing of the transaction stands.
    monkeypatch.setattr(ending_db, 'decided', lambda session, wanted: set())
    with pytest.raises(db_exc.DBDuplicateEntry):
        _decide([('lease-a', at(5)), ('lease-b', at(5))])
    assert db_api.ending_events_of('lease-b') == []
    assert db_api.ending_events_of('lease-a') == [at(5)]
