"""The manager's lease lifecycle on a real database with dummy nodes."""
import datetime
import threading

import pytest
import sqlalchemy as sa

from esi_leap.common import exception
from esi_leap.common import statuses
from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.db.sqlalchemy import models
from esi_leap.manager import plan as plan_mod
from esi_leap.manager import scheduler as scheduler_mod
from esi_leap.objects import access
from esi_leap.objects import leases as leases_obj
from esi_leap.objects import offers as offers_obj
from esi_leap import resource_types
from esi_leap.resource_types import dummy_node

T0 = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)


def at(hours):
    return T0 + datetime.timedelta(hours=hours)


@pytest.fixture
def owner_ctx():
    return access.Access(project_id='owner-project')


@pytest.fixture
def node(nodes, database):
    return nodes.add('node-1', 'owner-project')


def lease(ctx, start, end, project='lessee-project', node_uuid='node-1'):
    info = resource_types.get('dummy_node').get(node_uuid)
    return leases_obj.create(ctx, 'dummy_node', info, project,
                             start=at(start), end=at(end))


def status(uuid):
    return db_api.lease_get(uuid).status


def event_types(uuid):
    with db_api.reader() as session:
        return [e for e in session.scalars(
            sa.select(models.Event.event_type)
            .where(models.Event.object_uuid == uuid)
            .order_by(models.Event.id))]


def test_blank_project_is_never_written_into_a_node(owner_ctx, node,
                                                    nodes, scheduler):
    blank = lease(owner_ctx, 1, 2)
    with db_api.writer() as session:
        session.execute(sa.update(models.Lease).where(
            models.Lease.uuid == blank.uuid).values(project_id='  '))
    scheduler.run_once(now=at(1))
    data = nodes.read('node-1')
    assert 'lease_uuid' not in data
    assert not data.get('project_id')
    assert status(blank.uuid) != 'active'


def test_fulfil_and_expire(owner_ctx, node, nodes, scheduler):
    one = lease(owner_ctx, 1, 2)
    scheduler.run_once(now=at(0.5))
    assert status(one.uuid) == 'created'
    assert 'lease_uuid' not in nodes.read('node-1')

    scheduler.run_once(now=at(1))
    assert status(one.uuid) == 'active'
    data = nodes.read('node-1')
    assert data['lease_uuid'] == one.uuid
    assert data['project_id'] == 'lessee-project'
    assert db_api.lease_get(one.uuid).fulfill_time is not None

    data['instance_info'] = {'image': 'lessee-image'}
    data['provision_state'] = 'active'
    nodes.add('node-1', **{k: v for k, v in data.items()
                           if k != 'project_owner_id'},
              owner='owner-project')
    scheduler.run_once(now=at(2))
    assert status(one.uuid) == 'expired'
    data = nodes.read('node-1')
    assert 'lease_uuid' not in data and 'project_id' not in data
    assert 'instance_info' not in data
    assert data['provision_state'] == 'available'
    assert event_types(one.uuid) == [
        'esi_leap.lease.create.end',
        'esi_leap.lease.fulfill.start', 'esi_leap.lease.fulfill.end',
        'esi_leap.lease.ending.end',
        'esi_leap.lease.delete.start', 'esi_leap.lease.delete.end']


def test_cancel_of_an_active_lease(owner_ctx, node, nodes, scheduler):
    one = lease(owner_ctx, 1, 5)
    scheduler.run_once(now=at(1))
    leases_obj.cancel(db_api.lease_get(one.uuid))
    assert status(one.uuid) == 'wait cancel'
    assert nodes.read('node-1')['lease_uuid'] == one.uuid
    scheduler.run_once(now=at(2))
    assert status(one.uuid) == 'deleted'
    assert 'lease_uuid' not in nodes.read('node-1')


class CancelledMidHandover(dummy_node.DummyNodeType):
    """Dummy nodes on which the lessee cancels just after the hand-over.

    This is the window between the manager setting the node and recording
    ``active``: the lease is still ``created`` in the database.
    """

    def __init__(self):
        self.cancelled = []

    def set_lease(self, uuid, lease_uuid, lessee_id):
        super().set_lease(uuid, lease_uuid, lessee_id)
        leases_obj.cancel(db_api.lease_get(lease_uuid))
        self.cancelled.append(db_api.lease_get(lease_uuid).status)


def test_cancel_during_the_hand_over_still_scrubs_the_node(
        owner_ctx, node, nodes, scheduler):
    backend = CancelledMidHandover()
    resource_types.register('dummy_node', backend)
    now = timeutils.utcnow()
    info = backend.get('node-1')
    one = leases_obj.create(owner_ctx, 'dummy_node', info, 'lessee-project',
                            start=now - datetime.timedelta(seconds=1),
                            end=now + datetime.timedelta(hours=1))
    scheduler.run_once(now=now)
    # The started lease went to 'wait cancel', not straight to 'deleted'.
    assert backend.cancelled == ['wait cancel']
    assert nodes.read('node-1')['lease_uuid'] == one.uuid
    scheduler.run_once(now=timeutils.utcnow())
    assert status(one.uuid) == 'deleted'
    data = nodes.read('node-1')
    assert 'lease_uuid' not in data
    assert not data.get('project_id')


def test_cancel_of_a_lease_that_has_not_started_deletes_it_at_once(
        owner_ctx, node, nodes):
    one = lease(owner_ctx, 1, 2)
    leases_obj.cancel(db_api.lease_get(one.uuid))
    assert status(one.uuid) == 'deleted'
    assert event_types(one.uuid) == ['esi_leap.lease.create.end',
                                     'esi_leap.lease.delete.end']


def test_back_to_back_leases_scrub_before_handing_over(owner_ctx, node,
                                                       nodes, scheduler):
    first = lease(owner_ctx, 1, 2, project='first')
    second = lease(owner_ctx, 2, 3, project='second')
    scheduler.run_once(now=at(1))
    data = nodes.read('node-1')
    data['instance_info'] = {'secret': 'first'}
    nodes.add('node-1', 'owner-project', **{
        k: v for k, v in data.items()
        if k not in ('project_owner_id', 'resource_class', 'properties')})
    scheduler.run_once(now=at(2))
    assert status(first.uuid) == 'expired'
    assert status(second.uuid) == 'active'
    data = nodes.read('node-1')
    assert data['lease_uuid'] == second.uuid
    assert data['project_id'] == 'second'
    assert 'instance_info' not in data


def test_sub_lease_hands_the_node_back(owner_ctx, node, nodes, scheduler):
    parent = lease(owner_ctx, 1, 10, project='holder')
    scheduler.run_once(now=at(1))
    holder = access.Access(project_id='holder')
    child = lease(holder, 2, 3, project='third')
    assert child.parent_lease_uuid == parent.uuid
    scheduler.run_once(now=at(2))
    assert nodes.read('node-1')['project_id'] == 'third'
    assert status(child.uuid) == 'active'
    scheduler.run_once(now=at(3))
    assert status(child.uuid) == 'expired'
    assert status(parent.uuid) == 'active'
    data = nodes.read('node-1')
    assert (data['lease_uuid'], data['project_id']) == (parent.uuid,
                                                        'holder')


def test_offer_expiry(owner_ctx, node, scheduler):
    info = resource_types.get('dummy_node').get('node-1')
    offer = offers_obj.create(owner_ctx, 'dummy_node', info, at(1), at(2))
    scheduler.run_once(now=at(1.5))
    assert db_api.offer_get(offer.uuid).status == 'available'
    scheduler.run_once(now=at(2))
    assert db_api.offer_get(offer.uuid).status == 'expired'


class FlakyNodes(dummy_node.DummyNodeType):
    """Dummy nodes whose backend fails while ``failures`` is positive."""

    def __init__(self):
        self.failures = 0

    def _maybe_fail(self):
        if self.failures:
            self.failures -= 1
            raise exception.BackendUnavailable(service='Ironic',
                                               reason='connection refused')

    def set_lease(self, uuid, lease_uuid, lessee_id):
        self._maybe_fail()
        super().set_lease(uuid, lease_uuid, lessee_id)

    def remove_lease(self, uuid, lease_uuid):
        self._maybe_fail()
        super().remove_lease(uuid, lease_uuid)


@pytest.fixture
def flaky(config):
    backend = FlakyNodes()
    resource_types.register('dummy_node', backend)
    config(group='manager', retry_initial_delay=60.0)
    return backend


def test_backend_failures_are_retried(owner_ctx, node, nodes, flaky,
                                      scheduler):
    one = lease(owner_ctx, 1, 5)
    flaky.failures = 2
    scheduler.run_once(now=at(1))
    row = db_api.lease_get(one.uuid)
    assert row.status == 'wait fulfill'
    assert 'connection refused' in row.status_reason
    assert row.next_attempt_at == at(1) + datetime.timedelta(seconds=60)
    # Not retried before its time.
    assert db_api.due_resources(at(1)) == []
    assert db_api.next_due(at(1)) == row.next_attempt_at
    scheduler.run_once(now=at(1.1))
    row = db_api.lease_get(one.uuid)
    assert row.status == 'wait fulfill' and row.attempts == 2
    assert row.next_attempt_at == at(1.1) + datetime.timedelta(seconds=120)
    scheduler.run_once(now=at(1.2))
    row = db_api.lease_get(one.uuid)
    assert row.status == 'active' and row.attempts == 0
    assert row.status_reason is None
    assert nodes.read('node-1')['lease_uuid'] == one.uuid

    flaky.failures = 1
    scheduler.run_once(now=at(5))
    assert status(one.uuid) == 'wait expire'
    assert nodes.read('node-1')['lease_uuid'] == one.uuid
    scheduler.run_once(now=at(6))
    assert status(one.uuid) == 'expired'
    assert 'lease_uuid' not in nodes.read('node-1')
    assert event_types(one.uuid).count('esi_leap.lease.fulfill.error') == 2
    assert event_types(one.uuid).count('esi_leap.lease.delete.error') == 1


def test_retries_exhausted_is_error(owner_ctx, node, flaky, config,
                                    scheduler):
    config(group='manager', max_attempts=2)
    one = lease(owner_ctx, 1, 5)
    flaky.failures = 10
    scheduler.run_once(now=at(1))
    scheduler.run_once(now=at(2))
    row = db_api.lease_get(one.uuid)
    assert row.status == 'error'
    assert 'connection refused' in row.status_reason
    assert db_api.due_resources(at(3)) == []


def test_failed_scrub_keeps_the_next_lessee_waiting(owner_ctx, node, nodes,
                                                    flaky, scheduler):
    first = lease(owner_ctx, 1, 2, project='first')
    second = lease(owner_ctx, 2, 3, project='second')
    scheduler.run_once(now=at(1))
    flaky.failures = 1
    scheduler.run_once(now=at(2))
    assert status(first.uuid) == 'wait expire'
    assert status(second.uuid) == 'wait fulfill'
    assert nodes.read('node-1')['project_id'] == 'first'
    scheduler.run_once(now=at(2.5))
    assert status(first.uuid) == 'expired'
    assert status(second.uuid) == 'active'
    assert nodes.read('node-1')['project_id'] == 'second'


def test_drift_is_repaired(owner_ctx, node, nodes, scheduler):
    one = lease(owner_ctx, 1, 5)
    scheduler.run_once(now=at(1))
    nodes.add('node-1', 'owner-project')  # someone wiped the lessee
    scheduler.sweep(now=at(1.5))
    data = nodes.read('node-1')
    assert (data['lease_uuid'], data['project_id']) == (one.uuid,
                                                        'lessee-project')


def test_next_due_ignores_finished_leases(owner_ctx, node, scheduler):
    one = lease(owner_ctx, 1, 2)
    lease(owner_ctx, 3, 4)
    assert db_api.next_due(at(0)) == at(1)
    scheduler.run_once(now=at(1))
    assert db_api.next_due(at(1)) == at(2)
    scheduler.run_once(now=at(2))
    assert status(one.uuid) == 'expired'
    assert db_api.next_due(at(2)) == at(3)
    assert db_api.due_resources(at(2.5)) == []


def test_two_managers_act_once(owner_ctx, nodes, database, config):
    config(transport_url='fake://')
    made = []
    for i in range(12):
        uuid = 'node-%02d' % i
        nodes.add(uuid, 'owner-project')
        made.append(lease(owner_ctx, 1, 2, node_uuid=uuid))
    managers = [scheduler_mod.Scheduler(name='m%d' % i) for i in range(2)]
    barrier = threading.Barrier(2)

    def run(manager, now):
        barrier.wait()
        manager.run_once(now=now)
    for now in (at(1), at(1), at(2)):
        threads = [threading.Thread(target=run, args=(m, now))
                   for m in managers]
        [t.start() for t in threads]
        [t.join() for t in threads]
    for manager in managers:
        manager.stop()
    for row in made:
        assert status(row.uuid) == 'expired'
        types = event_types(row.uuid)
        assert types.count('esi_leap.lease.fulfill.end') == 1
        assert types.count('esi_leap.lease.delete.end') == 1


def test_converge_without_due_work_leaves_the_node(owner_ctx, node, nodes,
                                                   scheduler):
    lease(owner_ctx, 1, 2)
    scheduler.run_once(now=at(0))
    plan = plan_mod.plan_many([('dummy_node', 'node-1')],
                              at(0))[('dummy_node', 'node-1')]
    assert plan.holder is None and plan.ending == []
    assert 'lease_uuid' not in nodes.read('node-1')


def test_scheduler_sleeps_until_the_next_start(owner_ctx, node, scheduler,
                                               config):
    config(group='manager', sweep_interval=3600)
    start = timeutils.utcnow() + datetime.timedelta(seconds=30)
    leases_obj.create(owner_ctx, 'dummy_node',
                      resource_types.get('dummy_node').get('node-1'),
                      'lessee-project', start=start,
                      end=start + datetime.timedelta(hours=1))
    scheduler._last_sweep = timeutils.utcnow()
    assert 28 < scheduler.seconds_to_next_due() <= 30


def test_manager_statuses_are_in_the_api_sets():
    assert set(statuses.MANAGER_LIVE) <= set(statuses.LEASE_STATUSES)


class CleaningNodes(dummy_node.DummyNodeType):
    """Dummy nodes that are still cleaning for ``busy`` more checks."""

    def __init__(self):
        self.busy = 0

    def remove_lease(self, uuid, lease_uuid):
        if self.busy:
            self.busy -= 1
            raise exception.NodeBusy(uuid=uuid, state='cleaning')
        super().remove_lease(uuid, lease_uuid)


def test_cleaning_is_waited_for_not_counted(owner_ctx, node, nodes, config,
                                            scheduler):
    cleaning = CleaningNodes()
    resource_types.register('dummy_node', cleaning)
    config(group='manager', max_attempts=2)
    first = lease(owner_ctx, 1, 2, project='first')
    second = lease(owner_ctx, 2, 3, project='second')
    scheduler.run_once(now=at(1))
    cleaning.busy = 5
    for step in range(5):
        scheduler.run_once(now=at(2) + datetime.timedelta(minutes=step))
        for uuid, waiting in ((first.uuid, 'wait expire'),
                              (second.uuid, 'wait fulfill')):
            row = db_api.lease_get(uuid)
            assert row.status == waiting
            assert row.attempts == 0
            assert 'cleaning' in row.status_reason
    assert nodes.read('node-1')['project_id'] == 'first'
    scheduler.run_once(now=at(2.5))
    assert status(first.uuid) == 'expired'
    assert status(second.uuid) == 'active'
    assert nodes.read('node-1')['project_id'] == 'second'
    assert 'esi_leap.lease.delete.error' not in event_types(first.uuid)
    assert event_types(first.uuid).count('esi_leap.lease.delete.start') == 2
