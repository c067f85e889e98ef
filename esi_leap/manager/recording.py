"""Recording a manager pass: every lease's transition, in one place.

record() writes what the backend steps of many nodes came to, in one
transaction holding their lock rows: each lease concerned goes through
the one transition table (transitions.TABLE), with its events, its
retry and, for a lease started now, its ending event and notices.
"""
import functools

from oslo_config import cfg
from oslo_log import log

from esi_leap.common import statuses
from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.manager import attestation_gate
from esi_leap.manager import ending
from esi_leap.manager import plan as plan_mod
from esi_leap.manager import quarantines
from esi_leap.manager import transitions
from esi_leap.notifications import emitter

CONF = cfg.CONF
LOG = log.getLogger(__name__)

END, HOLD = transitions.Action.END, transitions.Action.HOLD


def record(works, planned_at, held=None):
    """Write the outcomes of many nodes in one transaction, with events.

    The leases are re-read under the lock rows of all the nodes; a lease
    changed meanwhile (extended, cancelled) is left for the next run. The
    notifications go out after the commit (through the outbox), or, with
    a list ``held``, the committed emitter.Recorded is appended to it for
    the caller to send() later.
    """
    # Decisions use the planning instant; timestamps the real time.
    now = max(planned_at, timeutils.utcnow())
    nodes = {work.pair: work.outcome.node for work in works
             if work.outcome.node is not None}
    found = db_api.run_bookings(
        [work.pair for work in works], functools.partial(
            emitter.recorded(_record_in, nodes), works=works, now=now))
    if held is None:
        found.send()
    else:
        held.append(found)


def _record_in(txn, recorder, works, now):
    """The body of record()'s transaction; the leases it started."""
    leases = txn.leases([lease.uuid for work in works
                         for lease in work.plan.ending + [work.plan.holder]
                         if lease is not None])
    started, revoked, quarantined = [], [], []
    for work in works:
        plan, outcome = work.plan, work.outcome
        ended = [_record_end(leases.get(lease.uuid), outcome, recorder, now,
                             lease.end_time)
                 for lease in plan.ending]
        if plan.holder is not None:
            attestation_gate.record(txn, recorder, work.pair,
                                    leases.get(plan.holder.uuid), outcome,
                                    now)
        if plan.holder is not None and _record_hold(
                leases.get(plan.holder.uuid), outcome, recorder, now):
            started.append(plan.holder.uuid)
        elif plan.holder is not None and outcome.quarantine is not None:
            quarantined.append(plan.holder.uuid)
        if outcome.scrubbed or any(ended):
            # NOTE(esi-leap): tokens of the old holder die with the scrub
            # (the console proxy ends their sessions within a second). In
            # this transaction, so a crash before it cannot spare them.
            revoked.append(work.pair)
    # The node's quarantine starts or ends (once), after the lease events.
    quarantines.record(txn, recorder, works, leases)
    # A lease shorter than the lead time: its ending event, after its start.
    ending.record_due(txn, recorder, [leases[uuid] for uuid in started], now)
    if CONF.email.enabled:
        txn.add_notices(started, statuses.NOTICE_STARTED, now)
        # Once per waiting lease (the notices' unique lease and kind).
        txn.add_notices(quarantined, statuses.NOTICE_QUARANTINE, now)
    txn.delete_tokens(revoked)
    return started


def _record_end(lease, outcome, recorder, now, planned_end):
    """Record the end (or the failed or waiting end) of one lease.

    ``planned_end`` is the end time the manager acted on. Returns whether
    the lease ended.
    """
    if lease is None or lease.status not in statuses.MANAGER_LIVE:
        return False
    cancelling = lease.status == statuses.WAIT_CANCEL
    if not plan_mod.ends(lease, now) or (
            not cancelling and lease.end_time != planned_end):
        # NOTE(esi-leap): compare-and-set under the lock row: the end is
        # recorded only for the end time acted on.
        _end_changed(lease, outcome, now)
        return False
    before = lease.status
    verdict = outcome.end_of(lease.uuid)
    result = verdict.result
    row = transitions.transition(END, before, result)
    after = transitions.end_status(row, cancelling)
    if transitions.starts(before, after, result):
        recorder.record('lease', lease, END.value, 'start', before,
                        when=outcome.started)
    if row.retry is transitions.Retry.SUCCEED:
        lease.expire_time = now
    transitions.apply(lease, row, after, verdict.message, now)
    extra = _handback_payload(outcome, result, now) \
        if 'end' in row.events else None
    for phase in row.events:
        recorder.record('lease', lease, END.value, phase, before,
                        extra=extra)
    return row.retry is transitions.Retry.SUCCEED


def _handback_payload(outcome, result, now):
    """The hand-back record of a lease end event: outcome and duration."""
    handback = outcome.handback
    since = getattr(handback, 'since', None)
    if result is transitions.Result.QUARANTINED:
        done = 'quarantined'
    else:
        done = getattr(handback, 'outcome', None) or 'scrubbed'
    return {'handback': {
        'outcome': done,
        'seconds': round((now - since).total_seconds(), 3)
        if since is not None else 0.0}}


def _end_changed(lease, outcome, now):
    """Leave a lease whose end time changed meanwhile to the next run.

    If the node was taken from it (an active lease the node no longer
    carries), the next run hands the node back to it.
    """
    LOG.warning('Lease %s: its end time changed while it was being ended; '
                'left to the next run', lease.uuid)
    if lease.status == statuses.ACTIVE and \
            not outcome.still_holds(lease.uuid):
        transitions.apply(
            lease, transitions.transition(HOLD, lease.status,
                                          transitions.Result.BUSY),
            statuses.WAIT_FULFILL, 'its end time changed while it was being '
            'ended; the node is handed back', now)


def _record_hold(lease, outcome, recorder, now):
    """Record the start (or the failed or waiting start) of the holder.

    Returns whether the lease became active just now.
    """
    if lease is None or lease.status not in statuses.MANAGER_CAN_HOLD or \
            plan_mod.ends(lease, now):
        return False
    before = lease.status
    verdict = outcome.hold_of()
    result = verdict.result
    row = transitions.transition(HOLD, before, result)
    if row is None:
        return False  # an active lease that still holds its node
    if transitions.starts(before, row.status, result):
        recorder.record('lease', lease, HOLD.value, 'start', before,
                        when=outcome.started)
    if row.retry is transitions.Retry.SUCCEED:
        lease.fulfill_time = lease.fulfill_time or now
    transitions.apply(lease, row, row.status, verdict.message, now)
    for phase in row.events:
        recorder.record('lease', lease, HOLD.value, phase, before)
    return result is transitions.Result.DONE and before != statuses.ACTIVE
