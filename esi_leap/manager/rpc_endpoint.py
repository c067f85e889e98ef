"""The manager's RPC endpoint: thin, it hands work to the scheduler."""
import oslo_messaging as messaging

from esi_leap.manager import rpcapi


class ManagerEndpoint(object):
    """RPC methods of the manager (see rpcapi for the version history)."""

    target = messaging.Target(version=rpcapi.RPC_API_VERSION)

    def __init__(self, scheduler):
        self.scheduler = scheduler

    def wake(self, ctxt, resource_type=None, resource_uuid=None):
        """Look for due work now."""
        self.scheduler.wake()
