"""How the manager records what a pass did: one table of transitions.

For each lease a pass concerns, the backend steps give a Result; the
table gives, from the lease's status and that Result, the status after,
the events to record and the kind of retry. Lease ends and lease starts
each have their table; the hand-back's quarantine is a row, not a flag.
"""
import dataclasses
import datetime
import enum

from oslo_config import cfg
from oslo_log import log

from esi_leap.common import backoff as backoff_mod
from esi_leap.common import statuses
from esi_leap.common import timeutils

CONF = cfg.CONF
LOG = log.getLogger(__name__)

# What a quarantine reason starts with on a waiting lease.
QUARANTINED = 'quarantined: '


class Result(enum.Enum):
    """What the backend steps of a pass came to, for one lease."""

    DONE = 'done'                # the node was taken back / handed over
    BUSY = 'busy'                # the backend is working: look again soon
    FAILED = 'failed'            # a backend error: retry, then error
    QUARANTINED = 'quarantined'  # the node is kept from every tenant
    ATTESTING = 'attesting'      # no attestation verdict yet: look again
    ATTEST_TIMEOUT = 'attest timeout'  # no verdict in time: give up


class Retry(enum.Enum):
    """What a transition does to the lease's attempts and retry time."""

    SUCCEED = 'succeed'    # attempts reset, no retry time
    WAIT = 'wait'          # look again soon; no attempt counted
    FAIL = 'fail'          # an attempt counted; back off, or error
    GIVE_UP = 'give up'    # error now, whatever the attempts left


# Statuses standing for the lease's own: an ending lease ends as deleted
# (cancelled) or expired, and waits as wait cancel or wait expire.
ENDED, WAITING = 'ended', 'waiting'


@dataclasses.dataclass(frozen=True)
class Row(object):
    """One transition: the status after, events after 'start', retry."""

    status: str
    events: tuple
    retry: Retry


class Action(enum.Enum):
    """What a pass does for a lease: ends it or hands it its node.

    The value is the action of the lease's events (esi_leap.lease.<action>
    .start/.end/.error).
    """

    END = 'delete'
    HOLD = 'fulfill'


# NOTE(esi-leap): the one table every lease record of the manager goes
# through (recording, and the hand-back of a lease whose end moved):
# (action, result) -> status after, events, retry. A new step of a pass
# is a Result and a row per action here, never a new flag.
TABLE = {
    (Action.END, Result.DONE): Row(ENDED, ('end',), Retry.SUCCEED),
    # The ex-tenant is out; the node waits for an operator, not the lease.
    (Action.END, Result.QUARANTINED): Row(ENDED, ('end',), Retry.SUCCEED),
    (Action.END, Result.BUSY): Row(WAITING, (), Retry.WAIT),
    (Action.END, Result.FAILED): Row(WAITING, ('error',), Retry.FAIL),
    # Only a hand-over is gated; an end never comes to these.
    (Action.END, Result.ATTESTING): Row(WAITING, (), Retry.WAIT),
    (Action.END, Result.ATTEST_TIMEOUT): Row(WAITING, ('error',),
                                             Retry.FAIL),
    (Action.HOLD, Result.DONE): Row(statuses.ACTIVE, ('end',),
                                    Retry.SUCCEED),
    (Action.HOLD, Result.BUSY): Row(statuses.WAIT_FULFILL, (), Retry.WAIT),
    (Action.HOLD, Result.FAILED): Row(statuses.WAIT_FULFILL, ('error',),
                                      Retry.FAIL),
    (Action.HOLD, Result.QUARANTINED): Row(statuses.WAIT_FULFILL,
                                           ('error',), Retry.FAIL),
    # The attested hand-over (see manager.attestation_gate): a failed
    # verdict is QUARANTINED above; waiting for one counts no attempt.
    (Action.HOLD, Result.ATTESTING): Row(statuses.WAIT_FULFILL, (),
                                         Retry.WAIT),
    (Action.HOLD, Result.ATTEST_TIMEOUT): Row(statuses.ERROR, ('error',),
                                              Retry.GIVE_UP),
}


def _rows_of(action):
    return {result: row for (act, result), row in TABLE.items()
            if act is action}


# Where the status before decides: an active lease a pass hands its node
# to (it still holds it) has no transition; nothing is recorded.
BY_STATUS = {
    (Action.HOLD, statuses.ACTIVE, Result.DONE): None,
}


def transition(action, before, result):
    """The Row of a transition; None when there is nothing to record.

    For a lease in status ``before`` whose pass (an ``action``) came to
    ``result``. Every lease record of the manager takes its row here.
    """
    key = (action, before, result)
    if key in BY_STATUS:
        return BY_STATUS[key]
    return TABLE[(action, result)]


# The table's rows for one action, by Result (views of TABLE).
END = _rows_of(Action.END)
HOLD = _rows_of(Action.HOLD)


def still_holds(result):
    """Whether a lease whose end came to ``result`` may still be on its node.

    It may while its end waits (the hand-back is busy or failed).
    """
    return TABLE[(Action.END, result)].status == WAITING


def end_status(row, cancelling):
    """The status ``row`` gives an ending lease (cancelled or not)."""
    if row.status == ENDED:
        return statuses.DELETED if cancelling else statuses.EXPIRED
    if row.status == WAITING:
        return statuses.WAIT_CANCEL if cancelling else statuses.WAIT_EXPIRE
    return row.status


def starts(before, after, result):
    """Whether the pass records a '<action>.start' event.

    Not while a lease keeps waiting on a busy backend (one start for the
    whole wait), nor for an active lease handed its node again.
    """
    if result is Result.BUSY:
        return before != after
    return not (before == statuses.ACTIVE and after == statuses.ACTIVE
                and result is Result.DONE)


def backoff(attempts):
    """The wait before retry number ``attempts`` (see common.backoff)."""
    return backoff_mod.delay(attempts, CONF.manager.retry_initial_delay,
                             CONF.manager.retry_max_delay)


def apply(lease, row, status, reason, now):
    """Set ``lease``'s status, reason, attempts and retry time per ``row``.

    Returns the status the lease has now (``error`` once a failing lease
    has used ``[manager] max_attempts``).
    """
    if row.retry is Retry.SUCCEED:
        lease.status = status
        lease.attempts, lease.next_attempt_at = 0, None
        lease.status_reason = None
    elif row.retry is Retry.GIVE_UP:
        lease.status, lease.status_reason = status, reason
        lease.next_attempt_at = None
    elif row.retry is Retry.WAIT:
        lease.status, lease.status_reason = status, reason
        lease.next_attempt_at = now + datetime.timedelta(
            seconds=CONF.manager.busy_recheck_delay)
    else:
        _fail(lease, status, reason, now)
    return lease.status


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
        lease.next_attempt_at = now + backoff(lease.attempts)
        LOG.warning('Lease %s: %s; attempt %d, retrying at %s', lease.uuid,
                    reason, lease.attempts,
                    timeutils.isoformat(lease.next_attempt_at))
