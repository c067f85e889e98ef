"""What should happen to a node now: the pure plan of a manager pass.

Level-triggered: from a node's live leases and the time, the plan says
which lease should hold the node and which leases end. Nothing here
touches a backend or writes the database; plan_many() is one read.
"""
import dataclasses

from esi_leap.common import holding
from esi_leap.common import statuses
from esi_leap.db import api as db_api


@dataclasses.dataclass
class Plan(object):
    """What should happen to one node now."""

    holder: object = None          # lease that should hold the node
    ending: list = dataclasses.field(default_factory=list)

    @property
    def holder_uuid(self):
        return self.holder.uuid if self.holder is not None else None


def ends(lease, now):
    """Whether ``lease`` should end at ``now``: the one rule.

    A lease ends when it is being cancelled or its end time has come.
    """
    return lease.status == statuses.WAIT_CANCEL or lease.end_time <= now


def make_plan(leases, now):
    """Decide, from a node's live leases, who holds it and what ends.

    The ending leases are those ends() says; the holder is the one rule's
    (common.holding) among the leases the manager may hand the node to
    (none of which ends: a lease being cancelled cannot hold).
    """
    return Plan(holder=holding.holder(leases, now,
                                      statuses.MANAGER_CAN_HOLD),
                ending=[lease for lease in leases if ends(lease, now)])


def _ready(lease, now):
    return statuses.attempt_ready(lease.next_attempt_at, now)


def is_due(plan, now):
    """Whether a lease of the plan is due to end, start or be retried."""
    holder = plan.holder
    return any(_ready(lease, now) for lease in plan.ending) or (
        holder is not None and holder.status != statuses.ACTIVE
        and _ready(holder, now))


def plan_many(pairs, now):
    """Return {(resource_type, resource_uuid): Plan} as of ``now``.

    One database read for all the nodes (see make_plan()).
    """
    found = db_api.live_leases_of(pairs, statuses.MANAGER_LIVE)
    return {pair: make_plan(leases, now) for pair, leases in found.items()}
