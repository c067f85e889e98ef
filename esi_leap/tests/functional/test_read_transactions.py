"""Every GET reads in one transaction: one connection check-out in all."""
import pytest
import sqlalchemy as sa

from esi_leap.db import api as db_api
from esi_leap.db.sqlalchemy import models
from esi_leap.tests.functional.helpers import checkouts

NODE = 'node-rt'


@pytest.fixture
def booked(owner, lessee, nodes):
    nodes.add(NODE, 'owner-project')
    offer = owner.post('/v1/offers', {
        'resource_uuid': NODE, 'start_time': '2030-01-01',
        'end_time': '2030-02-01', 'name': 'rt-offer'}).json
    lease = lessee.post('/v1/offers/%s/claim' % offer['uuid'], {
        'start_time': '2030-01-10', 'end_time': '2030-01-11',
        'name': 'rt-lease'}).json
    return offer, lease


@pytest.mark.parametrize('path', [
    '/v1/offers/{offer}', '/v1/offers/rt-offer', '/v1/offers',
    '/v1/leases/{lease}', '/v1/leases/rt-lease', '/v1/leases',
    '/v1/nodes', '/v1/events'])
def test_a_get_checks_out_one_connection(booked, owner, path):
    offer, lease = booked
    path = path.format(offer=offer['uuid'], lease=lease['uuid'])
    owner.get(path)   # warm caches (names, policy)
    with checkouts() as seen:
        owner.get(path)
    assert len(seen) == 1


def test_a_missing_object_answers_404_and_ends_its_read(owner, booked):
    with checkouts() as seen:
        owner.get('/v1/leases/no-such-lease', expect=404)
        owner.get('/v1/offers/%s' % booked[0]['uuid'])
    assert len(seen) == 2


def _lease_count():
    with db_api.reader() as session:
        return session.scalar(sa.select(sa.func.count(models.Lease.id)))


def test_reads_inside_join_and_writes_stay_their_own(booked):
    with checkouts() as seen:
        with db_api.one_read():
            before = _lease_count()
            with db_api.one_read():     # nested: the same transaction
                assert _lease_count() == before
            with db_api.writer() as session:
                session.execute(sa.delete(models.Lease))
    # The write committed on its own connection, not with the read.
    assert len(seen) == 2
    assert _lease_count() == 0


def test_an_error_inside_ends_the_shared_read(booked):
    with pytest.raises(RuntimeError):
        with db_api.one_read():
            _lease_count()
            raise RuntimeError('boom')
    with checkouts() as seen:
        assert _lease_count() == 1
    assert len(seen) == 1
