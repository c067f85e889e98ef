"""Client side of the manager's RPC API.

API version history:

* 1.0 - Initial version: ``wake`` asks the manager to look for due work
  at once (a cast; the manager never depends on it arriving).
"""
from oslo_log import log
import oslo_messaging as messaging

from esi_leap.common import rpc

LOG = log.getLogger(__name__)

RPC_API_VERSION = '1.0'


class ManagerAPI(object):
    """Casts from the API (or anything else) to the managers."""

    def __init__(self):
        target = messaging.Target(topic=rpc.TOPIC, version=RPC_API_VERSION)
        self.client = messaging.get_rpc_client(rpc.get_transport(), target)

    def wake(self, context, resource_type=None, resource_uuid=None):
        """Tell every manager that work may be due now (fanout cast).

        Delivery failures are logged, never raised: the managers' own
        schedule and sweep pick the change up anyway.
        """
        try:
            cctxt = self.client.prepare(fanout=True, retry=0,
                                        version='1.0')
            cctxt.cast(context.to_dict() if context else {}, 'wake',
                       resource_type=resource_type,
                       resource_uuid=resource_uuid)
        except Exception as e:
            LOG.warning('Could not wake the manager (%s); it will notice '
                        'the change at its next scheduled run', e)
