"""The engine and session factory of esi-leap's database.

One oslo.db enginefacade per process, configured from [database] on first
use. Every ``reader()`` or ``writer()`` block is its own transaction.
"""
import contextlib
import threading

from oslo_config import cfg
from oslo_db.sqlalchemy import enginefacade
import sqlalchemy as sa

CONF = cfg.CONF

_LOCK = threading.Lock()
_FACTORY = None


class _Ctx(object):
    """A fresh enginefacade context: each use is its own transaction."""


def _on_connect(dialect_name):
    def listener(dbapi_connection, connection_record):
        cursor = dbapi_connection.cursor()
        if dialect_name == 'mysql':
            # NOTE(esi-leap): InnoDB's default REPEATABLE READ would let a
            # booking check read a snapshot older than the resource row lock
            # it just waited for; READ COMMITTED makes every check see what
            # the previous lock holder committed. PostgreSQL's default is
            # already READ COMMITTED.
            cursor.execute('SET SESSION TRANSACTION ISOLATION LEVEL '
                           'READ COMMITTED')
        elif dialect_name == 'sqlite':
            # WAL lets readers run while one writer holds the lock; writers
            # wait for each other instead of failing at once.
            cursor.execute('PRAGMA busy_timeout = 30000')
            cursor.execute('PRAGMA journal_mode = WAL')
        cursor.close()
    return listener


def _factory():
    global _FACTORY
    with _LOCK:
        if _FACTORY is None:
            factory = enginefacade.transaction_context()
            # NOTE(esi-leap): max_retries=0 creates the engine without
            # oslo.db's blocking test connection (by default 10 tries 10 s
            # apart, made by the first request of each API worker): when
            # the database is down a request fails at once with 503, and
            # every later request connects afresh.
            factory.configure(connection=CONF.database.connection,
                              sqlite_fk=False, max_retries=0)
            engine = factory.writer.get_engine()
            sa.event.listen(engine, 'connect',
                            _on_connect(engine.dialect.name))
            _FACTORY = factory
        return _FACTORY


def reset():
    """Forget the engine so the next use reads [database] afresh."""
    global _FACTORY
    with _LOCK:
        if _FACTORY is not None:
            _FACTORY.writer.get_engine().dispose()
        _FACTORY = None


def get_engine():
    """Return the SQLAlchemy engine for [database] connection."""
    return _factory().writer.get_engine()


@contextlib.contextmanager
def reader():
    """Yield a session in a read-only transaction."""
    with _factory().reader.using(_Ctx()) as session:
        yield session


@contextlib.contextmanager
def writer():
    """Yield a session in a read-write transaction, committed on exit."""
    with _factory().writer.using(_Ctx()) as session:
        yield session
