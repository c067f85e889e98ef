"""The engine and session factory of esi-leap's database.

One oslo.db enginefacade per process, configured from [database] on first
use. Every ``reader()`` or ``writer()`` block is its own transaction.
"""
import contextlib
import contextvars
import datetime
import threading

from oslo_config import cfg
from oslo_db.sqlalchemy import enginefacade
import sqlalchemy as sa

from esi_leap.db.sqlalchemy import pool

try:
    from pymysql import constants as _pymysql_constants
    from pymysql import converters as _pymysql_converters
    _DATETIME_FIELD = _pymysql_constants.FIELD_TYPE.DATETIME
    _PYMYSQL_DATETIME = _pymysql_converters.convert_datetime
except ImportError:  # another MySQL driver, or none
    _DATETIME_FIELD = _PYMYSQL_DATETIME = None

CONF = cfg.CONF
_FROM_ISO = datetime.datetime.fromisoformat

_LOCK = threading.Lock()
_FACTORY = None


class _Ctx(object):
    """A fresh enginefacade context: each use is its own transaction."""


def _pymysql_datetime(text):
    """A DATETIME value PyMySQL received, as a naive datetime.

    MariaDB sends ``YYYY-MM-DD HH:MM:SS[.ffffff]``, which the C
    ``fromisoformat`` parses; anything else (a zero date) is left to
    PyMySQL's own converter, which returns it as it came.
    """
    try:
        return _FROM_ISO(text)
    except (TypeError, ValueError):
        return _PYMYSQL_DATETIME(text)


def _fast_datetimes(dbapi_connection):
    """Parse DATETIME columns in C on a PyMySQL connection.

    NOTE(esi-leap): PyMySQL parses each DATETIME value with a regular
    expression in Python, about 2 us a value: the largest per-row cost of
    a long list. ``datetime.fromisoformat`` gives the same value about 20
    times faster. Other drivers are left as they are.
    """
    decoders = getattr(dbapi_connection, 'decoders', None)
    if isinstance(decoders, dict) and \
            decoders.get(_DATETIME_FIELD) is _PYMYSQL_DATETIME:
        decoders[_DATETIME_FIELD] = _pymysql_datetime


def _on_connect(dialect_name):
    def listener(dbapi_connection, connection_record):
        if dialect_name == 'mysql':
            _fast_datetimes(dbapi_connection)
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
            # NOTE(esi-leap): thread_checkin=False: oslo.db's default
            # sleeps (0) at every connection check-in, for eventlet's
            # green threads; in our OS threads that only hands the GIL
            # to another request in the middle of this one.
            factory.configure(connection=CONF.database.connection,
                              sqlite_fk=False, max_retries=0,
                              thread_checkin=False)
            engine = factory.writer.get_engine()
            sa.event.listen(engine, 'connect',
                            _on_connect(engine.dialect.name))
            pool.tune(engine)
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


# The context of the read-only transaction that reader() blocks join,
# inside one_read(); None elsewhere.
_SHARED_READ = contextvars.ContextVar('esi_leap_shared_read', default=None)


@contextlib.contextmanager
def reader():
    """Yield a session in a read-only transaction.

    Inside one_read(), the transaction is that block's; elsewhere each
    reader() block is its own.
    """
    with _factory().reader.using(_SHARED_READ.get() or _Ctx()) as session:
        yield session


@contextlib.contextmanager
def one_read():
    """Make every reader() block inside share one read-only transaction.

    NOTE(esi-leap): a request that reads in several steps (find a lease,
    then its offer's windows) would otherwise check a connection out,
    read and roll back once per step: each step is three or four round
    trips to the database where one statement is needed. writer() blocks
    inside stay transactions of their own. Nested one_read() blocks join
    the outermost.
    """
    if _SHARED_READ.get() is not None:
        yield
        return
    context = _Ctx()
    token = _SHARED_READ.set(context)
    try:
        with _factory().reader.using(context):
            yield
    finally:
        _SHARED_READ.reset(token)


@contextlib.contextmanager
def writer():
    """Yield a session in a read-write transaction, committed on exit."""
    with _factory().writer.using(_Ctx()) as session:
        yield session
