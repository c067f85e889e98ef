"""ironic_node: Ironic bare-metal nodes, read through openstacksdk."""
from openstack import exceptions as sdk_exc
from oslo_config import cfg
from oslo_utils import uuidutils

from esi_leap.common import exception
from esi_leap.common import ironic
from esi_leap.resource_types import base

CONF = cfg.CONF


def _node_info(node):
    properties = dict(node.properties or {})
    return base.NodeInfo(
        uuid=node.id,
        name=node.name or '',
        owner_id=node.owner,
        lessee_id=node.lessee,
        lease_uuid=properties.get('lease_uuid'),
        resource_class=node.resource_class or '',
        properties=properties,
        provision_state=node.provision_state,
        power_state=node.power_state,
        maintenance=bool(node.is_maintenance))


class IronicNodeType(base.ResourceType):
    """Nodes of the Ironic service configured in [ironic]."""

    name = 'ironic_node'

    def _baremetal(self):
        return ironic.get_connection().baremetal

    def _fetch(self, ident):
        try:
            return self._baremetal().get_node(ident)
        except sdk_exc.NotFoundException as e:
            raise exception.NodeNotFound(uuid=ident,
                                         resource_type=self.name,
                                         err=e.details or str(e))
        except sdk_exc.SDKException as e:
            raise exception.BackendUnavailable(service='Ironic',
                                               reason=str(e))

    def resolve(self, ident):
        """Return the uuid of the node named or numbered ``ident``."""
        if uuidutils.is_uuid_like(ident):
            return ident
        return self._fetch(ident).id

    def get(self, uuid):
        """Fetch one node from Ironic."""
        return _node_info(self._fetch(uuid))

    def get_many(self, uuids):
        """List Ironic's nodes in one (paginated) call; keep the wanted."""
        wanted = set(uuids)
        if not wanted:
            return {}
        if len(wanted) == 1:
            uuid = next(iter(wanted))
            try:
                return {uuid: self.get(uuid)}
            except exception.NodeNotFound:
                return {}
        try:
            nodes = list(self._baremetal().nodes(details=True))
        except sdk_exc.SDKException as e:
            raise exception.BackendUnavailable(service='Ironic',
                                               reason=str(e))
        return {node.id: _node_info(node) for node in nodes
                if node.id in wanted}
