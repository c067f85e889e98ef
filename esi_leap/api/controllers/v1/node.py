"""``/v1/nodes``: nodes of the default resource type with their bookings."""
from oslo_config import cfg
import pecan
from pecan import rest
from wsme import types as wtypes

from esi_leap.api.controllers.v1 import types
from esi_leap.api.controllers.v1 import utils
from esi_leap.api.controllers.v1 import views
from esi_leap.api import expose
from esi_leap.common import exception
from esi_leap.common import policy
from esi_leap.common import projects
from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.policies import node as node_policy
from esi_leap import resource_types

CONF = cfg.CONF


class NodesController(rest.RestController):
    """``/v1/nodes``."""

    @expose.expose(types.jsontype, wtypes.text, wtypes.text, wtypes.text,
                   wtypes.text, wtypes.text, wtypes.text, wtypes.text)
    def get_all(self, resource_class=None, owner=None, lessee=None,
                limit=None, marker=None, sort_key=None, sort_dir=None):
        """List the nodes the caller owns or leases (admins: all).

        One backend listing and two database queries, whatever the number
        of nodes.
        """
        context = pecan.request.context
        policy.authorize(node_policy.GET_ALL, context)
        policy.require_project(context, node_policy.NODE_ADMIN)
        admin = policy.check(node_policy.NODE_ADMIN, context)
        owner = utils.project(owner, 'owner')
        lessee = utils.project(lessee, 'lessee')
        paging = utils.page(limit, marker, sort_key, sort_dir,
                            utils.NODE_SORT_KEYS)

        type_name = CONF.api.default_resource_type
        nodes = resource_types.get(type_name).list_nodes(
            owner=owner, lessee=lessee, resource_class=resource_class)
        if not admin:
            nodes = [n for n in nodes if context.project_id is not None
                     and context.project_id in (n.owner_id, n.lessee_id)]
        nodes, more = utils.cut_page(_page_of(nodes, paging), paging,
                                     lambda n: n.uuid)
        bookings = db_api.node_bookings(type_name, timeutils.utcnow())
        names = projects.get_directory().names(
            {n.owner_id for n in nodes} | {n.lessee_id for n in nodes})
        return utils.paged_body('nodes',
                                views.node_views(nodes, bookings, names),
                                pecan.request, more)


def _page_of(nodes, paging):
    """Sort the backend's node list and cut a page (plus one) out of it.

    Without any paging parameter the backend's order is kept.
    """
    if paging.limit is None and paging.marker is None and \
            paging.sort_key is None:
        return nodes
    key = paging.sort_key or 'uuid'
    ordered = sorted(nodes, key=lambda n: (getattr(n, key) or '', n.uuid),
                     reverse=paging.sort_dir == 'desc')
    if paging.marker is not None:
        uuids = [n.uuid for n in ordered]
        if paging.marker not in uuids:
            raise exception.MarkerNotFound(marker=paging.marker)
        ordered = ordered[uuids.index(paging.marker) + 1:]
    if paging.limit is not None:
        ordered = ordered[:paging.limit + 1]
    return ordered
