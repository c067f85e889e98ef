"""Who holds a node: the one rule, and its SQL form saying the same."""
import datetime
import itertools

import pytest
import sqlalchemy as sa
from sqlalchemy import orm

from esi_leap.common import holding
from esi_leap.common import statuses
from esi_leap.db.sqlalchemy import models

NOW = datetime.datetime(2026, 1, 1, 12, tzinfo=datetime.timezone.utc)
HOUR = datetime.timedelta(hours=1)
ACTIVE, CREATED, ERROR = statuses.ACTIVE, statuses.CREATED, statuses.ERROR


def _lease(uuid, status=ACTIVE, start=-2, end=2, parent=None):
    return models.Lease(
        uuid=uuid, project_id='p-' + uuid, owner_id='o', resource_type='t',
        resource_uuid='n', start_time=NOW + start * HOUR,
        end_time=NOW + end * HOUR, status=status, parent_lease_uuid=parent)


CASES = {
    'none': ([], statuses.HOLDING, None),
    'one': ([_lease('a')], statuses.HOLDING, 'a'),
    'not yet': ([_lease('a', start=1)], statuses.HOLDING, None),
    'over': ([_lease('a', end=0)], statuses.HOLDING, None),
    'sub-lease over its parent': (
        [_lease('p'), _lease('c', start=-1, end=1, parent='p')],
        statuses.HOLDING, 'c'),
    'sub-lease not started': (
        [_lease('p'), _lease('c', start=1, end=2, parent='p')],
        statuses.HOLDING, 'p'),
    'innermost of three': (
        [_lease('p'), _lease('c', start=-1, end=2, parent='p'),
         _lease('g', start=-1, end=1, parent='c')],
        statuses.HOLDING, 'g'),
    'sub-lease of a lease that does not run': (
        [_lease('p', status=ERROR), _lease('c', status=CREATED,
                                           parent='p')],
        statuses.MANAGER_CAN_HOLD, None),
    'created, for the plan': ([_lease('a', status=CREATED)],
                              statuses.MANAGER_CAN_HOLD, 'a'),
    'created, for the console': ([_lease('a', status=CREATED)],
                                 statuses.HOLDING, None),
}


@pytest.mark.parametrize('name', sorted(CASES))
def test_the_holder(name):
    leases, wanted, expected = CASES[name]
    found = holding.holder(leases, NOW, wanted)
    assert getattr(found, 'uuid', None) == expected


@pytest.fixture(scope='module')
def engine():
    engine = sa.create_engine('sqlite://')
    models.Lease.__table__.create(engine)
    yield engine
    engine.dispose()


@pytest.mark.parametrize('name', sorted(CASES))
def test_the_sql_form_says_the_same(engine, name):
    leases, wanted, expected = CASES[name]
    lease, parent, child = (orm.aliased(models.Lease) for _ in range(3))
    with orm.Session(engine) as session:
        session.add_all(_lease(row.uuid, row.status,
                               (row.start_time - NOW) / HOUR,
                               (row.end_time - NOW) / HOUR,
                               row.parent_lease_uuid) for row in leases)
        session.flush()
        found = session.scalars(sa.select(lease.uuid).where(
            holding.holder_sql(lease, parent, child, NOW, wanted))).all()
        session.rollback()
    assert found == ([expected] if expected else [])


def test_every_subset_of_one_nesting_agrees(engine):
    rows = [_lease('p'), _lease('c', start=-1, end=2, parent='p'),
            _lease('g', start=-1, end=1, parent='c')]
    states = (ACTIVE, CREATED, ERROR)
    lease, parent, child = (orm.aliased(models.Lease) for _ in range(3))
    for picked in itertools.product(states, repeat=len(rows)):
        leases = [_lease(row.uuid, status, (row.start_time - NOW) / HOUR,
                         (row.end_time - NOW) / HOUR, row.parent_lease_uuid)
                  for row, status in zip(rows, picked)]
        expected = holding.holder(leases, NOW)
        with orm.Session(engine) as session:
            session.add_all(leases)
            session.flush()
            found = session.scalars(sa.select(lease.uuid).where(
                holding.holder_sql(lease, parent, child, NOW))).all()
            session.rollback()
        assert found == ([expected.uuid] if expected else []), picked
