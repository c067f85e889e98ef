"""The backend steps of a pass: take a node back, hand it over.

scrub() takes one step of the hand-back of the lease the node still
carries; hold() hands the node to the lease that should hold it, once the
readiness gate lets it. Each records what it learns in the pass's Outcome
as a Verdict for the lease concerned (see steps); neither raises a backend
error nor writes the database.
"""
from oslo_config import cfg
from oslo_log import log

from esi_leap.common import exception
from esi_leap.common import ironic_states
from esi_leap.common import statuses
from esi_leap.common import timeutils
from esi_leap.manager import attestation_gate
from esi_leap.manager import transitions
from esi_leap.resource_types import base

CONF = cfg.CONF
LOG = log.getLogger(__name__)


def _to_parent(plan, current):
    """Whether the node passes between a lease and its own sub-lease."""
    holder = plan.holder
    if holder is None:
        return False
    return holder.parent_lease_uuid == current or any(
        lease.uuid == current and lease.parent_lease_uuid == holder.uuid
        for lease in plan.ending)


def scrub(rtype, resource_uuid, plan, outcome):
    """Take one step of the hand-back of the lease the node still carries.

    Nothing when the node carries no lease or the holder's. A sub-lease
    gives the node back to its parent (and a parent lends it to its
    sub-lease) as it is; any other lease gets the full hand-back.
    """
    current = outcome.current
    if current is None or current == plan.holder_uuid:
        return
    returning = _to_parent(plan, current)
    try:
        if returning:
            result = rtype.return_lease(resource_uuid, current)
        elif rtype.hands_over_with_scrub:
            result = rtype.remove_lease(resource_uuid, current,
                                        _successor(plan, outcome))
        else:
            result = rtype.remove_lease(resource_uuid, current)
    except exception.NodeBusy as e:
        result = base.HandBack(base.Progress.BUSY, str(e))
    except exception.EsiLeapException as e:
        outcome.handback_stopped(transitions.Result.FAILED, str(e))
        return
    _took(outcome, result or base.HandBack(base.Progress.DONE), returning)


def _took(outcome, result, returning):
    """Write one hand-back step's HandBack, and its Verdict, into the Outcome.

    The step is done (the node's lease is the one it handed the node to),
    quarantined it, or the backend is still at it (BUSY).
    """
    outcome.handback = result
    if result.progress is base.Progress.DONE:
        outcome.current = result.handed_to
        outcome.returned = returning
    elif result.progress is base.Progress.QUARANTINED:
        outcome.handback_quarantined(result.message)
    else:
        outcome.handback_stopped(transitions.Result.BUSY, result.message)


def _successor(plan, outcome):
    """The lease the hand-back may give the node to with its last write.

    NOTE(esi-leap): one Ironic PATCH rather than two at the moment the
    next tenant waits. Only a new top-level lease, through the same
    readiness gate as hold() (run by the backend on the node it is about
    to write), and never when the attested hand-over is on: its gate
    runs in hold() alone.
    """
    holder = plan.holder
    if holder is None or holder.status == statuses.ACTIVE or \
            holder.parent_lease_uuid is not None or \
            not (holder.project_id or '').strip() or \
            attestation_gate.enabled():
        return None
    return base.Successor(holder.uuid, holder.project_id,
                          lambda node: _why_not_ready(node, plan, outcome))


def hold(rtype, resource_uuid, node, plan, outcome):
    """Hand the node to the lease that should hold it, if it has not.

    The readiness gate: a node not carrying the holder's lease yet is
    handed over only when ready (see NodeInfo.not_ready); when a hand-back
    step was taken in this pass, the gate looks at the node as that step
    left it (read again unless the backend said).
    """
    holder = plan.holder
    if holder is None or outcome.hold_of().result is not \
            transitions.Result.DONE:
        return  # the hand-back said no (it failed, waits or quarantined)
    if outcome.current == holder.uuid and _as_left(
            rtype, resource_uuid, node, outcome).lessee_id == \
            holder.project_id:
        return
    if not (holder.project_id or '').strip():
        # NOTE(esi-leap): the API refuses blank projects; a row written
        # otherwise must never make a blank lessee on the node.
        outcome.not_held(transitions.Result.FAILED,
                         'lease %s has no project; the node is not handed '
                         'over' % holder.uuid)
        return
    try:
        # NOTE(esi-leap): an active lease whose node drifted gets it back
        # as it is (its own deployment included): that is no hand-over.
        if outcome.current != holder.uuid and \
                holder.status != statuses.ACTIVE and not (
                    _ready(rtype, resource_uuid, node, plan, outcome) and
                    _attested(rtype, resource_uuid, node, plan, outcome)):
            return
        rtype.set_lease(resource_uuid, holder.uuid, holder.project_id)
    except exception.EsiLeapException as e:
        outcome.not_held(transitions.Result.FAILED, str(e))


def _ready(rtype, resource_uuid, node, plan, outcome):
    """The readiness gate; False (and the Outcome says why) if not ready.

    A node Ironic is still working on (cleaning, say) is waited for; any
    other node the gate refuses (maintenance, a failed state, ``enroll``,
    ``manageable``, deployed behind esi-leap's back) is quarantined, for
    the first tenant as at a hand-back: an operator has to act.
    """
    node = _as_left(rtype, resource_uuid, node, outcome)
    why = _why_not_ready(node, plan, outcome)
    if why is None:
        return True
    LOG.warning('Node %s is not handed to lease %s: %s', resource_uuid,
                plan.holder.uuid, why)
    if not node.maintenance and not ironic_states.at_rest(
            node.provision_state, node.target_provision_state):
        # NOTE(esi-leap): a wait, not a failed attempt (as a busy
        # hand-back): the scheduler looks again soon.
        outcome.not_held(transitions.Result.BUSY, why)
        return False
    outcome.quarantined(why)
    return False


def _why_not_ready(node, plan, outcome):
    """The readiness gate's verdict: why not hand ``node`` over, or None."""
    sub_lease = plan.holder.parent_lease_uuid is not None or \
        outcome.returned
    handover = ironic_states.HANDOVER \
        if CONF.ironic.require_available_for_handover \
        else ironic_states.HANDOVER_WITH_ENROLL
    return node.not_ready(sub_lease=sub_lease, handover=handover)


def _as_left(rtype, resource_uuid, node, outcome):
    """The node as this pass's hand-back step left it (``node`` if none)."""
    if outcome.handback is None:
        return node
    if outcome.handback.node is None:
        outcome.handback.node = rtype.get(resource_uuid)
    return outcome.handback.node


def _attested(rtype, resource_uuid, node, plan, outcome):
    """The attested hand-over's gate, for a new top-level lessee only."""
    if not attestation_gate.enabled() or outcome.returned or \
            plan.holder.parent_lease_uuid is not None:
        return True
    node = _as_left(rtype, resource_uuid, node, outcome)
    # NOTE(esi-leap): the wall clock, not the pass's planning instant: a
    # pass must be newer than the gate's start on the verifier's clock.
    return attestation_gate.check(rtype.name, node, plan.holder, outcome,
                                  timeutils.utcnow())
