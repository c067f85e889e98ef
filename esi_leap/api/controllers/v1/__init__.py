"""``/v1``: the version 1 API and its resources."""
import pecan

from esi_leap.api.controllers.v1 import claim
from esi_leap.api.controllers.v1 import console_auth_token
from esi_leap.api.controllers.v1 import event
from esi_leap.api.controllers.v1 import lease
from esi_leap.api.controllers.v1 import node
from esi_leap.api.controllers.v1 import offer
from esi_leap.api.controllers.v1 import quota
from esi_leap.api.controllers.v1 import usage
from esi_leap.api import links
from esi_leap.api import read_only


def version_document(host_url):
    """Return the document ``GET /v1`` answers with (status 300)."""
    return {'versions': [{'id': 'v1.0', 'status': 'CURRENT',
                          'links': [{'href': '%s/v1' % host_url,
                                     'rel': 'self'}]}]}


class V1Controller(object):
    """Version 1 of the API."""

    offers = offer.OffersController()
    leases = lease.LeasesController()
    nodes = node.NodesController()
    events = event.EventsController()
    console_auth_tokens = console_auth_token.ConsoleAuthTokensController()
    claims = claim.ClaimsController()
    quotas = quota.QuotasController()
    usage = usage.UsageController()

    @pecan.expose(template='json', trailing_slash=False)
    def index(self):
        """Answer 300 with the version document, as the original does.

        python-esileapclient probes this when given an endpoint override.
        """
        read_only.only_get_and_head()
        pecan.response.status = 300
        return version_document(links.application_url(pecan.request))
