"""SQLAlchemy implementation of the esi-leap database interface.

Reads run in reader transactions. Every change to what is booked on a
resource runs in a ResourceTransaction, which first locks the resource's
``resource_locks`` row so that checks and writes on one resource are
serialised by the database itself.
"""
import contextlib
import random
import threading
import time

from oslo_config import cfg
from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import enginefacade
from oslo_log import log
import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from esi_leap.common import exception
from esi_leap.db.sqlalchemy import models

CONF = cfg.CONF
LOG = log.getLogger(__name__)

_LOCK = threading.Lock()
_FACTORY = None


class _Ctx(object):
    """A fresh enginefacade context: each use is its own transaction."""


def _on_connect(dialect_name):
    def listener(dbapi_connection, connection_record):
        cursor = dbapi_connection.cursor()
        if dialect_name == 'mysql':
            # NOTE(esi-leap): InnoDB's default REPEATABLE READ would let a
            # booking check read a snapshot older than the resource row lock
            # it just waited for; READ COMMITTED makes every check see what
            # the previous lock holder committed. PostgreSQL's default is
            # already READ COMMITTED.
            cursor.execute('SET SESSION TRANSACTION ISOLATION LEVEL '
                           'READ COMMITTED')
        elif dialect_name == 'sqlite':
            # WAL lets readers run while one writer holds the lock; writers
            # wait for each other instead of failing at once.
            cursor.execute('PRAGMA busy_timeout = 30000')
            cursor.execute('PRAGMA journal_mode = WAL')
        cursor.close()
    return listener


def _factory():
    global _FACTORY
    with _LOCK:
        if _FACTORY is None:
            factory = enginefacade.transaction_context()
            factory.configure(connection=CONF.database.connection,
                              sqlite_fk=False)
            engine = factory.writer.get_engine()
            sa.event.listen(engine, 'connect',
                            _on_connect(engine.dialect.name))
            _FACTORY = factory
        return _FACTORY


def reset():
    """Forget the engine so the next use reads [database] afresh."""
    global _FACTORY
    with _LOCK:
        if _FACTORY is not None:
            _FACTORY.writer.get_engine().dispose()
        _FACTORY = None


def get_engine():
    """Return the SQLAlchemy engine for [database] connection."""
    return _factory().writer.get_engine()


@contextlib.contextmanager
def reader():
    """Yield a session in a read-only transaction."""
    with _factory().reader.using(_Ctx()) as session:
        yield session


@contextlib.contextmanager
def writer():
    """Yield a session in a read-write transaction, committed on exit."""
    with _factory().writer.using(_Ctx()) as session:
        yield session


def _overlaps(model, start, end):
    """Half-open overlap of the row's [start_time, end_time) with a window."""
    return sa.and_(model.start_time < end, model.end_time > start)


# Reads ----------------------------------------------------------------

def offer_get(uuid):
    """Return the offer with ``uuid``, or None."""
    with reader() as session:
        return session.scalars(sa.select(models.Offer).where(
            models.Offer.uuid == uuid)).first()


def offers_by_name(name, visible_to=None):
    """Return the offers named ``name`` that ``visible_to`` may see.

    ``visible_to`` is None for no restriction, else an OfferVisibility.
    """
    query = sa.select(models.Offer).where(models.Offer.name == name)
    if visible_to is not None:
        query = query.where(_offer_visibility(visible_to))
    with reader() as session:
        return list(session.scalars(query.order_by(models.Offer.id)))


def lease_get(uuid):
    """Return the lease with ``uuid``, or None."""
    with reader() as session:
        return session.scalars(sa.select(models.Lease).where(
            models.Lease.uuid == uuid)).first()


def leases_by_name(name, party=None):
    """Return the leases named ``name``; with ``party``, only its own."""
    query = sa.select(models.Lease).where(models.Lease.name == name)
    if party is not None:
        query = query.where(sa.or_(models.Lease.project_id == party,
                                   models.Lease.owner_id == party))
    with reader() as session:
        return list(session.scalars(query.order_by(models.Lease.id)))


def _offer_visibility(visibility):
    offer = models.Offer
    return sa.or_(offer.project_id == visibility.project_id,
                  offer.lessee_id.is_(None),
                  offer.lessee_id.in_(visibility.lessee_ids))


def offer_list(filters):
    """Return the offers matching an OfferFilters, oldest first."""
    offer = models.Offer
    query = sa.select(offer)
    if filters.statuses is not None:
        query = query.where(offer.status.in_(filters.statuses))
    if filters.project_id is not None:
        query = query.where(offer.project_id == filters.project_id)
    if filters.resource_type is not None:
        query = query.where(offer.resource_type == filters.resource_type)
    if filters.resource_uuid is not None:
        query = query.where(offer.resource_uuid == filters.resource_uuid)
    if filters.start_time is not None:
        query = query.where(offer.start_time <= filters.start_time,
                            offer.end_time >= filters.end_time)
    if filters.available_start_time is not None:
        a_start = filters.available_start_time
        a_end = filters.available_end_time
        lease = models.Lease
        taken = sa.select(lease.id).where(
            lease.offer_uuid == offer.uuid,
            lease.status.in_(filters.blocking_lease_statuses),
            _overlaps(lease, a_start, a_end))
        query = query.where(offer.start_time <= a_start,
                            offer.end_time >= a_end,
                            ~sa.exists(taken))
    if filters.visibility is not None:
        query = query.where(_offer_visibility(filters.visibility))
    with reader() as session:
        return list(session.scalars(query.order_by(offer.id)))


def lease_list(filters):
    """Return the leases matching a LeaseFilters, oldest first."""
    lease = models.Lease
    query = sa.select(lease)
    if filters.statuses is not None:
        query = query.where(lease.status.in_(filters.statuses))
    if filters.project_id is not None:
        query = query.where(lease.project_id == filters.project_id)
    if filters.owner_id is not None:
        query = query.where(lease.owner_id == filters.owner_id)
    if filters.party_id is not None:
        query = query.where(sa.or_(lease.project_id == filters.party_id,
                                   lease.owner_id == filters.party_id))
    if filters.offer_uuid is not None:
        query = query.where(lease.offer_uuid == filters.offer_uuid)
    if filters.resource_type is not None:
        query = query.where(lease.resource_type == filters.resource_type)
    if filters.resource_uuid is not None:
        query = query.where(lease.resource_uuid == filters.resource_uuid)
    if filters.purpose is not None:
        query = query.where(lease.purpose == filters.purpose)
    if filters.start_time is not None:
        # Inclusive overlap, as the original: touching leases match too.
        query = query.where(lease.start_time <= filters.end_time,
                            lease.end_time >= filters.start_time)
    with reader() as session:
        return list(session.scalars(query.order_by(lease.id)))


# NOTE(esi-leap): IN lists stay below this many parameters, well inside
# every backend's limit on bound parameters.
_IN_CHUNK = 500


def lease_windows_by_offer(offer_uuids, statuses, ending_after):
    """Map each offer uuid to the (start, end) windows of its leases.

    Only leases in ``statuses`` that end after ``ending_after`` count. One
    query: for a long list of offers, every such lease of any offer is read
    and the rest dropped here (that set is bounded by live bookings, not by
    history), which beats hundreds of IN parameters.
    """
    lease = models.Lease
    wanted = set(offer_uuids)
    query = (sa.select(lease.offer_uuid, lease.start_time, lease.end_time)
             .where(lease.status.in_(statuses),
                    lease.end_time > ending_after)
             .order_by(lease.start_time))
    if len(wanted) <= _IN_CHUNK:
        query = query.where(lease.offer_uuid.in_(wanted))
    else:
        query = query.where(lease.offer_uuid.is_not(None))
    result = {}
    with reader() as session:
        for offer_uuid, start, end in session.execute(query):
            if offer_uuid in wanted:
                result.setdefault(offer_uuid, []).append((start, end))
    return result


def held_leases(resource_type, resource_uuid, project_id, statuses):
    """Return top-level leases of a resource held by ``project_id``."""
    lease = models.Lease
    with reader() as session:
        return list(session.scalars(
            sa.select(lease).where(
                lease.resource_type == resource_type,
                lease.resource_uuid == resource_uuid,
                lease.project_id == project_id,
                lease.parent_lease_uuid.is_(None),
                lease.status.in_(statuses))
            .order_by(lease.start_time)))


# Writes ---------------------------------------------------------------

class ResourceTransaction(object):
    """Queries and changes on one resource, under that resource's lock.

    Only ResourceTransaction.begin() creates one; everything done through
    it commits together or not at all.
    """

    def __init__(self, session, resource_type, resource_uuid):
        self.session = session
        self.resource_type = resource_type
        self.resource_uuid = resource_uuid

    def _exists(self, query):
        return self.session.execute(sa.select(sa.exists(query))).scalar()

    def offer(self, uuid):
        """Re-read an offer of this resource inside the transaction."""
        return self.session.scalars(sa.select(models.Offer).where(
            models.Offer.uuid == uuid)).first()

    def lease(self, uuid):
        """Re-read a lease of this resource inside the transaction."""
        return self.session.scalars(sa.select(models.Lease).where(
            models.Lease.uuid == uuid)).first()

    def resource_offer_overlaps(self, start, end, statuses, exclude=None):
        """Whether a top-level offer in ``statuses`` overlaps the window."""
        offer = models.Offer
        query = sa.select(offer.id).where(
            offer.resource_type == self.resource_type,
            offer.resource_uuid == self.resource_uuid,
            offer.parent_lease_uuid.is_(None),
            offer.status.in_(statuses),
            _overlaps(offer, start, end))
        if exclude is not None:
            query = query.where(offer.uuid != exclude)
        return self._exists(query)

    def resource_lease_overlaps(self, start, end, statuses, exclude=None):
        """Whether a top-level lease in ``statuses`` overlaps the window."""
        lease = models.Lease
        query = sa.select(lease.id).where(
            lease.resource_type == self.resource_type,
            lease.resource_uuid == self.resource_uuid,
            lease.parent_lease_uuid.is_(None),
            lease.status.in_(statuses),
            _overlaps(lease, start, end))
        if exclude is not None:
            query = query.where(lease.uuid != exclude)
        return self._exists(query)

    def offer_lease_overlaps(self, offer_uuid, start, end, statuses,
                             exclude=None):
        """Whether a lease of the offer in ``statuses`` overlaps."""
        lease = models.Lease
        query = sa.select(lease.id).where(
            lease.offer_uuid == offer_uuid,
            lease.status.in_(statuses),
            _overlaps(lease, start, end))
        if exclude is not None:
            query = query.where(lease.uuid != exclude)
        return self._exists(query)

    def child_overlaps(self, parent_uuid, start, end, lease_statuses,
                       offer_statuses, exclude=None):
        """Whether a sub-lease or sub-offer of the parent overlaps."""
        lease, offer = models.Lease, models.Offer
        leases = sa.select(lease.id).where(
            lease.parent_lease_uuid == parent_uuid,
            lease.offer_uuid.is_(None),
            lease.status.in_(lease_statuses),
            _overlaps(lease, start, end))
        offers = sa.select(offer.id).where(
            offer.parent_lease_uuid == parent_uuid,
            offer.status.in_(offer_statuses),
            _overlaps(offer, start, end))
        if exclude is not None:
            leases = leases.where(lease.uuid != exclude)
            offers = offers.where(offer.uuid != exclude)
        return self._exists(leases) or self._exists(offers)

    def next_lease_start(self, offer_uuid, after, statuses):
        """Start of the offer's first lease in ``statuses`` at/after."""
        lease = models.Lease
        return self.session.execute(
            sa.select(sa.func.min(lease.start_time)).where(
                lease.offer_uuid == offer_uuid,
                lease.status.in_(statuses),
                lease.start_time >= after)).scalar()

    def leases_of_offer(self, offer_uuid, statuses):
        """Leases claimed from the offer, in ``statuses``."""
        return list(self.session.scalars(sa.select(models.Lease).where(
            models.Lease.offer_uuid == offer_uuid,
            models.Lease.status.in_(statuses)).order_by(models.Lease.id)))

    def children(self, parent_uuid, lease_statuses, offer_statuses):
        """Sub-offers and sub-leases of a lease, in the given statuses."""
        offers = list(self.session.scalars(sa.select(models.Offer).where(
            models.Offer.parent_lease_uuid == parent_uuid,
            models.Offer.status.in_(offer_statuses))))
        leases = list(self.session.scalars(sa.select(models.Lease).where(
            models.Lease.parent_lease_uuid == parent_uuid,
            models.Lease.status.in_(lease_statuses))))
        return offers, leases

    def live_leases(self, statuses):
        """All leases of this resource in ``statuses``, by start time."""
        lease = models.Lease
        return list(self.session.scalars(sa.select(lease).where(
            lease.resource_type == self.resource_type,
            lease.resource_uuid == self.resource_uuid,
            lease.status.in_(statuses)).order_by(lease.start_time)))

    def add(self, row):
        """Insert a new Offer or Lease row; returns it once flushed."""
        self.session.add(row)
        self.session.flush()
        return row


class _NoLockRow(Exception):
    pass


def _insert_lock_row(resource_type, resource_uuid):
    values = dict(resource_type=resource_type, resource_uuid=resource_uuid,
                  generation=0)
    with writer() as session:
        dialect = session.bind.dialect.name
        table = models.ResourceLock.__table__
        if dialect == 'mysql':
            stmt = mysql.insert(table).values(**values).prefix_with('IGNORE')
        elif dialect == 'postgresql':
            stmt = postgresql.insert(table).values(
                **values).on_conflict_do_nothing()
        else:
            stmt = sqlite.insert(table).values(
                **values).on_conflict_do_nothing()
        session.execute(stmt)


@contextlib.contextmanager
def resource_transaction(resource_type, resource_uuid):
    """Yield a ResourceTransaction holding the resource's row lock.

    The lock is the first statement of the transaction, so every read made
    through the transaction sees all bookings committed before it.
    """
    lock = models.ResourceLock
    bump = (sa.update(lock)
            .where(lock.resource_type == resource_type,
                   lock.resource_uuid == resource_uuid)
            .values(generation=lock.generation + 1))
    for attempt in range(2):
        try:
            with writer() as session:
                if session.execute(bump).rowcount == 0:
                    raise _NoLockRow()
                yield ResourceTransaction(session, resource_type,
                                          resource_uuid)
                return
        except _NoLockRow:
            _insert_lock_row(resource_type, resource_uuid)
    raise RuntimeError('resource lock row for %s %s vanished'
                       % (resource_type, resource_uuid))


# NOTE(esi-leap): on MariaDB Galera two nodes may each take the resource
# lock row locally; certification then rolls one back at commit and
# reports it as a deadlock (MySQL error 1213). InnoDB reports real
# deadlocks the same way. The loser must re-run the whole transaction
# (lock, checks and writes), which then sees the winner's booking.
BOOKING_ATTEMPTS = 6
_BACKOFF_BASE = 0.01
_BACKOFF_MAX = 0.2


def _backoff(attempt):
    """Sleep a jittered, growing, bounded time before attempt + 1."""
    ceiling = min(_BACKOFF_MAX, _BACKOFF_BASE * (2 ** attempt))
    time.sleep(random.uniform(ceiling / 2, ceiling))


def run_booking(resource_type, resource_uuid, body,
                attempts=BOOKING_ATTEMPTS):
    """Run ``body(txn)`` in a ResourceTransaction; return its result.

    ``body`` gets a fresh ResourceTransaction on every attempt and must do
    all its reads, checks and writes through it (it may run more than
    once, so it must not change anything outside the transaction). When
    the database rolls the transaction back as a deadlock (a lost Galera
    certification or an InnoDB deadlock), the whole body is run again
    after a short jittered pause, up to ``attempts`` times in all; then
    exception.BookingContended (409) is raised. Nothing of a failed
    attempt is kept.
    """
    for attempt in range(1, attempts + 1):
        try:
            with resource_transaction(resource_type, resource_uuid) as txn:
                return body(txn)
        except db_exc.DBDeadlock:
            LOG.info('Booking of %s %s lost to a concurrent change '
                     '(attempt %d of %d)', resource_type, resource_uuid,
                     attempt, attempts)
            if attempt == attempts:
                break
            _backoff(attempt)
    raise exception.BookingContended(resource_type=resource_type,
                                     resource_uuid=resource_uuid)


# The manager -----------------------------------------------------------

# Leases the manager still has to act on (never expired/deleted/error).
_FULFIL_DUE = ('created', 'wait fulfill')
_END_DUE = ('created', 'active', 'wait fulfill', 'wait expire')
_RETRYING = ('wait fulfill', 'wait expire', 'wait cancel')


def _ready(lease, now):
    return sa.or_(lease.next_attempt_at.is_(None),
                  lease.next_attempt_at <= now)


def due_resources(now):
    """Return the (resource_type, resource_uuid) pairs with work due.

    Work is due for a lease that should start, end or be retried by
    ``now``. Each branch of the query is served by a (status, time) index,
    so its cost does not grow with the number of finished leases.
    """
    lease = models.Lease
    cols = (lease.resource_type, lease.resource_uuid)
    starting = sa.select(*cols).where(lease.status.in_(_FULFIL_DUE),
                                      lease.start_time <= now,
                                      _ready(lease, now))
    ending = sa.select(*cols).where(lease.status.in_(_END_DUE),
                                    lease.end_time <= now,
                                    _ready(lease, now))
    cancelling = sa.select(*cols).where(lease.status == 'wait cancel',
                                        _ready(lease, now))
    with reader() as session:
        rows = session.execute(sa.union(starting, ending, cancelling))
        return sorted(set((row[0], row[1]) for row in rows))


def next_due(now):
    """Return the earliest instant after ``now`` at which work is due."""
    lease, offer = models.Lease, models.Offer
    queries = [
        sa.select(sa.func.min(lease.start_time)).where(
            lease.status.in_(_FULFIL_DUE), lease.start_time > now),
        sa.select(sa.func.min(lease.end_time)).where(
            lease.status.in_(_END_DUE), lease.end_time > now),
        sa.select(sa.func.min(lease.next_attempt_at)).where(
            lease.status.in_(_FULFIL_DUE + _RETRYING),
            lease.next_attempt_at > now),
        sa.select(sa.func.min(offer.end_time)).where(
            offer.status.in_(('available', 'error')), offer.end_time > now),
    ]
    with reader() as session:
        instants = [session.execute(q).scalar() for q in queries]
    instants = [i for i in instants if i is not None]
    return min(instants) if instants else None


def ended_offers(now, limit=500):
    """Return offers still open (available or error) whose end passed."""
    offer = models.Offer
    with reader() as session:
        return list(session.scalars(sa.select(offer).where(
            offer.status.in_(('available', 'error')),
            offer.end_time <= now).order_by(offer.end_time).limit(limit)))


def held_resources():
    """Return what every node with an active lease should carry.

    Rows of (resource_type, resource_uuid, lease uuid, lessee, parent).
    """
    lease = models.Lease
    with reader() as session:
        return [tuple(row) for row in session.execute(
            sa.select(lease.resource_type, lease.resource_uuid, lease.uuid,
                      lease.project_id, lease.parent_lease_uuid)
            .where(lease.status == 'active'))]


def claim_resource(resource_type, resource_uuid, owner, now, ttl):
    """Claim a resource's node for one manager; False if another has it.

    The claim is a conditional UPDATE, so two managers can never both hold
    it; it lapses at ``now + ttl`` unless released or renewed.
    """
    lock = models.ResourceLock
    claim = (sa.update(lock)
             .where(lock.resource_type == resource_type,
                    lock.resource_uuid == resource_uuid,
                    sa.or_(lock.claimed_by.is_(None),
                           lock.claimed_by == owner,
                           lock.claimed_until <= now))
             .values(claimed_by=owner, claimed_until=now + ttl))
    for attempt in range(2):
        with writer() as session:
            if session.execute(claim).rowcount == 1:
                return True
            exists = session.execute(sa.select(lock.generation).where(
                lock.resource_type == resource_type,
                lock.resource_uuid == resource_uuid)).first()
        if exists is not None:
            return False
        _insert_lock_row(resource_type, resource_uuid)
    return False


def release_resource(resource_type, resource_uuid, owner):
    """Give up a claim made by ``owner``."""
    lock = models.ResourceLock
    with writer() as session:
        session.execute(sa.update(lock)
                        .where(lock.resource_type == resource_type,
                               lock.resource_uuid == resource_uuid,
                               lock.claimed_by == owner)
                        .values(claimed_by=None, claimed_until=None))


def event_list(filters):
    """Return events matching an EventFilters, oldest first."""
    event = models.Event
    query = sa.select(event)
    if filters.last_event_id is not None:
        query = query.where(event.id > filters.last_event_id)
    if filters.last_event_time is not None:
        query = query.where(event.event_time > filters.last_event_time)
    if filters.event_type is not None:
        query = query.where(event.event_type == filters.event_type)
    if filters.resource_type is not None:
        query = query.where(event.resource_type == filters.resource_type)
    if filters.resource_uuid is not None:
        query = query.where(event.resource_uuid == filters.resource_uuid)
    if filters.lessee_or_owner_id is not None:
        query = query.where(sa.or_(
            event.lessee_id == filters.lessee_or_owner_id,
            event.owner_id == filters.lessee_or_owner_id))
    with reader() as session:
        return list(session.scalars(query.order_by(event.id)))


def node_bookings(resource_type, now):
    """Return what the nodes API shows of each node's bookings.

    {uuid: {'offer_uuid', 'future_offers', 'future_leases'}} for every node
    of ``resource_type`` with an open offer or a lease yet to start, from
    two queries whatever the number of nodes.
    """
    offer, lease = models.Offer, models.Lease
    result = {}

    def entry(uuid):
        return result.setdefault(uuid, {'offer_uuid': None,
                                        'future_offers': [],
                                        'future_leases': []})
    with reader() as session:
        for row in session.execute(
                sa.select(offer.resource_uuid, offer.uuid,
                          offer.start_time)
                .where(offer.resource_type == resource_type,
                       offer.status == 'available',
                       offer.end_time > now)
                .order_by(offer.start_time)):
            if row.start_time <= now:
                entry(row.resource_uuid)['offer_uuid'] = row.uuid
            else:
                entry(row.resource_uuid)['future_offers'].append(row.uuid)
        for row in session.execute(
                sa.select(lease.resource_uuid, lease.uuid)
                .where(lease.resource_type == resource_type,
                       lease.status == 'created')
                .order_by(lease.start_time)):
            entry(row.resource_uuid)['future_leases'].append(row.uuid)
    return result
