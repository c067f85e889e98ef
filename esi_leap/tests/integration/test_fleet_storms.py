"""Storms of N-node claims and of claims against a quota, on real servers.

Two esi-leap-api processes with 4 workers each share one throwaway
MariaDB or PostgreSQL database (test_concurrency's Deployment). Many
clients, released together, claim overlapping sets of nodes. Whatever the
interleaving: no N-node claim is ever partly made, no node is booked
twice, every loser gets a 409 (never a 5xx), and a project gets exactly
as many nodes as its quota allows.
"""
import collections
import datetime

import pytest
import requests
import sqlalchemy as sa

from esi_leap.tests.fixtures import two_servers
from esi_leap.tests.integration import test_concurrency as concurrency

pytestmark = pytest.mark.slow

START = datetime.datetime(2030, 1, 1)
END = datetime.datetime(2030, 2, 1)
WINDOW = {'start_time': '2030-01-02T00:00:00',
          'end_time': '2030-01-03T00:00:00'}
CLIENTS = 16


# Two 4-worker API servers on a throwaway database of the backend.
site = two_servers.deployment_fixture(concurrency.BACKENDS, name='site')


def pool(site, prefix, count, racks=1):
    """``count`` nodes offered for January 2030; returns offer uuids."""
    offers = []
    for i in range(count):
        node = site.nodes.add(
            '%s-%02d' % (prefix, i), concurrency.OWNER,
            properties={'rack': 'r%d' % (i % racks), 'pool': prefix})
        offers.append(concurrency.create_offer(site, node, START,
                                               END))
    return offers


def live_leases(site, prefix):
    """(project, node) of the live leases of the nodes named prefix-*."""
    with site.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "SELECT project_id, resource_uuid FROM leases "
            "WHERE resource_uuid LIKE :prefix AND status NOT IN "
            "('deleted', 'wait cancel', 'expired')"),
            {'prefix': prefix + '-%'})]


def test_overlapping_n_node_claims(site):
    """16 projects claim 4 of 12 nodes each at once: 3 win, whole."""
    pool(site, 'gang', 12)
    body = dict(WINDOW, count=4, resource_properties=['pool==gang'])
    responses = site.race(
        [('/v1/claims', body, concurrency.lessee_headers(i))
         for i in range(CLIENTS)])
    codes = collections.Counter(r.status_code for r in responses)
    assert set(codes) <= {201, 409}, concurrency.describe(responses)
    leases = live_leases(site, 'gang')
    per_project = collections.Counter(project for project, _ in leases)
    assert set(per_project.values()) <= {4}, per_project  # 0 partial
    assert len(per_project) == codes[201]
    per_node = collections.Counter(node for _, node in leases)
    assert set(per_node.values()) <= {1}, per_node  # 0 overlaps
    assert codes[201] >= 1
    for response in responses:
        if response.status_code == 201:
            assert len(response.json()['leases']) == 4
        else:
            assert concurrency.fault(response).startswith(
                ('Cannot claim 4 nodes', 'The booking of (several)'))
    for i in range(12):
        concurrency.assert_no_overlap(site, 'gang-%02d' % i)


def test_spread_claims_keep_locality(site):
    """Racing spread claims over 3 racks each get 3 distinct racks."""
    pool(site, 'spread', 9, racks=3)
    body = dict(WINDOW, count=3, resource_properties=['pool==spread'],
                locality={'key': 'rack', 'mode': 'spread'})
    responses = site.race(
        [('/v1/claims', body, concurrency.lessee_headers(100 + i))
         for i in range(8)])
    assert {r.status_code for r in responses} <= {201, 409}
    for response in responses:
        if response.status_code == 201:
            racks = [lease['resource_properties']['rack']
                     for lease in response.json()['leases']]
            assert sorted(racks) == ['r0', 'r1', 'r2']
    per_node = collections.Counter(
        node for _, node in live_leases(site, 'spread'))
    assert set(per_node.values()) <= {1}


def set_quota(site, project, body):
    response = requests.put(
        site.url(0) + '/v1/quotas/' + project, json=body,
        headers=concurrency.ADMIN_HEADERS, timeout=60)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize('quota', [1, 5])
def test_quota_storm_of_single_claims(site, quota):
    """One project claims 16 nodes at once; exactly the quota wins."""
    prefix = 'quota%d' % quota
    offers = pool(site, prefix, CLIENTS)
    project = 'quota-project-%d' % quota
    set_quota(site, project, {'max_nodes': quota})
    headers = dict(concurrency.lessee_headers(0), **{'X-Project-Id':
                                                     project})
    responses = site.race(
        [('/v1/offers/%s/claim' % offer, WINDOW, headers)
         for offer in offers])
    codes = collections.Counter(r.status_code for r in responses)
    assert codes == {201: quota, 403: CLIENTS - quota}, \
        concurrency.describe(responses)
    expected = ('Quota exceeded for project %s: max_nodes is %d and the '
                'booking would make it %d.' % (project, quota, quota + 1))
    for response in responses:
        if response.status_code == 403:
            assert concurrency.fault(response) == expected
    assert len(live_leases(site, prefix)) == quota


def test_quota_storm_of_n_node_claims(site):
    """8 claims of 2 nodes by one project with max_nodes 5: 2 win."""
    pool(site, 'qgang', 16)
    project = 'quota-gang-project'
    set_quota(site, project, {'max_nodes': 5})
    headers = dict(concurrency.lessee_headers(0), **{'X-Project-Id':
                                                     project})
    responses = site.race(
        [('/v1/claims', dict(WINDOW, count=2,
                             resource_properties=['pool==qgang']), headers)
         for _ in range(8)])
    codes = collections.Counter(r.status_code for r in responses)
    assert codes == {201: 2, 403: 6}, concurrency.describe(responses)
    assert len(live_leases(site, 'qgang')) == 4
