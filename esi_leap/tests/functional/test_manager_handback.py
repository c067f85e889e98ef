"""The manager's hand-back records on a real database, with dummy nodes.

Dummy nodes model Ironic's hand-back (see dummy_node): quarantine of a
node in maintenance or a failed state, waiting on a busy one, the
readiness gate before a hand-over, and the hand-back's outcome and
duration in the lease end notification.
"""
import datetime
import os

import pytest
import sqlalchemy as sa

from esi_leap.common import statuses
from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.db.sqlalchemy import models
from esi_leap.manager import plan as plan_mod
from esi_leap.manager import recording
from esi_leap.manager import steps
from esi_leap.manager import watch
from esi_leap.objects import leases as leases_obj
from esi_leap import resource_types
from esi_leap.tests.functional import helpers
from esi_leap.tests.functional import test_manager as base
from esi_leap.tests.functional import test_notices as notices_tests

at, lease, status = base.at, base.lease, base.status
owner_ctx, node = base.owner_ctx, base.node


@pytest.fixture
def sent(monkeypatch, config):
    """The (level, event type, payload) of every notification sent."""
    return helpers.spy_notifications(monkeypatch, config, tuple)


def node_events(resource_uuid='node-1'):
    """(event type, lessee_id) of the node's esi_leap.node.* events."""
    with db_api.reader() as session:
        return [tuple(row) for row in session.execute(
            sa.select(models.Event.event_type, models.Event.lessee_id)
            .where(models.Event.resource_uuid == resource_uuid,
                   models.Event.event_type.like('esi_leap.node.%'))
            .order_by(models.Event.id))]


def set_node(nodes, **fields):
    data = nodes.read('node-1')
    data.update(fields)
    owner = data.pop('project_owner_id')
    nodes.add('node-1', owner, **data)


def test_end_event_carries_the_hand_back(owner_ctx, node, nodes,
                                         scheduler, sent):
    one = lease(owner_ctx, 1, 2)
    scheduler.run_once(now=at(1))
    set_node(nodes, provision_state='active')
    scheduler.run_once(now=at(2))
    assert status(one.uuid) == statuses.EXPIRED
    ends = [payload['esi_leap_object.data'] for _, kind, payload in sent
            if kind == 'esi_leap.lease.delete.end']
    assert len(ends) == 1
    assert ends[0]['handback']['outcome'] == 'undeployed'
    assert ends[0]['handback']['seconds'] >= 0


def test_quarantine_keeps_the_next_lease_waiting(owner_ctx, node, nodes,
                                                 scheduler, sent, config):
    config(group='manager', max_attempts=3)
    one = lease(owner_ctx, 1, 2)
    two = lease(owner_ctx, 2, 5, project='third-project')
    scheduler.run_once(now=at(1))
    set_node(nodes, provision_state='clean failed')
    scheduler.run_once(now=at(2))
    # The ex-tenant is out; its lease is over, quarantined.
    data = nodes.read('node-1')
    assert 'project_id' not in data and data['lease_uuid'] == one.uuid
    assert status(one.uuid) == statuses.EXPIRED
    ends = [payload['esi_leap_object.data']['handback']
            for _, kind, payload in sent
            if kind == 'esi_leap.lease.delete.end']
    assert ends[0]['outcome'] == 'quarantined'
    # The next lease waits, saying why; one quarantine event, its lessee's.
    waiting = db_api.lease_get(two.uuid)
    assert waiting.status == statuses.WAIT_FULFILL
    assert waiting.status_reason == ('quarantined: node dummy-node-node-1 '
                                     'is clean failed')
    assert node_events() == [('esi_leap.node.quarantine.start',
                              'third-project')]
    assert any(level == 'warning' and kind ==
               'esi_leap.node.quarantine.start' for level, kind, _ in sent)
    # Still failed at the next attempt: no second event.
    scheduler.run_once(now=at(2.5))
    assert len(node_events()) == 1
    assert db_api.lease_get(two.uuid).attempts == 2
    # Repaired by an operator: handed over, the quarantine ends.
    set_node(nodes, provision_state='available')
    scheduler.run_once(now=at(3))
    assert status(two.uuid) == statuses.ACTIVE
    data = nodes.read('node-1')
    assert data['lease_uuid'] == two.uuid
    assert data['project_id'] == 'third-project'
    assert node_events() == [
        ('esi_leap.node.quarantine.start', 'third-project'),
        ('esi_leap.node.quarantine.end', 'third-project')]


def test_quarantine_ends_in_error_after_max_attempts(owner_ctx, node, nodes,
                                                     scheduler, config):
    config(group='manager', max_attempts=2)
    lease(owner_ctx, 1, 2)
    two = lease(owner_ctx, 2, 5, project='third-project')
    scheduler.run_once(now=at(1))
    set_node(nodes, maintenance=True)
    scheduler.run_once(now=at(2))
    scheduler.run_once(now=at(2.5))
    waiting = db_api.lease_get(two.uuid)
    assert waiting.status == statuses.ERROR
    assert 'in maintenance' in waiting.status_reason
    assert 'project_id' not in nodes.read('node-1')


@pytest.mark.parametrize('fields,reason', [
    ({'maintenance': True}, 'quarantined: node dummy-node-node-1 is in '
     'maintenance'),
    ({'provision_state': 'error'}, 'quarantined: node dummy-node-node-1 '
     'is in error'),
    ({'provision_state': 'active'}, 'quarantined: node dummy-node-node-1 '
     'is active, not available'),
    ({'provision_state': 'manageable'}, 'quarantined: node '
     'dummy-node-node-1 is manageable, not available'),
    ({'provision_state': 'enroll'}, 'quarantined: node dummy-node-node-1 '
     'is enroll, not available'),
    ({'provision_state': 'clean failed'}, 'quarantined: node '
     'dummy-node-node-1 is in clean failed'),
    ({'provision_state': 'inspect failed'}, 'quarantined: node '
     'dummy-node-node-1 is in inspect failed'),
    ({'provision_state': 'cleaning'}, 'node dummy-node-node-1 is cleaning, '
     'not available')])
def test_readiness_gate(owner_ctx, node, nodes, scheduler, fields, reason):
    """The first tenant too gets only a ready node (issue 19's gate).

    A node changed behind esi-leap's back, or never made available, is
    quarantined (once) until an operator repairs it; one Ironic is still
    working on is waited for, without burning attempts.
    """
    set_node(nodes, **fields)
    one = lease(owner_ctx, 1, 2)
    scheduler.run_once(now=at(1))
    scheduler.run_once(now=at(1.2))
    row = db_api.lease_get(one.uuid)
    assert row.status == statuses.WAIT_FULFILL
    assert row.status_reason == reason
    assert 'project_id' not in nodes.read('node-1')
    quarantined = reason.startswith('quarantined: ')
    assert row.attempts == (2 if quarantined else 0)
    start = [('esi_leap.node.quarantine.start', 'lessee-project')]
    assert node_events() == (start if quarantined else [])
    set_node(nodes, maintenance=False, provision_state='available')
    scheduler.run_once(now=at(1.5))
    assert status(one.uuid) == statuses.ACTIVE
    assert nodes.read('node-1')['project_id'] == 'lessee-project'
    end = [('esi_leap.node.quarantine.end', 'lessee-project')]
    assert node_events() == (start + end if quarantined else [])


def test_enroll_node_lent_with_the_gate_off(owner_ctx, node, nodes,
                                            scheduler, config):
    """[ironic] require_available_for_handover off: enroll is lent."""
    config(group='ironic', require_available_for_handover=False)
    set_node(nodes, provision_state='enroll')
    one = lease(owner_ctx, 1, 2)
    scheduler.run_once(now=at(1))
    assert status(one.uuid) == statuses.ACTIVE
    assert node_events() == []


def test_quarantine_ends_once_when_the_hand_back_resumes(
        owner_ctx, node, nodes, scheduler, config):
    """An enroll node quarantined at the end, repaired through cleaning.

    The operator's manage and provide pass through states that are not a
    quarantine (the waiting lease's reason changes): the quarantine
    still ends once, when the node is handed over.
    """
    config(group='ironic', require_available_for_handover=False)
    set_node(nodes, provision_state='enroll')
    one = lease(owner_ctx, 1, 2)
    two = lease(owner_ctx, 2, 5, project='third-project')
    scheduler.run_once(now=at(1))
    config(group='ironic', require_available_for_handover=True)
    scheduler.run_once(now=at(2))
    assert status(one.uuid) == statuses.EXPIRED
    assert db_api.lease_get(two.uuid).status_reason.startswith(
        'quarantined: ')
    set_node(nodes, provision_state='cleaning')
    scheduler.run_once(now=at(2.2))
    waiting = db_api.lease_get(two.uuid)
    assert waiting.status == statuses.WAIT_FULFILL
    assert not waiting.status_reason.startswith('quarantined: ')
    set_node(nodes, provision_state='available')
    scheduler.run_once(now=at(2.4))
    scheduler.run_once(now=at(2.6))
    assert status(two.uuid) == statuses.ACTIVE
    assert node_events() == [
        ('esi_leap.node.quarantine.start', 'third-project'),
        ('esi_leap.node.quarantine.end', 'third-project')]


def test_quarantine_with_no_lease_waiting_ends_at_the_next_hand_over(
        owner_ctx, node, nodes, scheduler):
    one = lease(owner_ctx, 1, 2)
    scheduler.run_once(now=at(1))
    set_node(nodes, maintenance=True)
    scheduler.run_once(now=at(2))
    assert status(one.uuid) == statuses.EXPIRED
    # Nobody waits: the owner's event alone.
    assert node_events() == [('esi_leap.node.quarantine.start', None)]
    two = lease(owner_ctx, 3, 5, project='third-project')
    scheduler.run_once(now=at(3))
    assert status(two.uuid) == statuses.WAIT_FULFILL
    assert len(node_events()) == 1
    set_node(nodes, maintenance=False)
    scheduler.run_once(now=at(3.5))
    assert status(two.uuid) == statuses.ACTIVE
    assert node_events() == [
        ('esi_leap.node.quarantine.start', None),
        ('esi_leap.node.quarantine.end', 'third-project')]


def test_two_managers_record_one_start_and_one_end(owner_ctx, node, nodes):
    """Two managers act on the same plan; each records after the other.

    The second one's transaction reads the first one's events under the
    node's lock row: no second start, no second end.
    """
    pair = ('dummy_node', 'node-1')
    set_node(nodes, provision_state='manageable')
    one = lease(owner_ctx, 1, 2)

    def both(moment):
        now = at(moment)
        plans = [plan_mod.plan_many([pair], now)[pair] for _ in range(2)]
        works = [steps.Work(pair[0], pair[1], plan,
                            steps.act(pair[0], pair[1], plan, now))
                 for plan in plans]
        for work in works:
            recording.record([work], now)
    both(1)
    assert node_events() == [('esi_leap.node.quarantine.start',
                              'lessee-project')]
    set_node(nodes, provision_state='available')
    both(1.5)
    assert status(one.uuid) == statuses.ACTIVE
    assert node_events() == [
        ('esi_leap.node.quarantine.start', 'lessee-project'),
        ('esi_leap.node.quarantine.end', 'lessee-project')]


def test_busy_node_waits_without_burning_attempts(owner_ctx, node, nodes,
                                                  scheduler):
    one = lease(owner_ctx, 1, 2)
    two = lease(owner_ctx, 2, 5, project='third-project')
    scheduler.run_once(now=at(1))
    set_node(nodes, provision_state='cleaning')
    for moment in (2, 2.1, 2.2):
        scheduler.run_once(now=at(moment))
    ending, waiting = db_api.lease_get(one.uuid), db_api.lease_get(two.uuid)
    assert ending.status == statuses.WAIT_EXPIRE and not ending.attempts
    assert waiting.status == statuses.WAIT_FULFILL and not waiting.attempts
    assert 'project_id' not in nodes.read('node-1')
    set_node(nodes, provision_state='available')
    scheduler.run_once(now=at(2.3))
    assert status(one.uuid) == statuses.EXPIRED
    assert status(two.uuid) == statuses.ACTIVE


smtp_server, smtp = notices_tests.smtp_server, notices_tests.smtp
mail_config, manager = notices_tests.mail_config, notices_tests.manager


def _lease_then_next(owner_ctx):
    """Leases of node-1: lessee-project's (1 to 2), then third-project's."""
    one = notices_tests.make_lease(owner_ctx, 1, 2)
    info = resource_types.get('dummy_node').get('node-1')
    return one, leases_obj.create(owner_ctx, 'dummy_node', info,
                                  'third-project', start=at(2), end=at(5))


def _assert_quarantine_message(msg, waiting):
    """``msg`` tells the owner node-1 is quarantined, ``waiting`` waits."""
    assert msg.rcpt_tos == [notices_tests.OWNER]
    assert 'node-1' in msg.subject and 'quarantined' in msg.subject
    assert waiting.uuid in msg.body and 'third-project' in msg.body


def test_quarantine_notice_reaches_the_owner_once(owner_ctx, manager, smtp,
                                                  nodes):
    one, two = _lease_then_next(owner_ctx)
    notices_tests.step(manager, 1)
    # The lessee's started and ending notices.
    before = len(smtp.messages)
    assert {tuple(msg.rcpt_tos) for msg in smtp.messages} == {
        (notices_tests.LESSEE,)}
    set_node(nodes, maintenance=True)
    notices_tests.step(manager, 2)
    assert status(one.uuid) == statuses.EXPIRED
    assert len(smtp.messages) == before + 1
    _assert_quarantine_message(smtp.messages[-1], two)
    notices_tests.step(manager, 2.5)
    assert len(smtp.messages) == before + 1


def test_quarantine_with_the_smtp_server_down(owner_ctx, manager, smtp,
                                              nodes):
    """The quarantine is recorded and its notice kept, then sent, once.

    The SMTP server (a real one, in its thread) is stopped when the node
    is quarantined: the hand-over and the events go on without it, the
    owner's notice waits as pending with its retry time, and once the
    server is started again the retry delivers it, once.
    """
    one, two = _lease_then_next(owner_ctx)
    notices_tests.step(manager, 1)
    before = len(smtp.messages)
    smtp.stop()
    set_node(nodes, maintenance=True)
    notices_tests.step(manager, 2)
    # Recorded as if the server were up: the lease over, the next one
    # waiting, the quarantine event once.
    assert status(one.uuid) == statuses.EXPIRED
    assert db_api.lease_get(two.uuid).status_reason.startswith(
        'quarantined: ')
    assert node_events() == [('esi_leap.node.quarantine.start',
                              'third-project')]
    row = notices_tests.notice(two.uuid, 'quarantine')
    assert (row.status, row.attempts) == ('pending', 1)
    assert row.next_attempt_at == at(2) + datetime.timedelta(seconds=60)
    assert 'cannot send through 127.0.0.1' in row.last_error
    # Not due again before its retry time.
    notices_tests.step(manager, 2 + 30 / 3600.0)
    assert notices_tests.notice(two.uuid, 'quarantine').attempts == 1
    smtp.start()
    notices_tests.step(manager, 2 + 61 / 3600.0)
    assert len(smtp.messages) == before + 1
    _assert_quarantine_message(smtp.messages[-1], two)
    row = notices_tests.notice(two.uuid, 'quarantine')
    assert (row.status, row.attempts) == ('sent', 2)
    # Nothing more: no second message, no second quarantine event.
    notices_tests.step(manager, 2.5)
    assert len(smtp.messages) == before + 1
    assert len(node_events()) == 1


def test_busy_node_is_looked_at_again_soon(owner_ctx, node, nodes,
                                           scheduler, config):
    """The recheck does not wait for the sweep, even once it is past."""
    config(group='manager', busy_recheck_delay=0.5, sweep_interval=600)
    lease(owner_ctx, 1, 2)
    scheduler.run_once(now=at(1))
    assert scheduler.seconds_to_next_due() > 1
    set_node(nodes, provision_state='cleaning')
    scheduler.run_once(now=at(2))
    assert scheduler.seconds_to_next_due() <= 0.5
    set_node(nodes, provision_state='available')
    scheduler.run_once(now=at(2.1))
    assert scheduler.seconds_to_next_due() > 1


def test_watched_node_goes_on_once_the_backend_is_done(owner_ctx, node,
                                                       nodes, scheduler,
                                                       config):
    """The manager that found the node cleaning reads it until it is done.

    The hand-back then goes on (and the next lease gets the node) at the
    next run, before the leases' recheck is due.
    """
    config(group='manager', busy_recheck_delay=600, sweep_interval=3600,
           handback_poll_interval=0.05)
    one = lease(owner_ctx, 1, 2)
    two = lease(owner_ctx, 2, 5, project='third-project')
    scheduler.run_once(now=at(1))
    set_node(nodes, provision_state='cleaning')
    scheduler.run_once(now=at(2))
    assert status(two.uuid) == statuses.WAIT_FULFILL
    # Still cleaning: nothing to go on with.
    scheduler._pause(0.3)
    scheduler.run_once(now=at(2.1))
    assert status(one.uuid) == statuses.WAIT_EXPIRE
    set_node(nodes, provision_state='available')
    # The recheck is ten minutes away; the watch sees the node done.
    scheduler._pause(60)
    scheduler.run_once(now=at(2.1))
    assert status(one.uuid) == statuses.EXPIRED
    assert status(two.uuid) == statuses.ACTIVE
    assert nodes.read('node-1')['project_id'] == 'third-project'


def test_without_the_watch_the_recheck_goes_on(owner_ctx, node, nodes,
                                               scheduler, config):
    config(group='manager', busy_recheck_delay=600, sweep_interval=3600,
           handback_poll_interval=0)
    one = lease(owner_ctx, 1, 2)
    scheduler.run_once(now=at(1))
    set_node(nodes, provision_state='cleaning')
    scheduler.run_once(now=at(2))
    set_node(nodes, provision_state='available')
    scheduler._pause(0.3)
    scheduler.run_once(now=at(2.1))
    assert status(one.uuid) == statuses.WAIT_EXPIRE
    scheduler.run_once(now=at(2.2))
    assert status(one.uuid) == statuses.EXPIRED


@pytest.mark.parametrize('clean', [True, False])
def test_enroll_node_at_the_end(owner_ctx, node, nodes, scheduler, config,
                                clean):
    """enroll cannot be cleaned: quarantined, unless cleaning is off."""
    config(group='ironic', clean_on_lease_end=clean,
           require_available_for_handover=False)
    set_node(nodes, provision_state='enroll')
    one = lease(owner_ctx, 1, 2)
    two = lease(owner_ctx, 2, 5, project='third-project')
    scheduler.run_once(now=at(1))
    assert status(one.uuid) == statuses.ACTIVE
    scheduler.run_once(now=at(2))
    assert status(one.uuid) == statuses.EXPIRED
    waiting = db_api.lease_get(two.uuid)
    if clean:
        assert waiting.status == statuses.WAIT_FULFILL
        assert waiting.status_reason == (
            'quarantined: node dummy-node-node-1 is in enroll: it cannot '
            'be cleaned')
        assert 'project_id' not in nodes.read('node-1')
    else:
        assert waiting.status == statuses.ACTIVE
        assert nodes.read('node-1')['project_id'] == 'third-project'


def test_what_falls_due_during_a_run_is_not_left_to_the_sweep(
        owner_ctx, node, nodes, scheduler, config, monkeypatch):
    """An instant that passes while a run goes on is due at once.

    (The intermittent pauses of a sweep interval between hand-back steps:
    a busy node's recheck, or a lease end, passed during a run.)
    """
    config(group='manager', sweep_interval=600)
    lease(owner_ctx, 1, 2)
    scheduler.run_once(now=at(1))
    # A run planned just before the lease's end, over just after it.
    scheduler.run_once(now=at(2) - datetime.timedelta(seconds=1))
    monkeypatch.setattr(timeutils, 'utcnow',
                        lambda: at(2) + datetime.timedelta(seconds=1))
    assert scheduler.seconds_to_next_due() == 0
    monkeypatch.setattr(timeutils, 'utcnow',
                        lambda: at(2) - datetime.timedelta(seconds=0.5))
    assert 0 < scheduler.seconds_to_next_due() <= 0.5


@pytest.mark.parametrize('count', [1, watch.LIST_MIN])
def test_watch_reads_nodes_and_gives_up_on_the_missing(nodes, count):
    """At rest: ripe; busy: watched on; gone: left to the recheck."""
    names = ['w-%d' % i for i in range(count)]
    for name in names:
        nodes.add(name, 'owner-project', provision_state='cleaning')
    nodes.add('w-gone', 'owner-project', provision_state='cleaning')
    watched = watch.Watch()
    for name in names + ['w-gone']:
        watched.add(('dummy_node', name))
    assert watched.ripe() == {}
    nodes.add(names[0], 'owner-project', provision_state='available')
    os.unlink(os.path.join(nodes.directory, 'w-gone'))
    ripe = watched.ripe()
    assert list(ripe) == [('dummy_node', names[0])]
    assert ripe[('dummy_node', names[0])].provision_state == 'available'
    # The rest still cleaning are watched on; the gone one is not.
    assert bool(watched) is (count > 1)
    for name in names[1:]:
        nodes.add(name, 'owner-project', provision_state='available')
    assert len(watched.ripe()) == count - 1
    assert not watched
