"""Nodes a hand-back waits on, looked at often until the backend is done.

A lease whose node the backend is still busy with (undeploying, cleaning)
is looked at again after ``[manager] busy_recheck_delay``: a whole pass
(claim, plan, backend steps, a transaction). The manager that found the
node busy also watches it: one cheap read of the node every
``[manager] handback_poll_interval``, and the node's next pass as soon as
the backend is at rest, rather than at the next recheck. The recheck stays
as it was (another manager, or this one restarted, relies on it).
"""
import time

from oslo_config import cfg
from oslo_log import log

from esi_leap.common import exception
from esi_leap.common import ironic_states
from esi_leap import resource_types

CONF = cfg.CONF
LOG = log.getLogger(__name__)

# Fewest nodes of one type read with one listing rather than one read each
# (as steps.LOOK_MANY_MIN).
LIST_MIN = 10


def at_rest(node):
    """Whether the backend is done with ``node`` (a NodeInfo) for now.

    NOTE(esi-leap): a node still reserved by an Ironic conductor (it has
    just left ``cleaning`` but the conductor's task has not ended) would
    answer a PATCH with 409 NodeLocked after Ironic's own lock retries
    (a second or more): it is looked at again at the next poll.
    """
    return ironic_states.at_rest(node.provision_state,
                                 node.target_provision_state) and \
        not node.reserved


class Watch(object):
    """The (resource_type, resource_uuid) pairs watched, each until a time.

    Used from the scheduler's thread only.
    """

    def __init__(self):
        self._until = {}

    def __bool__(self):
        return bool(self._until)

    def add(self, pair):
        """Watch ``pair`` until its next pass, at most a few rechecks."""
        self._until[pair] = time.monotonic() + max(
            10.0, 3 * CONF.manager.busy_recheck_delay)

    def discard(self, pair):
        """Stop watching ``pair`` (its pass is running)."""
        self._until.pop(pair, None)

    def ripe(self):
        """Read the watched nodes; return (and stop watching) those at rest.

        Returns {pair: the NodeInfo read}. A node that cannot be read, or
        is gone, is left to its recheck.
        """
        now = time.monotonic()
        for pair in [p for p, until in self._until.items() if until < now]:
            del self._until[pair]
        found = {}
        for rtype_name, uuids in _by_type(self._until).items():
            for uuid, node in _read(rtype_name, uuids):
                if node is None or at_rest(node):
                    self._until.pop((rtype_name, uuid), None)
                    if node is not None:
                        found[(rtype_name, uuid)] = node
        return found


def _by_type(pairs):
    by_type = {}
    for rtype_name, uuid in pairs:
        by_type.setdefault(rtype_name, []).append(uuid)
    return by_type


def _read(rtype_name, uuids):
    """Yield (uuid, NodeInfo or None if it cannot be read) for ``uuids``."""
    rtype = resource_types.get(rtype_name)
    if len(uuids) >= LIST_MIN:
        try:
            nodes = rtype.get_many(uuids)
        except exception.EsiLeapException as e:
            LOG.debug('Watched %s nodes not listed (%s)', rtype_name, e)
            nodes = {}
        for uuid in uuids:
            yield uuid, nodes.get(uuid)
        return
    for uuid in uuids:
        try:
            node = rtype.get(uuid)
        except exception.EsiLeapException as e:
            LOG.debug('Watched node %s not read (%s)', uuid, e)
            node = None
        yield uuid, node
