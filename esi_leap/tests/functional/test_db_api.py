"""Queries of the DB layer that the API tests do not reach directly."""
import datetime
import uuid

from esi_leap.db import api as db_api
from esi_leap.db.sqlalchemy import models

UTC = datetime.timezone.utc
T0 = datetime.datetime(2030, 1, 1, tzinfo=UTC)


def _lease(offer_uuid, start_hours, end_hours, status='created'):
    return models.Lease(
        uuid=str(uuid.uuid4()), project_id='p', owner_id='o',
        resource_type='dummy_node', resource_uuid='n', status=status,
        offer_uuid=offer_uuid,
        start_time=T0 + datetime.timedelta(hours=start_hours),
        end_time=T0 + datetime.timedelta(hours=end_hours))


def test_lease_windows_short_and_long_offer_lists(database):
    offers = [str(uuid.uuid4()) for _ in range(3)]
    with db_api.writer() as session:
        session.add_all([
            _lease(offers[0], 5, 6), _lease(offers[0], 1, 2),
            _lease(offers[1], 3, 4),
            _lease(offers[1], 7, 8, status='deleted'),
            _lease(offers[2], 0, 1),  # ended before ``ending_after``
            _lease(str(uuid.uuid4()), 1, 9)])  # an offer not asked for
    expected = {
        offers[0]: [(T0 + datetime.timedelta(hours=1),
                     T0 + datetime.timedelta(hours=2)),
                    (T0 + datetime.timedelta(hours=5),
                     T0 + datetime.timedelta(hours=6))],
        offers[1]: [(T0 + datetime.timedelta(hours=3),
                     T0 + datetime.timedelta(hours=4))]}
    after = T0 + datetime.timedelta(hours=1)
    assert db_api.lease_windows_by_offer(
        offers, ('created',), after) == expected
    many = offers + [str(uuid.uuid4()) for _ in range(600)]
    assert db_api.lease_windows_by_offer(
        many, ('created',), after) == expected


def _offer(name, project_id='o', lessee_id=None):
    return models.Offer(
        uuid=str(uuid.uuid4()), name=name, project_id=project_id,
        lessee_id=lessee_id, resource_type='dummy_node', resource_uuid='n',
        start_time=T0, end_time=T0 + datetime.timedelta(days=1),
        status='available')


def test_lookups_by_uuid_and_name_are_rows_with_every_column(database):
    from esi_leap.objects import filters
    mine, hidden, open_ = _offer('x'), _offer('x', lessee_id='other'), \
        _offer('y')
    one, two = _lease(None, 1, 2), _lease(None, 3, 4)
    one.name = two.name = 'twin'
    two.project_id = 'q'
    with db_api.writer() as session:
        session.add_all([mine, hidden, open_, one, two])
    row = db_api.lease_get(one.uuid)
    assert isinstance(row, tuple) and row.uuid == one.uuid
    assert row.start_time == T0 + datetime.timedelta(hours=1)
    assert row.start_time.tzinfo is not None
    assert row.attempts == 0 and row.next_attempt_at is None
    assert row.created_at is not None
    assert db_api.lease_get(str(uuid.uuid4())) is None
    assert [r.uuid for r in db_api.leases_by_name('twin')] == [one.uuid,
                                                               two.uuid]
    assert [r.uuid for r in db_api.leases_by_name('twin', party='q')] == [
        two.uuid]
    assert db_api.leases_by_name('twin', party='nobody') == []
    assert db_api.offer_get(hidden.uuid).lessee_id == 'other'
    assert db_api.offer_get(str(uuid.uuid4())) is None
    assert [r.uuid for r in db_api.offers_by_name('x')] == [
        mine.uuid, hidden.uuid]
    view = filters.OfferVisibility(project_id='p', lessee_ids=['p'])
    assert [r.uuid for r in db_api.offers_by_name('x', view)] == [mine.uuid]
    assert db_api.held_leases('dummy_node', 'n', 'q', ('created',))[0] \
        .uuid == two.uuid
