"""An owner shrinks an offer while a lessee claims the time it gives up.

Two multi-worker esi-leap-api servers share one throwaway database (see
test_concurrency). In each round a PATCH that ends the offer early and a
claim inside the part it removes are released together, to different
servers. Exactly one must win: either the offer is shorter and there is no
lease, or the lease exists and the offer keeps its end (the PATCH refused
with a 409 naming the lease). Read back through the API.
"""
import pytest
import requests

from esi_leap.tests.fixtures import two_servers
from esi_leap.tests.integration import test_concurrency as concurrency

pytestmark = pytest.mark.slow

ROUNDS = 8
OWNER_HEADERS = concurrency.OWNER_HEADERS
LESSEE_HEADERS = concurrency.lessee_headers(1)


deployment = two_servers.deployment_fixture(('sqlite', 'mysql',
                                             'postgresql'))


def test_shrink_against_claim(deployment):
    outcomes = set()
    for round_ in range(ROUNDS):
        node = deployment.nodes.add('shrink-%d' % round_, 'owner-project')
        response = deployment.post('/v1/offers', {
            'resource_uuid': node, 'start_time': '2030-01-01',
            'end_time': '2030-02-01'}, OWNER_HEADERS)
        assert response.status_code == 201, response.text
        offer = response.json()['uuid']
        calls = [('PATCH', '/v1/offers/%s' % offer,
                  {'end_time': '2030-01-10'}, OWNER_HEADERS),
                 ('POST', '/v1/offers/%s/claim' % offer,
                  {'start_time': '2030-01-15', 'end_time': '2030-01-16'},
                  LESSEE_HEADERS)]
        if round_ % 2:
            calls.reverse()
        responses = deployment.send(calls)
        by_method = {call[0]: r for call, r in zip(calls, responses)}
        shrink, claim = by_method['PATCH'], by_method['POST']
        codes = (shrink.status_code, claim.status_code)
        assert codes in ((200, 409), (409, 201)), concurrency.describe(
            responses)
        shown = requests.get(deployment.url(0) + '/v1/offers/' + offer,
                             headers=OWNER_HEADERS, timeout=60).json()
        leases = {uuid: lease for uuid, lease in
                  deployment.api_leases(node).items()
                  if lease['status'] not in ('deleted', 'expired')}
        if codes == (200, 409):
            outcomes.add('shrunk')
            assert 'has no availabilities' in concurrency.fault(claim)
            assert leases == {}
            assert shown['end_time'] == '2030-01-10T00:00:00'
            assert shown['availabilities'] == [['2030-01-01T00:00:00',
                                                '2030-01-10T00:00:00']]
        else:
            outcomes.add('claimed')
            lease = claim.json()['uuid']
            assert concurrency.fault(shrink) == (
                'Offer %s cannot end at 2030-01-10 00:00:00: lease %s '
                'claimed from it ends at 2030-01-16 00:00:00.'
                % (offer, lease))
            assert list(leases) == [lease]
            assert leases[lease]['status'] == 'created'
            assert shown['end_time'] == '2030-02-01T00:00:00'
        assert shown['status'] == 'available'
        assert all(shown['start_time'] <= w['start_time'] and
                   w['end_time'] <= shown['end_time']
                   for w in leases.values())
    # Either outcome is fine; which one happened is reported.
    print('outcomes on %s: %s' % (deployment.backend, sorted(outcomes)))
