"""The offer, lease and event lists, and the lease windows of offers.

Each function runs in one reader transaction and returns read-only rows
(see records), built by the statements of list_queries.
"""
import sqlalchemy as sa

from esi_leap.common import statuses
from esi_leap.db.sqlalchemy import buffered
from esi_leap.db.sqlalchemy import engine
from esi_leap.db.sqlalchemy import list_queries
from esi_leap.db.sqlalchemy import models
from esi_leap.db.sqlalchemy import records
from esi_leap.db.sqlalchemy import statements


def _resources_of(variant, filters, query, model):
    """{resource_type: set of uuids} of the ``model`` rows ``query`` lists.

    ``query(filters, columns)`` is a list_queries statement; any page.
    """
    columns = (model.resource_type, model.resource_uuid)
    with engine.reader() as session:
        result = {}
        for type_name, uuid in list_queries.run(
                session, variant, filters,
                lambda f: query(f, columns).distinct()):
            result.setdefault(type_name, set()).add(uuid)
    return result


def offer_resources(filters):
    """The resources of the offers matching an OfferFilters (any page).

    {resource_type: set of resource uuids}; one query.
    """
    return _resources_of('offer resources', filters,
                         list_queries.offer_query, models.Offer)


def lease_resources(filters):
    """The resources of the leases matching a LeaseFilters (any page).

    {resource_type: set of resource uuids}; one query.
    """
    return _resources_of('lease resources', filters,
                         list_queries.lease_query, models.Lease)


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
        bound = list_queries.bound_values(
            connection, key, filters, list_queries.offer_query,
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
    inner = list_queries.offer_query(filters).add_columns(
        *_paging_columns(page))
    if page is not None and (page.limit is not None or
                             page.marker is not None):
        inner = statements.paginate(inner, models.Offer.__table__.c, page)
    paged = inner.subquery()
    taken = sa.and_(
        lease.offer_uuid == paged.c.uuid,
        paged.c.status == statuses.AVAILABLE,
        lease.status.in_(statements.among('windows_blocking')),
        lease.end_time > statements.value('windows_after', lease.end_time))
    return (sa.select(*[paged.c[c.key] for c in records.OFFER_COLUMNS],
                      lease.start_time, lease.end_time)
            .select_from(paged.outerjoin(models.Lease.__table__, taken))
            .order_by(*statements.page_order(paged.c, page),
                      lease.start_time))


def _paging_columns(page):
    """The columns a page of offers is ordered by that it does not show."""
    shown = {c.key for c in records.OFFER_COLUMNS}
    return [column for column in statements.sort_columns(
        models.Offer.__table__.c, page) if column.key not in shown]


_UUID_AT = [c.key for c in records.OFFER_COLUMNS].index('uuid')


def _offers_and_windows(rows):
    """Split joined (offer columns..., lease start, lease end) rows.

    NOTE(esi-leap): an offer comes once per lease window (once with NULL
    times when it has none), its rows next to each other: the windows
    ride along in the statement that reads the offers, which saves a
    round trip and a statement with an IN list of every offer listed.
    """
    width = len(records.OFFER_COLUMNS)
    make = records.OfferRow._make
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
        return records.rows(list_queries.run(
            session, 'leases', filters, list_queries.lease_query,
            (models.Lease, models.Lease.uuid)), records.LeaseRow)


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


def event_list(filters):
    """Return events matching an EventFilters, oldest first."""
    with engine.reader() as session:
        return records.rows(list_queries.run(
            session, 'events', filters, list_queries.event_query,
            (models.Event, models.Event.id)), records.EventRow)
