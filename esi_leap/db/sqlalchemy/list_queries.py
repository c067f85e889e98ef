"""The statements of the offer, lease and event lists, from their filters.

The statements take their values as bound parameters named as in
statements.values(); each is built once per filter shape (run()).
"""
import sqlalchemy as sa

from esi_leap.db.sqlalchemy import buffered
from esi_leap.db.sqlalchemy import models
from esi_leap.db.sqlalchemy import records
from esi_leap.db.sqlalchemy import sql
from esi_leap.db.sqlalchemy import statements


def offer_visibility(project_id, lessee_ids):
    """Offers of ``project_id``, open to all, or restricted to one of ours.

    ``project_id`` and ``lessee_ids`` are values or bound parameters.
    """
    offer = models.Offer
    return sa.or_(offer.project_id == project_id,
                  offer.lessee_id.is_(None),
                  offer.lessee_id.in_(lessee_ids))


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


def offer_query(filters, columns=records.OFFER_COLUMNS):
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
        query = query.where(offer_visibility(
            value('visible_project_id'),
            statements.among('visible_lessee_ids')))
    return query


def lease_query(filters, columns=records.LEASE_COLUMNS):
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


def run(session, variant, filters, build, paged_by=None):
    """Execute the statement ``build(filters)`` makes, kept per shape.

    With ``paged_by`` (the model and the column a marker names), the
    statement is cut to the filters' page first, its marker looked up in
    the same list. Returns the driver's result.
    """
    key = buffered.key(variant, filters)
    connection = session.connection()
    bound = bound_values(connection, key, filters, build, paged_by)
    if paged_by is not None:
        statement = statements.built(key, lambda: statements.paginate(
            build(filters), paged_by[0].__table__.c, filters.page))
    else:
        statement = statements.built(key, lambda: build(filters))
    return connection.execute(statement, bound)


def bound_values(connection, key, filters, build, paged_by):
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


def event_query(filters):
    """The SELECT of the events an EventFilters lists."""
    event = models.Event
    value = statements.value
    query = sa.select(*records.EVENT_COLUMNS)
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
