"""End to end with a real Keystone and a real Ironic in keystone mode.

esi-leap validates tokens with keystonemiddleware, looks projects up with
its service account, and its manager drives Ironic with the ``service``
role of project ``service`` (Ironic's elevated service access). After a
lease starts, the lessee's own token lists the node in Ironic; after it
ends, it does not.
"""
import datetime
import os
import sqlite3
import time

import pytest
import requests

from esi_leap.tests import clock
from esi_leap.tests.fixtures import ironic as ironic_fixture
from esi_leap.tests.fixtures import keystone as keystone_fixture
from esi_leap.tests.fixtures import server as server_fixture

IRONIC_HEADERS = dict(ironic_fixture.HEADERS)


class Cloud(object):
    """Keystone, Ironic and esi-leap-all, wired together."""

    def __init__(self, workdir):
        self.workdir = workdir
        os.makedirs(os.path.join(workdir, 'keystone'))
        os.makedirs(os.path.join(workdir, 'ironic'))
        self.keystone = keystone_fixture.Keystone(
            os.path.join(workdir, 'keystone'))
        self.port = server_fixture.free_port()
        self.esi_url = 'http://127.0.0.1:%d' % self.port
        self.ironic = None
        self.esi = None
        self.users = {}

    def start(self):
        ks = self.keystone
        ks.start()
        ks.seed(self.esi_url)
        service = ks.credentials('service')
        self.ironic = ironic_fixture.Ironic(
            os.path.join(self.workdir, 'ironic'), keystone=service,
            token=lambda: ks.token(ks.admin['username'],
                                   ks.admin['password'], system=True))
        self.ironic.start()
        ks.register_service('baremetal', 'ironic', self.ironic.url)

        projects = {}
        projects['owner'] = ks.ensure_project('owner-proj')
        projects['lessee'] = ks.ensure_project('lessee-proj')
        projects['child'] = ks.ensure_project('child-proj',
                                              parent_id=projects['lessee'])
        projects['other'] = ks.ensure_project('other-proj')
        for who, role in (('owner', 'esi_leap_owner'),
                          ('lessee', 'esi_leap_lessee'),
                          ('child', 'esi_leap_lessee'),
                          ('other', 'esi_leap_lessee')):
            password = 'pw-%s' % who
            user = ks.ensure_user('%s-user' % who, password,
                                  projects[who])
            ks.grant(user, role, projects[who])
            ks.grant(user, 'member', projects[who])
            self.users[who] = ('%s-user' % who, password, projects[who])
        self.projects = projects

        conf = server_fixture.write_config(
            os.path.join(self.workdir, 'esi-leap.conf'),
            'sqlite:///%s' % os.path.join(self.workdir, 'esi.sqlite'),
            os.path.join(self.workdir, 'nodes'), self.port,
            auth_strategy='keystone',
            extra={
                'api': {'default_resource_type': 'ironic_node'},
                'keystone_authtoken': dict(
                    service, www_authenticate_uri=ks.auth_url),
                'keystone': dict(service, region_name='RegionOne'),
                'ironic': dict(service, region_name='RegionOne'),
                'manager': {'sweep_interval': '5'},
            })
        self.esi = server_fixture.Server(conf, self.port,
                                         program='esi-leap-all')
        self.esi.dbsync()
        self.esi.start()
        return self

    def stop(self):
        for part in (self.esi, self.ironic, self.keystone):
            if part is not None:
                part.stop()

    def token(self, who):
        username, password, project = self.users[who]
        return self.keystone.token(username, password, project_id=project)

    def esi_call(self, who, method, path, **kwargs):
        headers = {'X-Auth-Token': self.token(who)}
        return requests.request(method, self.esi_url + path,
                                headers=headers, timeout=30, **kwargs)

    def ironic_node_uuids(self, who):
        headers = dict(IRONIC_HEADERS, **{'X-Auth-Token': self.token(who)})
        response = requests.get(self.ironic.url + '/v1/nodes',
                                headers=headers, timeout=30)
        response.raise_for_status()
        return {n['uuid'] for n in response.json()['nodes']}


@pytest.fixture(scope='module')
def cloud(tmp_path_factory):
    for problem in (keystone_fixture.venv_problem(
            keystone_fixture.venv_path()), ironic_fixture.venv_problem(
            ironic_fixture.venv_path())):
        if problem:
            pytest.fail('%s; tools/run-tests.sh installs it' % problem)
    cloud = Cloud(str(tmp_path_factory.mktemp('cloud')))
    try:
        yield cloud.start()
    finally:
        cloud.stop()


def test_tokens_are_required_but_not_for_the_root(cloud):
    assert requests.get(cloud.esi_url + '/', timeout=10).ok
    response = requests.get(cloud.esi_url + '/v1/offers', timeout=10)
    assert response.status_code == 401
    assert response.json()['faultstring']
    response = requests.get(cloud.esi_url + '/v1/offers', timeout=10,
                            headers={'X-Auth-Token': 'bogus'})
    assert response.status_code == 401


def test_lease_grants_the_node_in_ironic(cloud):
    node = cloud.ironic.create_nodes(1, cloud.projects['owner'],
                                     available=True)[0]
    assert node not in cloud.ironic_node_uuids('lessee')
    assert node in cloud.ironic_node_uuids('owner')

    offer = cloud.esi_call('owner', 'POST', '/v1/offers', json={
        'resource_uuid': node, 'lessee_id': 'lessee-proj',
        'start_time': clock.iso(clock.utcnow()),
        'end_time': clock.iso(clock.utcnow() + datetime.timedelta(hours=1))})
    assert offer.status_code == 201, offer.text
    offer = offer.json()
    # Names from Keystone, both ways.
    assert offer['lessee_id'] == cloud.projects['lessee']
    assert offer['lessee'] == 'lessee-proj'
    assert offer['project'] == 'owner-proj'
    # The offer is visible to the lessee's sub-project, not to others.
    listed = cloud.esi_call('child', 'GET', '/v1/offers').json()['offers']
    assert offer['uuid'] in [o['uuid'] for o in listed]
    listed = cloud.esi_call('other', 'GET', '/v1/offers').json()['offers']
    assert offer['uuid'] not in [o['uuid'] for o in listed]

    # NOTE(esi-leap): the lease is long, and ended by its lessee, so that
    # a slow machine cannot see it expire before it is checked.
    start = clock.utcnow() + datetime.timedelta(seconds=3)
    end = start + datetime.timedelta(minutes=10)
    lease = cloud.esi_call('lessee', 'POST',
                           '/v1/offers/%s/claim' % offer['uuid'],
                           json={'start_time': clock.iso(start),
                                 'end_time': clock.iso(end)})
    assert lease.status_code == 201, lease.text
    lease = lease.json()
    assert lease['project'] == 'lessee-proj'
    assert lease['owner'] == 'owner-proj'

    def wait_for(check, until):
        while clock.utcnow() < until:
            if check():
                return True
            time.sleep(0.2)
        return False
    assert wait_for(lambda: node in cloud.ironic_node_uuids('lessee'),
                    start + datetime.timedelta(seconds=30))
    # NOTE(esi-leap): the manager records the start once Ironic has taken
    # it, in a transaction of its own, so the node can be seen leased a
    # moment before the lease is seen active.
    assert wait_for(lambda: cloud.esi_call(
        'lessee', 'GET', '/v1/leases/%s' % lease['uuid']).json()['status']
        == 'active', clock.utcnow() + datetime.timedelta(seconds=10))
    ironic_node = cloud.ironic.get_node(node)
    assert ironic_node['lessee'] == cloud.projects['lessee']
    assert ironic_node['properties']['lease_uuid'] == lease['uuid']

    cancelled = cloud.esi_call('lessee', 'DELETE',
                               '/v1/leases/%s' % lease['uuid'])
    assert cancelled.status_code == 200, cancelled.text
    assert wait_for(lambda: node not in cloud.ironic_node_uuids('lessee'),
                    clock.utcnow() + datetime.timedelta(seconds=30))
    assert wait_for(lambda: cloud.esi_call(
        'lessee', 'GET', '/v1/leases/%s' % lease['uuid']).json()['status']
        == 'deleted', clock.utcnow() + datetime.timedelta(seconds=30))
    assert cloud.ironic.get_node(node)['lessee'] is None


def test_unknown_project_name_is_refused(cloud):
    node = cloud.ironic.create_nodes(1, cloud.projects['owner'])[0]
    response = cloud.esi_call('owner', 'POST', '/v1/offers', json={
        'resource_uuid': node, 'lessee_id': 'no-such-project'})
    assert response.status_code == 400
    assert response.json()['faultstring'] == \
        'No project named no-such-project.'


def test_tokens_without_a_project_see_nothing_of_others(cloud):
    """A domain-scoped token with an esi-leap role names no project.

    It must not be read as "no filter": every list, show and create is
    refused (403), whatever exists. A system-scoped admin sees what admins
    see.
    """
    ks = cloud.keystone
    node = cloud.ironic.create_nodes(1, cloud.projects['owner'])[0]
    offer = cloud.esi_call('owner', 'POST', '/v1/offers', json={
        'resource_uuid': node, 'lessee_id': 'lessee-proj',
        'start_time': '2040-01-01', 'end_time': '2040-02-01'})
    assert offer.status_code == 201, offer.text
    offer = offer.json()
    lease = cloud.esi_call('lessee', 'POST',
                           '/v1/offers/%s/claim' % offer['uuid'],
                           json={'start_time': '2040-01-02',
                                 'end_time': '2040-01-03'})
    assert lease.status_code == 201, lease.text
    lease = lease.json()

    user = ks.ensure_user('domain-user', 'pw-domain')
    ks.grant(user, 'esi_leap_owner', domain_id='default')
    ks.grant(user, 'esi_leap_lessee', domain_id='default')
    domain_token = ks.token('domain-user', 'pw-domain', domain_id='default')
    for method, path, body in (
            ('GET', '/v1/leases', None), ('GET', '/v1/leases?view=all', None),
            ('GET', '/v1/leases?project_id=lessee-proj', None),
            ('GET', '/v1/events', None), ('GET', '/v1/offers', None),
            ('GET', '/v1/nodes', None),
            ('GET', '/v1/leases/%s' % lease['uuid'], None),
            ('GET', '/v1/offers/%s' % offer['uuid'], None),
            ('POST', '/v1/offers/%s/claim' % offer['uuid'],
             {'start_time': '2040-01-05', 'end_time': '2040-01-06'}),
            ('POST', '/v1/offers', {'resource_uuid': node}),
            ('PATCH', '/v1/offers/%s' % offer['uuid'], {'name': 'x'}),
            ('DELETE', '/v1/leases/%s' % lease['uuid'], None)):
        response = requests.request(
            method, cloud.esi_url + path, json=body, timeout=30,
            headers={'X-Auth-Token': domain_token})
        assert response.status_code == 403, (method, path, response.text)
        assert response.json()['faultstring'].startswith(
            'This request needs a project')
        assert lease['uuid'] not in response.text
    shown = cloud.esi_call('lessee', 'GET', '/v1/leases/%s' % lease['uuid'])
    assert shown.json()['status'] == 'created'

    system_admin = ks.token(ks.admin['username'], ks.admin['password'],
                            system=True)
    response = requests.get(cloud.esi_url + '/v1/leases', timeout=30,
                            headers={'X-Auth-Token': system_admin})
    assert response.status_code == 200, response.text
    assert lease['uuid'] in [x['uuid'] for x in response.json()['leases']]
    response = requests.patch(
        cloud.esi_url + '/v1/offers/%s' % offer['uuid'], timeout=30,
        json={'name': 'by-system-admin'},
        headers={'X-Auth-Token': system_admin})
    assert response.status_code == 200, response.text
    assert response.json()['name'] == 'by-system-admin'


def test_owner_changes_an_offer_with_keystone_names(cloud):
    node = cloud.ironic.create_nodes(1, cloud.projects['owner'],
                                     prefix='change')[0]
    offer = cloud.esi_call('owner', 'POST', '/v1/offers', json={
        'resource_uuid': node, 'lessee_id': 'lessee-proj',
        'start_time': '2041-01-01', 'end_time': '2041-02-01'}).json()
    lease = cloud.esi_call('lessee', 'POST',
                           '/v1/offers/%s/claim' % offer['uuid'],
                           json={'start_time': '2041-01-02',
                                 'end_time': '2041-01-03'})
    assert lease.status_code == 201, lease.text
    # A project name is resolved through Keystone, as at creation.
    changed = cloud.esi_call('owner', 'PATCH', '/v1/offers/%s' % offer[
        'uuid'], json={'lessee_id': 'other-proj', 'end_time': '2041-03-01'})
    assert changed.status_code == 200, changed.text
    changed = changed.json()
    assert changed['lessee_id'] == cloud.projects['other']
    assert changed['lessee'] == 'other-proj'
    assert changed['end_time'] == '2041-03-01T00:00:00'
    unknown = cloud.esi_call('owner', 'PATCH', '/v1/offers/%s' % offer[
        'uuid'], json={'lessee_id': 'no-such-project'})
    assert unknown.status_code == 400
    assert unknown.json()['faultstring'] == \
        'No project named no-such-project.'
    # The lessee keeps its lease, no longer sees the offer, may not
    # change it; the other project now sees it.
    shown = cloud.esi_call('lessee', 'GET',
                           '/v1/leases/%s' % lease.json()['uuid'])
    assert shown.json()['status'] == 'created'
    assert cloud.esi_call('lessee', 'PATCH', '/v1/offers/%s' % offer[
        'uuid'], json={'name': 'x'}).status_code == 404
    listed = cloud.esi_call('other', 'GET', '/v1/offers').json()['offers']
    assert offer['uuid'] in [o['uuid'] for o in listed]


def _ironic_transition(cloud, uuid, provision, target_provision,
                       target_power):
    """Put node ``uuid`` mid-transition, as Ironic stores one.

    NOTE(esi-leap): the fake driver finishes its transitions at once, so
    a test cannot catch one through the API; this writes the states a
    deployment in progress has straight into Ironic's database, and the
    node is then read back through Ironic's API like any other.
    """
    db = sqlite3.connect(os.path.join(cloud.ironic.workdir, 'ironic.sqlite'))
    with db:
        db.execute('UPDATE nodes SET provision_state = ?, '
                   'target_provision_state = ?, target_power_state = ? '
                   'WHERE uuid = ?',
                   (provision, target_provision, target_power, uuid))
    db.close()


def test_nodes_show_ironic_target_states(cloud):
    moving, still = cloud.ironic.create_nodes(2, cloud.projects['owner'],
                                              prefix='target')
    _ironic_transition(cloud, moving, 'deploying', 'active', 'power on')
    try:
        listed = cloud.esi_call('owner', 'GET', '/v1/nodes')
        assert listed.status_code == 200, listed.text
        shown = {n['uuid']: n for n in listed.json()['nodes']}
        for uuid in (moving, still):
            ironic = cloud.ironic.get_node(uuid)
            for key in ('provision_state', 'target_provision_state',
                        'target_power_state'):
                assert shown[uuid][key] == ironic[key], (uuid, key)
        assert shown[moving]['target_provision_state'] == 'active'
        assert shown[moving]['target_power_state'] == 'power on'
        assert shown[still]['target_provision_state'] is None
        assert shown[still]['target_power_state'] is None
    finally:
        _ironic_transition(cloud, moving, 'enroll', None, None)
