"""esi-leap-dbsync on databases it did not build: refused, or adopted.

Unknown revisions are refused on every backend (the command line is
run on SQLite; what it calls is tested on every backend); a database of the
original ESI-Leap (its schema built by its own esi-leap-dbsync
create_schema, rows written here as it writes them) is adopted on MariaDB.
"""
import datetime
import os
import subprocess
import sys

from alembic import autogenerate
from alembic import migration as alembic_migration
import pytest
import sqlalchemy as sa

from esi_leap.db import adopt
from esi_leap.db import migration
from esi_leap.db.sqlalchemy.adoption import esi_leap_1_0 as original
from esi_leap.db.sqlalchemy.adoption import localtime
from esi_leap.db.sqlalchemy import models
from esi_leap.tests.fixtures import databases
from esi_leap.tests.fixtures import original as original_fixture
from esi_leap.tests.fixtures import server as server_fixture
from esi_leap.tests.functional import test_migrations

UTC = datetime.timezone.utc


def _empty_database(backend, tmp_path):
    """Yield an empty throwaway database of ``backend`` and its engine."""
    database = databases.ThrowawayDatabase(backend, str(tmp_path)).create()
    engine = sa.create_engine(database.url)
    yield database, engine
    engine.dispose()
    database.drop()


@pytest.fixture(params=databases.selected_backends())
def empty(request, tmp_path):
    """An empty throwaway database of each backend, and its engine."""
    yield from _empty_database(request.param, tmp_path)


@pytest.fixture
def sqlite(tmp_path):
    """An empty SQLite database (for the command line), and its engine."""
    yield from _empty_database('sqlite', tmp_path)


@pytest.fixture
def mariadb(tmp_path):
    """An empty MariaDB database and its engine."""
    yield from _empty_database('mysql', tmp_path)


def _stamp_foreign(engine, revision):
    with engine.begin() as connection:
        connection.exec_driver_sql(
            'CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)')
        connection.exec_driver_sql(
            "INSERT INTO alembic_version VALUES ('%s')" % revision)


def _state(engine):
    with engine.connect() as connection:
        return (set(sa.inspect(connection).get_table_names()),
                alembic_migration.MigrationContext.configure(
                    connection).get_current_heads())


def _schema_differences(engine):
    with engine.connect() as connection:
        context = alembic_migration.MigrationContext.configure(
            connection, opts={'compare_type': test_migrations._compare_type,
                              'compare_server_default': False})
        return autogenerate.compare_metadata(context, models.Base.metadata)


@pytest.mark.parametrize('revision', ['deadbeefcafe', 'a1ea63fec697'])
def test_unknown_revision_is_refused_and_nothing_changes(empty, revision):
    database, engine = empty
    _stamp_foreign(engine, revision)
    with pytest.raises(adopt.SchemaError) as error:
        migration.upgrade(engine=engine)
    assert revision in str(error.value)
    assert 'Nothing was changed' in str(error.value)
    assert _state(engine) == ({'alembic_version'}, (revision,))


def test_empty_database_builds_fresh(empty):
    database, engine = empty
    migration.upgrade(engine=engine)
    assert _state(engine)[1] == (migration.head(),)
    assert _schema_differences(engine) == []


@pytest.mark.parametrize('backend', [
    b for b in databases.selected_backends()
    if b not in databases.MYSQL_BACKENDS])
def test_original_schema_elsewhere_than_mysql_is_refused(backend, tmp_path):
    database = databases.ThrowawayDatabase(backend, str(tmp_path)).create()
    engine = sa.create_engine(database.url)
    try:
        _refused_elsewhere(engine)
    finally:
        engine.dispose()
        database.drop()


def _refused_elsewhere(engine):
    _stamp_foreign(engine, original.HEAD)
    with pytest.raises(adopt.SchemaError, match='MySQL and MariaDB'):
        migration.upgrade(engine=engine)
    assert _state(engine) == ({'alembic_version'}, (original.HEAD,))


def _dbsync(tmp_path, url, *argv):
    config = server_fixture.write_ini(str(tmp_path / 'dbsync.conf'),
                                      {'database': {'connection': url}})
    return subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), 'esi-leap-dbsync'),
         '--config-file', config] + list(argv), capture_output=True,
        text=True)


def test_create_schema_builds_then_keeps_the_schema(sqlite, tmp_path):
    database, engine = sqlite
    for _ in range(2):  # as a container entrypoint runs it at every start
        done = _dbsync(tmp_path, database.url, 'create_schema')
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip().splitlines()[-1] == (
            'Database is at revision %s' % migration.head())
    assert _schema_differences(engine) == []


def test_create_schema_and_upgrade_refuse_unknown_revisions(sqlite,
                                                            tmp_path):
    database, engine = sqlite
    _stamp_foreign(engine, 'deadbeefcafe')
    for command in ('create_schema', 'upgrade'):
        done = _dbsync(tmp_path, database.url, command)
        assert done.returncode == 1
        assert 'deadbeefcafe' in done.stderr
        assert 'Traceback' not in done.stderr


def test_create_schema_leaves_the_original_schema_to_upgrade(mariadb,
                                                             tmp_path):
    original_fixture.require_venv()
    database, engine = mariadb
    original_fixture.create_schema(str(tmp_path), database.url)
    done = _dbsync(tmp_path, database.url, 'create_schema')
    assert done.returncode == 1
    assert 'esi-leap-dbsync upgrade to adopt' in done.stderr
    assert _state(engine)[1] == (original.HEAD,)


# Rows as the original writes them: naive times, from America/New_York's
# clock for fulfil, expire and event times.
_OFFER = ("INSERT INTO offers (uuid, name, project_id, resource_type, "
          "resource_uuid, start_time, end_time, status, properties, "
          "created_at) VALUES ('o-1', 'a-name-of-thirty-five-characters--',"
          " 'owner', 'dummy_node', 'node-1', '2025-01-01 00:00:00', NULL, "
          "'available', '{\"floor\": 3}', '2024-12-31 12:00:00')")
_LEASES = ("INSERT INTO leases (uuid, name, project_id, owner_id, "
           "resource_type, resource_uuid, start_time, end_time, "
           "fulfill_time, expire_time, status, offer_uuid, created_at) "
           "VALUES "
           "('l-1', 'winter', 'lessee', 'owner', 'dummy_node', 'node-1', "
           "'2025-01-10 00:00:00', '2025-01-20 00:00:00', "
           "'2025-01-10 00:00:30.250000', '2025-01-20 00:00:40', "
           "'expired', 'o-1', '2025-01-09 00:00:00'), "
           "('l-2', 'fall-back', 'lessee', 'owner', 'dummy_node', 'node-1',"
           " '2025-11-02 05:00:00', '2099-01-01 00:00:00', "
           "'2025-11-02 01:30:00', NULL, 'active', 'o-1', "
           "'2025-11-01 00:00:00'), "
           "('l-3', NULL, 'lessee', 'owner', 'dummy_node', 'node-2', "
           "'2099-01-01 00:00:00', '2099-02-01 00:00:00', NULL, NULL, "
           "'created', NULL, '2025-11-01 00:00:00')")
_EVENTS = ("INSERT INTO events (id, event_type, event_time, object_type, "
           "object_uuid) VALUES "
           "(7, 'esi_leap.lease.fulfill.end', '2025-07-01 12:00:00', "
           "'lease', 'l-1'), "
           "(9, 'esi_leap.lease.fulfill.end', '2025-12-01 12:00:00', "
           "'lease', 'l-2')")
_TOKEN = ("INSERT INTO console_auth_tokens (node_uuid, token_hash, expires)"
          " VALUES ('node-1', 'in-clear', 0)")


@pytest.fixture
def original_database(mariadb, tmp_path, config):
    """A database of the original with rows from a New York host."""
    original_fixture.require_venv()
    database, engine = mariadb
    original_fixture.create_schema(str(tmp_path), database.url)
    with engine.begin() as connection:
        for statement in (_OFFER, _LEASES, _EVENTS, _TOKEN):
            connection.exec_driver_sql(statement)
    config(group='adoption', original_timezone='America/New_York')
    return database, engine


def _rows(engine, statement):
    with engine.connect() as connection:
        return connection.exec_driver_sql(statement).all()


def _check_adopted(engine):
    assert _state(engine)[1] == (migration.head(),)
    assert _schema_differences(engine) == []
    assert _rows(engine, 'SELECT uuid, name, start_time, end_time, '
                 'properties FROM offers') == [
        ('o-1', 'a-name-of-thirty-five-characters--',
         datetime.datetime(2025, 1, 1),
         datetime.datetime(9999, 12, 31, 23, 59, 59, 999999),
         '{"floor": 3}')]
    assert _rows(engine, 'SELECT uuid, start_time, fulfill_time, '
                 'expire_time, status, attempts FROM leases ORDER BY id') == [
        # EST: five hours behind UTC; start and end times unchanged.
        ('l-1', datetime.datetime(2025, 1, 10),
         datetime.datetime(2025, 1, 10, 5, 0, 30, 250000),
         datetime.datetime(2025, 1, 20, 5, 0, 40), 'expired', 0),
        # 01:30 on the night clocks go back: the first (EDT) one.
        ('l-2', datetime.datetime(2025, 11, 2, 5),
         datetime.datetime(2025, 11, 2, 5, 30), None, 'active', 0),
        ('l-3', datetime.datetime(2099, 1, 1), None, None, 'created', 0)]
    # The original's events have no end times (0011): null.
    assert _rows(engine, 'SELECT id, event_time, end_time, '
                 'previous_end_time FROM events ORDER BY id') == [
        (7, datetime.datetime(2025, 7, 1, 16), None, None),  # EDT
        (9, datetime.datetime(2025, 12, 1, 17), None, None)]  # EST
    assert set(_rows(engine, 'SELECT lease_uuid, kind, status FROM '
                     'lease_notices')) == {
        ('l-1', 'started', 'sent'), ('l-1', 'ending', 'sent'),
        ('l-2', 'started', 'sent')}
    assert set(_rows(engine, 'SELECT resource_uuid, generation FROM '
                     'resource_locks')) == {('node-1', 0), ('node-2', 0)}
    assert _rows(engine, 'SELECT COUNT(*) FROM console_auth_tokens') == [
        (0,)]
    with engine.connect() as connection:
        keys = [key for table in ('offers', 'leases')
                for key in sa.inspect(connection).get_foreign_keys(table)]
    assert keys == []


def test_original_database_is_adopted(original_database):
    database, engine = original_database
    migration.upgrade(engine=engine)
    _check_adopted(engine)
    # New rows carry on after the adopted ones.
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO events (event_type, event_time) VALUES "
            "('x', '2026-01-01 00:00:00')")
    assert _rows(engine, 'SELECT MAX(id) FROM events') == [(10,)]


def test_an_interrupted_adoption_is_finished(original_database):
    database, engine = original_database
    with engine.begin() as connection:
        original.set_aside(connection, list(original.TABLES))
    migration._migrate(engine, original.INTO)  # ... then a crash
    with engine.begin() as connection:  # a partial copy
        connection.exec_driver_sql(
            "INSERT INTO events (event_type, event_time) VALUES "
            "('partial', '2026-01-01 00:00:00')")
    migration.upgrade(engine=engine)
    _check_adopted(engine)


def test_an_adoption_interrupted_while_dropping_is_finished(
        original_database, config):
    database, engine = original_database
    present = list(original.TABLES)
    with engine.begin() as connection:
        original.set_aside(connection, present)
    migration._migrate(engine, original.INTO)
    with engine.begin() as connection:
        original.copy_in(connection, present, 'America/New_York',
                         datetime.datetime.utcnow(), datetime.timedelta(0))
    with engine.begin() as connection:  # ... then a crash
        original.drop_set_aside(connection, ['offers', 'leases'])
    migration.upgrade(engine=engine)
    _check_adopted(engine)


def test_an_adoption_interrupted_while_building_is_finished(
        original_database):
    database, engine = original_database
    with engine.begin() as connection:
        original.set_aside(connection, list(original.TABLES))
    migration._migrate(engine, '0002')  # ... then a crash
    migration.upgrade(engine=engine)
    _check_adopted(engine)


def test_adoption_to_a_revision_before_its_own_is_refused(original_database):
    database, engine = original_database
    with pytest.raises(adopt.SchemaError, match='builds esi-leap revision'):
        migration.upgrade('0003', engine=engine)
    assert _state(engine)[1] == (original.HEAD,)


def test_local_time_stretches():
    first = datetime.datetime(2025, 1, 1)
    last = datetime.datetime(2025, 12, 31)
    assert localtime.stretches('UTC', first, last) == [(None, 0)]
    assert localtime.stretches('America/New_York', first, last) == [
        (datetime.datetime(2025, 3, 9, 2), -5 * 3600),
        (datetime.datetime(2025, 11, 2, 2), -4 * 3600),
        (None, -5 * 3600)]
    assert localtime.stretches('Asia/Kolkata', first, last) == [
        (None, 19800)]


def test_upgrade_check_names_the_original_schema_and_the_way_on():
    from esi_leap.cmd import status
    result = status._schema_result(original.HEAD, migration.head())
    assert result.code == status.FAILURE
    assert 'original ESI-Leap' in result.details
    assert 'upgrade' in result.details and 'backup' in result.details
