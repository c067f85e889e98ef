"""Database side of lease e-mail notices (the ``lease_notices`` table).

A notice row is inserted in the transaction that decides the notice is
due (ResourcesTransaction.add_notices, in booking); the unique
(lease_uuid, kind) constraint makes a second decision, by this manager
or another, a no-op. Senders claim a due row with a conditional UPDATE
before they send it.
"""
import sqlalchemy as sa

from esi_leap.common import statuses
from esi_leap.db.sqlalchemy import engine as db_impl
from esi_leap.db.sqlalchemy import models
from esi_leap.db.sqlalchemy import records


def delete_notice(session, lease_uuid, kind):
    """Forget a lease's ``kind`` notice, in ``session``'s transaction.

    It is then decided, and sent, again.
    """
    notice = models.LeaseNotice
    session.execute(sa.delete(notice).where(notice.lease_uuid == lease_uuid,
                                            notice.kind == kind))


def _not_noticed(lease, kind):
    notice = models.LeaseNotice
    return ~sa.exists(sa.select(notice.id).where(
        notice.lease_uuid == lease.uuid, notice.kind == kind))


def _earliest(column, after, *conditions):
    """The least ``column`` after ``after`` of the rows meeting conditions.

    None when no row has one.
    """
    with db_impl.reader() as session:
        return session.execute(sa.select(sa.func.min(column)).where(
            column > after, *conditions)).scalar()


def leases_to_warn(now, horizon, limit=500):
    """Active leases ending in (now, horizon] without an ending notice.

    Served by the (status, end_time) index of leases and the unique
    (lease_uuid, kind) index of notices: leases that have ended cost
    nothing. Returns read-only Lease records, soonest end first.
    """
    lease = models.Lease
    with db_impl.reader() as session:
        return [records.record(row) for row in session.scalars(
            sa.select(lease).where(
                lease.status == statuses.ACTIVE,
                lease.end_time > now, lease.end_time <= horizon,
                _not_noticed(lease, statuses.NOTICE_ENDING))
            .order_by(lease.end_time).limit(limit))]


def next_warning_end(after):
    """Earliest end after ``after`` of an active lease, or None.

    The caller passes now + lead time; the ending notice of that lease is
    due lead time before the returned instant.
    """
    lease = models.Lease
    return _earliest(lease.end_time, after, lease.status == statuses.ACTIVE)


def due_notices(now, limit=100):
    """Pending notices due by ``now``, oldest first: read-only records."""
    notice = models.LeaseNotice
    with db_impl.reader() as session:
        return [records.record(row) for row in session.scalars(
            sa.select(notice).where(notice.status == statuses.NOTICE_PENDING,
                                    notice.next_attempt_at <= now)
            .order_by(notice.next_attempt_at, notice.id).limit(limit))]


def next_notice_attempt(now):
    """The earliest pending attempt after ``now``, or None."""
    notice = models.LeaseNotice
    return _earliest(notice.next_attempt_at, now,
                     notice.status == statuses.NOTICE_PENDING)


def _update_pending(notice_id, condition, **values):
    """Set ``values`` on the pending notice if ``condition`` holds.

    One conditional UPDATE; returns whether it changed the notice.
    """
    notice = models.LeaseNotice
    with db_impl.writer() as session:
        return session.execute(
            sa.update(notice)
            .where(notice.id == notice_id,
                   notice.status == statuses.NOTICE_PENDING, condition)
            .values(**values)).rowcount == 1


def claim_notice(notice_id, now, until):
    """Claim a due pending notice for one attempt, until ``until``.

    A conditional UPDATE: of several managers, exactly one gets True. The
    attempt is counted at once, so a manager that dies while sending uses
    up an attempt and the notice is tried again after ``until``.
    """
    notice = models.LeaseNotice
    return _update_pending(notice_id, notice.next_attempt_at <= now,
                           next_attempt_at=until,
                           attempts=notice.attempts + 1)


def finish_notice(notice_id, claimed_until, **values):
    """Record the outcome of a claimed attempt (status, error, ...).

    Only while the claim still holds: a notice re-armed (deleted) or
    taken over meanwhile is left alone. Returns whether it was written.
    """
    notice = models.LeaseNotice
    return _update_pending(notice_id,
                           notice.next_attempt_at == claimed_until, **values)


def notices_of(lease_uuid):
    """Every notice of a lease, by kind (for operators and tests).

    Read-only records.
    """
    notice = models.LeaseNotice
    with db_impl.reader() as session:
        return {row.kind: records.record(row) for row in session.scalars(
            sa.select(notice).where(notice.lease_uuid == lease_uuid))}
