"""Bringing one node in line with its leases: the manager's workflow.

Level-triggered: for a node, the database says which lease should hold it
now; the backend says which lease does. The manager scrubs the node of a
lease that should not hold it any more, then hands it to the one that
should, then records the outcome. Every step can be repeated: after a
crash or a backend error the next attempt finishes the job.
"""
import dataclasses

from oslo_config import cfg
from oslo_log import log

from esi_leap.common import exception
from esi_leap.common import statuses
from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.manager import attestation_gate
from esi_leap.manager import ending
from esi_leap.manager import handovers
from esi_leap.manager import quarantines
from esi_leap.manager import transitions
from esi_leap.notifications import events
from esi_leap import resource_types

CONF = cfg.CONF
LOG = log.getLogger(__name__)


@dataclasses.dataclass
class Plan(object):
    """What should happen to one node now."""

    holder: object = None          # lease that should hold the node
    ending: list = dataclasses.field(default_factory=list)

    @property
    def holder_uuid(self):
        return self.holder.uuid if self.holder is not None else None


@dataclasses.dataclass
class Outcome(object):
    """What the backend steps of converge() found and did.

    ``state`` is 'ok', 'missing' (the node is gone: nothing to scrub) or
    'unreachable' (nothing is known: every due lease is retried);
    ``current`` is the lease the node still carries after the scrub;
    ``busy`` means the backend is still taking the node back (cleaning),
    or still working on a node the holder waits for (the readiness gate):
    the leases concerned wait without that counting as a failed attempt.
    ``node`` is the NodeInfo read from the backend (None if it was not):
    the facts the notifications of the outcome carry.
    """

    started: object
    state: str = 'ok'
    node: object = None
    current: str = None
    scrub_error: str = None
    hold_error: str = None
    busy: bool = False
    scrubbed: bool = False
    # The last hand-back step's HandBack, and why the node is quarantined.
    handback: object = None
    quarantine: str = None
    # The node went back to a parent lease from its sub-lease just now.
    returned: bool = False
    # The attested hand-over: what its gate came to (attestation_gate).
    attestation: object = None
    attesting: bool = False
    attest_refused: str = None     # event id of a failed verdict before
    attest_timeout: bool = False

    def still_holds(self, lease_uuid):
        """Whether the node may still carry ``lease_uuid``."""
        return self.state == 'unreachable' or (
            self.scrub_error is not None and self.current == lease_uuid)

    def end_result(self, lease_uuid):
        """The transitions.Result of the end of ``lease_uuid``."""
        if self.still_holds(lease_uuid):
            return transitions.Result.BUSY if self.busy \
                else transitions.Result.FAILED
        if self.quarantine is not None and self.current == lease_uuid:
            return transitions.Result.QUARANTINED
        return transitions.Result.DONE

    def hold_result(self):
        """The transitions.Result of the hand-over to the holder."""
        if self.attest_timeout:
            return transitions.Result.ATTEST_TIMEOUT
        if self.quarantine is not None:
            return transitions.Result.QUARANTINED
        if self.attesting:
            return transitions.Result.ATTESTING
        if self.busy and (self.scrub_error is not None or
                          self.hold_error is not None):
            return transitions.Result.BUSY
        if self.hold_error is not None:
            return transitions.Result.FAILED
        return transitions.Result.DONE


def _ready(lease, now):
    return statuses.attempt_ready(lease.next_attempt_at, now)


def make_plan(leases, now):
    """Decide, from a node's live leases, who holds it and what ends.

    A lease ends when its end time has come or it is being cancelled. The
    holder is the running lease that has not ended; a running sub-lease
    takes precedence over its parent.
    """
    plan = Plan()
    running = []
    for lease in leases:
        if lease.status == statuses.WAIT_CANCEL or lease.end_time <= now:
            plan.ending.append(lease)
        elif lease.status in statuses.MANAGER_CAN_HOLD and \
                lease.start_time <= now:
            running.append(lease)
    running_uuids = {lease.uuid for lease in running}
    children = [lease for lease in running
                if lease.parent_lease_uuid in running_uuids]
    parents = [lease for lease in running
               if lease.parent_lease_uuid is None]
    if children:
        plan.holder = children[0]
    elif parents:
        plan.holder = parents[0]
    return plan


def is_due(plan, now):
    """Whether a lease of the plan is due to end, start or be retried."""
    holder = plan.holder
    return any(_ready(lease, now) for lease in plan.ending) or (
        holder is not None and holder.status != statuses.ACTIVE
        and _ready(holder, now))


@dataclasses.dataclass
class Work(object):
    """One node's plan and what the backend steps did about it."""

    resource_type: str
    resource_uuid: str
    plan: Plan
    outcome: Outcome

    @property
    def pair(self):
        return (self.resource_type, self.resource_uuid)


def plan_many(pairs, now):
    """Return {(resource_type, resource_uuid): Plan} as of ``now``.

    One database read for all the nodes (see make_plan()).
    """
    found = db_api.live_leases_of(pairs, statuses.MANAGER_LIVE)
    return {pair: make_plan(leases, now) for pair, leases in found.items()}


def converge(resource_type, resource_uuid, now=None, force=False):
    """Bring one node in line with its leases, as of ``now``.

    Unless ``force``, the backend is only touched when a lease of the node
    is due to start, end or be retried. Returns the plan carried out.
    Backend failures are recorded on the leases concerned (``wait ...``
    with a retry time, or ``error`` once retries are exhausted); they
    never escape. The scheduler does the same for many nodes at once with
    plan_many(), act() and record().
    """
    now = now or timeutils.utcnow()
    pair = (resource_type, resource_uuid)
    plan = plan_many([pair], now)[pair]
    if not force and not is_due(plan, now):
        # Nothing due: drift repair is the sweep's job (drifted()).
        return plan
    record([Work(resource_type, resource_uuid, plan,
                 act(resource_type, resource_uuid, plan, now))], now)
    return plan


# Fewest nodes of one type read with one backend listing rather than one
# read each (an Ironic listing returns every node, paginated).
LOOK_MANY_MIN = 10


def look_many(pairs):
    """Read the nodes of ``pairs`` from their backends, a listing per type.

    Returns {pair: NodeInfo, or None for a node the backend does not
    have}. Types with fewer than LOOK_MANY_MIN nodes, or whose listing
    fails, are left out: act() reads those nodes itself.
    """
    by_type = {}
    for rtype_name, uuid in pairs:
        by_type.setdefault(rtype_name, []).append(uuid)
    found = {}
    for rtype_name, uuids in by_type.items():
        if len(uuids) < LOOK_MANY_MIN:
            continue
        try:
            nodes = resource_types.get(rtype_name).get_many(uuids)
        except exception.EsiLeapException as e:
            LOG.warning('Cannot list %d %s nodes (%s); reading them one by '
                        'one', len(uuids), rtype_name, e)
            continue
        found.update(((rtype_name, uuid), nodes.get(uuid)) for uuid in uuids)
    return found


def act(resource_type, resource_uuid, plan, now, looked=None):
    """Do the backend steps of ``plan`` on one node; return the Outcome.

    Read the node (unless ``looked`` is a list holding what look_many()
    found of it), scrub it of a lease that should not hold it, hand it to
    the one that should. Backend failures are in the Outcome, never
    raised; nothing is written to the database.
    """
    outcome = Outcome(started=max(now, timeutils.utcnow()))
    rtype = resource_types.get(resource_type)
    if looked is None:
        node = _look(rtype, resource_uuid, outcome)
    else:
        node = _looked(looked[0], outcome)
    if outcome.state == 'ok':
        _scrub(rtype, resource_uuid, plan, outcome)
        _hold(rtype, resource_uuid, node, plan, outcome)
    elif outcome.state == 'missing':
        outcome.hold_error = 'node %s not found' % resource_uuid
    return outcome


def _look(rtype, resource_uuid, outcome):
    """Read the node from the backend; None unless outcome.state is 'ok'."""
    try:
        node = rtype.get(resource_uuid)
    except exception.NodeNotFound:
        outcome.state = 'missing'
        return None
    except exception.EsiLeapException as e:
        outcome.state = 'unreachable'
        outcome.scrub_error = outcome.hold_error = str(e)
        return None
    outcome.current = node.lease_uuid
    outcome.node = node
    return node


def _looked(node, outcome):
    """As _look(), for a node read by look_many() (None: missing)."""
    if node is None:
        outcome.state = 'missing'
        return None
    outcome.current = node.lease_uuid
    outcome.node = node
    return node


def _scrub(rtype, resource_uuid, plan, outcome):
    """Take the node from a lease that should not hold it any more."""
    handovers.scrub(rtype, resource_uuid, plan, outcome)


def _hold(rtype, resource_uuid, node, plan, outcome):
    """Hand the node to the lease that should hold it, if it has not."""
    handovers.hold(rtype, resource_uuid, node, plan, outcome)


def record(works, planned_at, held=None):
    """Write the outcomes of many nodes in one transaction, with events.

    The leases are re-read under the lock rows of all the nodes; a lease
    changed meanwhile (extended, cancelled) is left for the next run. The
    notifications go out after the commit (through the outbox), or, with
    a list ``held``, the committed Recorder is appended to it for the
    caller to send() later.
    """
    # Decisions use the planning instant; timestamps the real time.
    now = max(planned_at, timeutils.utcnow())
    recorder = db_api.run_bookings(
        [work.pair for work in works],
        lambda txn: _record_in(txn, works, now))
    if held is None:
        recorder.send()
    else:
        held.append(recorder)


def _record_in(txn, works, now):
    """The body of record()'s transaction; returns its event Recorder."""
    recorder = events.Recorder(txn, {
        work.pair: work.outcome.node for work in works
        if work.outcome.node is not None})
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
    return recorder


def _record_end(lease, outcome, recorder, now, planned_end):
    """Record the end (or the failed or waiting end) of one lease.

    ``planned_end`` is the end time the manager acted on. A quarantine is
    recorded with the end when no lease (``waiting``, the holder) waits
    for the node: that one records it otherwise. Returns whether the
    lease ended.
    """
    if lease is None or lease.status not in statuses.MANAGER_LIVE:
        return False
    cancelling = lease.status == statuses.WAIT_CANCEL
    if not cancelling and (lease.end_time > now or
                           lease.end_time != planned_end):
        # NOTE(esi-leap): compare-and-set under the lock row: the end is
        # recorded only for the end time acted on.
        _end_changed(lease, outcome, now)
        return False
    before = lease.status
    result = outcome.end_result(lease.uuid)
    row = transitions.END[result]
    after = transitions.end_status(row, cancelling)
    if transitions.starts(before, after, result):
        recorder.record('lease', lease, 'delete', 'start', before,
                        when=outcome.started)
    if row.retry is transitions.Retry.SUCCEED:
        lease.expire_time = now
    transitions.apply(lease, row, after, outcome.scrub_error, now)
    extra = _handback_payload(outcome, result, now) \
        if 'end' in row.events else None
    for phase in row.events:
        recorder.record('lease', lease, 'delete', phase, before,
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
            lease, transitions.HOLD[transitions.Result.BUSY],
            statuses.WAIT_FULFILL, 'its end time changed while it was being '
            'ended; the node is handed back', now)


def _record_hold(lease, outcome, recorder, now):
    """Record the start (or the failed or waiting start) of the holder.

    Returns whether the lease became active just now.
    """
    if lease is None or lease.status not in statuses.MANAGER_CAN_HOLD or \
            lease.end_time <= now:
        return False
    before = lease.status
    result = outcome.hold_result()
    row = transitions.HOLD[result]
    if result is transitions.Result.DONE and before == statuses.ACTIVE:
        return False  # an active lease that still holds its node
    if transitions.starts(before, row.status, result):
        recorder.record('lease', lease, 'fulfill', 'start', before,
                        when=outcome.started)
    if row.retry is transitions.Retry.SUCCEED:
        lease.fulfill_time = lease.fulfill_time or now
    transitions.apply(lease, row, row.status, outcome.hold_error, now)
    for phase in row.events:
        recorder.record('lease', lease, 'fulfill', phase, before)
    return result is transitions.Result.DONE and before != statuses.ACTIVE
