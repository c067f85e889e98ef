"""An extension races bookings of the same later window, on real servers.

Two multi-worker esi-leap-api processes share one MariaDB (PyMySQL and
mysqlclient) or PostgreSQL database: the Deployment of test_concurrency.
In every round a lessee extends its lease into a window that, at the same
instant, other lessees claim from the same offer (a claimed lease) or the
owner leases directly to other projects (a direct lease). The node's lock
decides: exactly one request wins each round, the others get 409, and no
two live bookings overlap afterwards.
"""
import datetime

import pytest
import requests

from esi_leap.tests import clock
from esi_leap.tests.integration import test_concurrency as storms

pytestmark = pytest.mark.slow

ROUNDS = 4
CLAIMERS = 7
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
LESSEE = storms.lessee_headers(0)


# The two-server deployment of test_concurrency, on each of its backends.
deployment = storms.deployment


def one_wins(responses, calls, refusal):
    """Exactly one call won, the others got 409 ``refusal...``.

    Returns whether the winner was the extension (the PATCH).
    """
    won = [call for call, response in zip(calls, responses)
           if response.status_code in (200, 201)]
    assert len(won) == 1, storms.describe(responses)
    for response in responses:
        if response.status_code not in (200, 201):
            assert response.status_code == 409, storms.describe([response])
            assert storms.fault(response).startswith(refusal)
    return won[0][0] == 'patch'


def soon():
    """The next whole hour from now, naive UTC (the API's input)."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(
        tzinfo=None, minute=0, second=0, microsecond=0)
    return now + HOUR


def lease_end(deployment, uuid):
    response = requests.get(deployment.url(0) + '/v1/leases/' + uuid,
                            headers=storms.ADMIN_HEADERS, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()['end_time']


def test_extension_against_claims(deployment):
    node = deployment.nodes.add('node-x', storms.OWNER)
    base = soon()
    for round_ in range(ROUNDS):
        day = base + round_ * DAY
        offer = storms.create_offer(deployment, node, day, day + 20 * HOUR)
        claim = deployment.post('/v1/offers/%s/claim' % offer, {
            'start_time': clock.iso(day),
            'end_time': clock.iso(day + 2 * HOUR)}, LESSEE)
        assert claim.status_code == 201, claim.text
        mine = claim.json()['uuid']
        later = {'start_time': clock.iso(day + 3 * HOUR),
                 'end_time': clock.iso(day + 5 * HOUR)}
        calls = [('post', '/v1/offers/%s/claim' % offer, later,
                  storms.lessee_headers(i + 1)) for i in range(CLAIMERS)]
        # The extension is sent from the middle of the pack.
        calls.insert(round_ % CLAIMERS, (
            'patch', '/v1/leases/%s' % mine,
            {'end_time': clock.iso(day + 4 * HOUR)}, LESSEE))
        extended = one_wins(deployment.send(calls), calls,
                            'Offer %s has no availabilities' % offer)
        assert lease_end(deployment, mine) == clock.iso(
            day + (4 if extended else 2) * HOUR)
    storms.assert_no_overlap(deployment, node)


def test_direct_extension_against_leases(deployment):
    node = deployment.nodes.add('node-y', storms.OWNER)
    base = soon()
    for round_ in range(ROUNDS):
        day = base + round_ * DAY
        made = deployment.post('/v1/leases', {
            'resource_uuid': node, 'project_id': 'lessee-0',
            'start_time': clock.iso(day),
            'end_time': clock.iso(day + 2 * HOUR)}, storms.OWNER_HEADERS)
        assert made.status_code == 201, made.text
        mine = made.json()['uuid']
        later = {'resource_uuid': node, 'start_time': clock.iso(
            day + 3 * HOUR), 'end_time': clock.iso(day + 5 * HOUR)}
        calls = [('post', '/v1/leases', dict(later, project_id='other-%d'
                                             % i), storms.OWNER_HEADERS)
                 for i in range(CLAIMERS)]
        calls.insert(round_ % CLAIMERS, (
            'patch', '/v1/leases/%s' % mine,
            {'end_time': clock.iso(day + 4 * HOUR)}, LESSEE))
        extended = one_wins(deployment.send(calls), calls,
                            'Time conflict for dummy_node node-y.')
        assert lease_end(deployment, mine) == clock.iso(
            day + (4 if extended else 2) * HOUR)
    storms.assert_no_overlap(deployment, node)
