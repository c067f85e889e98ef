"""``/v1/offers``: owners publish offers; lessees claim them."""
import pecan
from pecan import rest
from wsme import types as wtypes

from esi_leap.api import authorize
from esi_leap.api.controllers.v1 import booking_input
from esi_leap.api.controllers.v1 import offer_input
from esi_leap.api.controllers.v1 import search_input
from esi_leap.api.controllers.v1 import types
from esi_leap.api.controllers.v1 import utils
from esi_leap.api.controllers.v1 import views
from esi_leap.api import expose
from esi_leap.common import exception
from esi_leap.common import policy
from esi_leap.common import statuses
from esi_leap.common import timeutils
from esi_leap.objects import claims
from esi_leap.objects import filters
from esi_leap.objects import listing
from esi_leap.objects import offer_update
from esi_leap.objects import offers
from esi_leap.objects import sight
from esi_leap.policies import offer as offer_policy


class ClaimController(rest.RestController):
    """``/v1/offers/{offer_ident}/claim``."""

    @expose.expose(types.jsontype, wtypes.text, body=types.LeaseBody,
                   status_code=201)
    def post(self, offer_ident, new_lease):
        """Claim an available offer: create a lease for the caller."""
        context = pecan.request.context
        policy.authorize(offer_policy.CLAIM, context)
        policy.require_project(context)
        found = booking_input.fields(new_lease)

        access = authorize.access_of(context)
        return views.lease_view(claims.claim_offer(
            access, offer_ident, seen=sight.of(access), **found))


class OffersController(rest.RestController):
    """``/v1/offers``."""

    claim = ClaimController()

    @expose.expose(types.jsontype, wtypes.text, wtypes.text, wtypes.text,
                   wtypes.text, wtypes.text, wtypes.text, wtypes.text,
                   wtypes.text, wtypes.text, wtypes.text, wtypes.text,
                   wtypes.text, wtypes.text, wtypes.text, wtypes.text,
                   wtypes.text, wtypes.text, wtypes.text)
    def get_all(self, project_id=None, resource_type=None,
                resource_uuid=None, resource_class=None, start_time=None,
                end_time=None, available_start_time=None,
                available_end_time=None, status=None, limit=None,
                marker=None, sort_key=None, sort_dir=None, uuid=None,
                name=None, lessee_id=None, available_for=None,
                property=None):
        """List the offers the caller may see that match the filters.

        ``property`` (repeated) and ``available_for``: see search_input.
        """
        context = pecan.request.context
        policy.authorize(offer_policy.GET_ALL, context)
        policy.require_project(context, offer_policy.OFFER_ADMIN)
        start, end = utils.time_pair(start_time, end_time,
                                     exception.InvalidTimeAPICommand,
                                     resource='an offer')
        free = search_input.availability(
            available_start_time, available_end_time, available_for)
        status_set = search_input.claimable_statuses(utils.status_filter(
            status, statuses.OFFER_STATUSES, statuses.OFFER_DEFAULT_LIST),
            free)
        expressions = search_input.properties(pecan.request)
        rtype, ruuid = utils.resource_filter(resource_type, resource_uuid)
        paging = utils.page(limit, marker, sort_key, sort_dir,
                            utils.OFFER_SORT_KEYS)
        access = authorize.access_of(context)

        found = offers.list_page(filters.OfferFilters(
            statuses=status_set,
            uuid=utils.uuid_filter(uuid, 'uuid'),
            name=utils.name_filter(name),
            project_id=utils.resolve_project(project_id, 'project_id'),
            lessee_id=utils.resolve_project(lessee_id, 'lessee_id'),
            resource_type=rtype,
            resource_uuid=ruuid,
            start_time=start,
            end_time=end,
            available_start_time=free.start,
            available_end_time=free.end,
            blocking_lease_statuses=statuses.LEASE_BLOCKING,
            visibility=offers.visibility(access), page=paging),
            resource_class=resource_class, expressions=expressions,
            seen=sight.of(access))
        return utils.paged_body('offers', views.offer_views(found),
                                pecan.request, found.next_marker)

    @expose.expose(types.jsontype, wtypes.text)
    def get_one(self, offer_ident):
        """Show one offer, by uuid or name, if the caller may see it."""
        context = pecan.request.context
        policy.authorize(offer_policy.GET, context)
        policy.require_project(context, offer_policy.OFFER_ADMIN)
        access = authorize.access_of(context)
        offer = offers.find(offer_ident, view=offers.visibility(access))
        return views.offer_view(offers.describe([offer],
                                                seen=sight.of(access)))

    @expose.expose(types.jsontype, body=types.OfferBody, status_code=201)
    def post(self, new_offer):
        """Offer a node the caller owns, or leases, for a time window."""
        context = pecan.request.context
        policy.authorize(offer_policy.CREATE, context)
        policy.require_project(context)
        resource_type, node, found = booking_input.node_and_fields(
            new_offer)

        access = authorize.access_of(context)
        offer = offers.create(
            access, resource_type, node,
            found.pop('start') or timeutils.utcnow(), found.pop('end'),
            lessee_id=utils.resolve_project(
                types.value(new_offer.lessee_id), 'lessee_id'), **found)
        return views.offer_view(offers.describe(
            [offer], nodes=listing.known(resource_type, node),
            seen=sight.of(access)))

    @expose.expose(types.jsontype, wtypes.text, body=types.jsontype)
    def patch(self, offer_ident, patch):
        """Change an offer's window, lessee, name or properties."""
        context = pecan.request.context
        offer = authorize.visible_offer(context, offer_ident)
        authorize.offer_action(offer_policy.UPDATE, context, offer)
        changes = offer_input.offer_changes(patch)

        return views.offer_view(offer_update.update(
            offer, changes, seen=authorize.sight_of(context)))

    @expose.expose(types.jsontype, wtypes.text)
    def delete(self, offer_ident):
        """Withdraw an offer; the leases made from it are cancelled."""
        context = pecan.request.context
        offer = authorize.visible_offer(context, offer_ident,
                                        statuses.OFFER_CAN_DELETE)
        authorize.offer_action(offer_policy.DELETE, context, offer)

        offers.cancel(offer)
        return None
