"""The booking transaction: every change to what is booked on a resource.

A ResourceTransaction first locks the resource's ``resource_locks`` row, so
that checks and writes on one resource are serialised by the database
itself.
"""
import contextlib
import random
import time

from oslo_db import exception as db_exc
from oslo_log import log
from oslo_utils import uuidutils
import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from esi_leap.common import cleaning_buffer
from esi_leap.common import exception
from esi_leap.common import statuses
from esi_leap.common import timeutils
from esi_leap.db.sqlalchemy import attestations as _attestations
from esi_leap.db.sqlalchemy import ending_events as _ending_events
from esi_leap.db.sqlalchemy import engine
from esi_leap.db.sqlalchemy import events as _events
from esi_leap.db.sqlalchemy import models
from esi_leap.db.sqlalchemy import notices as _notices
from esi_leap.db.sqlalchemy import offer_update as _offer_update
from esi_leap.db.sqlalchemy import quarantines as _quarantines
from esi_leap.db.sqlalchemy import quotas as _quotas
from esi_leap.db.sqlalchemy import reads
from esi_leap.db.sqlalchemy import sql

LOG = log.getLogger(__name__)


class ResourceTransaction(object):
    """Queries and changes on one resource, under that resource's lock.

    Only ResourceTransaction.begin() creates one; everything done through
    it commits together or not at all.
    """

    def __init__(self, session, resource_type, resource_uuid,
                 claimed_id=None, quota=None):
        self.session = session
        self.resource_type = resource_type
        self.resource_uuid = resource_uuid
        # The id of the lease a claim_transaction() wrote, if known.
        self.claimed_id = claimed_id
        # A claim_transaction()'s quotas.Prefetched, without its readings
        # until offer_for_claim() reads them with the offer.
        self.quota = quota

    def _exists(self, query):
        return self.session.execute(sa.select(sa.exists(query))).scalar()

    def offer(self, uuid):
        """Re-read an offer of this resource inside the transaction."""
        return self.session.scalars(_BY_UUID['offer'],
                                    {'uuid': uuid}).first()

    def lease(self, uuid):
        """Re-read a lease of this resource inside the transaction."""
        lease = self.session.scalars(_BY_UUID['lease'],
                                     {'uuid': uuid}).first()
        if lease is not None and self.resource_uuid is None:
            # A lease_transaction() learns its resource here.
            self.resource_type = lease.resource_type
            self.resource_uuid = lease.resource_uuid
        return lease

    def resource_overlaps(self, start, end, offer_statuses, lease_statuses,
                          exclude=None, buffer=cleaning_buffer.NONE):
        """Whether a top-level offer or lease conflicts with the window.

        Offers in ``offer_statuses`` and leases in ``lease_statuses``
        count; ``exclude`` is a uuid left out; ``buffer`` is the node's
        cleaning buffer (cleaning_buffer.conflicts()). One query for both.
        """
        low, high = cleaning_buffer.widened(start, end, buffer)
        params = {'resource_type': self.resource_type,
                  'resource_uuid': self.resource_uuid,
                  'start': low, 'end': high,
                  'offer_statuses': list(offer_statuses),
                  'lease_statuses': list(lease_statuses)}
        if exclude is not None:
            params['exclude'] = exclude
        return bool(self.session.execute(
            _OVERLAP_CHECKS[exclude is not None], params).scalar())

    def resource_conflict(self, start, end, offer_statuses, lease_statuses,
                          exclude=None, buffer=cleaning_buffer.NONE):
        """The first top-level offer or lease conflicting with the window.

        As resource_overlaps(); returns ('offer' or 'lease', row), or
        (None, None). Only read to describe a conflict already found.
        """
        start, end = cleaning_buffer.widened(start, end, buffer)
        for kind, model, wanted in (('lease', models.Lease, lease_statuses),
                                    ('offer', models.Offer, offer_statuses)):
            query = sa.select(model).where(
                model.resource_type == self.resource_type,
                model.resource_uuid == self.resource_uuid,
                model.parent_lease_uuid.is_(None),
                model.status.in_(wanted),
                sql.overlaps(model, start, end))
            if exclude is not None:
                query = query.where(model.uuid != exclude)
            row = self.session.scalars(
                query.order_by(model.start_time)).first()
            if row is not None:
                return kind, row
        return None, None

    def offer_window_conflict(self, offer_uuid, start, end,
                              offer_statuses, lease_statuses,
                              buffer=cleaning_buffer.NONE):
        """The booking that keeps an offer from gaining [start, end).

        As offer_update.window_conflict() on this resource: (kind, row) or
        (None, None).
        """
        return _offer_update.window_conflict(
            self.session, self.resource_type, self.resource_uuid,
            offer_uuid, start, end, offer_statuses, lease_statuses, buffer)

    def offer_lease_overlaps(self, offer_uuid, start, end, statuses,
                             exclude=None, buffer=cleaning_buffer.NONE):
        """Whether a lease of the offer in ``statuses`` conflicts.

        ``buffer`` is the node's cleaning buffer, as in resource_overlaps().
        """
        start, end = cleaning_buffer.widened(start, end, buffer)
        lease = models.Lease
        query = sa.select(lease.id).where(
            lease.offer_uuid == offer_uuid,
            lease.status.in_(statuses),
            sql.overlaps(lease, start, end))
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
            sql.overlaps(lease, start, end))
        offers = sa.select(offer.id).where(
            offer.parent_lease_uuid == parent_uuid,
            offer.status.in_(offer_statuses),
            sql.overlaps(offer, start, end))
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
        """Sub-offers and sub-leases of a lease, in the given statuses.

        NOTE(esi-leap): most leases have neither; one statement says so,
        and only the kinds that exist are read.
        """
        offer, lease = models.Offer, models.Lease
        child_offer = sa.and_(offer.parent_lease_uuid == parent_uuid,
                              offer.status.in_(offer_statuses))
        child_lease = sa.and_(lease.parent_lease_uuid == parent_uuid,
                              lease.status.in_(lease_statuses))
        has_offers, has_leases = self.session.execute(sa.select(
            sa.exists().where(child_offer),
            sa.exists().where(child_lease))).one()
        offers = list(self.session.scalars(
            sa.select(offer).where(child_offer))) if has_offers else []
        leases = list(self.session.scalars(
            sa.select(lease).where(child_lease))) if has_leases else []
        return offers, leases

    def live_leases(self, statuses):
        """All leases of this resource in ``statuses``, by start time."""
        lease = models.Lease
        return list(self.session.scalars(sa.select(lease).where(
            lease.resource_type == self.resource_type,
            lease.resource_uuid == self.resource_uuid,
            lease.status.in_(statuses)).order_by(lease.start_time)))

    def offer_for_claim(self, offer_uuid, start, pivot, statuses,
                        exclude=None):
        """Re-read an offer with all a claim of it must check; one query.

        Returns (offer, neighbours), or None if there is no such offer;
        the offer is a read-only reads.OfferRow, ``neighbours`` a
        cleaning_buffer.Neighbours of the offer's leases in ``statuses``
        around ``pivot`` (the claim's end, or its start when the end is
        to be decided; ``start`` is the claim's start). With them
        cleaning_buffer.blocked() decides, for the buffer of the offer's
        node (its resource_class), whether the claim meets a lease: the
        query need not know the buffer. ``exclude`` is the uuid of a
        lease left out: the claim's own, written before the lock.
        """
        params = claim_check_params(start, pivot, statuses,
                                    offer_uuid=offer_uuid)
        if exclude is not None:
            params['exclude'] = exclude
        quota = self.quota
        if quota is not None:
            params.update(_quotas.usage_params(quota.project_id,
                                               quota.start, quota.end))
        # NOTE(esi-leap): a Core row, not an ORM object: this runs under
        # the node's lock, where the ORM's loading of one row cost more
        # than the query. Nothing here changes the offer.
        row = self.session.connection().execute(
            _CLAIM_CHECKS[exclude is not None, quota is not None],
            params).first()
        if row is None:
            return None
        offer, near = claim_row(row)
        if quota is not None:
            self.quota = quota.read(row[_OFFER_WIDTH + 2:],
                                    offer.resource_class)
        if self.resource_uuid is None:
            # An offer_transaction() learns its resource here.
            self.resource_type = offer.resource_type
            self.resource_uuid = offer.resource_uuid
        return offer, near

    def add(self, row):
        """Insert a new Offer or Lease row (one INSERT); returns it.

        The row is filled in (uuid, created_at) but not attached to the
        session: later changes to it are not written.
        """
        # NOTE(esi-leap): a Core INSERT instead of session.add() + flush()
        # skips the ORM unit of work, the costliest part of a booking.
        # The values go as parameters of a prebuilt INSERT: its compiled
        # form is cached per set of columns given.
        result = self.session.execute(_INSERTS[row.__table__.name],
                                      _filled(row))
        # NOTE(esi-leap): the new id comes with the INSERT (lastrowid, or
        # RETURNING on PostgreSQL), no query of its own; notifications
        # carry it.
        row.id = result.inserted_primary_key[0]
        return row

    def claimed_lease(self, uuid, created_at, **fields):
        """Return the lease a claim_transaction() wrote, as add_lease() does.

        Nothing is sent to the database: ``fields`` are the Lease columns
        given to claim_transaction() and those it copied from the offer.
        """
        row = self._new_lease(uuid=uuid, created_at=created_at, **fields)
        _filled(row)
        row.id = self.claimed_id
        return row

    def _new_lease(self, **fields):
        """A Lease row of this resource with ``fields``, not yet filled in."""
        return models.Lease(resource_type=self.resource_type,
                            resource_uuid=self.resource_uuid, **fields)

    def add_offer(self, **fields):
        """Insert a new offer of this resource with ``fields``; return it.

        ``fields`` are Offer columns; the row is filled in as by add().
        """
        return self.add(models.Offer(
            resource_type=self.resource_type,
            resource_uuid=self.resource_uuid, **fields))

    def add_lease(self, **fields):
        """Insert a new lease of this resource with ``fields``; return it.

        ``fields`` are Lease columns; the row is filled in as by add().
        """
        return self.add(self._new_lease(**fields))

    def add_event(self, **values):
        """Insert an event row (Event columns) in this transaction."""
        _events.insert_event(self.session, **values)

    def forget_notice(self, lease_uuid, kind):
        """Forget a lease's ``kind`` e-mail notice in this transaction.

        It is then decided, and sent, again.
        """
        _notices.delete_notice(self.session, lease_uuid, kind)

    def flush(self):
        """Send the changes made to rows read through this transaction.

        They are committed with it; flushing makes later queries in the
        transaction see them.
        """
        self.session.flush()


class ResourcesTransaction(object):
    """Changes on several resources, under all their locks at once.

    The manager records the outcomes of many nodes in one of these; only
    resources_transaction() creates one. Everything commits together or
    not at all.
    """

    def __init__(self, session, pairs):
        self.session = session
        self.pairs = pairs
        self._events = []

    def _by_uuid(self, model, uuids):
        """Re-read rows of ``model`` by uuid: {uuid: row}, one query a chunk.

        Uuids with no row are absent from the answer.
        """
        found = {}
        for part in sql.slices(sorted(set(uuids))):
            found.update((row.uuid, row) for row in self.session.scalars(
                sa.select(model).where(model.uuid.in_(part))))
        return found

    def leases(self, uuids):
        """Re-read leases by uuid inside the transaction: {uuid: lease}.

        Changes made to the returned rows are written at commit.
        """
        return self._by_uuid(models.Lease, uuids)

    def offers(self, uuids):
        """Re-read offers by uuid inside the transaction: {uuid: offer}.

        Changes made to the returned rows are written at commit.
        """
        return self._by_uuid(models.Offer, uuids)

    def add_event(self, **values):
        """Add an event row (Event columns); all are inserted together.

        NOTE(esi-leap): one multi-row INSERT at the end of the
        transaction rather than one statement per event.
        """
        self._events.append(values)

    def save_attestation(self, pair, lease_uuid, status, started_at,
                         event_id, now):
        """Write the node's attested hand-over record (see attestations)."""
        _attestations.save(self.session, pair, lease_uuid, status,
                           started_at, event_id, now)

    def add_notices(self, lease_uuids, kind, due):
        """Decide a ``kind`` notice for each lease, once only (see notices).

        Leases that already have a notice of that kind are skipped.
        Returns how many notices this call decided (rows it inserted).
        """
        # NOTE(esi-leap): one multi-row INSERT per chunk, not executemany:
        # the row count of a single statement is the number of rows it
        # inserted on every backend (an executemany's may be -1).
        statement = _insert_ignore(self.session.bind.dialect.name,
                                   models.LeaseNotice.__table__)
        inserted = 0
        for part in sql.slices(sorted(set(lease_uuids))):
            rows = [dict(lease_uuid=uuid, kind=kind,
                         status=statuses.NOTICE_PENDING, attempts=0,
                         next_attempt_at=due, created_at=due)
                    for uuid in part]
            inserted += self.session.execute(
                statement.values(rows)).rowcount
        return inserted

    def decide_ending_events(self, wanted, now):
        """Decide the ending event of each (lease_uuid, end_time), once only.

        Returns the pairs of ``wanted`` this call decided (inserted rows
        for); pairs decided before, by this manager or another, are left
        out. The caller holds the lock rows of the leases' nodes, which
        serialise the deciders: the rows found are those decided, and one
        multi-row INSERT per chunk writes the others.
        """
        found = _ending_events.decided(self.session, wanted)
        new = [pair for pair in dict.fromkeys(wanted) if pair not in found]
        statement = _insert_ignore(self.session.bind.dialect.name,
                                   models.LeaseEndingEvent.__table__)
        inserted = 0
        for part in sql.slices(new):
            inserted += self.session.execute(statement.values([
                dict(lease_uuid=uuid, end_time=end, created_at=now)
                for uuid, end in part])).rowcount
        if inserted != len(new):
            # NOTE(esi-leap): the unique key skipped a row decided
            # meanwhile after all: which one is unknown, so nothing of
            # this transaction may stand (the next run decides afresh).
            raise db_exc.DBDuplicateEntry(
                columns=['lease_uuid', 'end_time'])
        return new

    def open_quarantines(self, pairs):
        """The nodes of ``pairs`` quarantined now (see quarantines)."""
        return _quarantines.open_of(self.session, pairs)

    def delete_tokens(self, pairs):
        """Delete every console token of the nodes of ``pairs``."""
        token = models.ConsoleAuthToken
        for rtype, uuids in sql.chunks(pairs):
            self.session.execute(sa.delete(token).where(
                token.resource_type == rtype, token.node_uuid.in_(uuids)))

    def finish(self):
        """Write what is still buffered (the events), before the commit."""
        if self._events:
            self.session.execute(models.Event.__table__.insert(),
                                 self._events)
            self._events = []


def claim_check_params(start, pivot, statuses, **params):
    """The parameters of a claim check query (and ``params``).

    ``start``, ``pivot`` and ``statuses`` as in
    ResourceTransaction.offer_for_claim().
    """
    # NOTE(esi-leap): leases ending before the claim's start minus the
    # widest buffer cannot meet it, whatever the node's buffer: the
    # index range of the query stops there.
    return dict(params, pivot=pivot, statuses=list(statuses),
                floor=cleaning_buffer.earlier(start,
                                              cleaning_buffer.widest()))


def claim_row(row):
    """(offer, neighbours) of a row of a claim check query."""
    return reads.OfferRow._make(row[:_OFFER_WIDTH]), \
        cleaning_buffer.Neighbours(before_end=row[_OFFER_WIDTH],
                                   after_start=row[_OFFER_WIDTH + 1])


def insert_rows(session, rows):
    """Insert new rows of one table (Offer or Lease objects) at once.

    One multi-row INSERT; each row is filled in as by
    ResourceTransaction.add(), its id included. Returns ``rows``.
    """
    if not rows:
        return rows
    table = rows[0].__table__
    values = [_filled(row) for row in rows]
    keys = sorted(set().union(*values))
    statement = table.insert().values(
        [{key: value.get(key) for key in keys} for value in values])
    # NOTE(esi-leap): PostgreSQL, MariaDB and SQLite hand the ids back
    # with RETURNING; elsewhere they are read back by uuid.
    if session.bind.dialect.insert_returning:
        ids = dict(session.execute(statement.returning(
            table.c.uuid, table.c.id)).all())
    else:
        session.execute(statement)
        ids = dict(session.execute(sa.select(table.c.uuid, table.c.id).where(
            table.c.uuid.in_([row.uuid for row in rows]))).all())
    for row in rows:
        row.id = ids[row.uuid]
    return rows


def _filled(row):
    """Fill in a new row's uuid, created_at and scalar defaults.

    Returns the column values to insert ({column key: value}, Nones left
    out).
    """
    if row.uuid is None:
        row.uuid = uuidutils.generate_uuid()
    if row.created_at is None:
        row.created_at = timeutils.utcnow()
    values = {}
    for column in row.__table__.columns:
        value = getattr(row, column.key)
        if value is None and column.default is not None and \
                column.default.is_scalar:
            value = column.default.arg
            setattr(row, column.key, value)
        if value is not None:
            values[column.key] = value
    return values


_INSERTS = {'offers': models.Offer.__table__.insert(),
            'leases': models.Lease.__table__.insert()}


def _build_overlap_check(with_exclude):
    """The query of resource_overlaps(), with bound parameters.

    Parameters: resource_type, resource_uuid, start, end, offer_statuses
    and lease_statuses (lists) and, ``with_exclude``, exclude (a uuid).
    """
    queries = []
    for model, wanted in ((models.Offer, 'offer_statuses'),
                          (models.Lease, 'lease_statuses')):
        query = sa.select(model.id).where(
            model.resource_type == sa.bindparam('resource_type'),
            model.resource_uuid == sa.bindparam('resource_uuid'),
            model.parent_lease_uuid.is_(None),
            model.status.in_(sa.bindparam(wanted, expanding=True)),
            sql.overlaps(model,
                         sa.bindparam('start', type_=model.start_time.type),
                         sa.bindparam('end', type_=model.end_time.type)))
        if with_exclude:
            query = query.where(model.uuid != sa.bindparam('exclude'))
        queries.append(sa.exists(query))
    return sa.select(sa.or_(*queries))


def _neighbour_columns(offer_uuid, with_exclude):
    """The before_end and after_start columns of a claim check.

    For the offer whose uuid is the SQL expression ``offer_uuid``: the
    latest end (if after floor) of its leases starting before the pivot
    and the earliest start of those starting at or after it.
    """
    lease = models.Lease
    pivot = sa.bindparam('pivot', type_=lease.start_time.type)
    floor = sa.bindparam('floor', type_=lease.end_time.type)
    mine = sa.and_(lease.offer_uuid == offer_uuid,
                   lease.status.in_(sa.bindparam('statuses',
                                                 expanding=True)))
    if with_exclude:
        mine = sa.and_(mine, lease.uuid != sa.bindparam('exclude'))
    before_end = sa.select(sa.func.max(lease.end_time)).where(
        mine, lease.end_time > floor,
        lease.start_time < pivot).scalar_subquery()
    # NOTE(esi-leap): "end_time > pivot" follows from the start; said, it
    # bounds the index range read.
    after_start = sa.select(sa.func.min(lease.start_time)).where(
        mine, lease.end_time > pivot,
        lease.start_time >= pivot).scalar_subquery()
    return [before_end.label('before_end'), after_start.label('after_start')]


def _build_claim_check(with_exclude=False, quota=False):
    """The query of offer_for_claim(), with bound parameters.

    Parameters: offer_uuid, pivot, floor, statuses (a list) and,
    ``with_exclude``, exclude (a lease uuid left out). It reads the
    offer's columns and its neighbours (_neighbour_columns()). With
    ``quota`` it also reads the claimant's quota override and usage
    (quotas.override_columns() and usage_subquery(), for the offer's
    class; parameters of quotas.usage_params()).
    """
    offers = models.Offer.__table__
    offer_uuid = sa.bindparam('offer_uuid')
    columns = list(reads.OFFER_COLUMNS) + _neighbour_columns(offer_uuid,
                                                             with_exclude)
    if not quota:
        return sa.select(*columns).where(offers.c.uuid == offer_uuid)
    # NOTE(esi-leap): MariaDB has no LATERAL: the class counted is the
    # offer's, read by a subquery of its own rather than correlated.
    rclass = sa.func.coalesce(sa.select(offers.c.resource_class).where(
        offers.c.uuid == offer_uuid).scalar_subquery(), '')
    usage = _quotas.usage_subquery(rclass)
    project = sa.bindparam('project', type_=models.Lease.project_id.type)
    return sa.select(
        *columns, *_quotas.override_columns(project), *usage.c).select_from(
        offers.join(usage, sa.true())).where(offers.c.uuid == offer_uuid)


def _build_claims_check():
    """The query of FleetTransaction.offers_for_claim(): many offers.

    As _build_claim_check() for every offer whose uuid is in offer_uuids
    (a list), with the override of the claimant (parameter project), not
    its usage (which depends on each class).
    """
    offers = models.Offer.__table__
    project = sa.bindparam('project', type_=models.Lease.project_id.type)
    return sa.select(
        *reads.OFFER_COLUMNS, *_neighbour_columns(offers.c.uuid, False),
        *_quotas.override_columns(project)).where(
        offers.c.uuid.in_(sa.bindparam('offer_uuids', expanding=True)))


# NOTE(esi-leap): built once: these run under the node's lock, and
# building a query each time cost more than running it.
_OFFER_WIDTH = len(reads.OFFER_COLUMNS)
_CLAIM_CHECKS = {(exclude, quota): _build_claim_check(exclude, quota)
                 for exclude in (False, True) for quota in (False, True)}
CLAIMS_CHECK = _build_claims_check()
_OVERLAP_CHECKS = {True: _build_overlap_check(True),
                   False: _build_overlap_check(False)}
_BY_UUID = {
    kind: sa.select(model).where(model.uuid == sa.bindparam('uuid'))
    for kind, model in (('offer', models.Offer), ('lease', models.Lease))}


def _build_claim_insert():
    """The INSERT ... SELECT of claim_transaction(): the claim's lease.

    It copies the offer's columns from its row (uuid ``offer_uuid``), so it
    inserts nothing when there is no such offer. Parameters: offer_uuid,
    uuid, name, project_id, purpose, start_time, end_time, status,
    properties, now.
    """
    offer = models.Offer.__table__.c
    leases = models.Lease.__table__
    columns = {'uuid': sa.bindparam('uuid', type_=leases.c.uuid.type),
               'offer_uuid': offer.uuid,
               'owner_id': offer.project_id,
               'resource_type': offer.resource_type,
               'resource_uuid': offer.resource_uuid,
               'parent_lease_uuid': offer.parent_lease_uuid,
               'resource_class': offer.resource_class,
               'attempts': sa.literal(0, sa.Integer),
               'created_at': sa.bindparam(
                   'now', type_=leases.c.created_at.type)}
    for key in ('name', 'project_id', 'purpose', 'start_time', 'end_time',
                'status', 'properties'):
        columns[key] = sa.bindparam(key, type_=leases.c[key].type)
    return leases.insert().from_select(
        list(columns), sa.select(*columns.values()).where(
            offer.uuid == sa.bindparam('offer_uuid')))


_CLAIM_INSERT = _build_claim_insert()
# NOTE(esi-leap): PostgreSQL hands the new lease's id back with RETURNING;
# MySQL and SQLite give it as the cursor's lastrowid. Either way no query
# of its own (notifications carry the id).
_CLAIM_INSERTS = {False: _CLAIM_INSERT,
                  True: _CLAIM_INSERT.returning(
                      models.Lease.__table__.c.id)}


def _claimed_id(result, dialect):
    """The id of the lease a claim INSERT wrote; None if it wrote none.

    0 when a lease was written but its id is not known.
    """
    if dialect == 'postgresql':
        row = result.first()
        return None if row is None else row[0]
    if not result.rowcount:
        return None
    return result.lastrowid or 0


def _insert_ignore(dialect, table):
    """An INSERT of ``table`` that skips rows violating a unique key."""
    if dialect == 'mysql':
        return mysql.insert(table).prefix_with('IGNORE')
    module = postgresql if dialect == 'postgresql' else sqlite
    return module.insert(table).on_conflict_do_nothing()


def _lock_values(resource_type, resource_uuid):
    return dict(resource_type=resource_type, resource_uuid=resource_uuid,
                generation=0, created_at=timeutils.utcnow())


def _upsert(dialect, insert):
    """Make ``insert`` into resource_locks bump the generation on conflict."""
    bump = {'generation': models.ResourceLock.__table__.c.generation + 1}
    if dialect == 'mysql':
        return insert.on_duplicate_key_update(**bump)
    return insert.on_conflict_do_update(
        index_elements=['resource_type', 'resource_uuid'], set_=bump)


def _build_lock_statements(dialect):
    """The lock upserts of ``dialect``, with bound parameters.

    'resource' locks (resource_type, resource_uuid); 'offer' locks the node
    of the offer whose uuid is ``offer_uuid`` and 'lease' that of the lease
    whose uuid is ``lease_uuid``: their source is that row, so they lock
    nothing (and affect no row) when there is no such row. 'claim' locks
    as 'offer', then the lock row of ``project`` when its quota is checked
    (quotas.lock_row_select(); parameter quota_defaults too). All take
    ``now`` as the created_at of a new lock row.
    """
    table = models.ResourceLock.__table__
    module = {'mysql': mysql, 'postgresql': postgresql}.get(dialect, sqlite)
    now = sa.bindparam('now', type_=table.c.created_at.type)
    columns = ['resource_type', 'resource_uuid', 'generation', 'created_at']
    statements = {'resource': _upsert(dialect, module.insert(table).values(
        resource_type=sa.bindparam('resource_type'),
        resource_uuid=sa.bindparam('resource_uuid'), generation=0,
        created_at=now))}
    sources = {}
    for kind, source in (('offer', models.Offer.__table__),
                         ('lease', models.Lease.__table__)):
        sources[kind] = sa.select(
            source.c.resource_type, source.c.resource_uuid, sa.literal(0),
            now).where(source.c.uuid == sa.bindparam(kind + '_uuid'))
        statements[kind] = _upsert(dialect, module.insert(table).from_select(
            columns, sources[kind]))
    # NOTE(esi-leap): a claim's node and then, when its quota is checked,
    # its project: the rows are taken in the order of the UNION ALL, the
    # project (whose type sorts after the nodes') last.
    statements['claim'] = _upsert(dialect, module.insert(table).from_select(
        columns, sa.union_all(sources['offer'], _quotas.lock_row_select(
            sa.bindparam('project', type_=table.c.resource_uuid.type),
            now))))
    return statements


# NOTE(esi-leap): built once per dialect: every booking starts with one,
# and building a statement costs more than running it on loopback.
_LOCK_STATEMENTS = {}


def _lock_statement(dialect, kind):
    """The prepared lock upsert of ``kind`` ('resource', 'offer', 'lease')."""
    statements = _LOCK_STATEMENTS.get(dialect)
    if statements is None:
        statements = _LOCK_STATEMENTS[dialect] = \
            _build_lock_statements(dialect)
    return statements[kind]


@contextlib.contextmanager
def _row_transaction(kind, uuid):
    """Yield a ResourceTransaction on the node of an offer or lease, or None.

    The lock of the node is taken by the first statement, straight from
    the ``kind`` ('offer' or 'lease') row, so the booking needs no read
    before its transaction. None (and nothing locked) when no such row has
    that uuid. The transaction learns its resource when it re-reads the
    row (offer_for_claim() or lease()).
    """
    with engine.writer() as session:
        locked = session.execute(
            _lock_statement(session.bind.dialect.name, kind),
            {kind + '_uuid': uuid, 'now': timeutils.utcnow()}).rowcount
        yield ResourceTransaction(session, None, None) if locked else None


def offer_transaction(offer_uuid):
    """_row_transaction() on the node of offer ``offer_uuid``."""
    return _row_transaction('offer', offer_uuid)


def lease_transaction(lease_uuid):
    """_row_transaction() on the node of lease ``lease_uuid``."""
    return _row_transaction('lease', lease_uuid)


@contextlib.contextmanager
def claim_transaction(offer_uuid, now, lease):
    """Yield a ResourceTransaction on the node of an offer, for a claim.

    The claim's lease (``lease``: Lease columns uuid, name, project_id,
    purpose, start_time, end_time, status, properties; the rest come from
    the offer's row, and ``now`` is its created_at) is written first, then
    the node's lock is taken: the body must then check, with
    offer_for_claim(..., exclude=the lease's uuid), that the claim may
    stand, and raise if not (everything is then rolled back). Yields None,
    with nothing written or locked, when no offer has that uuid.

    NOTE(esi-leap): the row written before the lock is invisible to every
    other transaction until the commit (READ COMMITTED), and every check
    of a booking on the node runs after that node's lock; so the lock need
    not cover the INSERT of the lease. The event is still written under
    the lock, after the check and just before the commit: event ids are
    what pollers of /v1/events page by, and an id handed out long before
    its commit could be passed over by a poller that already saw a later
    one.

    The lock statement takes the lock of the claimant's project too (last)
    when its quota is checked, and offer_for_claim() then reads the
    project's quota override and usage with the offer (the transaction's
    ``quota``, a quotas.Prefetched): the quota check sends nothing of its
    own.
    """
    with engine.writer() as session:
        params = dict(lease, offer_uuid=offer_uuid, now=now)
        dialect = session.bind.dialect.name
        written = session.execute(_CLAIM_INSERTS[dialect == 'postgresql'],
                                  params)
        claimed_id = _claimed_id(written, dialect)
        if claimed_id is None:
            yield None
            return
        project = lease['project_id']
        locked = session.execute(_lock_statement(dialect, 'claim'), {
            'offer_uuid': offer_uuid, 'now': now, 'project': project,
            'quota_defaults': _quotas.defaults_limited()}).rowcount
        yield ResourceTransaction(
            session, None, None, claimed_id=claimed_id or None,
            quota=_quotas.Prefetched(project, lease['start_time'],
                                     lease['end_time'],
                                     _quotas.took_project(dialect, locked)))


def _locks_statement(dialect, pairs):
    """One statement creating and locking the lock rows of ``pairs``.

    The rows are given sorted, and the databases lock them in that order.
    """
    table = models.ResourceLock.__table__
    values = [_lock_values(rtype, ruuid) for rtype, ruuid in sorted(pairs)]
    bump = {'generation': table.c.generation + 1}
    if dialect == 'mysql':
        return mysql.insert(table).values(values).on_duplicate_key_update(
            **bump)
    module = postgresql if dialect == 'postgresql' else sqlite
    return module.insert(table).values(values).on_conflict_do_update(
        index_elements=['resource_type', 'resource_uuid'], set_=bump)


@contextlib.contextmanager
def resources_transaction(pairs):
    """Yield a ResourcesTransaction holding the row locks of ``pairs``.

    The locks are taken first, in sorted order (so two of these never
    deadlock on each other, and a booking on one resource waits for at
    most one of them), at most sql.CHUNK rows per statement.
    """
    pairs = sorted(set(pairs))
    with engine.writer() as session:
        dialect = session.bind.dialect.name
        for part in sql.slices(pairs):
            session.execute(_locks_statement(dialect, part))
        txn = ResourcesTransaction(session, pairs)
        yield txn
        txn.finish()


@contextlib.contextmanager
def resource_transaction(resource_type, resource_uuid):
    """Yield a ResourceTransaction holding the resource's row lock.

    The lock is the first statement of the transaction, so every read made
    through the transaction sees all bookings committed before it.
    """
    # NOTE(esi-leap): one upsert both creates a missing lock row and takes
    # the row lock (InnoDB: an exclusive record lock on the primary key;
    # PostgreSQL: the row lock of ON CONFLICT DO UPDATE), so a booking
    # never needs a separate insert attempt or a second try.
    with engine.writer() as session:
        session.execute(_lock_statement(session.bind.dialect.name,
                                        'resource'),
                        {'resource_type': resource_type,
                         'resource_uuid': resource_uuid,
                         'now': timeutils.utcnow()})
        yield ResourceTransaction(session, resource_type, resource_uuid)


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


def _retrying(transaction, body, what, attempts):
    """Run ``body(txn)`` in ``transaction()``; re-run it after a deadlock.

    ``what`` is (resource_type, resource_uuid) of the booking. Raises
    BookingContended once ``attempts`` attempts were rolled back.
    """
    for attempt in range(1, attempts + 1):
        try:
            with transaction() as txn:
                return body(txn)
        except db_exc.DBDeadlock:
            LOG.info('Booking of %s %s lost to a concurrent change '
                     '(attempt %d of %d)', what[0], what[1], attempt,
                     attempts)
            if attempt < attempts:
                _backoff(attempt)
    raise exception.BookingContended(resource_type=what[0],
                                     resource_uuid=what[1])


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
    return _retrying(
        lambda: resource_transaction(resource_type, resource_uuid), body,
        (resource_type, resource_uuid), attempts)


def run_offer_booking(offer_uuid, body, attempts=BOOKING_ATTEMPTS):
    """Like run_booking, on the node of offer ``offer_uuid``.

    ``body`` gets the transaction of offer_transaction(), None when no
    offer has that uuid.
    """
    return _retrying(lambda: offer_transaction(offer_uuid), body,
                     ('offer', offer_uuid), attempts)


def run_claim_booking(offer_uuid, now, lease, body,
                      attempts=BOOKING_ATTEMPTS):
    """Like run_offer_booking, in a claim_transaction().

    ``body`` gets the transaction (None when no offer has the uuid) and
    must check the claim the transaction wrote (see claim_transaction()).
    """
    return _retrying(
        lambda: claim_transaction(offer_uuid, now, lease), body,
        ('offer', offer_uuid), attempts)


def run_lease_booking(lease_uuid, body, attempts=BOOKING_ATTEMPTS):
    """Like run_booking, on the node of lease ``lease_uuid``.

    ``body`` gets the transaction of lease_transaction(), None when no
    lease has that uuid.
    """
    return _retrying(lambda: lease_transaction(lease_uuid), body,
                     ('lease', lease_uuid), attempts)


def run_bookings(pairs, body, attempts=BOOKING_ATTEMPTS):
    """Run ``body(txn)`` in a ResourcesTransaction over ``pairs``.

    As run_booking(), for several resources at once: ``body`` may run
    again from the start after a deadlock; BookingContended after
    ``attempts`` tries.
    """
    return _retrying(
        lambda: resources_transaction(pairs), body,
        ('(several)', '%d nodes' % len(set(pairs))), attempts)
