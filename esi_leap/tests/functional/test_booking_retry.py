"""run_booking re-runs a whole booking transaction lost to a deadlock.

The deadlocks here are raised by the body itself, as oslo.db raises them
for MySQL error 1213 (an InnoDB deadlock, or a lost Galera certification
at commit); the real thing is exercised on a Galera cluster by
esi_leap/tests/integration/test_galera.py.
"""
import datetime
import uuid

from oslo_db import exception as db_exc
import pytest
import sqlalchemy as sa

from esi_leap.common import exception
from esi_leap.db import api as db_api
from esi_leap.db.sqlalchemy import models

UTC = datetime.timezone.utc
T0 = datetime.datetime(2030, 1, 1, tzinfo=UTC)


def _lease():
    return models.Lease(
        uuid=str(uuid.uuid4()), project_id='p', owner_id='o',
        resource_type='dummy_node', resource_uuid='n', status='created',
        start_time=T0, end_time=T0 + datetime.timedelta(hours=1))


def _leases():
    with db_api.reader() as session:
        return session.scalar(sa.select(sa.func.count(models.Lease.id)))


def _body(losses, calls, write=lambda txn: txn.add(_lease())):
    """A booking body that writes (a lease), then loses ``losses`` times."""
    def body(txn):
        calls.append(txn)
        write(txn)
        if len(calls) <= losses:
            raise db_exc.DBDeadlock()
        return 'booked'
    return body


def test_deadlocked_attempts_are_rerun_and_leave_nothing(database, caplog):
    calls = []
    caplog.set_level('INFO')
    assert db_api.run_booking('dummy_node', 'n', _body(2, calls)) == \
        'booked'
    # The Galera test counts these lines.
    assert caplog.text.count('Booking of dummy_node n lost to a concurrent '
                             'change') == 2
    assert len(calls) == 3
    assert len(set(map(id, calls))) == 3  # a fresh transaction each time
    assert _leases() == 1


def test_contended_booking_is_a_409_after_bounded_attempts(database):
    calls = []
    with pytest.raises(exception.BookingContended) as raised:
        db_api.run_booking('dummy_node', 'n', _body(100, calls),
                           attempts=4)
    assert len(calls) == 4
    assert raised.value.code == 409
    assert raised.value.faultstring == (
        'The booking of dummy_node n could not be completed because of '
        'concurrent changes to it; retry.')
    assert _leases() == 0


def test_other_errors_are_not_retried(database):
    calls = []

    def body(txn):
        calls.append(txn)
        txn.add(_lease())
        raise exception.ResourceTimeConflict(resource_type='dummy_node',
                                             resource_uuid='n')
    with pytest.raises(exception.ResourceTimeConflict):
        db_api.run_booking('dummy_node', 'n', body)
    assert len(calls) == 1
    assert _leases() == 0


def _offer_row(offer_uuid):
    with db_api.writer() as session:
        session.add(models.Offer(
            uuid=offer_uuid, project_id='o', resource_type='dummy_node',
            resource_uuid='n', status='available', start_time=T0,
            end_time=T0 + datetime.timedelta(days=1)))


def _generation():
    with db_api.reader() as session:
        return session.scalar(sa.select(models.ResourceLock.generation).where(
            models.ResourceLock.resource_uuid == 'n'))


def test_offer_booking_locks_the_offers_node_and_is_rerun(database):
    offer_uuid = str(uuid.uuid4())
    _offer_row(offer_uuid)
    calls = []

    def body(txn):
        calls.append(txn)
        offer, near = txn.offer_for_claim(
            offer_uuid, T0, T0 + datetime.timedelta(hours=1), ('created',))
        # The transaction learnt its resource from the offer, read as a
        # plain row (nothing in a claim changes the offer).
        assert (txn.resource_type, txn.resource_uuid) == ('dummy_node', 'n')
        assert (offer.uuid, offer.resource_uuid) == (offer_uuid, 'n')
        assert not hasattr(offer, '_sa_instance_state')
        txn.add(_lease())
        if len(calls) <= 1:
            raise db_exc.DBDeadlock()
        return near.before_end, near.after_start
    assert db_api.run_offer_booking(offer_uuid, body) == (None, None)
    assert len(calls) == 2
    assert _leases() == 1
    first = _generation()
    assert first is not None
    assert db_api.run_offer_booking(offer_uuid, lambda txn: 'again') == \
        'again'
    assert _generation() == first + 1


def test_offer_booking_of_a_missing_offer_locks_nothing(database):
    missing = str(uuid.uuid4())
    ran = []
    with pytest.raises(exception.OfferNotFound) as raised:
        db_api.run_offer_booking(missing, ran.append)
    assert raised.value.code == 404
    assert missing in raised.value.message
    assert ran == []
    assert _generation() is None


def test_contended_offer_booking_is_a_409(database):
    offer_uuid = str(uuid.uuid4())
    _offer_row(offer_uuid)

    def body(txn):
        raise db_exc.DBDeadlock()
    with pytest.raises(exception.BookingContended) as raised:
        db_api.run_offer_booking(offer_uuid, body, attempts=2)
    assert raised.value.code == 409


def _notices():
    with db_api.reader() as session:
        return session.scalar(sa.select(sa.func.count(
            models.LeaseNotice.id)))


def _notice(txn):
    txn.add_notices([str(uuid.uuid4())], 'started', T0)


def test_a_batch_lost_to_a_deadlock_is_rerun_then_a_409(database, caplog):
    calls = []
    caplog.set_level('INFO')
    pairs = [('dummy_node', 'n%d' % i) for i in range(3)]
    assert db_api.run_bookings(pairs, _body(1, calls, _notice)) == 'booked'
    assert caplog.text.count('Booking of (several) 3 nodes lost to a '
                             'concurrent change') == 1
    assert len(calls) == 2 and _notices() == 1
    with pytest.raises(exception.BookingContended) as raised:
        db_api.run_bookings(pairs, _body(100, calls, _notice), attempts=2)
    assert raised.value.code == 409
    assert len(calls) == 4 and _notices() == 1
