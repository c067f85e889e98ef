"""Before esi-leap's migrations run: refuse foreign schemas, adopt ours.

A database may hold a revision that is not one of esi-leap's: the
original ESI-Leap's head, which is adopted (see
esi_leap/db/sqlalchemy/adoption/esi_leap_1_0.py for what that does), or
anything else, which is refused with a message naming it, before anything
is changed.
"""
import datetime

from alembic import migration as alembic_migration
from oslo_config import cfg
from oslo_log import log as logging
import sqlalchemy as sa

from esi_leap.common import timeutils
from esi_leap.db.sqlalchemy.adoption import esi_leap_1_0 as original

CONF = cfg.CONF
LOG = logging.getLogger(__name__)


class SchemaError(Exception):
    """The database cannot be upgraded; the message says why, for people."""


def _heads(connection):
    context = alembic_migration.MigrationContext.configure(connection)
    return tuple(sorted(context.get_current_heads()))


def _tables(connection):
    return set(sa.inspect(connection).get_table_names())


def _refuse_unknown(heads, scripts):
    """Raise SchemaError if a revision in ``heads`` is not esi-leap's."""
    if any(head in original.OLDER for head in heads):
        raise SchemaError(
            'The database is at revision %s of the original ESI-Leap, from '
            'before its 1.0: only its head revision %s can be adopted. '
            'Upgrade it with the original\'s esi-leap-dbsync first. Nothing '
            'was changed.' % (', '.join(heads), original.HEAD))
    unknown = [head for head in heads if not _known(scripts, head)]
    if unknown:
        raise SchemaError(
            'The database is at revision %s, which this esi-leap does not '
            'know (its migrations end at %s, and it adopts the original '
            'ESI-Leap\'s %s): it was written by another service or by a '
            'newer esi-leap. Nothing was changed.'
            % (', '.join(unknown), scripts.get_current_head(),
               original.HEAD))


def _known(scripts, revision):
    try:
        return scripts.get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for unknown ids
        return False


def _check_adoptable(connection, target, scripts):
    """Raise SchemaError unless adopting, then going to ``target``, works."""
    if connection.dialect.name != 'mysql':
        raise SchemaError(
            'The database holds the original ESI-Leap\'s schema (revision '
            '%s) on %s; adopting it is supported on MySQL and MariaDB, the '
            'databases the original ran on. Nothing was changed.'
            % (original.HEAD, connection.dialect.name))
    try:
        path = {script.revision for script
                in scripts.iterate_revisions(target, 'base')}
    except Exception:  # alembic raises several kinds for unknown ids
        path = set()
    if original.INTO not in path:
        raise SchemaError(
            'Adopting the original ESI-Leap\'s database builds esi-leap '
            'revision %s; %s is not that or later. Nothing was changed.'
            % (original.INTO, target))


def prepare(engine, target, scripts, migrate, adopt=True):
    """Make the database ready for esi-leap's migrations up to ``target``.

    Refuses (SchemaError, before any change) a revision that is neither
    esi-leap's nor the original ESI-Leap's head. Adopts a database at the
    original's head (unless ``adopt`` is False: then it is refused too),
    running ``migrate(revision)`` to build esi-leap's schema in between;
    finishes an adoption that was interrupted during its copy.
    """
    with engine.connect() as connection:
        heads = _heads(connection)
        tables = _tables(connection)
    pending = [t for t in original.TABLES
               if original.set_aside_name(t) in tables]
    if pending:
        _resume(engine, heads, pending, scripts, migrate)
        return
    if heads != (original.HEAD,):
        _refuse_unknown(heads, scripts)
        return
    if not adopt:
        raise SchemaError(
            'The database holds the original ESI-Leap\'s schema (revision '
            '%s). Take a backup, then run esi-leap-dbsync upgrade to adopt '
            'it. Nothing was changed.' % original.HEAD)
    with engine.connect() as connection:
        _check_adoptable(connection, target, scripts)
    present = [t for t in original.TABLES if t in tables]
    LOG.info('Adopting a database of the original ESI-Leap (revision %s, '
             'tables %s), times from %s.', original.HEAD,
             ', '.join(present), CONF.adoption.original_timezone)
    with engine.begin() as connection:
        original.set_aside(connection, present)
    migrate(original.INTO)
    _copy_in(engine, present)


def _resume(engine, heads, pending, scripts, migrate):
    """Finish an adoption interrupted after its tables were set aside."""
    try:
        before = {script.revision for script
                  in scripts.iterate_revisions(original.INTO, 'base')}
    except Exception:  # alembic raises several kinds for unknown ids
        before = set()
    if not set(heads) <= before:
        raise SchemaError(
            'An adoption of the original ESI-Leap\'s database was '
            'interrupted: tables %s are left, but the schema is at %s, '
            'past %s. Restore the backup taken before the upgrade.'
            % (', '.join(original.set_aside_name(t) for t in pending),
               ', '.join(heads), original.INTO))
    LOG.warning('Finishing an interrupted adoption of the original '
                'ESI-Leap\'s database.')
    migrate(original.INTO)
    _copy_in(engine, pending)


def _copy_in(engine, present):
    now = timeutils.utcnow().replace(tzinfo=None)
    lead = datetime.timedelta(seconds=CONF.email.ending_lead_time)
    with engine.begin() as connection:
        copied = original.copy_in(connection, present,
                                  CONF.adoption.original_timezone, now, lead)
    with engine.begin() as connection:
        original.drop_set_aside(connection, present)
    LOG.info('Adopted the original ESI-Leap\'s database: %s.', ', '.join(
        '%d %s' % (count, table) for table, count in sorted(copied.items())))
