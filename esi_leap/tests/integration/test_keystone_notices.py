"""Notice recipients from a real Keystone: the projects' ``email``
attribute, read through esi-leap's Keystone project directory, with
``[email] project_addresses`` overriding it; sent by the manager's
scheduler and notifier to a real SMTP server."""
import datetime

import openstack
import pytest

from esi_leap.common import keystone as keystone_dir
from esi_leap.common import projects
from esi_leap.db import api as db_api
from esi_leap.manager import email_notices
from esi_leap.manager import scheduler as scheduler_mod
from esi_leap.objects import access
from esi_leap.objects import leases as leases_obj
from esi_leap import resource_types
from esi_leap.tests.fixtures import keystone as keystone_fixture
from esi_leap.tests.fixtures import server as server_fixture
from esi_leap.tests.fixtures import smtp as smtp_fixture

T0 = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)


def at(hours):
    return T0 + datetime.timedelta(hours=hours)


@pytest.fixture(scope='module')
def keystone(tmp_path_factory):
    problem = keystone_fixture.venv_problem(keystone_fixture.venv_path())
    if problem:
        pytest.fail('%s; tools/run-tests.sh installs it' % problem)
    workdir = str(tmp_path_factory.mktemp('keystone'))
    ks = keystone_fixture.Keystone(workdir)
    try:
        ks.start()
        ks.seed('http://127.0.0.1:%d' % server_fixture.free_port())
        ids = {}
        for name, address in (('mail-lessee', 'lessee@ks.example.org'),
                              ('mail-owner', 'owner@ks.example.org'),
                              ('mail-silent', None)):
            ids[name] = ks.ensure_project(name)
            if address:
                ks.request('PATCH', '/projects/%s' % ids[name], expect=200,
                           json={'project': {'email': address}})
        yield ks, ids
    finally:
        ks.stop()


@pytest.fixture
def smtp():
    server = smtp_fixture.SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def manager(keystone, smtp, config, database, nodes):
    ks, ids = keystone
    creds = ks.credentials('service')
    projects.set_directory(keystone_dir.KeystoneDirectory(
        lambda: openstack.connection.Connection(
            auth=dict((k, v) for k, v in creds.items() if k != 'auth_type'),
            auth_type='password', app_name='esi-leap-test')))
    config(transport_url='fake://')
    config(group='email', enabled=True, smtp_host='127.0.0.1',
           smtp_port=smtp.port, smtp_timeout=5.0, notify_owner=True,
           ending_lead_time=60)
    nodes.add('node-1', ids['mail-owner'])
    sched = scheduler_mod.Scheduler(name='test-manager')
    yield sched, email_notices.Notifier(), ids
    sched.stop()


def _lease(owner_id, lessee_id, start, end):
    ctx = access.Access(project_id=owner_id)
    info = resource_types.get('dummy_node').get('node-1')
    return leases_obj.create(ctx, 'dummy_node', info, lessee_id,
                             start=at(start), end=at(end))


def test_addresses_come_from_keystone_project_email(manager, smtp):
    sched, notifier, ids = manager
    lease = _lease(ids['mail-owner'], ids['mail-lessee'], 1, 5)
    sched.run_once(now=at(1))
    notifier.run_once(now=at(1))
    [msg] = smtp.messages
    assert msg.rcpt_tos == ['lessee@ks.example.org', 'owner@ks.example.org']
    assert ids['mail-lessee'] in msg.body
    assert db_api.notices_of(lease.uuid)['started'].recipients == \
        'lessee@ks.example.org, owner@ks.example.org'


def test_project_addresses_override_keystone(manager, smtp, config):
    sched, notifier, ids = manager
    config(group='email', project_addresses={
        ids['mail-owner']: 'desk@example.org',
        ids['mail-silent']: 'silent@example.org'})
    _lease(ids['mail-owner'], ids['mail-silent'], 1, 5)
    sched.run_once(now=at(1))
    notifier.run_once(now=at(1))
    [msg] = smtp.messages
    assert msg.rcpt_tos == ['silent@example.org', 'desk@example.org']


def test_a_project_without_an_address_fails_its_notice(manager, smtp,
                                                       config):
    sched, notifier, ids = manager
    config(group='email', notify_owner=False)
    lease = _lease(ids['mail-owner'], ids['mail-silent'], 1, 5)
    sched.run_once(now=at(1))
    notifier.run_once(now=at(1))
    assert smtp.messages == []
    row = db_api.notices_of(lease.uuid)['started']
    assert row.status == 'failed'
    assert ids['mail-silent'] in row.last_error
