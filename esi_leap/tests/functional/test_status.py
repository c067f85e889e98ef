"""esi-leap-status upgrade check: the real command on real databases.

Each test writes a config file, runs ``esi-leap-status --config-file ...
upgrade check --json`` as a subprocess and reads its exit code (0 success,
1 warning, 2 failure) and its JSON results.
"""
import json
import os
import subprocess
import sys

import pytest

from esi_leap.tests.fixtures import databases
from esi_leap.tests.fixtures import server as server_fixture

SUCCESS, WARNING, FAILURE = 0, 1, 2


def _bin(name):
    return os.path.join(os.path.dirname(sys.executable), name)


def _status(tmp_path, connection, **sections):
    """Run the check; return (exit code, {check name: (result, details)})."""
    config = {'DEFAULT': {'auth_strategy': 'keystone'},
              'database': {'connection': connection}}
    for section, values in sections.items():
        config.setdefault(section, {}).update(values)
    path = server_fixture.write_ini(str(tmp_path / 'esi-leap.conf'), config)
    done = subprocess.run(
        [_bin('esi-leap-status'), '--config-file', path, 'upgrade', 'check',
         '--json'], capture_output=True, text=True, timeout=120,
        cwd=str(tmp_path), stdin=subprocess.DEVNULL)
    assert done.stderr == '', done.stderr
    checks = {c['check']: (c['result'], c['details'])
              for c in json.loads(done.stdout)['checks']}
    return done.returncode, checks


@pytest.fixture
def fresh_database(request, tmp_path):
    """An empty throwaway database on each selected backend."""
    backend = request.param
    database = databases.ThrowawayDatabase(backend, str(tmp_path)).create()
    yield database
    database.drop()


def _dbsync(tmp_path, connection, revision):
    path = server_fixture.write_ini(
        str(tmp_path / 'dbsync.conf'), {'database': {'connection':
                                                     connection}})
    subprocess.run([_bin('esi-leap-dbsync'), '--config-file', path,
                    'upgrade', '--revision', revision], check=True,
                   capture_output=True, timeout=120)


@pytest.fixture(scope='module')
def sqlite_database(request, tmp_path_factory):
    """One migrated SQLite database, for the checks not about databases.

    The schema checks run on every selected backend.
    """
    from esi_leap.tests import conftest
    return conftest.make_migrated_database(request, 'sqlite',
                                           tmp_path_factory)


backends = pytest.mark.parametrize('fresh_database',
                                   databases.selected_backends(),
                                   indirect=True)


def test_all_checks_pass_on_a_migrated_database(tmp_path, migrated_database):
    code, checks = _status(tmp_path, migrated_database.url)
    assert code == SUCCESS, checks
    assert checks['Database schema'][0] == SUCCESS
    assert 'newest revision' in checks['Database schema'][1]
    assert set(checks) == {'Database schema', 'Database character set',
                           'Policy File JSON to YAML Migration',
                           'Authentication', 'Console proxy TLS'}


@backends
def test_empty_database_fails_with_the_command_to_fix_it(tmp_path,
                                                         fresh_database):
    code, checks = _status(tmp_path, fresh_database.url)
    assert code == FAILURE
    result, details = checks['Database schema']
    assert result == FAILURE
    assert 'no esi-leap schema' in details
    assert 'esi-leap-dbsync --config-file' in details


@backends
def test_old_schema_fails_naming_both_revisions(tmp_path, fresh_database):
    _dbsync(tmp_path, fresh_database.url, '0001')
    code, checks = _status(tmp_path, fresh_database.url)
    assert code == FAILURE
    result, details = checks['Database schema']
    assert result == FAILURE
    assert 'at revision 0001' in details
    assert 'esi-leap-dbsync' in details and 'upgrade' in details
    _dbsync(tmp_path, fresh_database.url, 'head')
    assert _status(tmp_path, fresh_database.url)[0] == SUCCESS


@backends
def test_unknown_newer_revision_fails(tmp_path, fresh_database):
    import sqlalchemy as sa
    _dbsync(tmp_path, fresh_database.url, 'head')
    engine = sa.create_engine(fresh_database.url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = "
                             "'9999'")
    engine.dispose()
    code, checks = _status(tmp_path, fresh_database.url)
    assert code == FAILURE
    assert 'which this esi-leap does not know' in checks[
        'Database schema'][1]


MARIADB = [b for b in databases.selected_backends()
           if b in databases.MYSQL_BACKENDS]


@pytest.fixture(params=MARIADB)
def devstack_database(request, tmp_path):
    """A MariaDB database made as DevStack makes one.

    CHARACTER SET utf8, and a connection URL ending in ?charset=utf8.
    """
    database = databases.ThrowawayDatabase(request.param, str(tmp_path),
                                           charset='utf8').create()
    yield database
    database.drop()


def test_three_byte_database_warns(tmp_path, devstack_database):
    url = devstack_database.url
    assert url.endswith('?charset=utf8')
    _dbsync(tmp_path, url, '0005')
    code, checks = _status(tmp_path, url)
    result, details = checks['Database character set']
    assert result == WARNING
    assert 'talks to the server in utf8mb3' in details
    assert '?charset=utf8mb4' in details
    assert "default character set is utf8mb3" in details
    assert 'cannot hold 4-byte characters' in details
    assert 'ignoring case or accents' in details

    # The upgrade converts the database and its tables; the link is the
    # operator's to fix.
    _dbsync(tmp_path, url, 'head')
    code, checks = _status(tmp_path, url)
    assert code == WARNING
    result, details = checks['Database character set']
    assert result == WARNING
    assert 'talks to the server in utf8mb3' in details
    assert 'default character set' not in details
    assert 'columns' not in details

    fixed = url.replace('?charset=utf8', '?charset=utf8mb4')
    code, checks = _status(tmp_path, fixed)
    assert code == SUCCESS, checks
    assert 'utf8mb4' in checks['Database character set'][1]


def test_unreachable_database_fails_at_once(tmp_path):
    port = server_fixture.free_port()
    code, checks = _status(tmp_path,
                           'mysql+pymysql://root@127.0.0.1:%d/x' % port)
    assert code == FAILURE
    result, details = checks['Database schema']
    assert result == FAILURE
    assert 'Cannot read the schema revision' in details
    assert "Can't connect" in details


def test_json_policy_file_fails(tmp_path, sqlite_database):
    policy = tmp_path / 'policy.json'
    policy.write_text('{"esi_leap:offer:get": "rule:is_admin"}')
    code, checks = _status(tmp_path, sqlite_database.url,
                           oslo_policy={'policy_file': str(policy)})
    assert code == FAILURE
    assert checks['Policy File JSON to YAML Migration'][0] == FAILURE


def test_yaml_policy_file_passes(tmp_path, sqlite_database):
    policy = tmp_path / 'policy.yaml'
    policy.write_text('"esi_leap:offer:get": "rule:is_admin"\n')
    code, checks = _status(tmp_path, sqlite_database.url,
                           oslo_policy={'policy_file': str(policy)})
    assert code == SUCCESS, checks


def test_noauth_warns_unless_acknowledged(tmp_path, sqlite_database):
    code, checks = _status(tmp_path, sqlite_database.url,
                           DEFAULT={'auth_strategy': 'noauth'})
    assert code == WARNING
    result, details = checks['Authentication']
    assert result == WARNING
    assert 'noauth_acknowledged = true' in details
    code, checks = _status(tmp_path, sqlite_database.url,
                           DEFAULT={'auth_strategy': 'noauth',
                                    'noauth_acknowledged': 'true'})
    assert code == SUCCESS, checks
    assert 'acknowledged' in checks['Authentication'][1]


def _console_options_registered():
    from oslo_config import cfg
    return 'serialconsoleproxy' in cfg.CONF


console = pytest.mark.skipif(not _console_options_registered(),
                             reason='no [serialconsoleproxy] options in '
                                    'this esi-leap')


@console
def test_plain_websocket_public_url_warns(tmp_path, sqlite_database):
    code, checks = _status(
        tmp_path, sqlite_database.url,
        serialconsoleproxy={'public_url': 'ws://console.example.org:6083'})
    assert code == WARNING
    result, details = checks['Console proxy TLS']
    assert result == WARNING
    assert 'ws://console.example.org:6083' in details


@console
def test_proxy_listening_on_the_network_without_tls_warns(
        tmp_path, sqlite_database):
    code, checks = _status(
        tmp_path, sqlite_database.url,
        serialconsoleproxy={'public_url': 'wss://console.example.org:6083',
                            'host_address': '0.0.0.0'})
    assert code == WARNING
    assert 'ssl_cert_file is not set' in checks['Console proxy TLS'][1]


@console
def test_tls_console_proxy_passes(tmp_path, sqlite_database):
    code, checks = _status(
        tmp_path, sqlite_database.url,
        serialconsoleproxy={'public_url': 'wss://console.example.org:6083',
                            'host_address': '0.0.0.0',
                            'ssl_cert_file': '/etc/esi-leap/console.pem',
                            'ssl_key_file': '/etc/esi-leap/console.key'})
    assert code == SUCCESS, checks
    code, checks = _status(
        tmp_path, sqlite_database.url,
        serialconsoleproxy={'public_url': 'ws://127.0.0.1:6083',
                            'host_address': '127.0.0.1'})
    assert code == SUCCESS, checks
