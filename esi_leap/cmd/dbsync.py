"""esi-leap-dbsync: create and upgrade the database schema."""
import sys

from oslo_config import cfg

from esi_leap.common import service
from esi_leap.db import adopt
from esi_leap.db import migration

CONF = cfg.CONF


def _upgrade():
    migration.upgrade(CONF.command.revision)
    print('Database is at revision %s' % migration.version())


def _create_schema():
    # NOTE(esi-leap): the original's name, run by its container entrypoint
    # at every start: it builds the newest schema on an empty database and
    # upgrades esi-leap's own, but leaves adopting the original's database
    # to an explicit ``upgrade`` (after a backup).
    migration.upgrade('head', adopt=False)
    print('Database is at revision %s' % migration.version())


def _stamp():
    migration.stamp(CONF.command.revision)


def _version():
    print(migration.version() or 'None (empty database)')


def _revision():
    migration.revision(CONF.command.message, CONF.command.autogenerate)


def _add_parsers(subparsers):
    parser = subparsers.add_parser(
        'upgrade', help='Build or upgrade the schema (default: newest).')
    parser.add_argument('--revision', default='head')
    parser.set_defaults(func=_upgrade)

    parser = subparsers.add_parser(
        'create_schema',
        help='Build the newest schema on an empty database, or upgrade '
             'esi-leap\'s (the original ESI-Leap\'s name for it; its '
             'database is adopted by upgrade only).')
    parser.set_defaults(func=_create_schema)

    parser = subparsers.add_parser(
        'stamp', help='Record a revision without running migrations.')
    parser.add_argument('--revision', required=True)
    parser.set_defaults(func=_stamp)

    parser = subparsers.add_parser(
        'version', help='Print the schema revision of the database.')
    parser.set_defaults(func=_version)

    parser = subparsers.add_parser(
        'revision', help='Write a new migration script (developers).')
    parser.add_argument('-m', '--message', required=True)
    parser.add_argument('--autogenerate', action='store_true')
    parser.set_defaults(func=_revision)


command_opt = cfg.SubCommandOpt('command', title='Command',
                                help='Available commands',
                                handler=_add_parsers)


def main():
    """Run the dbsync sub-command named on the command line."""
    CONF.register_cli_opt(command_opt)
    service.prepare_service(sys.argv)
    try:
        CONF.command.func()
    except adopt.SchemaError as e:
        sys.exit('esi-leap-dbsync: %s' % e)
