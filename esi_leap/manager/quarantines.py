"""A node's quarantine: its start and its end, each recorded once.

A quarantine starts when a pass finds a node it may not hand over and
an operator has to act (failed cleaning, maintenance, a failed state, a
node not ``available`` for its first tenant, a failed attestation); it
ends when a pass releases the node: hands it to a lease, or finishes its
hand-back with no lease waiting. Whether it is open is read from the
events under the nodes' lock rows (db quarantines), so neither the path
that releases the node, nor a second manager, nor the reasons a waiting
lease showed meanwhile, can make a start or an end twice or none.
"""
from esi_leap.common import statuses
from esi_leap.manager import transitions

START, END = 'start', 'end'


def record(txn, recorder, works, leases):
    """Record the quarantine starts and ends of a pass's ``works``.

    ``leases`` are the leases re-read in the transaction ({uuid: row}),
    already written as the pass left them. The event is the waiting
    lease's (its lessee sees it) or, with none, the owner's alone.
    """
    phases = {work.pair: _phase(work, leases) for work in works}
    phases = {pair: phase for pair, phase in phases.items() if phase}
    if not phases:
        return
    quarantined = txn.open_quarantines(list(phases))
    for work in works:
        phase = phases.get(work.pair)
        if phase is None or (phase == START) == (work.pair in quarantined):
            continue
        lease, lessee = _whose(work, leases)
        if lease is not None:
            recorder.record_node(lease, 'quarantine', phase,
                                 work.outcome.quarantine, lessee_id=lessee)


def _phase(work, leases):
    """START if the pass quarantined the node, END if it released it."""
    outcome, holder = work.outcome, work.plan.holder
    if outcome.quarantine is not None:
        return START
    if outcome.hold_of().result is not transitions.Result.DONE:
        return None  # the node is still being worked on, or unknown
    if holder is not None:
        row = leases.get(holder.uuid)
        return END if row is not None and \
            row.status == statuses.ACTIVE else None
    return END if _handed_back(outcome) else None


def _handed_back(outcome):
    """Whether this pass finished a hand-back, the node left ready."""
    handback = outcome.handback
    if handback is None or not handback.done or outcome.current:
        return False
    node = handback.node
    return node is None or node.not_ready() is None


def _whose(work, leases):
    """The lease an event is recorded with, and its lessee_id argument.

    The holder's (False: its own lessee), else the first ending lease
    with no lessee (None).
    """
    holder = work.plan.holder
    if holder is not None and leases.get(holder.uuid) is not None:
        return leases[holder.uuid], False
    for lease in work.plan.ending:
        if leases.get(lease.uuid) is not None:
            return leases[lease.uuid], None
    return None, None
