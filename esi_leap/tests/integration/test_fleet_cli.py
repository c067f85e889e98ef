"""The esi-leap[cli] OpenStackClient plugin, through the real ``openstack``.

The client venv holds python-openstackclient and python-esileapclient.
The plugin is made visible to it as ``pip install esi-leap[cli]`` would:
a distribution whose entry points are exactly those of setup.cfg's
``openstack.*`` groups, in a directory on the CLI's PYTHONPATH that holds
only the esi_leap_cli package (none of the service's code or
dependencies). Nothing is installed into the venv itself.
"""
import configparser
import csv
import io
import pathlib

import pytest
import requests
import sqlalchemy


pytestmark = pytest.mark.slow

ROOT = pathlib.Path(__file__).resolve().parents[3]
LESSEE = 'lessee-project'
OWNER_HEADERS = {'X-Project-Id': 'owner-project',
                 'X-Roles': 'esi_leap_owner', 'X-User-Id': 'owner'}
WINDOW = ('--start-time', '2030-01-02T00:00:00',
          '--end-time', '2030-01-03T00:00:00')


def plugin_site(directory):
    """A directory holding esi_leap_cli and its entry points; returned."""
    site = pathlib.Path(directory)
    site.mkdir(exist_ok=True)
    (site / 'esi_leap_cli').symlink_to(ROOT / 'esi_leap_cli')
    setup = configparser.ConfigParser()
    setup.read(ROOT / 'setup.cfg')
    info = site / 'esi_leap_cli_plugin-0.dist-info'
    info.mkdir()
    (info / 'METADATA').write_text(
        'Metadata-Version: 2.1\nName: esi-leap-cli-plugin\nVersion: 0\n')
    points = configparser.ConfigParser()
    for group, lines in setup['entry_points'].items():
        if group.startswith('openstack.'):
            points[group] = dict(
                line.split(' = ', 1) for line in lines.strip().splitlines())
    with open(info / 'entry_points.txt', 'w') as f:
        points.write(f)
    return str(site)


@pytest.fixture(scope='module')
def clis(deployment, tmp_path_factory):
    """(admin, lessee) Clis of the openstack command with both plugins."""
    site = plugin_site(tmp_path_factory.mktemp('plugin') / 'site')
    deployment.env['PYTHONPATH'] = site
    admin, lessee = deployment.clis(('admin-project', 'admin'),
                                    (LESSEE, 'esi_leap_lessee'))
    return admin, lessee


def offer_nodes(deployment, url, prefix, racks):
    for i, rack in enumerate(racks):
        node = deployment.nodes.add('%s-%d' % (prefix, i), 'owner-project',
                                    properties={'rack': rack,
                                                'memory_mb': 65536})
        response = requests.post(url + '/v1/offers', json={
            'resource_uuid': node, 'start_time': '2030-01-01',
            'end_time': '2030-02-01'}, headers=OWNER_HEADERS, timeout=30)
        assert response.status_code == 201, response.text


def test_claim_quota_usage(deployment, clis):
    admin, lessee = clis
    offer_nodes(deployment, lessee.url, 'cli', ['r1', 'r2', 'r2'])
    leases = lessee.json('esi', 'claim', 'create', '--count', '2',
                         '--same', 'rack', '--resource-property',
                         'memory_mb>=65536', '--name', 'pair', *WINDOW)
    assert len(leases) == 2
    assert sorted(row['resource_uuid'] for row in leases) == [
        'cli-1', 'cli-2']
    assert {row['status'] for row in leases} == {'created'}

    shown = admin.json('esi', 'quota', 'set', LESSEE, '--max-nodes', '2',
                       '--max-nodes-class', 'gpu=1')
    assert shown['max_nodes'] == 2
    assert shown['max_nodes_by_resource_class'] == {'gpu': 1}
    shown = admin.json('esi', 'quota', 'set', LESSEE, '--max-leases', '9')
    assert (shown['max_nodes'], shown['max_leases']) == (2, 9)
    error = lessee.fail('esi', 'claim', 'create', '--count', '1', *WINDOW)
    assert 'Quota exceeded for project lessee-project: max_nodes is 2' \
        in error
    assert lessee.json('esi', 'quota', 'show', LESSEE)['leases'] == 2
    admin.ok('esi', 'quota', 'delete', LESSEE)
    assert lessee.json('esi', 'quota', 'show', LESSEE)['max_nodes'] == -1

    # The manager's start and end times are what the report counts.
    engine = sqlalchemy.create_engine(deployment.database.url)
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text(
            "UPDATE leases SET fulfill_time = '2025-01-01 00:00:00.000000',"
            " expire_time = '2025-01-01 06:00:00.000000'"))
    engine.dispose()
    table = lessee.ok('esi', 'usage', 'show', '--start-time', '2025-01-01',
                      '--end-time', '2025-01-02', '--group-by', 'project',
                      '-f', 'csv')
    rows = list(csv.DictReader(io.StringIO(table)))
    assert rows == [{'project_id': LESSEE, 'node_seconds': '43200.0',
                     'node_hours': '12.0', 'leases': '2'}]


def test_both_plugins_work_side_by_side(deployment, clis):
    _, lessee = clis
    offers = lessee.json('esi', 'offer', 'list')
    assert isinstance(offers, list)
    assert lessee.fail('esi', 'claim', 'create', '--count', '0').strip()
    help_text = lessee.ok('help', 'esi', 'claim', 'create')
    assert '--resource-property' in help_text


def test_bad_key_value(clis):
    admin, _ = clis
    error = admin.fail('esi', 'quota', 'set', LESSEE, '--max-nodes-class',
                       'gpu')
    assert '--max-nodes-class must be KEY=VALUE' in error


def test_offer_update(deployment, clis):
    _, lessee = clis
    owner = deployment.cli('owner-project', 'esi_leap_owner')
    deployment.nodes.add('upd-0', 'owner-project')
    response = requests.post(owner.url + '/v1/offers', json={
        'resource_uuid': 'upd-0', 'name': 'cli-offer',
        'start_time': '2030-01-01', 'end_time': '2030-02-01',
        'properties': {'a': '1'}}, headers=OWNER_HEADERS, timeout=30)
    assert response.status_code == 201, response.text
    uuid = response.json()['uuid']
    lease = lessee.json('esi', 'offer', 'claim', uuid, '--start-time',
                        '2030-01-02T00:00:00', '--end-time',
                        '2030-01-03T00:00:00')

    shown = owner.json('esi', 'offer', 'update', 'cli-offer',
                       '--end-time', '2030-03-01T00:00:00', '--lessee',
                       LESSEE, '--name', 'renamed', '--property', 'b=2')
    assert shown['uuid'] == uuid
    assert (shown['end_time'], shown['lessee_id'], shown['name']) == (
        '2030-03-01T00:00:00', LESSEE, 'renamed')
    assert shown['properties'] == {'a': '1', 'b': '2'}
    assert shown['availabilities'][-1] == ['2030-01-03T00:00:00',
                                           '2030-03-01T00:00:00']
    # The unchanged client sees the change.
    assert lessee.json('esi', 'offer', 'show', uuid)['end_time'] == \
        '2030-03-01T00:00:00'
    shell = owner.ok('esi', 'offer', 'update', uuid, '--name', 'again',
                     '-f', 'shell', '-c', 'uuid', '-c', 'name')
    assert shell.split() == ['uuid="%s"' % uuid, 'name="again"']
    table = owner.ok('esi', 'offer', 'update', uuid, '--property', 'c=3')
    assert 'again' in table and "'c': '3'" in table

    error = owner.fail('esi', 'offer', 'update', uuid, '--end-time',
                       '2030-01-02T12:00:00')
    assert 'lease %s claimed from it ends at 2030-01-03 00:00:00' % (
        lease['uuid']) in error
    error = owner.fail('esi', 'offer', 'update', uuid, '--start-time',
                       '2030-01-01T06:00:00')
    assert 'cannot change while lease %s' % lease['uuid'] in error
    error = lessee.fail('esi', 'offer', 'update', uuid, '--name', 'mine')
    assert 'Access was denied to offer %s' % uuid in error
    error = owner.fail('esi', 'offer', 'update', uuid, '--property', 'x')
    assert '--property must be KEY=VALUE' in error
    help_text = owner.ok('help', 'esi', 'offer', 'update')
    assert '--lessee' in help_text and '--end-time' in help_text
