"""The list filters esisdk sends, through esisdk itself.

esisdk (the SDK under ``openstack esi``) may send ``GET /v1/offers?name=``,
``?uuid=``, ``?lessee_id=``, ``GET /v1/leases?uuid=`` and ``GET
/v1/nodes?name=``, ``?offer_uuid=``, ``?lease_uuid=``. Each server here
acts as one project (no-Keystone mode), as in test_cli.
"""
import pytest
import requests

from esi_leap.tests.fixtures import cli as cli_fixture

OWNER = 'owner-project'
LESSEE = 'lessee-project'
OTHER = 'other-project'


@pytest.fixture(scope='module')
def world(deployment):
    """Servers for three projects, two offers and a lease."""
    owner, lessee, other = deployment.clis(
        (OWNER, 'esi_leap_owner'), (LESSEE, 'esi_leap_lessee'),
        (OTHER, 'esi_leap_lessee'))
    deployment.nodes.add('sdk-node-a', OWNER)
    deployment.nodes.add('sdk-node-b', OWNER)

    def post(cli, path, body):
        response = requests.post(cli.url + path, json=body, timeout=30)
        assert response.status_code == 201, response.text
        return response.json()
    shared = post(owner, '/v1/offers', {
        'resource_uuid': 'sdk-node-a', 'name': 'sdk-shared',
        'start_time': '2031-01-01T00:00:00',
        'end_time': '2031-02-01T00:00:00'})
    private = post(owner, '/v1/offers', {
        'resource_uuid': 'sdk-node-b', 'name': 'sdk-private',
        'lessee_id': OTHER, 'start_time': '2031-01-01T00:00:00',
        'end_time': '2031-02-01T00:00:00'})
    lease = post(lessee, '/v1/offers/%s/claim' % shared['uuid'], {
        'start_time': '2031-01-02T00:00:00',
        'end_time': '2031-01-03T00:00:00'})
    return dict(owner=owner, lessee=lessee, other=other, shared=shared,
                private=private, lease=lease, env=deployment.env)


def sdk(world, who, *queries):
    return cli_fixture.esisdk_queries(world[who].url, list(queries),
                                      world['env'])


def test_offer_filters_through_esisdk(world):
    shared, private = world['shared']['uuid'], world['private']['uuid']
    assert sdk(world, 'owner',
               ['offers', {'name': 'sdk-shared'}],
               ['offers', {'uuid': private}],
               ['offers', {'lessee_id': OTHER}],
               ['offers', {'name': 'sdk-shared', 'uuid': private}]) == [
        [shared], [private], [private], []]
    # Visibility holds whatever the filter: the lessee may not see the
    # offer restricted to another project, the other project may.
    assert sdk(world, 'lessee',
               ['offers', {'uuid': private}],
               ['offers', {'name': 'sdk-private'}],
               ['offers', {'lessee_id': OTHER}]) == [[], [], []]
    assert sdk(world, 'other', ['offers', {'name': 'sdk-private'}]) == [
        [private]]


def test_lease_filter_through_esisdk(world):
    lease = world['lease']['uuid']
    assert sdk(world, 'owner', ['leases', {'uuid': lease}]) == [[lease]]
    assert sdk(world, 'lessee', ['leases', {'uuid': lease}]) == [[lease]]
    assert sdk(world, 'other', ['leases', {'uuid': lease}]) == [[]]


def test_node_filters_through_esisdk(world):
    lease = world['lease']['uuid']
    assert sdk(world, 'owner',
               ['nodes', {'name': 'dummy-node-sdk-node-b'}],
               ['nodes', {'offer_uuid': world['private']['uuid']}],
               ['nodes', {'offer_uuid': 'sdk-shared'}],
               ['nodes', {'lease_uuid': lease}]) == [
        ['sdk-node-b'], ['sdk-node-b'], ['sdk-node-a'], ['sdk-node-a']]


def test_bad_filter_values_are_clear_errors(world):
    found = sdk(world, 'owner', ['offers', {'uuid': 'not-a-uuid'}],
                ['leases', {'uuid': 'nope'}], ['nodes', {'name': ''}])
    assert [f['status'] for f in found] == [400, 400, 400]
    assert 'Invalid uuid: not a UUID.' in found[0]['error']
