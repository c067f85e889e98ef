"""``/v1/claims``: claim N nodes at once, all of them or none."""
import pecan
from pecan import rest

from esi_leap.api import authorize
from esi_leap.api.controllers.v1 import fleet_input
from esi_leap.api.controllers.v1 import types
from esi_leap.api.controllers.v1 import views
from esi_leap.api import expose
from esi_leap.common import policy
from esi_leap.objects import claims
from esi_leap.objects import sight
from esi_leap.policies import fleet as fleet_policy
from esi_leap.policies import offer as offer_policy


class ClaimsController(rest.RestController):
    """``/v1/claims``."""

    @expose.expose(types.jsontype, body=types.jsontype, status_code=201)
    def post(self, body):
        """Claim ``count`` matching offers (or the named ones), or none.

        201 with {"leases": [...]}; 409 saying how many matching nodes
        were free when there are not enough; 403 when over quota.
        """
        context = pecan.request.context
        policy.authorize(fleet_policy.CLAIM_CREATE, context)
        policy.authorize(offer_policy.CLAIM, context)
        policy.require_project(context)
        request = fleet_input.claim_request(body)
        access = authorize.access_of(context)

        return {'leases': views.lease_views(claims.claim_nodes(
            access, request, seen=sight.of(access)))}
