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
from esi_leap.db.sqlalchemy import types

try:
    from pymysql import constants as _pymysql_constants
    from pymysql import converters as _pymysql_converters
    _PYMYSQL_FIELD = _pymysql_constants.FIELD_TYPE.DATETIME
    _PYMYSQL_DATETIME = _pymysql_converters.convert_datetime
except ImportError:  # not installed
    _PYMYSQL_FIELD = _PYMYSQL_DATETIME = None
try:
    from MySQLdb.constants import FIELD_TYPE as _mysqldb_field_types
    from MySQLdb import converters as _mysqldb_converters
    from MySQLdb import times as _mysqldb_times
    _MYSQLDB_FIELD = _mysqldb_field_types.DATETIME
    _MYSQLDB_DATETIME = _mysqldb_times.DateTime_or_None
except ImportError:  # not installed
    _MYSQLDB_FIELD = _MYSQLDB_DATETIME = None

CONF = cfg.CONF
_FROM_ISO = datetime.datetime.fromisoformat
_UTC = datetime.timezone.utc

_LOCK = threading.Lock()
_FACTORY = None

# The MySQL drivers that _aware_conversions() makes read DATETIMEs aware.
_AWARE_DRIVERS = ('pymysql', 'mysqldb')


class _Ctx(object):
    """A fresh enginefacade context: each use is its own transaction."""


def _aware(text, driver_parse):
    """A DATETIME value a MySQL driver received, as an aware UTC datetime.

    MariaDB sends ``YYYY-MM-DD HH:MM:SS[.ffffff]``, which the C
    ``fromisoformat`` parses; anything else (a zero date) is left to the
    driver's own converter (a datetime it returns is made aware).
    """
    try:
        return _FROM_ISO(text + '+00:00')
    except (TypeError, ValueError):
        value = driver_parse(text)
        if isinstance(value, datetime.datetime):
            return value.replace(tzinfo=_UTC)
        return value


def _pymysql_datetime(text):
    return _aware(text, _PYMYSQL_DATETIME)


def _mysqldb_datetime(text):
    return _aware(text, _MYSQLDB_DATETIME)


def _aware_conversions(driver):
    """The ``conv`` a MySQL driver connects with: its own, DATETIMEs aware.

    NOTE(esi-leap): PyMySQL and mysqlclient parse each DATETIME in Python
    (a regular expression, string slicing), about 2 us a value, and
    UTCDateTime then made each aware with ``replace(tzinfo=...)``, as
    much again: the largest per-row cost of a long list. The C
    ``fromisoformat`` of the text with ``+00:00`` gives the aware value
    about twenty times faster, so the column type has nothing left to do
    (see types.AWARE_DATETIMES). GET /v1/leases?view=all of 1,035 leases
    takes 28 ms of CPU instead of 36 through PyMySQL (-21%), 15 instead
    of 22 through mysqlclient (-30%) (benchmarks/framework_patches.py,
    2026-12-06). Both drivers take the conversions as their documented
    ``conv`` connect argument.
    """
    if driver == 'pymysql':
        conv = dict(_pymysql_converters.conversions)
        conv[_PYMYSQL_FIELD] = _pymysql_datetime
    else:
        conv = dict(_mysqldb_converters.conversions)
        conv[_MYSQLDB_FIELD] = _mysqldb_datetime
    return conv


def _connect_with(conv):
    """A do_connect listener: connect with conversions ``conv``."""
    def listener(dialect, connection_record, cargs, cparams):
        cparams['conv'] = conv
    return listener


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
            # NOTE(esi-leap): thread_checkin=False: oslo.db's default
            # sleeps (0) at every connection check-in, for eventlet's
            # green threads; in our OS threads that only hands the GIL
            # to another request in the middle of this one.
            factory.configure(connection=pool.with_upkeep(
                                  CONF.database.connection),
                              sqlite_fk=False, max_retries=0,
                              thread_checkin=False)
            engine = factory.writer.get_engine()
            dialect = engine.dialect
            sa.event.listen(engine, 'connect',
                            _on_connect(dialect.name))
            if dialect.driver in _AWARE_DRIVERS:
                sa.event.listen(engine, 'do_connect', _connect_with(
                    _aware_conversions(dialect.driver)))
                setattr(dialect, types.AWARE_DATETIMES, True)
            # Every connection from now on reads DATETIMEs aware; none
            # made before the listeners (there should be none) is kept.
            engine.dispose()
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


def ping():
    """Run ``SELECT 1`` on a pooled connection; raise if the database fails."""
    with get_engine().connect() as connection:
        connection.execute(sa.text('SELECT 1')).scalar()


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
