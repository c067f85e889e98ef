"""The DevStack plugin, run phase by phase under bash for real.

esi_leap/tests/fixtures/devstack/ holds stand-ins for the DevStack
functions the plugin calls, each doing the real thing on this harness's
services: a real Keystone (loopback, from esi_leap.tests.fixtures.keystone),
MariaDB (127.0.0.1:3306) and RabbitMQ (127.0.0.1:5672). The test then uses
the unchanged python-esileapclient CLI, which finds esi-leap through the
Keystone catalog only, and checks that ``unstack`` leaves no process and
``clean`` no database behind. Every plugin file also passes ``bash -n``
and shellcheck.
"""
import json
import os
import secrets
import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from esi_leap.tests.fixtures import cli as cli_fixture
from esi_leap.tests.fixtures import databases
from esi_leap.tests.fixtures import keystone as keystone_fixture
from esi_leap.tests.fixtures import server as server_fixture

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..',
                                    '..'))
STANDINS = os.path.join(ROOT, 'esi_leap', 'tests', 'fixtures', 'devstack')
PLUGIN_FILES = [os.path.join(ROOT, 'devstack', name)
                for name in ('plugin.sh', 'settings', 'lib/esi-leap')]
RABBIT = os.environ.get('ESI_LEAP_TEST_RABBIT_URL',
                        'rabbit://guest:guest@127.0.0.1:5672/')
SERVICES = ('esi-leap-api', 'esi-leap-manager', 'esi-leap-console')


@pytest.mark.parametrize('path', PLUGIN_FILES + [
    os.path.join(STANDINS, 'functions.sh'),
    os.path.join(STANDINS, 'run-phase.sh')])
def test_plugin_files_pass_bash_n_and_shellcheck(path):
    subprocess.run(['bash', '-n', path], check=True)
    done = subprocess.run(['shellcheck', '-x', '-s', 'bash', path],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def _console_proxy_installed():
    return os.path.exists(os.path.join(os.path.dirname(sys.executable),
                                       'esi-leap-serial-console-proxy'))


class DevStack(object):
    """What stack.sh provides the plugin: variables and the phases."""

    def __init__(self, workdir, keystone):
        self.workdir = workdir
        self.keystone = keystone
        self.db_name = 'esi_leap_devstack_%s' % secrets.token_hex(6)
        self.port = server_fixture.free_port()
        self.owner_project = 'owner-%s' % secrets.token_hex(4)
        dest = os.path.join(workdir, 'opt')
        os.makedirs(dest)
        os.symlink(ROOT, os.path.join(dest, 'esi-leap'))
        self.conf_dir = os.path.join(workdir, 'etc-esi-leap')
        self.service_dir = os.path.join(workdir, 'status')
        self.log_dir = os.path.join(workdir, 'logs')
        self.env = self._env(dest)

    def _env(self, dest):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith('OS_')}
        admin = self.keystone.admin
        env.update({
            'DEST': dest, 'DATA_DIR': os.path.join(self.workdir, 'data'),
            'STACK_USER': subprocess.check_output(['id', '-un'],
                                                  text=True).strip(),
            'SERVICE_HOST': '127.0.0.1', 'SERVICE_LISTEN_ADDRESS':
                '127.0.0.1', 'SERVICE_PROTOCOL': 'http',
            'SERVICE_PASSWORD': secrets.token_hex(12),
            'SERVICE_PROJECT_NAME': 'service',
            'SERVICE_DOMAIN_NAME': 'Default', 'SERVICE_TIMEOUT': '60',
            'REGION_NAME': keystone_fixture.REGION,
            'KEYSTONE_SERVICE_URI': self.keystone.url,
            'ENABLE_DEBUG_LOG_LEVEL': 'False',
            'ENABLED_SERVICES': 'key,mysql,rabbit',
            'DATABASE_TYPE': 'mysql', 'DATABASE_USER': 'root',
            'DATABASE_PASSWORD': '', 'DATABASE_HOST': '127.0.0.1',
            'BASE_SQL_CONN': databases.MYSQL_SERVER, 'RABBIT_URL': RABBIT,
            'SERVICE_DIR': self.service_dir, 'LOGDIR': self.log_dir,
            'OS_AUTH_URL': self.keystone.auth_url,
            'OS_USERNAME': admin['username'],
            'OS_PASSWORD': admin['password'],
            'OS_PROJECT_NAME': admin['project_name'],
            'STANDIN_PYTHON': sys.executable,
            'STANDIN_VENV': os.path.dirname(os.path.dirname(
                sys.executable)),
            # What local.conf would set for this site.
            'ESI_LEAP_CONF_DIR': self.conf_dir,
            'ESI_LEAP_DB_NAME': self.db_name,
            'ESI_LEAP_SERVICE_PORT': str(self.port),
            'ESI_LEAP_API_WORKERS': '1',
            'ESI_LEAP_RESOURCE_TYPE': 'dummy_node',
            'ESI_LEAP_DUMMY_NODES': '2',
            'ESI_LEAP_DUMMY_NODE_OWNER': self.owner_project,
            'ESI_LEAP_CONSOLE_PORT': str(server_fixture.free_port()),
            'ESI_LEAP_POLICY_FILE': self._policy_file(),
        })
        if not _console_proxy_installed():
            env['STANDIN_DISABLE_SERVICES'] = 'esi-leap-console'
        return env

    def _policy_file(self):
        path = os.path.join(self.workdir, 'site-policy.yaml')
        with open(path, 'w') as f:
            f.write('# A site rule the defaults do not have.\n'
                    '"devstack_site_rule": "role:admin"\n')
        return path

    def phase(self, *args):
        """Run plugin.sh MODE [PHASE]; return its output."""
        done = subprocess.run(
            ['bash', os.path.join(STANDINS, 'run-phase.sh')] + list(args),
            env=self.env, capture_output=True, text=True, timeout=300,
            stdin=subprocess.DEVNULL)
        assert done.returncode == 0, (
            '%s failed:\n%s\n%s%s' % (' '.join(args), done.stdout,
                                      done.stderr, self.logs()))
        return done.stdout

    def logs(self):
        text = ''
        for name in sorted(os.listdir(self.log_dir)) if os.path.isdir(
                self.log_dir) else []:
            with open(os.path.join(self.log_dir, name)) as f:
                text += '\n--- %s\n%s' % (name, f.read()[-3000:])
        return text

    def pids(self):
        """{service: PID} of the services run_process started."""
        found = {}
        for service in SERVICES:
            path = os.path.join(self.service_dir, service + '.pid')
            if os.path.exists(path):
                with open(path) as f:
                    found[service] = int(f.read())
        return found

    def database_exists(self):
        engine = sa.create_engine(databases.MYSQL_SERVER + '/')
        try:
            with engine.connect() as conn:
                return conn.exec_driver_sql(
                    'SELECT COUNT(*) FROM information_schema.schemata '
                    'WHERE schema_name = %s', (self.db_name,)).scalar() == 1
        finally:
            engine.dispose()


def _group_alive(pgid):
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope='module')
def keystone(tmp_path_factory):
    problem = keystone_fixture.venv_problem(keystone_fixture.venv_path())
    if problem:
        pytest.fail(problem, pytrace=False)
    workdir = str(tmp_path_factory.mktemp('keystone'))
    server = keystone_fixture.Keystone(workdir).start()
    # What DevStack's own Keystone setup creates before any plugin runs.
    server.ensure_project('service')
    server.ensure_role('service')
    server.ensure_role('member')
    yield server
    server.stop()


@pytest.fixture(scope='module')
def stacked(keystone, tmp_path_factory):
    """A DevStack run of the plugin: stack install, post-config, extra."""
    devstack = DevStack(str(tmp_path_factory.mktemp('devstack')), keystone)
    try:
        for phase in ('install', 'post-config', 'extra'):
            devstack.phase('stack', phase)
        yield devstack
    finally:
        # Whatever happened: stop what was started, drop the database.
        for pid in devstack.pids().values():
            if _group_alive(pid):
                os.killpg(pid, signal.SIGKILL)
        if devstack.database_exists():
            engine = sa.create_engine(databases.MYSQL_SERVER + '/')
            with engine.begin() as conn:
                conn.exec_driver_sql('DROP DATABASE IF EXISTS %s'
                                     % devstack.db_name)
            engine.dispose()


def _ini(path):
    import configparser
    parser = configparser.RawConfigParser(interpolation=None)
    parser.read(path)
    return parser


def test_config_file_written_by_the_plugin(stacked):
    conf = _ini(os.path.join(stacked.conf_dir, 'esi-leap.conf'))
    assert conf.get('DEFAULT', 'auth_strategy') == 'keystone'
    assert conf.get('DEFAULT', 'transport_url') == RABBIT
    # DevStack's helper says ?charset=utf8 (3-byte); the plugin's does not.
    assert conf.get('database', 'connection').endswith(
        '/%s?charset=utf8mb4' % stacked.db_name)
    assert conf.get('api', 'port') == str(stacked.port)
    assert conf.get('api', 'default_resource_type') == 'dummy_node'
    for section in ('keystone_authtoken', 'keystone', 'ironic'):
        assert conf.get(section, 'username') == 'esi-leap'
        assert conf.get(section, 'auth_url') == stacked.keystone.url
    assert conf.get('keystone_authtoken', 'www_authenticate_uri') == (
        stacked.keystone.url)
    policy = os.path.join(stacked.conf_dir, 'policy.yaml')
    assert conf.get('oslo_policy', 'policy_file') == policy
    with open(policy) as f:
        assert 'devstack_site_rule' in f.read()


def test_database_holds_any_character_and_compares_exactly(stacked):
    engine = sa.create_engine(databases.MYSQL_SERVER + '/')
    try:
        with engine.connect() as conn:
            default = conn.exec_driver_sql(
                'SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME '
                'FROM information_schema.schemata WHERE schema_name = %s',
                (stacked.db_name,)).one()
            columns = set(conn.exec_driver_sql(
                'SELECT CHARACTER_SET_NAME, COLLATION_NAME FROM '
                'information_schema.columns WHERE table_schema = %s AND '
                'CHARACTER_SET_NAME IS NOT NULL AND table_name <> '
                '%s', (stacked.db_name, 'alembic_version')).all())
    finally:
        engine.dispose()
    assert tuple(default) == ('utf8mb4', 'utf8mb4_nopad_bin')
    assert columns == {('utf8mb4', 'utf8mb4_nopad_bin')}
    conf = os.path.join(stacked.conf_dir, 'esi-leap.conf')
    done = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), 'esi-leap-status'),
         '--config-file', conf, 'upgrade', 'check', '--json'],
        capture_output=True, text=True, timeout=120,
        stdin=subprocess.DEVNULL)
    checks = {c['check']: c for c in json.loads(done.stdout)['checks']}
    assert checks['Database character set']['result'] == 0, checks


def test_keystone_objects_created_by_the_plugin(stacked):
    keystone = stacked.keystone
    service = keystone.request('GET', '/services', params={'type': 'lease'},
                               expect=200).json()['services']
    assert [s['name'] for s in service] == ['esi-leap']
    endpoints = keystone.request('GET', '/endpoints', params={
        'service_id': service[0]['id']}, expect=200).json()['endpoints']
    assert [(e['interface'], e['url']) for e in endpoints] == [
        ('public', 'http://127.0.0.1:%d' % stacked.port)]
    for role in ('esi_leap_owner', 'esi_leap_lessee'):
        assert keystone.find_role(role)
    user = keystone.find_user('esi-leap')
    assert user
    # The service user's password is the one written into the config.
    keystone.token('esi-leap', stacked.env['SERVICE_PASSWORD'],
                   project='service')


def test_services_run(stacked):
    pids = stacked.pids()
    expected = {'esi-leap-api', 'esi-leap-manager'}
    if _console_proxy_installed():
        expected.add('esi-leap-console')
    assert set(pids) == expected
    assert all(_group_alive(pid) for pid in pids.values()), stacked.logs()
    # The manager says it started once it listens on RabbitMQ.
    log = os.path.join(stacked.log_dir, 'esi-leap-manager.log')
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with open(log, 'rb') as f:
            if server_fixture.MANAGER_STARTED.search(f.read()):
                break
        assert _group_alive(pids['esi-leap-manager']), stacked.logs()
        time.sleep(0.5)
    else:
        pytest.fail('esi-leap-manager did not start:' + stacked.logs())


def test_unchanged_cli_finds_esi_leap_in_the_catalog(stacked, tmp_path):
    keystone = stacked.keystone
    project_id = keystone.find_project(stacked.owner_project)['id']
    password = secrets.token_hex(12)
    user_id = keystone.ensure_user('alice-%s' % stacked.db_name[-6:],
                                   password, project_id)
    keystone.grant(user_id, 'esi_leap_owner', project_id)
    keystone.grant(user_id, 'member', project_id)
    env = cli_fixture.clean_environment(str(tmp_path))
    env.update({'OS_AUTH_URL': keystone.auth_url, 'OS_AUTH_TYPE': 'password',
                'OS_USERNAME': 'alice-%s' % stacked.db_name[-6:],
                'OS_PASSWORD': password,
                'OS_PROJECT_NAME': stacked.owner_project,
                'OS_USER_DOMAIN_ID': 'default',
                'OS_PROJECT_DOMAIN_ID': 'default',
                'OS_REGION_NAME': keystone_fixture.REGION,
                'OS_IDENTITY_API_VERSION': '3'})
    openstack = cli_fixture.openstack_path()

    def esi(*args):
        done = subprocess.run([openstack, 'esi'] + list(args), env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        return json.loads(done.stdout) if '-f' in args else done.stdout

    assert esi('offer', 'list', '-f', 'json') == []
    # A 4-byte character in a name: the database stores it.
    created = esi('offer', 'create', 'dummy-node-1', '--end-time',
                  '2035-01-01T00:00:00', '--name', 'rack-\U0001f680',
                  '-f', 'json')
    shown = esi('offer', 'show', 'rack-\U0001f680', '-f', 'json')
    assert (shown['uuid'], shown['name']) == (created['uuid'],
                                              'rack-\U0001f680')
    listed = esi('offer', 'list', '-f', 'json')
    assert [o['UUID'] for o in listed] == [created['uuid']]
    assert listed[0]['Resource'] == 'dummy-node-1'


def test_unstack_stops_everything_and_clean_drops_the_database(stacked):
    pids = stacked.pids()
    assert pids
    stacked.phase('unstack')
    alive = [name for name, pid in pids.items() if _group_alive(pid)]
    assert alive == []
    assert stacked.pids() == {}
    assert stacked.database_exists()
    stacked.phase('clean')
    assert not stacked.database_exists()
    assert not os.path.exists(stacked.conf_dir)
    assert not os.path.exists(stacked.env['DATA_DIR'] + '/esi-leap')
    assert not [n for n in os.listdir(stacked.log_dir)
                if n.startswith('esi-leap-')]


def _postgresql_databases(name):
    engine = sa.create_engine(databases.POSTGRESQL_SERVER + '/postgres')
    try:
        with engine.connect() as conn:
            return conn.exec_driver_sql(
                'SELECT COUNT(*) FROM pg_database WHERE datname = %s',
                (name,)).scalar()
    finally:
        engine.dispose()


def test_postgresql_database_built_and_dropped(keystone, tmp_path):
    """DevStack on PostgreSQL: post-config builds the schema, clean drops."""
    devstack = DevStack(str(tmp_path), keystone)
    # Without the "key" service the plugin creates no Keystone objects:
    # this test is about the database.
    devstack.env.update({'DATABASE_TYPE': 'postgresql',
                         'DATABASE_USER': 'postgres',
                         'BASE_SQL_CONN': databases.POSTGRESQL_SERVER,
                         'ENABLED_SERVICES': 'postgresql,rabbit'})
    try:
        devstack.phase('stack', 'post-config')
        engine = sa.create_engine('%s/%s' % (databases.POSTGRESQL_SERVER,
                                             devstack.db_name))
        try:
            with engine.connect() as conn:
                revision = conn.exec_driver_sql(
                    'SELECT version_num FROM alembic_version').scalar()
        finally:
            engine.dispose()
        from esi_leap.db import migration
        assert revision == migration.head()
        devstack.phase('clean')
        assert _postgresql_databases(devstack.db_name) == 0
    finally:
        if _postgresql_databases(devstack.db_name):
            engine = sa.create_engine(databases.POSTGRESQL_SERVER +
                                      '/postgres',
                                      isolation_level='AUTOCOMMIT')
            with engine.connect() as conn:
                conn.exec_driver_sql('DROP DATABASE IF EXISTS %s'
                                     % devstack.db_name)
            engine.dispose()
