"""The interface every resource type implements, and a node's facts."""
import abc
import dataclasses
import urllib.parse

from esi_leap.common import exception

SOCAT = 'socat'
IPMI = 'ipmi'


@dataclasses.dataclass
class NodeInfo(object):
    """What esi-leap needs to know about one node, read from its backend."""

    uuid: str
    name: str
    owner_id: str = None
    lessee_id: str = None
    lease_uuid: str = None
    resource_class: str = ''
    properties: dict = dataclasses.field(default_factory=dict)
    provision_state: str = None
    power_state: str = None
    maintenance: bool = False
    # The states Ironic is moving the node to (None: none, or a backend
    # without transitions such as dummy nodes).
    target_provision_state: str = None
    target_power_state: str = None

    def public_properties(self):
        """Node properties without the keys esi-leap itself manages."""
        return {k: v for k, v in (self.properties or {}).items()
                if k not in ('lease_uuid', 'capabilities')}


@dataclasses.dataclass
class ConsoleInfo(object):
    """Where a node's serial console is and how to log in to it.

    ``kind`` is SOCAT (a raw TCP stream at host:port) or IPMI
    (Serial-over-LAN to the BMC at host:port with username/password).
    """

    kind: str
    host: str
    port: int
    username: str = dataclasses.field(default=None, repr=False)
    password: str = dataclasses.field(default=None, repr=False)


def socat_console(node_uuid, url):
    """Return the ConsoleInfo of a ``tcp://host:port`` console URL.

    Raises ConsoleUnavailable when the URL is not of that form.
    """
    parsed = urllib.parse.urlsplit(url) if isinstance(url, str) else None
    try:
        port = parsed.port if parsed else None
    except ValueError:
        port = None
    if parsed is None or parsed.scheme != 'tcp' or not parsed.hostname \
            or not port:
        raise exception.ConsoleUnavailable(
            node=node_uuid, reason='its console URL is not tcp://host:port')
    return ConsoleInfo(SOCAT, parsed.hostname, port)


def ipmi_console(node_uuid, address, port, username, password):
    """Return the ConsoleInfo of a BMC; ConsoleUnavailable if incomplete."""
    try:
        port = int(port if port not in (None, '') else 623)
    except (TypeError, ValueError):
        port = 0
    if not isinstance(address, str) or not address or \
            not 0 < port < 65536 or not isinstance(username, str) or \
            not isinstance(password, str):
        raise exception.ConsoleUnavailable(
            node=node_uuid, reason='its BMC address, port, username or '
            'password is missing or invalid')
    return ConsoleInfo(IPMI, address, port, username, password)


class ResourceType(metaclass=abc.ABCMeta):
    """A kind of leasable resource (an Ironic node, a dummy node, ...)."""

    name = None

    @abc.abstractmethod
    def resolve(self, ident):
        """Return the uuid of the node called ``ident`` (uuid or name).

        Raises NodeNotFound when there is no such node.
        """

    @abc.abstractmethod
    def get(self, uuid):
        """Return the NodeInfo of one node; NodeNotFound if missing."""

    def warm_up(self):
        """Prepare clients so the first real call is not slow."""

    def console_info(self, uuid, backends):
        """Return the ConsoleInfo of the node's serial console.

        ``backends`` are the kinds the proxy may use (SOCAT, IPMI).
        Raises ConsoleUnavailable saying why there is none to use.
        """
        raise exception.ConsoleUnavailable(
            node=uuid, reason='%s nodes have no serial console' % self.name)

    def list_nodes(self, owner=None, lessee=None, resource_class=None):
        """Return the NodeInfo of every node, filtered (nodes API).

        Resource types that cannot list their nodes return [].
        """
        return []

    @abc.abstractmethod
    def set_lease(self, uuid, lease_uuid, lessee_id):
        """Hand the node to a lease: set its lessee and its lease uuid.

        Idempotent: doing it twice leaves the node as doing it once.
        """

    @abc.abstractmethod
    def remove_lease(self, uuid, lease_uuid):
        """Take the node back from a lease and scrub it.

        Scrubbing (undeploy or VIF detach, console off, instance data
        cleared, configured ``extra`` keys removed) comes first; the lessee
        and lease uuid are cleared last, so a failure part-way leaves the
        node still marked with ``lease_uuid`` and a retry finishes the job.
        Raises NodeBusy while the backend is still scrubbing. Does nothing
        to a node that no longer carries ``lease_uuid``.
        """

    @abc.abstractmethod
    def get_many(self, uuids):
        """Return {uuid: NodeInfo} for the nodes of ``uuids`` that exist.

        Implementations make a bounded number of backend calls, never one
        per node when the backend can list.
        """
