"""esi-leap-status: checks an operator runs before and after an upgrade.

``esi-leap-status [--config-file FILE] upgrade check [--json]`` prints
one result per check and exits with oslo.upgradecheck's codes: 0 when
every check succeeded, 1 when the worst result is a warning (works, but
needs attention), 2 when one failed (esi-leap will not work as
configured), 255 when a check itself crashed.
"""
import ipaddress
import sys
from urllib import parse

from oslo_config import cfg
from oslo_upgradecheck import common_checks
from oslo_upgradecheck import upgradecheck

from esi_leap.common import service  # noqa: F401  (registers options)
from esi_leap.db import api as db_api
from esi_leap.db import migration
from esi_leap.db.sqlalchemy.adoption import esi_leap_1_0 as original_schema

CONF = cfg.CONF

SUCCESS = upgradecheck.Code.SUCCESS
WARNING = upgradecheck.Code.WARNING
FAILURE = upgradecheck.Code.FAILURE

_DBSYNC = 'esi-leap-dbsync --config-file <your esi-leap.conf> upgrade'
_FOUR_BYTE = 'utf8mb4'


def _loopback(host):
    """Whether ``host`` (a name or an address) is this machine only."""
    if host == 'localhost':
        return True
    try:
        return ipaddress.ip_address(host or '').is_loopback
    except ValueError:
        return False


def _current_revision():
    """Return (revision, None) or (None, why the database is unusable)."""
    try:
        return migration.version(), None
    except Exception as e:  # unreachable, bad URL, no permission, ...
        return None, '%s: %s' % (type(e).__name__, str(e).splitlines()[0])
    finally:
        db_api.reset()


def _schema_result(current, head):
    if current == head:
        return upgradecheck.Result(
            SUCCESS, 'The database is at the newest revision (%s).' % head)
    if current is None:
        return upgradecheck.Result(
            FAILURE, 'The database has no esi-leap schema. Create it with '
                     '"%s".' % _DBSYNC)
    if current == original_schema.HEAD:
        return upgradecheck.Result(
            FAILURE, 'The database holds the original ESI-Leap\'s schema '
                     '(revision %s). Stop the original\'s services, take a '
                     'backup, then run "%s" to adopt it (see "Switching '
                     'from ESI-Leap" in the administrator guide).'
                     % (current, _DBSYNC))
    if not migration.known(current):
        return upgradecheck.Result(
            FAILURE, 'The database is at revision %s, which this '
                     'esi-leap does not know (newest known: %s): a newer '
                     'esi-leap has upgraded it. Run that version, or '
                     'restore the database from before its upgrade.'
                     % (current, head))
    return upgradecheck.Result(
        FAILURE, 'The database is at revision %s; this esi-leap needs %s. '
                 'Stop esi-leap-api and esi-leap-manager, run "%s", then '
                 'start them again.' % (current, head, _DBSYNC))


def _console_proxy_options():
    """Return the [serialconsoleproxy] group, or None without one."""
    try:
        return CONF.serialconsoleproxy
    except (cfg.NoSuchOptError, cfg.NoSuchGroupError, AttributeError):
        return None


def _console_problems(group):
    problems = []
    url = parse.urlsplit(group.public_url or '')
    if url.scheme == 'ws' and not _loopback(url.hostname):
        problems.append(
            '[serialconsoleproxy] public_url %s is plain ws:// on a host '
            'other than this one: console sessions (keystrokes, '
            'passwords) and their tokens cross the network unencrypted. '
            'Serve wss:// (ssl_cert_file and ssl_key_file, or a TLS '
            'proxy in front) and set public_url to it.'
            % group.public_url)
    if not group.ssl_cert_file and not _loopback(group.host_address):
        problems.append(
            '[serialconsoleproxy] host_address %s is reachable from other '
            'hosts but ssl_cert_file is not set, so the proxy speaks '
            'plain websockets there. Set ssl_cert_file and ssl_key_file, '
            'or listen on 127.0.0.1 behind a TLS proxy.'
            % group.host_address)
    return problems


def _text_storage():
    """Return (TextStorage or None, why it could not be read)."""
    try:
        return db_api.text_storage(), None
    except Exception as e:  # unreachable, no schema, ...
        return None, '%s: %s' % (type(e).__name__, str(e).splitlines()[0])
    finally:
        db_api.reset()


def _text_problems(storage):
    problems = []
    if storage.connection_charset != _FOUR_BYTE:
        problems.append(
            '[database] connection talks to the server in %s, which '
            'cannot carry 4-byte characters (emoji): names, purposes and '
            'project ids holding them are refused. Add ?charset=utf8mb4 '
            'to the connection URL.' % storage.connection_charset)
    if storage.database_charset != _FOUR_BYTE:
        problems.append(
            'The database\'s default character set is %s, not utf8mb4: '
            'tables made in it cannot hold 4-byte characters. "%s" '
            'converts it.' % (storage.database_charset, _DBSYNC))
    for what, columns in (
            ('cannot hold 4-byte characters', storage.narrow_columns()),
            ('compare text ignoring case or accents',
             storage.inexact_columns())):
        if columns:
            problems.append(
                '%d text columns (%s) %s. "%s" converts them to utf8mb4 '
                'with an exact collation.'
                % (len(columns), ', '.join(columns[:3]) +
                   (', ...' if len(columns) > 3 else ''), what, _DBSYNC))
    return problems


class Checks(upgradecheck.UpgradeCommands):
    """esi-leap's upgrade checks, in the order they are printed."""

    def _check_database_schema(self):
        """FAILURE unless the database is reachable and at the head."""
        head = migration.head()
        current, error = _current_revision()
        if error:
            return upgradecheck.Result(
                FAILURE, 'Cannot read the schema revision from [database] '
                         'connection (%s). Check that the database server '
                         'runs and the URL and credentials are right.'
                         % error)
        return _schema_result(current, head)

    def _check_authentication(self):
        """WARNING for auth_strategy = noauth unless acknowledged."""
        if CONF.auth_strategy != 'noauth':
            return upgradecheck.Result(SUCCESS)
        if CONF.noauth_acknowledged:
            return upgradecheck.Result(
                SUCCESS, 'auth_strategy is noauth, acknowledged by '
                         'noauth_acknowledged = true.')
        return upgradecheck.Result(
            WARNING, 'auth_strategy is noauth: every request is trusted '
                     'to be who its X-Project-Id, X-Roles and X-User-Id '
                     'headers say (or the [noauth] identity). Use '
                     'auth_strategy = keystone in production; for a '
                     'development setup reachable from trusted hosts '
                     'only, set [DEFAULT] noauth_acknowledged = true.')

    def _check_console_proxy_tls(self):
        """WARNING when the console proxy is reachable without TLS."""
        group = _console_proxy_options()
        if group is None:
            return upgradecheck.Result(SUCCESS)
        problems = _console_problems(group)
        if problems:
            return upgradecheck.Result(WARNING, ' '.join(problems))
        return upgradecheck.Result(SUCCESS)

    def _check_database_text(self):
        """WARNING for a MySQL/MariaDB database or link that is 3-byte."""
        storage, error = _text_storage()
        if error:
            return upgradecheck.Result(
                SUCCESS, 'Not checked: the database cannot be read (%s).'
                % error)
        if storage is None:
            return upgradecheck.Result(SUCCESS)
        problems = _text_problems(storage)
        if problems:
            return upgradecheck.Result(WARNING, ' '.join(problems))
        return upgradecheck.Result(
            SUCCESS, 'The database, its tables and the connection use '
                     'utf8mb4.')

    _upgrade_checks = (
        ('Database schema', _check_database_schema),
        ('Database character set', _check_database_text),
        ('Policy File JSON to YAML Migration',
         (common_checks.check_policy_json, {'conf': CONF})),
        ('Authentication', _check_authentication),
        ('Console proxy TLS', _check_console_proxy_tls),
    )


def main():
    """Run ``esi-leap-status upgrade check``; return its exit code."""
    # NOTE(esi-leap): a check answers at once; oslo.db would otherwise
    # retry an unreachable database for minutes before giving up.
    CONF.set_override('max_retries', 0, group='database')
    return upgradecheck.main(CONF, project='esi-leap',
                             upgrade_command=Checks(), argv=sys.argv[1:])


if __name__ == '__main__':
    sys.exit(main())
