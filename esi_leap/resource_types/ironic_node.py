"""ironic_node: Ironic bare-metal nodes, through openstacksdk."""
import contextlib
import dataclasses

from keystoneauth1 import exceptions as ks_exc
from openstack import exceptions as sdk_exc
from oslo_config import cfg
from oslo_log import log
from oslo_utils import uuidutils

from esi_leap.common import exception
from esi_leap.common import ironic
from esi_leap.resource_types import base
from esi_leap.resource_types import ironic_handback

CONF = cfg.CONF
LOG = log.getLogger(__name__)

# The oldest Ironic API version with both node owner and lessee.
API_VERSION = '1.65'
LIST_FIELDS = ('uuid', 'name', 'owner', 'lessee', 'resource_class',
               'properties', 'provision_state', 'power_state',
               'maintenance', 'target_provision_state', 'target_power_state',
               'extra', 'reservation')

# The provision state sets are in esi_leap.common.ironic_states.


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
        maintenance=bool(node.is_maintenance),
        target_provision_state=node.target_provision_state,
        target_power_state=node.target_power_state,
        extra=dict(node.extra or {}),
        reserved=bool(node.reservation))


# What Ironic shows in place of a secret the caller may not read.
_MASKED = '******'


def _ipmi_console(node):
    """The BMC of an IPMI node, from driver_info (password included).

    NOTE(esi-leap): Ironic masks the password unless the service user
    passes its ``show_password`` rule (default: nobody); see the admin
    guide. The password is never logged or returned to a client.
    """
    info = node.driver_info or {}
    if not info.get('ipmi_address'):
        raise exception.ConsoleUnavailable(
            node=node.id, reason='its console interface %s is not socat '
            'based and it has no ipmi_address for Serial-over-LAN'
            % node.console_interface)
    if info.get('ipmi_password') == _MASKED:
        raise exception.ConsoleUnavailable(
            node=node.id, reason='Ironic hides its BMC password from '
            'esi-leap\'s service user (Ironic policy show_password)')
    return base.ipmi_console(node.id, info.get('ipmi_address'),
                             info.get('ipmi_port'),
                             info.get('ipmi_username') or '',
                             info.get('ipmi_password') or '')


def _socat_console(baremetal, node):
    """The TCP endpoint of the socat console Ironic runs for the node."""
    console = baremetal.get_node_console(node) or {}
    if not console.get('console_enabled'):
        raise exception.ConsoleUnavailable(
            node=node.id, reason='its console is disabled in Ironic; '
            'enable it (openstack baremetal node console enable %s) and '
            'connect again' % node.id)
    info = console.get('console_info') or {}
    if info.get('type') != base.SOCAT:
        raise exception.ConsoleUnavailable(
            node=node.id, reason='Ironic reports a %s console, not socat'
            % info.get('type'))
    return base.socat_console(node.id, info.get('url'))


def _listed_node_info(node):
    properties = dict(node.get('properties') or {})
    return base.NodeInfo(
        uuid=node['uuid'],
        name=node.get('name') or '',
        owner_id=node.get('owner'),
        lessee_id=node.get('lessee'),
        lease_uuid=properties.get('lease_uuid'),
        resource_class=node.get('resource_class') or '',
        properties=properties,
        provision_state=node.get('provision_state'),
        power_state=node.get('power_state'),
        maintenance=bool(node.get('maintenance')),
        target_provision_state=node.get('target_provision_state'),
        target_power_state=node.get('target_power_state'),
        extra=dict(node.get('extra') or {}),
        reserved=bool(node.get('reservation')))


@contextlib.contextmanager
def _errors(uuid, resource_type):
    """Turn openstacksdk and keystoneauth failures into esi-leap's.

    NOTE(esi-leap): a refused connection or a timeout reaches us as a
    keystoneauth exception (ConnectFailure...), which is not an
    SDKException: it must be a BackendUnavailable too, so the manager
    retries the lease rather than failing outside its bookkeeping.
    """
    try:
        yield
    except sdk_exc.NotFoundException as e:
        raise exception.NodeNotFound(uuid=uuid, resource_type=resource_type,
                                     err=e.details or str(e))
    except (sdk_exc.SDKException, ks_exc.ClientException) as e:
        raise exception.BackendUnavailable(service='Ironic', reason=str(e))


class IronicNodeType(base.ResourceType):
    """Nodes of the Ironic service configured in [ironic]."""

    name = 'ironic_node'
    hands_over_with_scrub = True

    def _baremetal(self):
        if not ironic.configured():
            raise exception.ResourceTypeNotAvailable(
                resource_type=self.name)
        return ironic.get_connection().baremetal

    def warm_up(self):
        """Build the openstacksdk connection and its baremetal proxy."""
        self._baremetal()

    def _fetch(self, ident):
        with _errors(ident, self.name):
            return self._baremetal().get_node(ident)

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
        return {node.uuid: node for node in self.list_nodes()
                if node.uuid in wanted}

    def list_nodes(self, owner=None, lessee=None, resource_class=None):
        """List nodes in one (paginated) Ironic call, only needed fields.

        NOTE(esi-leap): plain JSON rather than openstacksdk Node objects:
        building a thousand of those costs seconds, the request itself
        about a tenth of that.
        """
        params = {'fields': ','.join(LIST_FIELDS)}
        if owner is not None:
            params['owner'] = owner
        if lessee is not None:
            params['lessee'] = lessee
        if resource_class is not None:
            params['resource_class'] = resource_class
        nodes = []
        with _errors(None, self.name):
            baremetal = self._baremetal()
            response = baremetal.get('/nodes', params=params,
                                     microversion=API_VERSION)
            while True:
                sdk_exc.raise_from_response(response)
                body = response.json()
                nodes.extend(_listed_node_info(n) for n in body['nodes'])
                if not body.get('next'):
                    break
                response = baremetal.get(body['next'],
                                         microversion=API_VERSION)
        return nodes

    def console_info(self, uuid, backends):
        """Find the node's console: Ironic's socat console, or its BMC.

        A node whose console interface is socat based (ipmitool-socat,
        ...) is reached through the TCP console Ironic runs; any other
        node with an ipmi_address through Serial-over-LAN to its BMC.
        """
        with _errors(uuid, self.name):
            baremetal = self._baremetal()
            node = baremetal.get_node(uuid)
            if 'socat' in (node.console_interface or ''):
                if base.SOCAT not in backends:
                    raise exception.ConsoleUnavailable(
                        node=uuid, reason='the socat console backend is '
                        'disabled in [serialconsoleproxy] backends')
                return _socat_console(baremetal, node)
            if base.IPMI not in backends:
                raise exception.ConsoleUnavailable(
                    node=uuid, reason='its console interface %s is not '
                    'socat based and the ipmi backend is disabled'
                    % node.console_interface)
            return _ipmi_console(node)

    def set_lease(self, uuid, lease_uuid, lessee_id):
        """Set the node's lessee and properties/lease_uuid in one PATCH.

        NOTE(esi-leap): no GET first: the manager calls this only after
        reading the node and finding it not set, and a JSON-patch ``add``
        of a value already there changes nothing (idempotent).
        """
        with _errors(uuid, self.name):
            self._baremetal().patch_node(uuid, [
                {'op': 'add', 'path': '/lessee', 'value': lessee_id},
                {'op': 'add', 'path': '/properties/lease_uuid',
                 'value': lease_uuid}])

    def remove_lease(self, uuid, lease_uuid, successor=None):
        """Take the steps of the node's hand-back Ironic allows now.

        See ironic_handback; the HandBack's node is a NodeInfo.
        """
        if successor is not None:
            gate = successor.gate
            successor = dataclasses.replace(
                successor, gate=lambda node: gate(_listed_node_info(node)))
        with ironic_handback.errors(uuid):
            result = ironic_handback.hand_back(self._baremetal(), uuid,
                                               lease_uuid, successor)
        if result.node is not None:
            result.node = _listed_node_info(result.node)
        return result

    def return_lease(self, uuid, lease_uuid):
        """Take the node from a sub-lease, its parent's deployment kept."""
        with ironic_handback.errors(uuid):
            return ironic_handback.return_to_parent(self._baremetal(), uuid,
                                                    lease_uuid)
