"""Reads of offers, leases and events (node bookings: node_bookings).

Each function runs in one reader transaction and returns rows detached
from any session.
"""
import collections

import sqlalchemy as sa

from esi_leap.common import statuses
from esi_leap.db.sqlalchemy import buffered
from esi_leap.db.sqlalchemy import engine
from esi_leap.db.sqlalchemy import models
from esi_leap.db.sqlalchemy import sql
from esi_leap.db.sqlalchemy import statements

# NOTE(esi-leap): lists read only the columns their callers use (views,
# availabilities, console checks): every column of every row costs driver
# and type-processing time, and ids and bookkeeping are never shown.
OFFER_COLUMNS = tuple(
    c for c in models.Offer.__table__.columns
    if c.key not in ('id', 'created_at', 'updated_at'))
_LEASE_COLUMNS = tuple(
    c for c in models.Lease.__table__.columns
    if c.key not in ('id', 'created_at', 'updated_at', 'attempts',
                     'next_attempt_at'))

_EVENT_COLUMNS = tuple(models.Event.__table__.columns)

OfferRow = collections.namedtuple('OfferRow',
                                  [c.key for c in OFFER_COLUMNS])
LeaseRow = collections.namedtuple('LeaseRow',
                                  [c.key for c in _LEASE_COLUMNS])
EventRow = collections.namedtuple('EventRow',
                                  [c.key for c in _EVENT_COLUMNS])

# One offer or lease looked up by uuid or name: every column (the manager
# and the booking checks read its bookkeeping too).
_OFFER_RECORD = tuple(models.Offer.__table__.columns)
_LEASE_RECORD = tuple(models.Lease.__table__.columns)
OfferRecord = collections.namedtuple('OfferRecord',
                                     [c.key for c in _OFFER_RECORD])
LeaseRecord = collections.namedtuple('LeaseRecord',
                                     [c.key for c in _LEASE_RECORD])


def _kept_rows(key, build, bound, row_type):
    """Rows of the statement ``build()`` makes, kept under ``key``.

    For the lookups below, whose SQL never changes with their values.
    """
    with engine.reader() as session:
        statement = statements.built(key, build)
        return _rows(session.connection().execute(statement, bound),
                     row_type)


def _first(rows):
    return rows[0] if rows else None


def offer_get(uuid):
    """Return the offer with ``uuid`` as a read-only row, or None."""
    offer = models.Offer
    return _first(_kept_rows(('offer by uuid',), lambda: sa.select(
        *_OFFER_RECORD).where(offer.uuid == statements.value('uuid')),
        {'uuid': uuid}, OfferRecord))


def offers_by_name(name, visible_to=None):
    """Return the offers named ``name`` that ``visible_to`` may see.

    ``visible_to`` is None for no restriction, else an OfferVisibility.
    Read-only rows, oldest first.
    """
    offer = models.Offer
    bound = {'name': name}
    if visible_to is not None:
        bound.update(visible_project_id=visible_to.project_id,
                     visible_lessee_ids=list(visible_to.lessee_ids))

    def build():
        query = sa.select(*_OFFER_RECORD).where(
            offer.name == statements.value('name'))
        if visible_to is not None:
            query = query.where(_offer_visibility(
                statements.value('visible_project_id'),
                statements.among('visible_lessee_ids')))
        return query.order_by(offer.id)
    return _kept_rows(('offers by name', visible_to is not None), build,
                      bound, OfferRecord)


def lease_get(uuid):
    """Return the lease with ``uuid`` as a read-only row, or None."""
    lease = models.Lease
    return _first(_kept_rows(('lease by uuid',), lambda: sa.select(
        *_LEASE_RECORD).where(lease.uuid == statements.value('uuid')),
        {'uuid': uuid}, LeaseRecord))


def leases_by_name(name, party=None):
    """Return the leases named ``name``; with ``party``, only its own.

    Read-only rows, oldest first.
    """
    lease = models.Lease

    def build():
        query = sa.select(*_LEASE_RECORD).where(
            lease.name == statements.value('name'))
        if party is not None:
            mine = statements.value('party')
            query = query.where(sa.or_(lease.project_id == mine,
                                       lease.owner_id == mine))
        return query.order_by(lease.id)
    return _kept_rows(('leases by name', party is not None), build,
                      {'name': name, 'party': party}, LeaseRecord)


def _offer_visibility(project_id, lessee_ids):
    """Offers of ``project_id``, open to all, or restricted to one of ours.

    ``project_id`` and ``lessee_ids`` are values or bound parameters.
    """
    offer = models.Offer
    return sa.or_(offer.project_id == project_id,
                  offer.lessee_id.is_(None),
                  offer.lessee_id.in_(lessee_ids))


# The statements below take their values as bound parameters named as in
# statements.values(); each is built once per filter shape.

def _equal(query, model, filters, names):
    """Add ``column == :name`` for each of the named filters that is set."""
    for name in names:
        if getattr(filters, name) is not None:
            column = getattr(model, name)
            query = query.where(column == statements.value(name, column))
    return query


def _among(model, filters):
    """Rows of one of the resources of a resources filter.

    NOTE(esi-leap): one bound parameter per node. SQLite (3.32 on) takes
    32,766 of them and the MySQL and PostgreSQL drivers interpolate them
    client side, so a deployment's node count fits.
    """
    wanted = [sa.and_(
        model.resource_type == statements.value('resource_type_%d' % i),
        model.resource_uuid.in_(statements.among('resource_uuids_%d' % i)))
        for i, _group in enumerate(statements.resource_groups(filters))]
    return sa.or_(*wanted) if wanted else sa.false()


def _booking_query(model, columns, filters, equal):
    """The filters offers and leases share, on a SELECT of ``columns``.

    Statuses, the ``equal`` filters (``column == value``) and the
    resources filter (for a resource class, decided before paging).
    """
    query = sa.select(*columns)
    if filters.statuses is not None:
        query = query.where(model.status.in_(statements.among('statuses')))
    query = _equal(query, model, filters, equal)
    if filters.resources is not None:
        query = query.where(_among(model, filters))
    return query


# Each is an indexed column (uuid unique, name, project and lessee ids).
_OFFER_EQUAL = ('uuid', 'name', 'project_id', 'lessee_id', 'resource_type',
                'resource_uuid')
_LEASE_EQUAL = ('uuid', 'project_id', 'owner_id', 'offer_uuid',
                'resource_type', 'resource_uuid', 'purpose')


def _offer_query(filters, columns=OFFER_COLUMNS):
    offer = models.Offer
    value = statements.value
    query = _booking_query(offer, columns, filters, _OFFER_EQUAL)
    if filters.start_time is not None:
        query = query.where(
            offer.start_time <= value('start_time', offer.start_time),
            offer.end_time >= value('end_time', offer.end_time))
    if filters.available_start_time is not None:
        a_start = value('available_start_time', offer.start_time)
        a_end = value('available_end_time', offer.end_time)
        lease = models.Lease
        taken = sa.select(lease.id).where(
            lease.offer_uuid == offer.uuid,
            lease.status.in_(statements.among('blocking_lease_statuses')),
            sql.overlaps(lease, buffered.widened_end('low', a_start),
                         buffered.widened_end('high', a_end)))
        query = query.where(offer.start_time <= a_start,
                            offer.end_time >= a_end,
                            ~sa.exists(taken))
    if filters.visibility is not None:
        query = query.where(_offer_visibility(
            value('visible_project_id'),
            statements.among('visible_lessee_ids')))
    return query


def _lease_query(filters, columns=_LEASE_COLUMNS):
    lease = models.Lease
    value = statements.value
    query = _booking_query(lease, columns, filters, _LEASE_EQUAL)
    if filters.party_id is not None:
        party = value('party_id')
        query = query.where(sa.or_(lease.project_id == party,
                                   lease.owner_id == party))
    if filters.start_time is not None:
        # Inclusive overlap, as the original: touching leases match too.
        query = query.where(
            lease.start_time <= value('end_time', lease.end_time),
            lease.end_time >= value('start_time', lease.start_time))
    return query


def _run(session, variant, filters, build, paged_by=None):
    """Execute the statement ``build(filters)`` makes, kept per shape.

    With ``paged_by`` (the model and the column a marker names), the
    statement is cut to the filters' page first, its marker looked up in
    the same list. Returns the driver's result.
    """
    key = buffered.key(variant, filters)
    connection = session.connection()
    bound = _bound(connection, key, filters, build, paged_by)
    if paged_by is not None:
        statement = statements.built(key, lambda: statements.paginate(
            build(filters), paged_by[0].__table__.c, filters.page))
    else:
        statement = statements.built(key, lambda: build(filters))
    return connection.execute(statement, bound)


def _bound(connection, key, filters, build, paged_by):
    """statements.values() of ``filters``, with its page's marker found.

    The marker is looked up among the rows ``build(filters)`` lists,
    through a statement kept under ``key``; raises MarkerNotFound.
    """
    bound = statements.values(filters)
    bound.update(buffered.values(filters))
    page = filters.page
    if paged_by is not None and page is not None and page.marker is not None:
        model, marker_column = paged_by
        lookup = statements.built(key + ('marker',), lambda: (
            statements.marker_lookup(build(filters), model.__table__.c,
                                     page, marker_column)))
        statements.find_marker(connection, lookup, bound, page)
    return bound


def _resources_of(variant, filters, build):
    """{resource_type: set of uuids} of the rows ``build`` selects."""
    with engine.reader() as session:
        result = {}
        for type_name, uuid in _run(session, variant, filters,
                                    lambda f: build(f).distinct()):
            result.setdefault(type_name, set()).add(uuid)
    return result


def offer_resources(filters):
    """The resources of the offers matching an OfferFilters (any page).

    {resource_type: set of resource uuids}; one query.
    """
    offer = models.Offer
    return _resources_of('offer resources', filters, lambda f: _offer_query(
        f, (offer.resource_type, offer.resource_uuid)))


def lease_resources(filters):
    """The resources of the leases matching a LeaseFilters (any page).

    {resource_type: set of resource uuids}; one query.
    """
    lease = models.Lease
    return _resources_of('lease resources', filters, lambda f: _lease_query(
        f, (lease.resource_type, lease.resource_uuid)))


def _rows(result, row_type):
    """All rows of a driver ``result`` as ``row_type`` tuples.

    NOTE(esi-leap): Connection.execute() skips the ORM's execution and
    loading layers, which cost per row, for statements that select only
    columns anyway; and a named tuple's fields are read about ten times
    faster than a SQLAlchemy Row's attributes, which a view reads
    twenty times a row.
    """
    make = row_type._make
    return [make(row) for row in result]


def offer_list_with_windows(filters, blocking, ending_after):
    """The offers matching an OfferFilters and their lease windows.

    Returns (offers, {offer uuid: [(start, end)]}): the page of offers,
    oldest first, as read-only rows (attribute access, as the model's),
    and for its available offers the windows of their leases in
    ``blocking`` that end after ``ending_after``; one statement joins the
    two.
    """
    key = buffered.key('offers with windows', filters)
    with engine.reader() as session:
        connection = session.connection()
        bound = _bound(connection, key, filters, _offer_query,
                       (models.Offer, models.Offer.uuid))
        bound.update(windows_blocking=list(blocking),
                     windows_after=ending_after)
        statement = statements.built(key, lambda: _offers_with_windows(
            filters))
        return _offers_and_windows(connection.execute(statement, bound))


def _offers_with_windows(filters):
    """The offers of the page, each joined with its lease windows."""
    lease = models.Lease.__table__.c
    page = filters.page
    inner = _offer_query(filters).add_columns(*_paging_columns(page))
    if page is not None and (page.limit is not None or
                             page.marker is not None):
        inner = statements.paginate(inner, models.Offer.__table__.c, page)
    paged = inner.subquery()
    taken = sa.and_(
        lease.offer_uuid == paged.c.uuid,
        paged.c.status == statuses.AVAILABLE,
        lease.status.in_(statements.among('windows_blocking')),
        lease.end_time > statements.value('windows_after', lease.end_time))
    return (sa.select(*[paged.c[c.key] for c in OFFER_COLUMNS],
                      lease.start_time, lease.end_time)
            .select_from(paged.outerjoin(models.Lease.__table__, taken))
            .order_by(*statements.page_order(paged.c, page),
                      lease.start_time))


def _paging_columns(page):
    """The columns a page of offers is ordered by that it does not show."""
    shown = {c.key for c in OFFER_COLUMNS}
    return [column for column in statements.sort_columns(
        models.Offer.__table__.c, page) if column.key not in shown]


_UUID_AT = [c.key for c in OFFER_COLUMNS].index('uuid')


def _offers_and_windows(rows):
    """Split joined (offer columns..., lease start, lease end) rows.

    NOTE(esi-leap): an offer comes once per lease window (once with NULL
    times when it has none), its rows next to each other: the windows
    ride along in the statement that reads the offers, which saves a
    round trip and a statement with an IN list of every offer listed.
    """
    width = len(OFFER_COLUMNS)
    make = OfferRow._make
    offers, windows = [], {}
    last = None
    for row in rows:
        uuid = row[_UUID_AT]
        if uuid != last:
            offers.append(make(row[:width]))
            last = uuid
        start = row[width]
        if start is not None:
            windows.setdefault(uuid, []).append((start, row[width + 1]))
    return offers, windows


def lease_list(filters):
    """Return the leases matching a LeaseFilters, oldest first.

    Read-only rows (attribute access, as the model's), not ORM objects.
    """
    with engine.reader() as session:
        return _rows(_run(session, 'leases', filters, _lease_query,
                          (models.Lease, models.Lease.uuid)), LeaseRow)


# NOTE(esi-leap): IN lists stay below this many parameters, well inside
# every backend's limit on bound parameters.
_IN_CHUNK = 500


def lease_windows_by_offer(offer_uuids, statuses, ending_after):
    """Map each offer uuid to the (start, end) windows of its leases.

    Only leases in ``statuses`` that end after ``ending_after`` count.
    """
    with engine.reader() as session:
        return _windows(session, offer_uuids, statuses, ending_after)


def _windows(session, offer_uuids, statuses, ending_after):
    # NOTE(esi-leap): one query: for a long list of offers, every such
    # lease of any offer is read and the rest dropped here (that set is
    # bounded by live bookings, not by history), which beats hundreds of
    # IN parameters.
    wanted = set(offer_uuids)
    listed = len(wanted) <= _IN_CHUNK
    bound = {'statuses': list(statuses), 'ending_after': ending_after}
    if listed:
        bound['offer_uuids'] = sorted(wanted)
    statement = statements.built(('windows', listed),
                                 lambda: _windows_query(listed))
    result = {}
    for offer_uuid, start, end in session.connection().execute(statement,
                                                               bound):
        if offer_uuid in wanted:
            result.setdefault(offer_uuid, []).append((start, end))
    return result


def _windows_query(listed):
    """Lease windows by status and end; of the listed offers or of any."""
    lease = models.Lease.__table__.c
    query = (sa.select(lease.offer_uuid, lease.start_time, lease.end_time)
             .where(lease.status.in_(statements.among('statuses')),
                    lease.end_time > statements.value('ending_after',
                                                      lease.end_time))
             .order_by(lease.start_time))
    if listed:
        return query.where(lease.offer_uuid.in_(
            statements.among('offer_uuids')))
    return query.where(lease.offer_uuid.is_not(None))


def held_leases(resource_type, resource_uuid, project_id, statuses):
    """Return top-level leases of a resource held by ``project_id``.

    Read-only rows, earliest start first.
    """
    lease = models.Lease
    value = statements.value
    return _kept_rows(('held leases',), lambda: sa.select(
        *_LEASE_COLUMNS).where(
            lease.resource_type == value('resource_type'),
            lease.resource_uuid == value('resource_uuid'),
            lease.project_id == value('project_id'),
            lease.parent_lease_uuid.is_(None),
            lease.status.in_(statements.among('statuses')))
        .order_by(lease.start_time),
        {'resource_type': resource_type, 'resource_uuid': resource_uuid,
         'project_id': project_id, 'statuses': list(statuses)}, LeaseRow)


def event_list(filters):
    """Return events matching an EventFilters, oldest first."""
    with engine.reader() as session:
        return _rows(_run(session, 'events', filters, _event_query,
                          (models.Event, models.Event.id)), EventRow)


def _event_query(filters):
    event = models.Event
    value = statements.value
    query = sa.select(*_EVENT_COLUMNS)
    if filters.last_event_id is not None:
        query = query.where(event.id > value('last_event_id', event.id))
    if filters.last_event_time is not None:
        query = query.where(event.event_time > value('last_event_time',
                                                     event.event_time))
    for name in ('event_type', 'resource_type', 'resource_uuid'):
        if getattr(filters, name) is not None:
            column = getattr(event, name)
            query = query.where(column == value(name, column))
    if filters.lessee_or_owner_id is not None:
        party = value('lessee_or_owner_id')
        query = query.where(sa.or_(event.lessee_id == party,
                                   event.owner_id == party))
    return query
