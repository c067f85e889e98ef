"""The interface every resource type implements, and a node's facts."""
import abc
import dataclasses
import enum
import urllib.parse

from esi_leap.common import exception
from esi_leap.common import ironic_states

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
    # The node's extra (Ironic) / "extra" object (dummy node file): the
    # attested hand-over reads keylime_agent_uuid and keylime_tpm_policy.
    extra: dict = dataclasses.field(default_factory=dict)
    # Whether a backend worker holds the node (Ironic's conductor
    # reservation): it then refuses changes for a moment.
    reserved: bool = False

    def not_ready(self, sub_lease=False,
                  handover=ironic_states.HANDOVER):
        """Why the node may not be handed to a lease now, or None.

        A node is handed over only out of maintenance, in no failed state
        and, unless the hand-over is a sub-lease's inside its parent's
        deployment (``sub_lease``), in one of the ``handover`` states
        (``available``).
        """
        state = self.provision_state
        if state in ironic_states.FAILED:
            return 'node %s is in %s' % (self.name or self.uuid, state)
        if self.maintenance:
            return 'node %s is in maintenance' % (self.name or self.uuid)
        if sub_lease or state is None or state in handover:
            return None
        return 'node %s is %s, not available' % (
            self.name or self.uuid, state)

    def public_properties(self):
        """Node properties without the keys esi-leap itself manages."""
        return {k: v for k, v in (self.properties or {}).items()
                if k not in ('lease_uuid', 'capabilities', HANDBACK_KEY)}


# Where a node keeps the record of a hand-back under way (its properties).
HANDBACK_KEY = 'esi_leap_handback'


class Progress(enum.Enum):
    """Where a hand-back stands after one step."""

    DONE = 'done'                 # the node no longer carries the lease
    BUSY = 'busy'                 # under way: look again soon
    QUARANTINED = 'quarantined'   # failed: kept from every tenant


@dataclasses.dataclass
class HandBack(object):
    """What one step of a hand-back found and did.

    ``message`` says why a hand-back is busy or quarantined; ``outcome``
    what the finished hand-back did (cleaned, undeployed, scrubbed,
    returned); ``since`` when it began; ``reached`` that this step took
    the lessee off the node (its console tokens then go too); ``node``
    the node as the finished hand-back left it, when the backend said (a
    NodeInfo: the readiness gate need not read it again).
    """

    progress: Progress
    message: str = None
    outcome: str = None
    since: object = None
    reached: bool = True
    node: object = None
    # The lease the node went to with the hand-back's last write (see
    # Successor), if it did.
    handed_to: str = None

    @property
    def done(self):
        return self.progress is Progress.DONE


@dataclasses.dataclass(frozen=True)
class Successor(object):
    """The lease a finishing hand-back may hand the node to at once.

    ``gate(NodeInfo)`` is the manager's readiness gate: why the node may
    not be handed over, or None.
    """

    lease_uuid: str
    project_id: str
    gate: object


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

    # Whether remove_lease() takes a ``successor`` (see Successor).
    hands_over_with_scrub = False

    @abc.abstractmethod
    def remove_lease(self, uuid, lease_uuid, successor=None):
        """Take the node back from a lease, one step per call.

        The first step takes the node out of the lessee's reach; then the
        node is scrubbed (undeployed, cleaned...); the lease uuid is
        cleared last, so a failure part-way leaves the node still marked
        with ``lease_uuid`` and the next call resumes. Returns a HandBack
        (None means done); may raise NodeBusy while the backend is still
        working. Does nothing to a node that no longer carries
        ``lease_uuid``. A type with ``hands_over_with_scrub`` hands the
        node to ``successor`` (a Successor) in the write that clears the
        lease, if its gate lets it (the HandBack's ``handed_to`` then says
        so); the others are never given one.
        """

    def return_lease(self, uuid, lease_uuid):
        """Take the node back from a sub-lease, for its parent lease.

        The parent lent the node as it was (its deployment included): by
        default this is remove_lease().
        """
        return self.remove_lease(uuid, lease_uuid)

    @abc.abstractmethod
    def get_many(self, uuids):
        """Return {uuid: NodeInfo} for the nodes of ``uuids`` that exist.

        Implementations make a bounded number of backend calls, never one
        per node when the backend can list.
        """
