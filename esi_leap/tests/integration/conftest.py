"""Fixtures of the integration tests: real servers, the real client."""
import os

import pytest

from esi_leap.tests.fixtures import cli as cli_fixture
from esi_leap.tests.fixtures import databases
from esi_leap.tests.fixtures import nodes as nodes_fixture
from esi_leap.tests.fixtures import server as server_fixture


@pytest.fixture(scope='session')
def openstack_executable():
    """The ``openstack`` CLI; the test fails (not skips) without it."""
    path = cli_fixture.openstack_path()
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail('The openstack CLI (python-esileapclient 1.1.0) was not '
                    'found at %s. Install it there (python -m venv '
                    '.venv-client && .venv-client/bin/pip install '
                    'python-esileapclient==1.1.0 python-openstackclient) or '
                    'set ESI_LEAP_TEST_OPENSTACK to its path.' % path,
                    pytrace=False)
    return path


class Deployment(object):
    """Servers sharing one SQLite database and one dummy node directory.

    Each identity (project and roles) gets its own esi-leap-api process,
    whose ``[noauth]`` section names it, because the unchanged client sends
    no identity headers in no-Keystone mode. Servers start on first use.
    """

    def __init__(self, workdir, executable):
        self.workdir = workdir
        self.executable = executable
        self.database = databases.ThrowawayDatabase('sqlite', workdir)
        self.nodes = nodes_fixture.DummyNodes(os.path.join(workdir,
                                                           'nodes'))
        self.env = cli_fixture.clean_environment(workdir)
        self.servers = {}
        self._clis = {}

    def _config(self, name, port, project_id, roles):
        return server_fixture.write_config(
            os.path.join(self.workdir, '%s.conf' % name),
            self.database.url, self.nodes.directory, port,
            extra={'noauth': {'project_id': project_id,
                              'roles': ','.join(roles)}})

    def setup(self):
        """Create the database schema."""
        self.database.create()
        config = self._config('dbsync', server_fixture.free_port(),
                              'none', [])
        server_fixture.Server(config, 0).dbsync()
        return self

    def clis(self, *identities):
        """Return a Cli for each (project_id, role, ...) tuple, in order.

        Servers not running yet are started at the same time.
        """
        missing = [i for i in dict.fromkeys(identities)
                   if i not in self._clis]
        started = {}
        for identity in missing:
            port = server_fixture.free_port()
            started[identity] = server_fixture.Server(
                self._config('server-%d' % len(self.servers), port,
                             identity[0], identity[1:]), port)
            self.servers[identity] = started[identity]
        cli_fixture.concurrently(*[server.start
                                   for server in started.values()])
        for identity, server in started.items():
            self._clis[identity] = cli_fixture.Cli(
                self.executable, server.url, self.env)
        return [self._clis[identity] for identity in identities]

    def cli(self, project_id, *roles):
        """Return a Cli acting as ``project_id`` with ``roles``."""
        return self.clis((project_id,) + roles)[0]

    def teardown(self):
        """Stop every server that was started and drop the database."""
        for server in self.servers.values():
            server.stop()
        self.database.drop()


@pytest.fixture(scope='module')
def deployment(tmp_path_factory, openstack_executable):
    """A Deployment for the test module, torn down after it."""
    deployment = Deployment(str(tmp_path_factory.mktemp('cli')),
                            openstack_executable)
    try:
        yield deployment.setup()
    finally:
        deployment.teardown()
