"""The interface every resource type implements, and a node's facts."""
import abc
import dataclasses


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

    def public_properties(self):
        """Node properties without the keys esi-leap itself manages."""
        return {k: v for k, v in (self.properties or {}).items()
                if k not in ('lease_uuid', 'capabilities')}


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
