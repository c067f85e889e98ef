"""Adopt a database of the original ESI-Leap (alembic head 11e06aea1af5).

This is a migration in three steps, run by ``esi-leap-dbsync upgrade``
(esi_leap/db/adopt.py) when it finds the original's head revision:

1. set_aside(): the original's tables lose their foreign keys (esi-leap
   has none: a lease may outlive its offer's row being changed, and the
   database's row locks, not foreign keys, keep bookings consistent) and
   are renamed ``esi_leap_1_0_<table>``; its revision is forgotten.
2. esi-leap's own migrations then build esi-leap's schema up to revision
   INTO ('0005'), as on an empty database, with esi-leap's column widths
   (names 255 instead of 35, resource uuids 255 instead of 36), indexes
   and bookkeeping columns and tables.
3. copy_in(): every offer, lease and event is copied across in one
   transaction, with its id, uuid, name, projects, times and status:

   * times the original took from the local clock (leases' fulfil and
     expire times, event times) are converted from the time zone the
     original ran in (``[adoption] original_timezone``) to UTC; start and
     end times, which the original compared with UTC, are copied as they
     are. A missing start or end (possible in the original's schema, not
     in esi-leap's) becomes the row's creation time, or the end of time;
   * leases get the manager's bookkeeping (no attempts yet);
   * every node of an offer or lease gets its lock row;
   * the e-mail notices of what already happened are recorded as sent,
     so that the switch sends none about the past: the ``started``
     notice of every lease that started, the ``ending`` notice of every
     lease that has ended, and of every active lease ending within the
     notice lead time (the original's own script may have sent it);
   * console tokens are not copied: the original stored them in clear.

   Then the original's tables are dropped. If the copy fails, nothing of
   it is kept and the set-aside tables stay: running ``esi-leap-dbsync
   upgrade`` again copies them again.

After step 3 the database is an ordinary esi-leap database at revision
INTO, and ``upgrade`` goes on with the migrations after INTO.
"""
import sqlalchemy as sa

from esi_leap.common import statuses
from esi_leap.common import timeutils
from esi_leap.db.sqlalchemy.adoption import localtime

# The original's revisions: its head, which is adopted, and the others.
HEAD = '11e06aea1af5'
OLDER = ('a1ea63fec697',)
# The esi-leap revision whose schema copy_in() fills.
INTO = '0005'

TABLES = ('offers', 'leases', 'events', 'console_auth_tokens')
PREFIX = 'esi_leap_1_0_'

_OFFER_COLUMNS = ('id', 'uuid', 'name', 'project_id', 'lessee_id',
                  'resource_type', 'resource_uuid', 'start_time', 'end_time',
                  'status', 'properties', 'parent_lease_uuid', 'created_at',
                  'updated_at')
_LEASE_COLUMNS = ('id', 'uuid', 'name', 'project_id', 'owner_id', 'purpose',
                  'resource_type', 'resource_uuid', 'start_time', 'end_time',
                  'fulfill_time', 'expire_time', 'status', 'properties',
                  'offer_uuid', 'parent_lease_uuid', 'created_at',
                  'updated_at')
_EVENT_COLUMNS = ('id', 'event_type', 'event_time', 'object_type',
                  'object_uuid', 'resource_type', 'resource_uuid',
                  'lessee_id', 'owner_id', 'created_at', 'updated_at')
# The original's columns filled from its local clock.
LOCAL_TIMES = {'leases': ('fulfill_time', 'expire_time'),
               'events': ('event_time',)}


def set_aside_name(table):
    """The name of the original's ``table`` while it is being adopted."""
    return PREFIX + table


def _table(name, columns):
    return sa.table(name, *[sa.column(c) for c in columns])


def set_aside(connection, present):
    """Step 1: drop the foreign keys of the original's tables, rename them.

    ``present`` names the original's tables the database has. Also forgets
    the original's revision, so that esi-leap's migrations start afresh.
    """
    inspector = sa.inspect(connection)
    for table in present:
        for key in inspector.get_foreign_keys(table):
            connection.exec_driver_sql(
                'ALTER TABLE %s DROP FOREIGN KEY %s' % (table, key['name']))
    # NOTE(esi-leap): one RENAME TABLE renames them all or none.
    if present:
        connection.exec_driver_sql('RENAME TABLE ' + ', '.join(
            '%s TO %s' % (table, set_aside_name(table))
            for table in present))
    connection.exec_driver_sql('DELETE FROM alembic_version')


def _bounds(connection, table, column):
    """(earliest, latest) value of ``column`` of ``table``."""
    source = _table(table, (column,))
    return connection.execute(sa.select(
        sa.func.min(source.c[column]), sa.func.max(source.c[column]))).one()


def _local_columns(connection, name, source, zone):
    """The converted SQL of ``name``'s local-clock columns, by column."""
    columns = LOCAL_TIMES.get(name, ())
    if not columns or zone == 'UTC':
        return {}
    converted = {}
    for column in columns:
        first, last = _bounds(connection, source.name, column)
        if first is None:
            continue
        converted[column] = localtime.to_utc(
            source.c[column], zone, first, last, connection.dialect.name)
    return converted


def _copy(connection, name, columns, zone, now):
    """INSERT ... SELECT one of the original's tables into esi-leap's."""
    source = _table(set_aside_name(name), columns)
    values = {c: source.c[c] for c in columns}
    values.update(_local_columns(connection, name, source, zone))
    if 'start_time' in values:
        values['start_time'] = sa.func.coalesce(
            source.c.start_time, source.c.created_at, now)
        values['end_time'] = sa.func.coalesce(
            source.c.end_time, sa.literal(timeutils.MAX_DATETIME.replace(
                tzinfo=None), sa.DateTime))
    target = _table(name, columns)
    return connection.execute(sa.insert(target).from_select(
        list(columns), sa.select(*[values[c] for c in columns]))).rowcount


def _lock_rows(connection, now):
    """One resource_locks row per node of an offer or a lease."""
    offers = _table('offers', ('resource_type', 'resource_uuid'))
    leases = _table('leases', ('resource_type', 'resource_uuid'))
    nodes = sa.union(
        sa.select(offers.c.resource_type, offers.c.resource_uuid),
        sa.select(leases.c.resource_type, leases.c.resource_uuid)).subquery()
    locks = _table('resource_locks', ('resource_type', 'resource_uuid',
                                      'generation', 'created_at'))
    connection.execute(sa.insert(locks).from_select(
        ['resource_type', 'resource_uuid', 'generation', 'created_at'],
        sa.select(nodes.c.resource_type, nodes.c.resource_uuid,
                  sa.literal(0), sa.literal(now, sa.DateTime))))


def _notices(connection, now, lead):
    """Record the notices of what already happened as sent."""
    lease = _table('leases', ('uuid', 'status', 'fulfill_time', 'end_time'))
    started = (lease.c.fulfill_time.isnot(None)
               | lease.c.status.in_((statuses.ACTIVE, statuses.WAIT_EXPIRE)))
    ending = (lease.c.status.notin_(statuses.MANAGER_FULFIL_DUE)
              & ~((lease.c.status == statuses.ACTIVE)
                  & (lease.c.end_time > now + lead)))
    notices = _table('lease_notices', ('lease_uuid', 'kind', 'status',
                                       'attempts', 'created_at'))
    for kind, which in ((statuses.NOTICE_STARTED, started),
                        (statuses.NOTICE_ENDING, ending)):
        connection.execute(sa.insert(notices).from_select(
            ['lease_uuid', 'kind', 'status', 'attempts', 'created_at'],
            sa.select(lease.c.uuid, sa.literal(kind),
                      sa.literal(statuses.NOTICE_SENT), sa.literal(0),
                      sa.literal(now, sa.DateTime)).where(which)))


def copy_in(connection, present, zone, now, lead):
    """Step 3: copy the set-aside tables into esi-leap's (at INTO).

    ``present`` names the set-aside tables, ``zone`` the original's time
    zone, ``now`` (naive UTC) the adoption's time and ``lead`` the e-mail
    notices' lead time. Runs in the caller's transaction; empties the
    tables it copies into first, so that it can be run again (a table
    whose set-aside original was dropped is complete and left alone).
    Returns the number of rows copied, by table.
    """
    copied = {}
    for name in ('lease_notices', 'resource_locks', 'events', 'leases',
                 'offers'):
        if name in present or name in ('lease_notices', 'resource_locks'):
            connection.execute(sa.delete(sa.table(name)))
    for name, columns in (('offers', _OFFER_COLUMNS),
                          ('leases', _LEASE_COLUMNS),
                          ('events', _EVENT_COLUMNS)):
        if name in present:
            copied[name] = _copy(connection, name, columns, zone, now)
    _lock_rows(connection, now)
    _notices(connection, now, lead)
    return copied


def drop_set_aside(connection, present):
    """Drop the original's tables once their rows are copied."""
    for table in present:
        connection.exec_driver_sql('DROP TABLE %s' % set_aside_name(table))
