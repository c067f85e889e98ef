"""Drift: nodes whose backend state differs from their leases."""
from oslo_log import log

from esi_leap.common import exception
from esi_leap.db import api as db_api
from esi_leap import resource_types

LOG = log.getLogger(__name__)


def drifted(resource_type, held):
    """Return the nodes whose backend state differs from their leases.

    ``held`` maps node uuid to the (lease uuid, lessee) it should carry.
    One backend listing per call, whatever the number of nodes.
    """
    rtype = resource_types.get(resource_type)
    try:
        nodes = rtype.get_many(list(held))
    except exception.EsiLeapException as e:
        LOG.warning('Cannot check %s nodes for drift: %s', resource_type, e)
        return []
    wrong = []
    for uuid, (lease_uuid, lessee_id) in held.items():
        node = nodes.get(uuid)
        if node is not None and (node.lease_uuid != lease_uuid
                                 or node.lessee_id != lessee_id):
            LOG.warning('Node %s carries lease %s and lessee %s instead of '
                        '%s and %s: repairing', uuid,
                        exception.shown(node.lease_uuid),
                        exception.shown(node.lessee_id), lease_uuid,
                        exception.shown(lessee_id))
            wrong.append(uuid)
    return wrong


def drifted_nodes():
    """Return the (resource_type, resource_uuid) of every drifted node.

    The nodes held by a running lease (a running sub-lease, not its
    parent, holds its node) whose backend state differs from it; one
    database read and one backend listing per type.
    """
    held = {}
    for rtype, ruuid, lease_uuid, lessee, parent in db_api.held_resources():
        entry = held.setdefault(rtype, {})
        if ruuid not in entry or parent is not None:
            entry[ruuid] = (lease_uuid, lessee)
    return [(rtype, ruuid) for rtype, nodes in sorted(held.items())
            for ruuid in drifted(rtype, nodes)]
