"""Database side of the "lease ending" event (``lease_ending_events``).

The event of a lease is due ``[manager] ending_lead_time`` before its end
(at its start, for a lease shorter than that). It is decided in a
transaction holding the lock row of the lease's node, by inserting the row
of (lease, end time) (ResourcesTransaction.decide_ending_events, in
booking): a decider finds the rows of those decided before it; the unique
key on the pair keeps a second row out whatever happens, and a
transaction whose insert it refused is rolled back whole.
"""
import sqlalchemy as sa

from esi_leap.common import statuses
from esi_leap.db.sqlalchemy import engine as db_impl
from esi_leap.db.sqlalchemy import models
from esi_leap.db.sqlalchemy import records
from esi_leap.db.sqlalchemy import sql


def _not_announced(lease):
    ending = models.LeaseEndingEvent
    return ~sa.exists(sa.select(ending.id).where(
        ending.lease_uuid == lease.uuid, ending.end_time == lease.end_time))


def leases_to_announce(now, horizon, wanted, limit=500):
    """Leases whose ending event is due at ``now`` and not yet decided.

    Leases in the ``wanted`` statuses that have started by ``now``
    and end in (now, horizon], with no event for their current end time.
    Served by the (status, end_time) index of leases and the unique
    (lease_uuid, end_time) index of the events decided: leases that have
    ended cost nothing. Returns read-only Lease records, soonest end first.
    """
    lease = models.Lease
    with db_impl.reader() as session:
        return [records.record(row) for row in session.scalars(
            sa.select(lease).where(
                lease.status.in_(wanted), lease.start_time <= now,
                lease.end_time > now, lease.end_time <= horizon,
                _not_announced(lease))
            .order_by(lease.end_time, lease.id).limit(limit))]


def next_announced_end(after):
    """Earliest end after ``after`` of a lease that may get the event.

    The caller passes now + lead time: the event of that lease is due
    lead time before the returned instant (or at its start, which the
    manager's own schedule already wakes it for). None if there is none.
    """
    lease = models.Lease
    with db_impl.reader() as session:
        return session.execute(
            sa.select(sa.func.min(lease.end_time)).where(
                lease.status.in_(statuses.MANAGER_ENDING_DUE),
                lease.end_time > after)).scalar()


def decided(session, wanted):
    """Which (lease_uuid, end_time) pairs of ``wanted`` have their row.

    In ``session``'s transaction; one query per chunk of leases.
    """
    ending = models.LeaseEndingEvent
    found = set()
    for part in sql.slices(sorted({uuid for uuid, _ in wanted})):
        found.update(tuple(row) for row in session.execute(
            sa.select(ending.lease_uuid, ending.end_time).where(
                ending.lease_uuid.in_(part))))
    return found & set(wanted)


def ending_events_of(lease_uuid):
    """The end times whose ending event of a lease was decided, sorted."""
    ending = models.LeaseEndingEvent
    with db_impl.reader() as session:
        return list(session.scalars(
            sa.select(ending.end_time).where(
                ending.lease_uuid == lease_uuid)
            .order_by(ending.end_time)))
