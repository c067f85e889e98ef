"""Quotas and N-node claims on a real 3-node MariaDB Galera cluster.

Three esi-leap-api processes each talk to a different cluster node
(test_galera's GaleraDeployment): two bookings of one project can then
take the project's lock row on two database servers at once, and Galera
rolls one back at commit, which esi-leap re-runs. Whatever happens, a
project never holds more nodes than its quota, no N-node claim is partly
made, and no node is booked twice.
"""
import collections
import datetime

import pytest
import requests

from esi_leap.tests.fixtures import running
from esi_leap.tests.integration import test_concurrency as storm
from esi_leap.tests.integration import test_galera

pytestmark = pytest.mark.slow

WINDOW = {'start_time': '2030-01-02T00:00:00',
          'end_time': '2030-01-03T00:00:00'}
START = datetime.datetime(2030, 1, 1)
END = datetime.datetime(2030, 2, 1)
QUOTA = 3
CLAIMS = 12


@pytest.fixture(scope='module')
def cluster(tmp_path_factory):
    """Three API servers on three Galera nodes, shared by the module."""
    with running.running(test_galera.GaleraDeployment(
            str(tmp_path_factory.mktemp('fleet-galera')))) as deployment:
        yield deployment


def _pool(cluster, prefix, count):
    offers = []
    for i in range(count):
        node = cluster.nodes.add('%s-%02d' % (prefix, i), storm.OWNER,
                                 properties={'pool': prefix})
        offers.append(storm.create_offer(cluster, node, START, END))
    return offers


def _held(cluster, project):
    """Live leases of ``project``, read on every cluster node."""
    seen = []
    for engine in cluster.engines:
        with engine.connect() as conn:
            seen.append(sorted(tuple(r) for r in conn.exec_driver_sql(
                "SELECT uuid, resource_uuid FROM leases WHERE project_id = "
                "%s AND status NOT IN ('deleted', 'expired')",
                (project,))))
    assert all(s == seen[0] for s in seen), 'cluster nodes disagree'
    return seen[0]


def test_quota_storm_across_cluster_nodes(cluster):
    offers = _pool(cluster, 'gq', CLAIMS)
    project = 'galera-quota'
    response = requests.put(cluster.url(0) + '/v1/quotas/' + project,
                            json={'max_nodes': QUOTA}, timeout=60,
                            headers=storm.ADMIN_HEADERS)
    assert response.status_code == 200, response.text
    headers = dict(storm.lessee_headers(0), **{'X-Project-Id': project})
    responses = cluster.race([('/v1/offers/%s/claim' % o, WINDOW, headers)
                              for o in offers])
    codes = collections.Counter(r.status_code for r in responses)
    assert set(codes) <= {201, 403, 409}, storm.describe(responses)
    for response in responses:
        if response.status_code == 409:
            assert 'concurrent changes' in storm.fault(response)
    assert codes[201] == QUOTA, storm.describe(responses)
    assert len(_held(cluster, project)) == QUOTA


def test_n_node_claims_across_cluster_nodes(cluster):
    _pool(cluster, 'gg', 9)
    body = dict(WINDOW, count=3, resource_properties=['pool==gg'])
    responses = cluster.race([('/v1/claims', body,
                               storm.lessee_headers(200 + i))
                              for i in range(9)])
    codes = collections.Counter(r.status_code for r in responses)
    assert set(codes) <= {201, 409}, storm.describe(responses)
    assert codes[201] >= 1
    nodes = collections.Counter()
    for i in range(9):
        held = _held(cluster, 'lessee-%d' % (200 + i))
        assert len(held) in (0, 3), held  # never partial
        nodes.update(node for _, node in held)
    assert set(nodes.values()) <= {1}, nodes  # never twice
    assert sum(nodes.values()) == 3 * codes[201]
