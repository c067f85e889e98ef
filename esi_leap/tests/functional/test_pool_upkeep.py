"""The connection pool: pinged when idle, rolled back only when needed."""
import contextlib
from unittest import mock

from oslo_db import exception as db_exc
import pytest
import sqlalchemy as sa

from esi_leap.db import api as db_api
from esi_leap.db.sqlalchemy import models
from esi_leap.db.sqlalchemy import pool

_SESSION_ID = {'mysql': 'SELECT CONNECTION_ID()',
               'mysqlclient': 'SELECT CONNECTION_ID()',
               'postgresql': 'SELECT pg_backend_pid()'}
_KILL = {'mysql': 'KILL %d', 'postgresql': 'SELECT pg_terminate_backend(%d)'}


@contextlib.contextmanager
def counting(name):
    """Count calls of the engine dialect's ``name`` (do_ping, do_rollback)."""
    dialect = db_api.get_engine().dialect
    with mock.patch.object(dialect, name,
                           wraps=getattr(dialect, name)) as counted:
        yield counted


def _read():
    with db_api.reader() as session:
        return session.scalar(sa.select(sa.func.count(models.Event.id)))


def _session_id():
    dialect = db_api.get_engine().dialect.name
    with db_api.reader() as session:
        return session.scalar(sa.text(_SESSION_ID[dialect]))


def _kill(database, session_id):
    other = sa.create_engine(database.url, poolclass=sa.pool.NullPool)
    try:
        with other.connect() as conn:
            conn.execute(sa.text(_KILL[other.dialect.name] % session_id))
            conn.commit()
    finally:
        other.dispose()


def test_the_pool_is_tuned(database):
    engine = db_api.get_engine()
    # The plugin made the pool (its arguments are SQLAlchemy's own).
    assert engine.pool._pre_ping is False, 'pool.UpkeepPlugin not used'
    assert engine.pool._reset_on_return is sa.pool.reset_none, \
        'pool.UpkeepPlugin not used'
    # and is not part of the engine's URL.
    assert 'plugin' not in engine.url.query
    assert engine.url == sa.engine.make_url(database.url)


def test_the_plugin_is_named_once_in_the_url():
    url = 'mysql+pymysql://u:p%40ss@db/esi?charset=utf8mb4'
    named = pool.with_upkeep(url)
    assert pool.with_upkeep(named) == named
    parsed = sa.engine.make_url(named)
    assert parsed.query == {'charset': 'utf8mb4', 'plugin': pool.PLUGIN}
    assert parsed.password == 'p@ss'
    assert parsed.set(query={'charset': 'utf8mb4'}) == \
        sa.engine.make_url(url)


def test_an_engine_made_from_the_url_has_the_upkeep():
    engine = sa.create_engine(pool.with_upkeep('sqlite://'))
    try:
        assert engine.pool._pre_ping is False
        assert engine.pool._reset_on_return is sa.pool.reset_none
        assert engine.pool.dispatch.reset and engine.pool.dispatch.checkout
    finally:
        engine.dispose()


def test_a_busy_connection_is_not_pinged(database):
    _read()
    with counting('do_ping') as ping:
        for _ in range(3):
            _read()
    assert ping.call_count == 0


def _server_only(database):
    if database.backend == 'sqlite':
        # oslo.db runs SQLite in autocommit with a fresh connection per
        # use: there is no server connection to ping or to lose.
        pytest.skip('SQLite has no server connection')


def test_an_idle_connection_is_pinged(database, monkeypatch):
    _server_only(database)
    _read()
    monkeypatch.setattr(pool, 'IDLE_PING_SECONDS', 0.0)
    with counting('do_ping') as ping:
        _read()
        _read()
    assert ping.call_count == 2


def test_a_finished_transaction_is_not_rolled_back_again(database):
    _read()
    with counting('do_rollback') as rollback:
        with db_api.writer() as session:
            session.execute(sa.delete(models.Event))
    assert rollback.call_count == 0
    with counting('do_rollback') as rollback:
        _read()
    # The reader's own rollback ends its transaction; none on return.
    assert rollback.call_count == 1


def test_a_connection_given_back_mid_transaction_is_rolled_back(database):
    _server_only(database)
    _read()
    raw = db_api.get_engine().raw_connection()
    cursor = raw.cursor()
    cursor.execute("INSERT INTO resource_locks (resource_type, "
                   "resource_uuid, generation) VALUES ('t', 'u', 0)")
    cursor.close()
    with counting('do_rollback') as rollback:
        raw.close()
    assert rollback.call_count == 1
    with db_api.reader() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(
            models.ResourceLock)) == 0


def test_a_failed_statement_is_rolled_back_on_return(database):
    _read()
    engine = db_api.get_engine()
    with counting('do_rollback') as rollback:
        with pytest.raises((db_exc.DBError, sa.exc.DBAPIError)):
            with engine.connect() as conn:
                conn.execute(sa.text('SELECT * FROM no_such_table'))
    assert rollback.call_count >= 1


@pytest.mark.parametrize('idle', [True, False])
def test_a_connection_killed_in_the_pool(database, monkeypatch, idle):
    _server_only(database)
    killed = _session_id()
    _kill(database, killed)
    if idle:
        # Pinged before use: replaced, and the read succeeds.
        monkeypatch.setattr(pool, 'IDLE_PING_SECONDS', 0.0)
        assert _read() == 0
    else:
        # Used a moment ago, so not pinged: this one read fails (the API
        # answers 503) and every pooled connection is replaced.
        with pytest.raises(db_exc.DBConnectionError):
            _read()
    assert _read() == 0
    assert _session_id() != killed


def test_a_connection_lost_mid_transaction_is_a_connection_error(database):
    _server_only(database)
    # The API answers DBConnectionError with 503; anything else is a 500.
    with pytest.raises(db_exc.DBConnectionError):
        with db_api.reader() as session:
            _kill(database, session.scalar(
                sa.text(_SESSION_ID[database.backend])))
            session.scalar(sa.select(sa.func.count(models.Event.id)))
    assert _read() == 0
