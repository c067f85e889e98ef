"""The embedded default as a new user meets it.

No blank names, and a start banner that tells the truth. Without
Keystone there is no project directory: the real CLI's name columns show
project ids, or the names mapped in ``[noauth] project_names``. The
banner of esi-leap-all names what is configured.
"""
import time

import pytest
import requests

from esi_leap.tests.fixtures import cli as cli_fixture
from esi_leap.tests.fixtures import nodes as nodes_fixture
from esi_leap.tests.fixtures import server as server_fixture

OWNER = {'X-Project-Id': 'owner-project', 'X-Roles': 'esi_leap_owner'}


def _embedded(tmp_path, extra):
    nodes = nodes_fixture.DummyNodes(str(tmp_path / 'nodes'))
    port = server_fixture.free_port()
    conf = server_fixture.write_config(
        str(tmp_path / 'esi-leap.conf'),
        'sqlite:///%s' % (tmp_path / 'esi-leap.sqlite'), nodes.directory,
        port, extra=extra)
    server = server_fixture.Server(conf, port, program='esi-leap-all')
    server.dbsync()
    return server, nodes


def _log(server):
    with open(server.log_path) as f:
        return f.read()


@pytest.fixture
def embedded(tmp_path):
    console_port = server_fixture.free_port()
    server, nodes = _embedded(tmp_path, {
        'noauth': {'project_id': 'lessee-project',
                   'roles': 'esi_leap_lessee',
                   'project_names': 'owner-project:Owner Org'},
        'serialconsoleproxy': {'port': str(console_port)}})
    server.start()
    try:
        yield server, nodes, console_port
    finally:
        server.stop()


def test_cli_name_columns_are_never_blank(embedded, tmp_path,
                                          openstack_executable):
    server, nodes, _ = embedded
    nodes.add('node-1', 'owner-project')
    offer = requests.post(server.url + '/v1/offers', headers=OWNER,
                          json={'resource_uuid': 'node-1'}, timeout=30)
    assert offer.status_code == 201, offer.text
    assert offer.json()['project'] == 'Owner Org'
    cli = cli_fixture.Cli(openstack_executable, server.url,
                          cli_fixture.clean_environment(str(tmp_path)))
    cli.ok('esi', 'offer', 'claim', offer.json()['uuid'])
    leases = cli.json('esi', 'lease', 'list')
    assert [lease['Project'] for lease in leases] == ['lessee-project']
    # Once the lease is active the node is the lessee's too.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and \
            nodes.read('node-1').get('project_id') != 'lessee-project':
        time.sleep(0.2)
    listed = cli.json('esi', 'node', 'list')
    assert [(n['Owner'], n['Lessee']) for n in listed] == [
        ('Owner Org', 'lessee-project')]
    # A mapped name is accepted where an id is.
    owned = requests.get(server.url + '/v1/leases', headers=OWNER,
                         params={'project_id': 'lessee-project',
                                 'owner_id': 'Owner Org'}, timeout=30)
    assert owned.status_code == 200, owned.text
    assert [lease['owner'] for lease in owned.json()['leases']] == [
        'Owner Org']


def test_noauth_banner_names_the_configured_ports(embedded):
    server, _, console_port = embedded
    banner = _log(server)
    assert 'esi-leap listening on %s' % server.url in banner
    assert '--os-auth-type none --os-endpoint %s/v1' % server.url in banner
    assert 'serial console proxy listening on ws://127.0.0.1:%d' \
        % console_port in banner
    assert ':6083' not in banner.split('console access URLs use')[0]


def test_keystone_banner_explains_tokens_and_the_catalog(tmp_path):
    console_port = server_fixture.free_port()
    server, _ = _embedded(tmp_path, {
        'DEFAULT': {'auth_strategy': 'keystone'},
        'keystone_authtoken': {
            'www_authenticate_uri': 'http://127.0.0.1:9/identity',
            'auth_url': 'http://127.0.0.1:9/identity'},
        'serialconsoleproxy': {
            'host_address': '127.0.0.1', 'port': str(console_port),
            'public_url': 'wss://console.example.org:443'}})
    server.start()
    try:
        banner = _log(server)
    finally:
        server.stop()
    assert '--os-auth-type none' not in banner
    assert 'openstack endpoint create --region <region> lease public %s' \
        % server.url in banner
    assert '--os-auth-type admin_token' in banner
    assert 'serial console proxy listening on ws://127.0.0.1:%d; ' \
        'console access URLs use wss://console.example.org:443' \
        % console_port in banner
