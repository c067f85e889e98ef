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

    @abc.abstractmethod
    def get_many(self, uuids):
        """Return {uuid: NodeInfo} for the nodes of ``uuids`` that exist.

        Implementations make a bounded number of backend calls, never one
        per node when the backend can list.
        """
