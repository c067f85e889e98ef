"""esi-leap passes the request's global id on to Keystone.

A real Keystone (with debug logging, whose lines carry the context of the
request it serves) and esi-leap-api in keystone mode run for the module.
A project name esi-leap does not know makes it reload Keystone's project
list while serving the request: that call must carry the request's global
id (the caller's, else esi-leap's own).
"""
import os
import time
import uuid

import pytest
import requests

from esi_leap.tests.fixtures import keystone as keystone_fixture
from esi_leap.tests.fixtures import server as server_fixture

pytestmark = pytest.mark.slow

HEADER = 'X-OpenStack-Request-ID'


class Setup(object):
    """Keystone (debug logging) and esi-leap-api using it."""

    def __init__(self, workdir):
        self.workdir = workdir
        os.makedirs(os.path.join(workdir, 'keystone'))
        self.keystone = keystone_fixture.Keystone(
            os.path.join(workdir, 'keystone'))
        self.port = server_fixture.free_port()
        self.url = 'http://127.0.0.1:%d' % self.port
        self.esi = None
        self.log_path = os.path.join(workdir, 'keystone', 'keystone.log')

    def start(self):
        ks = self.keystone
        ks.setup()
        # NOTE(esi-leap): Keystone logs a request's own lines (policy
        # checks, the listing) only at debug level.
        with open(ks.config_file) as f:
            config = f.read()
        with open(ks.config_file, 'w') as f:
            f.write(config.replace('debug = false', 'debug = true', 1))
        ks.start()
        ks.seed(self.url)
        project = ks.ensure_project('gri-owner-proj')
        user = ks.ensure_user('gri-owner', 'pw-gri-owner', project)
        ks.grant(user, 'esi_leap_owner', project)
        ks.grant(user, 'member', project)
        self.project = project
        service = ks.credentials('service')
        conf = server_fixture.write_config(
            os.path.join(self.workdir, 'esi-leap.conf'),
            'sqlite:///%s' % os.path.join(self.workdir, 'esi.sqlite'),
            os.path.join(self.workdir, 'nodes'), self.port,
            auth_strategy='keystone',
            extra={'keystone_authtoken': dict(
                       service, www_authenticate_uri=ks.auth_url),
                   'keystone': dict(service, region_name='RegionOne')})
        self.esi = server_fixture.Server(conf, self.port)
        self.esi.dbsync()
        self.esi.start()
        self.token = ks.token('gri-owner', 'pw-gri-owner',
                              project_id=project)
        return self

    def stop(self):
        for part in (self.esi, self.keystone):
            if part is not None:
                part.stop()

    def log_lines(self, needle, offset, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            with open(self.log_path) as f:
                f.seek(offset)
                found = [line for line in f if needle in line]
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.1)

    def unknown_lessee(self, request_id=None):
        """Ask for the offers of a project name Keystone does not know."""
        headers = {'X-Auth-Token': self.token}
        if request_id is not None:
            headers[HEADER] = request_id
        return requests.get(self.url + '/v1/offers',
                            params={'lessee_id': 'gri-no-such-project'},
                            headers=headers, timeout=30)


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    problem = keystone_fixture.venv_problem(keystone_fixture.venv_path())
    if problem is not None:
        pytest.fail('Keystone is not installed for the integration tests '
                    '(%s); tools/run-tests.sh installs it.' % problem,
                    pytrace=False)
    running = Setup(str(tmp_path_factory.mktemp('gri-keystone')))
    try:
        yield running.start()
    finally:
        running.stop()


def test_caller_global_id_reaches_keystone(setup):
    global_id = 'req-%s' % uuid.uuid4()
    offset = os.path.getsize(setup.log_path)
    response = setup.unknown_lessee(global_id)
    assert response.status_code == 400, response.text
    assert 'gri-no-such-project' in response.json()['faultstring']
    lines = setup.log_lines(global_id, offset)
    assert any('list_projects' in line for line in lines), lines


def test_own_id_reaches_keystone_without_caller_id(setup):
    offset = os.path.getsize(setup.log_path)
    response = setup.unknown_lessee()
    assert response.status_code == 400, response.text
    own_id = response.headers['x-openstack-request-id']
    lines = setup.log_lines(own_id, offset)
    assert any('list_projects' in line for line in lines), lines
