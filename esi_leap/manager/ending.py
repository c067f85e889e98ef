"""The "lease ending" event: ``esi_leap.lease.ending.end``, once per lease
and end time.

It is due ``[manager] ending_lead_time`` before a lease's end, or at its
start for a lease shorter than that, whether or not e-mail notices are on
(they keep their own option and table). The scheduler calls announce() at
every run and sleeps no later than next_due(), so the event is as punctual
as a lease start; a lease that starts gets it, if due, in the transaction
that records its start (recording calls record_due()). The decision is a
row of (lease, end time) inserted in a transaction holding the lock row of
the lease's node: the unique key makes it exactly once with any number of
managers and restarts, and a lease whose end moves (under the same lock)
is due again for its new end.
"""
import datetime
import functools

from oslo_config import cfg

from esi_leap.common import statuses
from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.manager import batches
from esi_leap.notifications import emitter

CONF = cfg.CONF

# Most leases read by one listing of due events.
LISTING = 500


def _lead():
    return datetime.timedelta(seconds=CONF.manager.ending_lead_time)


def is_due(lease, now, horizon, wanted=statuses.MANAGER_ENDING_DUE):
    """Whether ``lease`` should get its ending event at ``now``.

    ``horizon`` is now plus the lead time: the lease has started, has not
    ended, is in one of the ``wanted`` statuses (by default: neither
    ended, cancelled nor failed), and ends by ``horizon``.
    """
    return (lease.status in wanted and
            lease.start_time <= now < lease.end_time <= horizon)


def payload_extra(lease):
    """What the event adds to the lease payload: the end it is for."""
    return {'ending': {'end_time': timeutils.isoformat(lease.end_time),
                       'lead_time': CONF.manager.ending_lead_time}}


def record_due(txn, recorder, leases, now,
               wanted=statuses.MANAGER_ENDING_DUE):
    """Decide and record the events of ``leases`` due at ``now``.

    In ``txn``, which holds the lock rows of the leases' nodes (the lock
    an end time change takes too) and read the leases; the events go
    into ``recorder``. Returns how many were decided.
    """
    if not CONF.manager.ending_lead_time:
        return 0
    horizon = now + _lead()
    due = sorted((lease for lease in leases
                  if is_due(lease, now, horizon, wanted)),
                 key=lambda lease: (lease.end_time, lease.uuid))
    decided = set(txn.decide_ending_events(
        [(lease.uuid, lease.end_time) for lease in due],
        timeutils.utcnow()))
    for lease in due:
        if (lease.uuid, lease.end_time) in decided:
            recorder.record('lease', lease, 'ending', 'end',
                            extra=payload_extra(lease),
                            ends=(lease.end_time, None))
    return len(decided)


def _announce_in(txn, recorder, lease_uuids, now, wanted):
    """Decide the events of a batch under its nodes' locks; how many.

    Each lease is re-read under the lock of its node, so a lease moved or
    cancelled since the listing is judged on what it is now.
    """
    return record_due(txn, recorder, txn.leases(lease_uuids).values(), now,
                      wanted)


def announce(now, wanted=statuses.MANAGER_ENDING_DUE):
    """Record and send the ending events due at ``now``; return how many.

    Only for leases in the ``wanted`` statuses (a subset of
    statuses.MANAGER_ENDING_DUE, the default). The leases of up to
    batches.MAX_NODES nodes are decided in one transaction; each event is
    recorded in the transaction that decides it and sent on the bus after
    its commit.
    """
    if not CONF.manager.ending_lead_time:
        return 0
    horizon = now + _lead()
    total = 0
    while True:
        found = db_api.leases_to_announce(now, horizon, wanted, LISTING)
        decided = 0
        for pairs, leases in batches.by_node(found):
            decided += db_api.run_bookings(pairs, functools.partial(
                emitter.recorded(_announce_in),
                lease_uuids=[lease.uuid for lease in leases], now=now,
                wanted=wanted)).send()
        total += decided
        # NOTE(esi-leap): a full listing may hide more due leases; a
        # listing that decided nothing (all taken by another manager
        # meanwhile) would only come back the same.
        if len(found) < LISTING or not decided:
            return total


def next_due(now):
    """The next instant after ``now`` an ending event is due, or None.

    A lease shorter than the lead time is due at its start, which the
    scheduler's own schedule (db_api.next_due()) already holds.
    """
    if not CONF.manager.ending_lead_time:
        return None
    end = db_api.next_announced_end(now + _lead())
    return end - _lead() if end is not None else None
