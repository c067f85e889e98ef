"""Revision 0011 on a database at 0010 that already holds events.

The rows written before it keep every value and get null end times; rows
written after it keep theirs, as timezone-aware UTC times.
"""
import datetime

from oslo_config import cfg
import pytest
import sqlalchemy as sa

from esi_leap.db import api as db_api
from esi_leap.db import migration
from esi_leap.db.sqlalchemy import models
from esi_leap.tests.fixtures import databases

CONF = cfg.CONF
UTC = datetime.timezone.utc
_OLD = [
    {'event_type': 'esi_leap.lease.update.end',
     'event_time': datetime.datetime(2029, 5, 1, 12, 0, 0, 250000),
     'object_type': 'lease', 'object_uuid': 'lease-1',
     'resource_type': 'dummy_node', 'resource_uuid': 'node-1',
     'lessee_id': 'lessee-project', 'owner_id': 'owner-project'},
    {'event_type': 'esi_leap.lease.ending.end',
     'event_time': datetime.datetime(2029, 5, 2),
     'object_type': 'lease', 'object_uuid': 'lease-1',
     'resource_type': 'dummy_node', 'resource_uuid': 'node-1',
     'lessee_id': 'lessee-project', 'owner_id': 'owner-project'},
]


@pytest.fixture(params=databases.selected_backends())
def at_0010(request, tmp_path, config):
    """A fresh database built up to 0010, with events of that schema."""
    created = databases.ThrowawayDatabase(request.param,
                                          str(tmp_path)).create()
    request.addfinalizer(created.drop)
    config(group='database', connection=created.url)
    db_api.reset()
    request.addfinalizer(db_api.reset)
    migration.upgrade('0010')
    events = sa.table('events', *[sa.column(name) for name in _OLD[0]])
    with db_api.get_engine().begin() as connection:
        connection.execute(events.insert(), _OLD)
    return created


def _events():
    with db_api.reader() as session:
        return session.execute(sa.select(models.Event).order_by(
            models.Event.id)).scalars().all()


def test_upgrade_keeps_old_rows_with_null_end_times(at_0010):
    columns = {c['name'] for c in
               sa.inspect(db_api.get_engine()).get_columns('events')}
    assert not columns & {'end_time', 'previous_end_time'}
    migration.upgrade()
    assert migration.version() == '0011'
    rows = _events()
    assert [(r.id, r.event_type, r.event_time, r.object_uuid,
             r.resource_uuid, r.lessee_id, r.owner_id) for r in rows] == [
        (number, old['event_type'], old['event_time'].replace(tzinfo=UTC),
         old['object_uuid'], old['resource_uuid'], old['lessee_id'],
         old['owner_id']) for number, old in enumerate(_OLD, 1)]
    assert [(r.end_time, r.previous_end_time) for r in rows] == [
        (None, None), (None, None)]


def test_rows_after_the_upgrade_keep_their_end_times(at_0010):
    migration.upgrade()
    end = datetime.datetime(2030, 1, 3, 4, 5, 6, 789000, tzinfo=UTC)
    before = datetime.datetime(2030, 1, 2, tzinfo=UTC)
    with db_api.writer() as session:
        session.add(models.Event(
            event_type='esi_leap.lease.update.end',
            event_time=datetime.datetime(2029, 6, 1, tzinfo=UTC),
            end_time=end, previous_end_time=before))
    new = _events()[-1]
    assert new.id == 3
    assert (new.end_time, new.previous_end_time) == (end, before)
    assert new.end_time.tzinfo == UTC
