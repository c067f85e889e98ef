"""Bringing one node in line with its leases: the manager's workflow.

Level-triggered: for a node, the database says which lease should hold it
now; the backend says which lease does. The manager scrubs the node of a
lease that should not hold it any more, then hands it to the one that
should, then records the outcome. Every step can be repeated: after a
crash or a backend error the next attempt finishes the job.
"""
import dataclasses
import datetime
import functools

from oslo_config import cfg
from oslo_log import log

from esi_leap.common import exception
from esi_leap.common import statuses
from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.manager import batches
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
    ``busy`` means the backend is still taking the node back (cleaning):
    the leases concerned wait without that counting as a failed attempt.
    """

    started: object
    state: str = 'ok'
    current: str = None
    scrub_error: str = None
    hold_error: str = None
    busy: bool = False
    scrubbed: bool = False

    def still_holds(self, lease_uuid):
        """Whether the node may still carry ``lease_uuid``."""
        return self.state == 'unreachable' or (
            self.scrub_error is not None and self.current == lease_uuid)


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


def _backoff(attempts):
    delay = CONF.manager.retry_initial_delay * (2 ** max(attempts - 1, 0))
    return datetime.timedelta(seconds=min(delay,
                                          CONF.manager.retry_max_delay))


def _fail(lease, wait_status, reason, now):
    """Record a failed attempt: retry later, or give up into error."""
    lease.attempts = (lease.attempts or 0) + 1
    lease.status_reason = reason
    if lease.attempts >= CONF.manager.max_attempts:
        LOG.error('Lease %s: giving up after %d attempts: %s', lease.uuid,
                  lease.attempts, reason)
        lease.status = statuses.ERROR
        lease.next_attempt_at = None
    else:
        lease.status = wait_status
        lease.next_attempt_at = now + _backoff(lease.attempts)
        LOG.warning('Lease %s: %s; attempt %d, retrying at %s', lease.uuid,
                    reason, lease.attempts,
                    timeutils.isoformat(lease.next_attempt_at))


def _wait(lease, wait_status, reason, now):
    """The backend is busy (e.g. cleaning): check again soon, no failure."""
    lease.status = wait_status
    lease.status_reason = reason
    lease.next_attempt_at = now + datetime.timedelta(
        seconds=CONF.manager.retry_initial_delay)


def _succeed(lease):
    lease.attempts = 0
    lease.next_attempt_at = None
    lease.status_reason = None


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
    return node


def _looked(node, outcome):
    """As _look(), for a node read by look_many() (None: missing)."""
    if node is None:
        outcome.state = 'missing'
        return None
    outcome.current = node.lease_uuid
    return node


def _scrub(rtype, resource_uuid, plan, outcome):
    """Take the node from a lease that should not hold it any more."""
    if outcome.current is None or outcome.current == plan.holder_uuid:
        return
    try:
        rtype.remove_lease(resource_uuid, outcome.current)
        outcome.current = None
        outcome.scrubbed = True
        return
    except exception.NodeBusy as e:
        outcome.scrub_error, outcome.busy = str(e), True
    except exception.EsiLeapException as e:
        outcome.scrub_error = str(e)
    # The holder cannot have the node before it has been taken back.
    outcome.hold_error = (
        'waiting for the node to be taken back from lease %s: %s'
        % (outcome.current, outcome.scrub_error))


def _hold(rtype, resource_uuid, node, plan, outcome):
    """Hand the node to the lease that should hold it, if it has not."""
    holder = plan.holder
    if holder is None or outcome.scrub_error is not None:
        return
    if outcome.current == holder.uuid and \
            node.lessee_id == holder.project_id:
        return
    if not (holder.project_id or '').strip():
        # NOTE(esi-leap): the API refuses blank projects; a row written
        # otherwise must never make a blank lessee on the node.
        outcome.hold_error = ('lease %s has no project; the node is not '
                              'handed over' % holder.uuid)
        return
    try:
        rtype.set_lease(resource_uuid, holder.uuid, holder.project_id)
    except exception.EsiLeapException as e:
        outcome.hold_error = str(e)


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
    recorder = events.Recorder(txn)
    leases = txn.leases([lease.uuid for work in works
                         for lease in work.plan.ending + [work.plan.holder]
                         if lease is not None])
    started, revoked = [], []
    for work in works:
        plan, outcome = work.plan, work.outcome
        ended = [_record_end(leases.get(lease.uuid), outcome, recorder, now,
                             lease.end_time)
                 for lease in plan.ending]
        if plan.holder is not None and _record_hold(
                leases.get(plan.holder.uuid), outcome, recorder, now):
            started.append(plan.holder.uuid)
        if outcome.scrubbed or any(ended):
            # NOTE(esi-leap): tokens of the old holder die with the scrub
            # (the console proxy ends their sessions within a second). In
            # this transaction, so a crash before it cannot spare them.
            revoked.append(work.pair)
    if CONF.email.enabled:
        txn.add_notices(started, statuses.NOTICE_STARTED, now)
    txn.delete_tokens(revoked)
    return recorder


def _record_end(lease, outcome, recorder, now, planned_end):
    """Record the end (or the failed or waiting end) of one lease.

    ``planned_end`` is the end time the manager acted on. Returns whether
    the lease ended.
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
    still_held = outcome.still_holds(lease.uuid)
    wait_status = statuses.WAIT_CANCEL if cancelling \
        else statuses.WAIT_EXPIRE
    if not (outcome.busy and still_held and before == wait_status):
        recorder.record('lease', lease, 'delete', 'start', before,
                        when=outcome.started)
    if still_held and outcome.busy:
        _wait(lease, wait_status, outcome.scrub_error, now)
    elif still_held:
        _fail(lease, wait_status, outcome.scrub_error, now)
        recorder.record('lease', lease, 'delete', 'error', before)
    else:
        lease.status = statuses.DELETED if cancelling \
            else statuses.EXPIRED
        lease.expire_time = now
        _succeed(lease)
        recorder.record('lease', lease, 'delete', 'end', before)
        return True
    return False


def _end_changed(lease, outcome, now):
    """Leave a lease whose end time changed meanwhile to the next run.

    If the node was taken from it (an active lease the node no longer
    carries), the next run hands the node back to it.
    """
    LOG.warning('Lease %s: its end time changed while it was being ended; '
                'left to the next run', lease.uuid)
    if lease.status == statuses.ACTIVE and \
            not outcome.still_holds(lease.uuid):
        _wait(lease, statuses.WAIT_FULFILL,
              'its end time changed while it was being ended; the node '
              'is handed back', now)


def _record_hold(lease, outcome, recorder, now):
    """Record the start (or the failed or waiting start) of the holder.

    Returns whether the lease became active just now.
    """
    if lease is None or lease.status not in statuses.MANAGER_CAN_HOLD or \
            lease.end_time <= now:
        return False
    before = lease.status
    error = outcome.hold_error
    waiting = outcome.busy and outcome.scrub_error is not None
    if (before != statuses.ACTIVE or error is not None) and \
            not (waiting and before == statuses.WAIT_FULFILL):
        recorder.record('lease', lease, 'fulfill', 'start', before,
                        when=outcome.started)
    if waiting:
        _wait(lease, statuses.WAIT_FULFILL, error, now)
    elif error is not None:
        _fail(lease, statuses.WAIT_FULFILL, error, now)
        recorder.record('lease', lease, 'fulfill', 'error', before)
    elif before != statuses.ACTIVE:
        lease.status = statuses.ACTIVE
        lease.fulfill_time = lease.fulfill_time or now
        _succeed(lease)
        recorder.record('lease', lease, 'fulfill', 'end', before)
        return True
    return False


def expire_offers(now=None):
    """Expire every open offer whose end time has come; return them.

    The offers of up to batches.MAX_NODES nodes are expired in one
    transaction, each re-read under its node's lock: one whose end was
    moved later, or that was deleted, meanwhile is left alone. Each
    batch's notifications go out once it has committed.
    """
    now = now or timeutils.utcnow()
    expired = []
    for pairs, offers in batches.by_node(db_api.ended_offers(now)):
        done, recorder = db_api.run_bookings(pairs, functools.partial(
            _expire_offers_in, offer_uuids=[offer.uuid for offer in offers],
            now=now))
        recorder.send()
        expired.extend(done)
    return expired


def _expire_offers_in(txn, offer_uuids, now):
    """Expire a batch of offers in a transaction; (expired, Recorder)."""
    recorder = events.Recorder(txn)
    current = txn.offers(offer_uuids)
    expired = []
    for uuid in offer_uuids:
        offer = current.get(uuid)
        if offer is None or offer.status not in \
                statuses.OFFER_CAN_DELETE or offer.end_time > now:
            continue
        before = offer.status
        offer.status = statuses.EXPIRED
        recorder.record('offer', offer, 'expire', 'end', before)
        expired.append(offer)
    return expired, recorder


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
