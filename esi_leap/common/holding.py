"""Who holds a node: the one rule, in Python and in SQL side by side.

A lease is running at ``now`` when its status is one of ``wanted`` and
``now`` is inside its window. The holder of a node is its innermost
running lease whose parent, if any, is running too: a running sub-lease
holds the node instead of its parent. Asked with statuses.HOLDING (the
default) it is the lease that holds the node now (console tokens, the
drift sweep); with statuses.MANAGER_CAN_HOLD, the lease the manager's
plan hands it to.
"""
import sqlalchemy as sa

from esi_leap.common import statuses


def running(lease, now, wanted=statuses.HOLDING):
    """Whether ``lease`` is in one of ``wanted`` and inside its window."""
    return lease.status in wanted and \
        lease.start_time <= now < lease.end_time


def running_sql(lease, now, wanted=statuses.HOLDING):
    """The SQL form of running(), on a (possibly aliased) Lease entity."""
    return sa.and_(lease.status.in_(wanted), lease.start_time <= now,
                   lease.end_time > now)


def holder(leases, now, wanted=statuses.HOLDING):
    """The holder among ``leases`` (one node's, by start time), or None."""
    found = [lease for lease in leases if running(lease, now, wanted)]
    uuids = {lease.uuid for lease in found}
    found = [lease for lease in found if lease.parent_lease_uuid is None
             or lease.parent_lease_uuid in uuids]
    parents = {lease.parent_lease_uuid for lease in found}
    innermost = [lease for lease in found if lease.uuid not in parents]
    return innermost[0] if innermost else None


def holder_sql(lease, parent, child, now, wanted=statuses.HOLDING):
    """The SQL form of holder(): the row of ``lease`` holds its node.

    ``lease``, ``parent`` and ``child`` are three aliases of the Lease
    entity (the last two for the subqueries on its parent and children).
    """
    parent_running = sa.exists(sa.select(parent.id).where(
        parent.uuid == lease.parent_lease_uuid,
        running_sql(parent, now, wanted)))
    child_running = sa.exists(sa.select(child.id).where(
        child.parent_lease_uuid == lease.uuid,
        running_sql(child, now, wanted)))
    return sa.and_(running_sql(lease, now, wanted),
                   sa.or_(lease.parent_lease_uuid.is_(None), parent_running),
                   ~child_running)
