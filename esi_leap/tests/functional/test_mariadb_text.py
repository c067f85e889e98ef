"""Existing MariaDB databases: migration 0007, and a manager that copes.

Databases made the old ways (utf8mb4 with the server's case-blind
default collation; ``CHARACTER SET utf8`` as DevStack made them) are
built to revision 0006, given rows, then upgraded: every text column
becomes utf8mb4 with an exact collation and the rows are kept. Before the
upgrade (today's schema with the old tables put back case-blind), a row
that the case-blind database hands back for another node no longer stops
the manager's batch.
"""
import datetime
import logging
import os

from alembic import config as alembic_config
from alembic import migration as alembic_migration
from alembic import operations as alembic_operations
from alembic import script as alembic_script
import pytest
import sqlalchemy as sa

from esi_leap.common import statuses
from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.db import migration
from esi_leap.db.sqlalchemy import models
from esi_leap.manager import scheduler as scheduler_mod
from esi_leap.tests.fixtures import databases

BACKENDS = [b for b in databases.selected_backends()
            if b in databases.MYSQL_BACKENDS]
TABLES = ('offers', 'leases', 'events', 'console_auth_tokens',
          'resource_locks', 'lease_notices')
EXACT = 'utf8mb4_nopad_bin'

pytestmark = pytest.mark.skipif(not BACKENDS,
                                reason='no MariaDB backend selected')


@pytest.fixture(params=[(backend, charset) for backend in BACKENDS
                        for charset in ('utf8mb4', 'utf8')],
                ids=lambda p: '%s-%s' % p)
def old_database(request, tmp_path, config):
    """A MariaDB database at revision 0006, made the old way."""
    backend, charset = request.param
    database = databases.ThrowawayDatabase(backend, str(tmp_path),
                                           charset=charset).create()
    config(group='database', connection=database.url)
    db_api.reset()
    migration.upgrade('0006')
    yield database
    db_api.reset()
    database.drop()


@pytest.fixture(params=[(backend, charset) for backend in BACKENDS
                        for charset in ('utf8mb4', 'utf8')],
                ids=lambda p: '%s-%s' % p)
def case_blind_database(request, tmp_path, config):
    """A MariaDB database of today whose old tables compare case-blind.

    Built to head (today's manager needs every table of today), then the
    tables that existed before migration 0007 are put back to the old
    way's collation, as a database not yet upgraded had them.
    """
    backend, charset = request.param
    database = databases.ThrowawayDatabase(backend, str(tmp_path),
                                           charset=charset).create()
    config(group='database', connection=database.url)
    db_api.reset()
    migration.upgrade()
    old = 'utf8mb3' if charset == 'utf8' else 'utf8mb4'
    with db_api.get_engine().begin() as conn:
        for table in TABLES:
            conn.exec_driver_sql(
                'ALTER TABLE %s CONVERT TO CHARACTER SET %s COLLATE '
                '%s_general_ci' % (table, old, old))
    yield database
    db_api.reset()
    database.drop()


def _exact_again():
    """Run migration 0007 on the database again (its upgrade, as is)."""
    config = alembic_config.Config(os.path.join(
        os.path.dirname(migration.__file__), 'sqlalchemy', 'alembic.ini'))
    script = alembic_script.ScriptDirectory.from_config(config)
    exact_text = script.get_revision('0007').module
    with db_api.get_engine().begin() as conn:
        context = alembic_migration.MigrationContext.configure(conn)
        with alembic_operations.Operations.context(context):
            exact_text.upgrade()


def _text_columns():
    with db_api.get_engine().connect() as conn:
        return conn.execute(sa.text(
            'SELECT TABLE_NAME, COLUMN_NAME, CHARACTER_SET_NAME, '
            'COLLATION_NAME FROM information_schema.COLUMNS '
            'WHERE TABLE_SCHEMA = DATABASE() AND CHARACTER_SET_NAME IS '
            'NOT NULL AND TABLE_NAME <> :alembic'),
            {'alembic': 'alembic_version'}).all()


def _defaults():
    with db_api.get_engine().connect() as conn:
        database = conn.execute(sa.text(
            'SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME '
            'FROM information_schema.SCHEMATA '
            'WHERE SCHEMA_NAME = DATABASE()')).one()
        tables = dict(conn.execute(sa.text(
            'SELECT TABLE_NAME, TABLE_COLLATION FROM '
            'information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()'
            )).all())
    return tuple(database), tables


def _lease(uuid, node, start, end, name=None):
    return models.Lease(
        uuid=uuid, name=name, project_id='lessee-project',
        owner_id='owner-project', resource_type='dummy_node',
        resource_uuid=node, start_time=start, end_time=end,
        status=statuses.CREATED, properties={}, attempts=0)


def test_upgrade_makes_text_exact_and_keeps_rows(old_database):
    charset = old_database.charset
    old = {column[2] for column in _text_columns()}
    assert old == {'utf8mb3' if charset == 'utf8' else 'utf8mb4'}
    now = timeutils.utcnow()
    with db_api.writer() as session:
        session.add(_lease('11111111-1111-4111-8111-111111111111', 'Node-1',
                           now, now + datetime.timedelta(hours=1),
                           name='Été lease '))
        session.add(models.ResourceLock(resource_type='dummy_node',
                                        resource_uuid='Node-1'))

    migration.upgrade()

    assert {(c[2], c[3]) for c in _text_columns()} == {('utf8mb4', EXACT)}
    database, tables = _defaults()
    assert database == ('utf8mb4', EXACT)
    assert all(tables[table] == EXACT for table in TABLES)
    kept = db_api.lease_get('11111111-1111-4111-8111-111111111111')
    assert (kept.name, kept.resource_uuid) == ('Été lease ', 'Node-1')
    # Rows a case-blind collation took for one can now live side by side.
    with db_api.writer() as session:
        for name in ('node-1', 'Node-1 ', 'nöde-1'):
            session.add(models.ResourceLock(resource_type='dummy_node',
                                            resource_uuid=name))
        if charset == 'utf8mb4':
            # (a utf8 connection cannot send it: test_unstorable_text)
            session.add(models.ResourceLock(resource_type='dummy_node',
                                            resource_uuid='\U0001f600'))
    with db_api.reader() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(
            models.ResourceLock)) == (5 if charset == 'utf8mb4' else 4)
    # A second run finds nothing left to change.
    migration.upgrade()
    assert migration.version() == migration.head()


def test_odd_row_does_not_stop_the_batch(case_blind_database, nodes,
                                         config, caplog):
    config(transport_url='fake://')
    now = timeutils.utcnow()
    names = ('Cs-node', 'cs-node', 'other-node')
    uuids = ['%d2222222-2222-4222-8222-222222222222' % i
             for i in range(len(names))]
    with db_api.writer() as session:
        for uuid, name in zip(uuids, names):
            nodes.add(name, 'owner-project')
            session.add(_lease(uuid, name, now - datetime.timedelta(
                seconds=1), now + datetime.timedelta(hours=1)))
    scheduler = scheduler_mod.Scheduler(name='test-manager')
    try:
        with caplog.at_level(logging.WARNING):
            scheduler.run_once()
    finally:
        scheduler.stop()
    # The node no case-blind row touches is served; of the two that share
    # a lock row before the upgrade, one is.
    assert db_api.lease_get(uuids[2]).status == statuses.ACTIVE
    assert nodes.read('other-node')['lease_uuid'] == uuids[2]
    active = [uuid for uuid in uuids[:2]
              if db_api.lease_get(uuid).status == statuses.ACTIVE]
    assert len(active) == 1
    assert 'came back for another node' in caplog.text

    _exact_again()
    scheduler = scheduler_mod.Scheduler(name='test-manager')
    try:
        scheduler.run_once()
    finally:
        scheduler.stop()
    for uuid, name in zip(uuids, names):
        assert db_api.lease_get(uuid).status == statuses.ACTIVE
        assert nodes.read(name)['lease_uuid'] == uuid
