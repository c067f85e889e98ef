"""``/v1/leases``: projects' bookings of nodes."""
import pecan
from pecan import rest
from wsme import types as wtypes

from esi_leap.api import authorize
from esi_leap.api.controllers.v1 import booking_input
from esi_leap.api.controllers.v1 import types
from esi_leap.api.controllers.v1 import utils
from esi_leap.api.controllers.v1 import views
from esi_leap.api import expose
from esi_leap.common import exception
from esi_leap.common import policy
from esi_leap.common import statuses
from esi_leap.common import timeutils
from esi_leap.objects import extension
from esi_leap.objects import filters
from esi_leap.objects import leases
from esi_leap.objects import listing
from esi_leap.objects import sight
from esi_leap.policies import lease as lease_policy


class LeasesController(rest.RestController):
    """``/v1/leases``."""

    @expose.expose(types.jsontype, wtypes.text, wtypes.text, wtypes.text,
                   wtypes.text, wtypes.text, wtypes.text, wtypes.text,
                   wtypes.text, wtypes.text, wtypes.text, wtypes.text,
                   wtypes.text, wtypes.text, wtypes.text, wtypes.text,
                   wtypes.text)
    def get_all(self, project_id=None, owner_id=None, start_time=None,
                end_time=None, status=None, offer_uuid=None, view=None,
                resource_type=None, resource_uuid=None, resource_class=None,
                purpose=None, limit=None, marker=None, sort_key=None,
                sort_dir=None, uuid=None):
        """List leases: by default those the caller granted or holds."""
        context = pecan.request.context
        access = authorize.access_of(context)
        project_id, owner_id, party_id = authorize.lease_list_scope(
            context, view=view,
            project_id=utils.resolve_project(project_id, 'project_id'),
            owner_id=utils.resolve_project(owner_id, 'owner_id'))
        status_set = utils.status_filter(status, statuses.LEASE_STATUSES,
                                         statuses.LEASE_DEFAULT_LIST)
        start, end = utils.time_pair(start_time, end_time,
                                     exception.InvalidTimeAPICommand,
                                     resource='a lease')
        rtype, ruuid = utils.resource_filter(resource_type, resource_uuid)
        paging = utils.page(limit, marker, sort_key, sort_dir,
                            utils.LEASE_SORT_KEYS)

        found = leases.list_page(filters.LeaseFilters(
            statuses=status_set, uuid=utils.uuid_filter(uuid, 'uuid'),
            project_id=project_id, owner_id=owner_id,
            party_id=party_id,
            offer_uuid=utils.offer_filter(access, offer_uuid),
            resource_type=rtype,
            resource_uuid=ruuid, purpose=utils.text(purpose, 'purpose'),
            start_time=start, end_time=end, page=paging),
            resource_class=resource_class, seen=sight.of(access))
        return utils.paged_body('leases', views.lease_views(found),
                                pecan.request, found.next_marker)

    @expose.expose(types.jsontype, wtypes.text)
    def get_one(self, lease_ident):
        """Show one lease, by uuid or name, if the caller may see it."""
        context = pecan.request.context
        lease = authorize.visible_lease(context, lease_ident)
        return views.lease_view(leases.describe(
            [lease], seen=authorize.sight_of(context)))

    @expose.expose(types.jsontype, body=types.LeaseBody, status_code=201)
    def post(self, new_lease):
        """Lease a node the caller owns (or leases) to a project."""
        context = pecan.request.context
        policy.authorize(lease_policy.CREATE, context)
        policy.require_project(context)
        resource_type, node, found = booking_input.node_and_fields(
            new_lease, required=('project_id',))

        access = authorize.access_of(context)
        lease = leases.create(
            access, resource_type, node,
            utils.resolve_project(new_lease.project_id, 'project_id'),
            **found)
        return views.lease_view(leases.describe(
            [lease], nodes=listing.known(resource_type, node),
            seen=sight.of(access)))

    @expose.expose(types.jsontype, wtypes.text, body=types.jsontype)
    def patch(self, lease_ident, patch):
        """Change the end time of a lease (admins, its lessee, its owner)."""
        context = pecan.request.context
        lease = authorize.visible_lease(context, lease_ident)
        rights = authorize.extension_rights(context, lease)
        if not isinstance(patch, dict) or set(patch) != {'end_time'}:
            raise exception.LeaseInvalidPatch()
        end = timeutils.parse(patch['end_time'], 'end_time')

        access = authorize.access_of(context)
        return views.lease_view(extension.change_end_time(
            access, lease, end, rights, seen=sight.of(access)))

    @expose.expose(types.jsontype, wtypes.text)
    def delete(self, lease_ident):
        """Cancel a lease and its sub-leases and sub-offers."""
        context = pecan.request.context
        policy.require_project(context, lease_policy.LEASE_ADMIN)
        may_see = authorize.by_relation(lease_policy.GET, context)
        may_cancel = authorize.by_relation(lease_policy.DELETE, context)

        leases.cancel_named(authorize.access_of(context), lease_ident,
                            may_see, may_cancel)
        return None
