"""The manager's queries: what is due, and which manager works on a node.

Each branch of the due-work queries is served by a (status, time) index,
so planning costs the same with any number of finished leases.
"""
from oslo_log import log
import sqlalchemy as sa

from esi_leap.common import exception
from esi_leap.common import statuses
from esi_leap.common import timeutils
from esi_leap.db.sqlalchemy import dialects
from esi_leap.db.sqlalchemy import engine
from esi_leap.db.sqlalchemy import models
from esi_leap.db.sqlalchemy import records
from esi_leap.db.sqlalchemy import sql

LOG = log.getLogger(__name__)


def due_resources(now):
    """Return the (resource_type, resource_uuid) pairs with work due.

    Work is due for a lease that should start, end or be retried by
    ``now``. Each branch of the query is served by a (status, time) index,
    so its cost does not grow with the number of finished leases.
    """
    lease = models.Lease
    cols = (lease.resource_type, lease.resource_uuid)
    ready = statuses.attempt_ready_sql(lease.next_attempt_at, now)
    starting = sa.select(*cols).where(
        lease.status.in_(statuses.MANAGER_FULFIL_DUE),
        lease.start_time <= now, ready)
    ending = sa.select(*cols).where(
        lease.status.in_(statuses.MANAGER_END_DUE),
        lease.end_time <= now, ready)
    cancelling = sa.select(*cols).where(lease.status == statuses.WAIT_CANCEL,
                                        ready)
    with engine.reader() as session:
        rows = session.execute(sa.union(starting, ending, cancelling))
        return sorted(set((row[0], row[1]) for row in rows))


def next_due(now):
    """Return the earliest instant after ``now`` at which work is due."""
    lease, offer = models.Lease, models.Offer
    queries = [
        sa.select(sa.func.min(lease.start_time)).where(
            lease.status.in_(statuses.MANAGER_FULFIL_DUE),
            lease.start_time > now),
        sa.select(sa.func.min(lease.end_time)).where(
            lease.status.in_(statuses.MANAGER_END_DUE), lease.end_time > now),
        sa.select(sa.func.min(lease.next_attempt_at)).where(
            lease.status.in_(statuses.MANAGER_FULFIL_DUE
                             + statuses.MANAGER_RETRYING),
            lease.next_attempt_at > now),
        sa.select(sa.func.min(offer.end_time)).where(
            offer.status.in_(statuses.OFFER_OPEN), offer.end_time > now),
    ]
    with engine.reader() as session:
        instants = [session.execute(q).scalar() for q in queries]
    instants = [i for i in instants if i is not None]
    return min(instants) if instants else None


def ended_offers(now, limit=500):
    """Return offers still open (available or error) whose end passed.

    Read-only records, earliest end first.
    """
    offer = models.Offer
    with engine.reader() as session:
        return [records.record(row) for row in session.scalars(
            sa.select(offer).where(
                offer.status.in_(statuses.OFFER_OPEN),
                offer.end_time <= now).order_by(offer.end_time).limit(limit))]


def held_resources():
    """Return what every node with an active lease should carry.

    Rows of (resource_type, resource_uuid, lease uuid, lessee, parent).
    NOTE(esi-leap): by status alone, not common.holding's window: the
    db_api contract gives no time (the sweep's is simulated in tests),
    and a lease is active only inside its window by the manager's own
    transitions; drift picks the sub-lease over its parent.
    """
    lease = models.Lease
    with engine.reader() as session:
        return [tuple(row) for row in session.execute(
            sa.select(lease.resource_type, lease.resource_uuid, lease.uuid,
                      lease.project_id, lease.parent_lease_uuid)
            .where(lease.status.in_(statuses.HOLDING)))]


def _claimable(owner, now):
    lock = models.ResourceLock
    return sa.or_(lock.claimed_by.is_(None), lock.claimed_by == owner,
                  lock.claimed_until <= now)


def _insert_claimed(session, resource_type, uuids, owner, until):
    """Create missing lock rows already claimed; skip rows that exist."""
    table = models.ResourceLock.__table__
    created = timeutils.utcnow()
    rows = [dict(resource_type=resource_type, resource_uuid=uuid,
                 generation=0, created_at=created, claimed_by=owner,
                 claimed_until=until) for uuid in uuids]
    session.execute(dialects.insert_or_ignore(session.bind.dialect.name,
                                              table), rows)


def _claimants(session, resource_type, uuids):
    lock = models.ResourceLock
    return dict(session.execute(
        sa.select(lock.resource_uuid, lock.claimed_by).where(
            lock.resource_type == resource_type,
            lock.resource_uuid.in_(uuids))).all())


def claim_resources(pairs, owner, now, ttl):
    """Claim many nodes for one manager; return the pairs it won.

    One conditional UPDATE per CHUNK nodes claims every node that is free,
    already ``owner``'s or whose claim lapsed; reading the rows back in the
    same transaction says which were won. Two managers never both win a
    node. A node without a lock row gets one, claimed (INSERT that skips
    rows another manager created meanwhile). Claims lapse at ``now + ttl``.
    """
    lock = models.ResourceLock
    until = now + ttl
    won = []
    with engine.writer() as session:
        for rtype, uuids in sql.chunks(pairs):
            session.execute(
                sa.update(lock)
                .where(lock.resource_type == rtype,
                       lock.resource_uuid.in_(uuids),
                       _claimable(owner, now))
                .values(claimed_by=owner, claimed_until=until))
            holders = _claimants(session, rtype, uuids)
            missing = [uuid for uuid in uuids if uuid not in holders]
            if missing:
                _insert_claimed(session, rtype, missing, owner, until)
                holders.update(_claimants(session, rtype, missing))
            won.extend((rtype, uuid) for uuid in uuids
                       if holders.get(uuid) == owner)
    return won


def release_resources(pairs, owner):
    """Give up ``owner``'s claims on many nodes: one UPDATE per CHUNK."""
    lock = models.ResourceLock
    with engine.writer() as session:
        for rtype, uuids in sql.chunks(pairs):
            session.execute(sa.update(lock)
                            .where(lock.resource_type == rtype,
                                   lock.resource_uuid.in_(uuids),
                                   lock.claimed_by == owner)
                            .values(claimed_by=None, claimed_until=None))


def live_leases_of(pairs, wanted):
    """Return {pair: leases in ``wanted``, by start time} for many nodes.

    One query per CHUNK nodes, on the primary (never a replica: the
    manager acts on what it reads). Nodes without such leases map to [].
    The leases are read-only records.
    """
    lease = models.Lease
    found = {pair: [] for pair in pairs}
    with engine.writer() as session:
        for rtype, uuids in sql.chunks(pairs):
            for row in session.scalars(
                    sa.select(lease).where(
                        lease.resource_type == rtype,
                        lease.resource_uuid.in_(uuids),
                        lease.status.in_(wanted))
                    .order_by(lease.start_time, lease.id)):
                _file(found, rtype, row)
    return found


def _file(found, rtype, row):
    """Add a lease row to its node's list in ``found``, if asked for.

    NOTE(esi-leap): a database whose collation is not exact (a MariaDB
    table before migration 0007: case-, accent- and trailing-space-blind)
    returns the leases of ``Node-1`` when asked for ``node-1``. Such a row
    belongs to another node: it is left out, with a warning, rather than
    stopping the whole batch.
    """
    bucket = found.get((rtype, row.resource_uuid))
    if bucket is None:
        LOG.warning('Lease %s of %s node %s came back for another node; '
                    'left out (is the database collation exact? run '
                    'esi-leap-dbsync upgrade)', row.uuid,
                    exception.shown(rtype),
                    exception.shown(row.resource_uuid))
        return
    bucket.append(records.record(row))
