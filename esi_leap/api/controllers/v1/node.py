"""``/v1/nodes``: nodes of the default resource type with their bookings."""
from oslo_config import cfg
import pecan
from pecan import rest
from wsme import types as wtypes

from esi_leap.api.controllers.v1 import types
from esi_leap.api.controllers.v1 import utils
from esi_leap.api import expose
from esi_leap.common import policy
from esi_leap.common import projects
from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.policies import node as node_policy
from esi_leap import resource_types

CONF = cfg.CONF


class NodesController(rest.RestController):
    """``/v1/nodes``."""

    @expose.expose(types.jsontype, wtypes.text, wtypes.text, wtypes.text)
    def get_all(self, resource_class=None, owner=None, lessee=None):
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

        type_name = CONF.api.default_resource_type
        nodes = resource_types.get(type_name).list_nodes(
            owner=owner, lessee=lessee, resource_class=resource_class)
        if not admin:
            nodes = [n for n in nodes if context.project_id is not None
                     and context.project_id in (n.owner_id, n.lessee_id)]
        bookings = db_api.node_bookings(type_name, timeutils.utcnow())
        names = projects.get_directory().names(
            {n.owner_id for n in nodes} | {n.lessee_id for n in nodes})
        result = []
        for node in nodes:
            booked = bookings.get(node.uuid, {})
            item = {
                'name': node.name,
                'uuid': node.uuid,
                'owner': names.get(node.owner_id, ''),
                'lessee': names.get(node.lessee_id, ''),
                'resource_class': node.resource_class,
                'provision_state': node.provision_state,
                'power_state': node.power_state,
                'maintenance': str(bool(node.maintenance)),
                'properties': node.public_properties(),
                'future_offers': booked.get('future_offers', []),
                'future_leases': booked.get('future_leases', []),
            }
            if booked.get('offer_uuid'):
                item['offer_uuid'] = booked['offer_uuid']
            if node.lease_uuid:
                item['lease_uuid'] = node.lease_uuid
            result.append(item)
        return {'nodes': result}
