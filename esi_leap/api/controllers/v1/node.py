"""``/v1/nodes``: nodes of the default resource type with their bookings."""
from oslo_config import cfg
import pecan
from pecan import rest
from wsme import types as wtypes

from esi_leap.api import authorize
from esi_leap.api.controllers.v1 import search_input
from esi_leap.api.controllers.v1 import types
from esi_leap.api.controllers.v1 import utils
from esi_leap.api.controllers.v1 import views
from esi_leap.api import expose
from esi_leap.common import policy
from esi_leap.objects import nodes
from esi_leap.policies import node as node_policy

CONF = cfg.CONF


class NodesController(rest.RestController):
    """``/v1/nodes``."""

    @expose.expose(types.jsontype, wtypes.text, wtypes.text, wtypes.text,
                   wtypes.text, wtypes.text, wtypes.text, wtypes.text,
                   wtypes.text, wtypes.text, wtypes.text, wtypes.text)
    def get_all(self, resource_class=None, owner=None, lessee=None,
                limit=None, marker=None, sort_key=None, sort_dir=None,
                name=None, offer_uuid=None, lease_uuid=None, property=None):
        """List the nodes the caller owns or leases (admins: all).

        The offers and leases shown beside each node are only those the
        caller may read itself. One backend listing and at most three
        database queries, whatever the number of nodes.
        """
        context = pecan.request.context
        policy.authorize(node_policy.GET_ALL, context)
        policy.require_project(context, node_policy.NODE_ADMIN)
        admin = policy.check(node_policy.NODE_ADMIN, context)
        owner = utils.resolve_project(owner, 'owner')
        lessee = utils.resolve_project(lessee, 'lessee')
        paging = utils.page(limit, marker, sort_key, sort_dir,
                            utils.NODE_SORT_KEYS)
        name = utils.name_filter(name)
        expressions = search_input.properties(pecan.request)
        type_name = CONF.api.default_resource_type
        uuids = authorize.nodes_of_bookings(
            context, type_name,
            utils.name_filter(offer_uuid, 'offer_uuid'),
            utils.name_filter(lease_uuid, 'lease_uuid'))

        found = nodes.list_page(
            type_name, paging, owner=owner, lessee=lessee,
            resource_class=resource_class,
            party=None if admin else context.project_id,
            seen=authorize.sight_of(context), name=name, uuids=uuids,
            expressions=expressions)
        return utils.paged_body('nodes', views.node_views(found),
                                pecan.request, found.next_marker)
