"""What the API's notifications say of their records and nodes.

The payloads are taken as the API hands them to the sender, on every
database backend: the record's database id, and the node facts the API
read anyway (to check a booking, or for its response), null otherwise.
"""
import sqlalchemy as sa

from esi_leap.db import api as db_api
from esi_leap.db.sqlalchemy import models
from esi_leap.tests.functional import test_fleet_claims as fleet_tests


def _id_of(model, uuid):
    with db_api.reader() as session:
        return session.execute(sa.select(model.id).where(
            model.uuid == uuid)).scalar_one()


def test_api_events_carry_ids_and_node_facts(nodes, owner, lessee, sent):
    nodes.add('node-a', 'owner-project', properties={
        'cpu_arch': 'x86_64', 'lease_uuid': 'hidden'})
    offer = owner.post('/v1/offers', {'resource_uuid': 'node-a',
                                      'start_time': '2030-01-01',
                                      'end_time': '2030-02-01'}).json
    lease = lessee.post('/v1/offers/%s/claim' % offer['uuid'], {
        'start_time': '2030-01-02', 'end_time': '2030-01-03'}).json
    direct = owner.post('/v1/leases', {
        'resource_uuid': 'node-a', 'project_id': 'lessee-project',
        'start_time': '2030-03-01', 'end_time': '2030-03-02'}).json
    lessee.delete('/v1/leases/%s' % lease['uuid'])

    kinds = [(event_type, data['uuid']) for event_type, data in sent]
    assert kinds == [('esi_leap.offer.create.end', offer['uuid']),
                     ('esi_leap.lease.create.end', lease['uuid']),
                     ('esi_leap.lease.create.end', direct['uuid']),
                     ('esi_leap.lease.delete.end', lease['uuid'])]
    made, claimed, granted, deleted = [data for _, data in sent]
    assert made['id'] == _id_of(models.Offer, offer['uuid'])
    assert granted['id'] == _id_of(models.Lease, direct['uuid'])
    # A claim with both times writes its lease before the node's lock.
    assert claimed['id'] == _id_of(models.Lease, lease['uuid'])
    for data in (made, claimed, granted):
        assert data['node_uuid'] == 'node-a'
        assert data['node_name'] == 'dummy-node-node-a'
        assert data['node_properties'] == {'cpu_arch': 'x86_64'}
        assert data['node_provision_state'] == 'available'
        assert data['node_power_state'] == 'power off'
    # A cancel through the API reads no node: the facts are null, the
    # keys are there.
    assert deleted['node_uuid'] == 'node-a'
    assert deleted['node_name'] is None
    assert deleted['node_properties'] is None
    assert deleted['node_power_state'] is None


def test_n_node_claim_events_are_those_of_single_claims(nodes, owner,
                                                        lessee, sent):
    offers = fleet_tests.make_pool(nodes, owner, ['r1', 'r2', 'r3'])
    got = fleet_tests.claim(lessee, {'count': 3}).json['leases']
    uuids = sorted(lease['uuid'] for lease in got)
    claimed = [data for event_type, data in sent
               if event_type == 'esi_leap.lease.create.end']
    assert sorted(data['uuid'] for data in claimed) == uuids
    for data in claimed:
        # Written by one INSERT, each lease's own id all the same.
        assert data['id'] == _id_of(models.Lease, data['uuid'])
        assert data['offer_uuid'] in offers
    with db_api.reader() as session:
        rows = session.execute(sa.select(
            models.Event.object_uuid, models.Event.lessee_id,
            models.Event.owner_id).where(
            models.Event.event_type == 'esi_leap.lease.create.end')).all()
    assert sorted(rows) == [(uuid, 'lessee-project', 'owner-project')
                            for uuid in uuids]
