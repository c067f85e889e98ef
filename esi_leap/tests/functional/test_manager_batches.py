"""The manager's bulk steps: claims, planning, recording many nodes at once."""
import datetime
import os

import sqlalchemy as sa

from esi_leap.common import exception
from esi_leap.db import api as db_api
from esi_leap.db.sqlalchemy import models
from esi_leap.db.sqlalchemy import sql
from esi_leap.manager import batches
from esi_leap.manager import offer_expiry
from esi_leap.manager import recording
from esi_leap.manager import scheduler as scheduler_mod
from esi_leap.manager import steps
from esi_leap.notifications import emitter
from esi_leap.objects import access
from esi_leap.objects import leases as leases_obj
from esi_leap.objects import offers as offers_obj
from esi_leap import resource_types
from esi_leap.resource_types import dummy_node
from esi_leap.tests.functional import helpers

T0 = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
TTL = datetime.timedelta(seconds=300)
OWNER = access.Access(project_id='owner-project')


def at(hours):
    return T0 + datetime.timedelta(hours=hours)


def pairs(count):
    return [('dummy_node', 'node-%03d' % i) for i in range(count)]


def leases_on(nodes, count, start=1, end=2):
    made = []
    for _, uuid in pairs(count):
        nodes.add(uuid, 'owner-project')
        info = resource_types.get('dummy_node').get(uuid)
        made.append(leases_obj.create(OWNER, 'dummy_node', info,
                                      'lessee-%s' % uuid, start=at(start),
                                      end=at(end)))
    return made


def statuses_of(made):
    return [db_api.lease_get(row.uuid).status for row in made]


def event_types(uuid):
    with db_api.reader() as session:
        return list(session.scalars(
            sa.select(models.Event.event_type)
            .where(models.Event.object_uuid == uuid)
            .order_by(models.Event.id)))


def test_bulk_claims_are_exclusive_and_create_missing_rows(database):
    wanted = pairs(12)
    # Lock rows of the first half exist (bookings made them); the rest
    # are created by the claim itself.
    for rtype, uuid in wanted[:6]:
        with db_api.resource_transaction(rtype, uuid):
            pass
    first = db_api.claim_resources(wanted[:8], 'm1', at(0), TTL)
    assert first == sorted(wanted[:8])
    second = db_api.claim_resources(wanted, 'm2', at(0), TTL)
    assert second == sorted(wanted[8:])
    # A manager renews its own claims; nobody else's.
    assert db_api.claim_resources(wanted, 'm1', at(0), TTL) == \
        sorted(wanted[:8])
    # Releasing gives back only one's own claims.
    db_api.release_resources(wanted, 'm2')
    assert db_api.claim_resources(wanted[8:], 'm1', at(0), TTL) == \
        sorted(wanted[8:])
    # A lapsed claim is taken over.
    assert db_api.claim_resources(wanted, 'm2', at(0) + TTL, TTL) == \
        sorted(wanted)


def test_live_leases_of_maps_every_node(database, nodes):
    made = leases_on(nodes, 3)
    found = db_api.live_leases_of(pairs(4), ('created',))
    assert sorted(found) == sorted(pairs(4))
    assert [[row.uuid for row in found[pair]] for pair in pairs(3)] == \
        [[row.uuid] for row in made]
    assert found[pairs(4)[3]] == []


def test_many_nodes_in_several_record_batches(nodes, scheduler, monkeypatch,
                                              config):
    monkeypatch.setattr(scheduler_mod, 'RECORD_BATCH', 4)
    monkeypatch.setattr(sql, 'CHUNK', 7)
    made = leases_on(nodes, 25)
    tokens = []
    scheduler.run_once(now=at(1))
    assert statuses_of(made) == ['active'] * 25
    for row in made:
        data = nodes.read(row.resource_uuid)
        assert (data['lease_uuid'], data['project_id']) == (
            row.uuid, row.project_id)
        with db_api.writer() as session:
            session.execute(sa.insert(models.ConsoleAuthToken).values(
                token_hash='h-%s' % row.uuid, resource_type='dummy_node',
                node_uuid=row.resource_uuid, lease_uuid=row.uuid,
                expires=at(3)))
        tokens.append('h-%s' % row.uuid)
    scheduler.run_once(now=at(2))
    assert statuses_of(made) == ['expired'] * 25
    for row in made:
        assert 'lease_uuid' not in nodes.read(row.resource_uuid)
        assert event_types(row.uuid) == [
            'esi_leap.lease.create.end',
            'esi_leap.lease.fulfill.start', 'esi_leap.lease.fulfill.end',
            'esi_leap.lease.ending.end',
            'esi_leap.lease.delete.start', 'esi_leap.lease.delete.end']
    # The ends revoked every console token of the nodes.
    assert all(db_api.token_get(token) is None for token in tokens)
    # Every claim was released.
    with db_api.reader() as session:
        assert session.scalars(sa.select(models.ResourceLock).where(
            models.ResourceLock.claimed_by.is_not(None))).all() == []


def test_a_failing_batch_is_recorded_node_by_node(nodes, scheduler,
                                                  monkeypatch):
    real = recording.record
    calls = []

    def record(works, planned_at, held=None):
        calls.append(len(works))
        if len(works) > 1:
            raise RuntimeError('batch refused')
        return real(works, planned_at, held)
    monkeypatch.setattr(recording, 'record', record)
    arrivals = scheduler_mod._arrivals

    def all_at_once(done, count, size):
        # Every outcome in one batch, however they arrive.
        yield [work for batch in arrivals(done, count, size)
               for work in batch]
    monkeypatch.setattr(scheduler_mod, '_arrivals', all_at_once)
    made = leases_on(nodes, 3)
    scheduler.run_once(now=at(1))
    assert statuses_of(made) == ['active'] * 3
    assert calls == [3, 1, 1, 1]


def test_a_node_whose_recording_fails_stays_due(nodes, scheduler,
                                                monkeypatch):
    made = leases_on(nodes, 1)

    def record(works, planned_at, held=None):
        raise RuntimeError('database gone')
    monkeypatch.setattr(recording, 'record', record)
    scheduler.run_once(now=at(1))
    assert statuses_of(made) == ['created']
    assert db_api.due_resources(at(1)) == pairs(1)
    monkeypatch.undo()
    scheduler.run_once(now=at(1))
    assert statuses_of(made) == ['active']


class CountingNodes(dummy_node.DummyNodeType):
    """Dummy nodes counting single reads and listings."""

    def __init__(self):
        self.reads = self.listings = 0

    def get_many(self, uuids):
        self.listings += 1
        return super().get_many(uuids)

    def get(self, uuid):
        self.reads += 1
        return super().get(uuid)


class UnlistableNodes(CountingNodes):
    """Dummy nodes whose backend cannot list, only read one by one."""

    def get_many(self, uuids):
        raise exception.BackendUnavailable(service='Ironic',
                                           reason='listing refused')


def test_a_failed_listing_falls_back_to_one_read_per_node(nodes, scheduler):
    backend = UnlistableNodes()
    resource_types.register('dummy_node', backend)
    made = leases_on(nodes, steps.LOOK_MANY_MIN)
    backend.reads = 0
    scheduler.run_once(now=at(1))
    assert statuses_of(made) == ['active'] * len(made)
    assert backend.reads == len(made)


def test_many_due_nodes_are_read_in_one_listing(nodes, scheduler):
    backend = CountingNodes()
    resource_types.register('dummy_node', backend)
    made = leases_on(nodes, steps.LOOK_MANY_MIN + 2)
    backend.reads = backend.listings = 0
    # One node has vanished from the backend since its lease was made.
    os.unlink(os.path.join(nodes.directory, made[-1].resource_uuid))
    scheduler._last_sweep = at(1)  # no sweep (it lists nodes too)
    scheduler.run_once(now=at(1))
    assert backend.listings == 1 and backend.reads == 0
    assert statuses_of(made[:-1]) == ['active'] * (len(made) - 1)
    gone = db_api.lease_get(made[-1].uuid)
    assert gone.status == 'wait fulfill'
    assert 'not found' in gone.status_reason


def offers_on(nodes, windows):
    """Offers of the windows [(node index, start, end)], in that order."""
    made = []
    for index, start, end in windows:
        uuid = nodes.add('node-%03d' % index, 'owner-project')
        info = resource_types.get('dummy_node').get(uuid)
        made.append(offers_obj.create(OWNER, 'dummy_node', info, at(start),
                                      at(end)))
    return made


def test_many_offers_expire_in_few_transactions(database, nodes,
                                                monkeypatch, config):
    config(transport_url='fake://')
    monkeypatch.setattr(batches, 'MAX_NODES', 4)
    # Ten nodes; node-000 has two ended offers, node-009 one still open.
    made = offers_on(nodes, [(0, 0.5, 1)] + [(i, 1, 2) for i in range(10)])
    still_open = offers_on(nodes, [(9, 2, 3)])[0]
    sent = []
    send = emitter.Recorder.send

    def checked_send(recorder):
        # Sent once its transaction has committed: others read the change.
        uuids = [payload['esi_leap_object.data']['uuid']
                 for _, _, payload in recorder.pending]
        sent.append([(uuid, db_api.offer_get(uuid).status)
                     for uuid in uuids])
        return send(recorder)
    monkeypatch.setattr(emitter.Recorder, 'send', checked_send)
    with helpers.lock_statements() as locks:
        expired = offer_expiry.expire_offers(at(2))
    # 4 + 4 + 2 nodes: one transaction per batch, not one per offer.
    assert len(locks) == 3
    assert sorted(row.uuid for row in expired) == \
        sorted(row.uuid for row in made)
    assert [len(batch) for batch in sent] == [5, 4, 2]
    assert sorted(pair for batch in sent for pair in batch) == \
        sorted((row.uuid, 'expired') for row in made)
    for row in made:
        assert db_api.offer_get(row.uuid).status == 'expired'
        assert event_types(row.uuid) == ['esi_leap.offer.create.end',
                                         'esi_leap.offer.expire.end']
    assert db_api.offer_get(still_open.uuid).status == 'available'
    with helpers.lock_statements() as locks:
        assert offer_expiry.expire_offers(at(2)) == []
    assert locks == []


def test_an_offer_changed_after_the_listing_is_not_expired(
        database, nodes, monkeypatch, config):
    config(transport_url='fake://')
    moved, cancelled, plain = offers_on(nodes, [(i, 1, 2)
                                                for i in range(3)])
    listing = db_api.ended_offers

    def changing_meanwhile(now, limit=500):
        found = listing(now, limit)
        with db_api.writer() as session:
            session.execute(sa.update(models.Offer).where(
                models.Offer.uuid == moved.uuid).values(end_time=at(5)))
        offers_obj.cancel(db_api.offer_get(cancelled.uuid))
        return found
    monkeypatch.setattr(db_api, 'ended_offers', changing_meanwhile)
    assert [row.uuid for row in offer_expiry.expire_offers(at(2))] == \
        [plain.uuid]
    assert db_api.offer_get(moved.uuid).status == 'available'
    assert db_api.offer_get(cancelled.uuid).status == 'deleted'
    assert db_api.offer_get(plain.uuid).status == 'expired'
    assert 'esi_leap.offer.expire.end' not in event_types(moved.uuid) + \
        event_types(cancelled.uuid)
