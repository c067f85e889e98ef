"""Reads of offers, leases, events and node bookings.

Each function runs in one reader transaction and returns rows detached
from any session.
"""
import sqlalchemy as sa

from esi_leap.common import statuses
from esi_leap.db.sqlalchemy import engine
from esi_leap.db.sqlalchemy import models
from esi_leap.db.sqlalchemy import sql

_OFFER_COLUMNS = tuple(models.Offer.__table__.columns)
_LEASE_COLUMNS = tuple(models.Lease.__table__.columns)


def offer_get(uuid):
    """Return the offer with ``uuid``, or None."""
    with engine.reader() as session:
        return session.scalars(sa.select(models.Offer).where(
            models.Offer.uuid == uuid)).first()


def offers_by_name(name, visible_to=None):
    """Return the offers named ``name`` that ``visible_to`` may see.

    ``visible_to`` is None for no restriction, else an OfferVisibility.
    """
    query = sa.select(models.Offer).where(models.Offer.name == name)
    if visible_to is not None:
        query = query.where(_offer_visibility(visible_to))
    with engine.reader() as session:
        return list(session.scalars(query.order_by(models.Offer.id)))


def lease_get(uuid):
    """Return the lease with ``uuid``, or None."""
    with engine.reader() as session:
        return session.scalars(sa.select(models.Lease).where(
            models.Lease.uuid == uuid)).first()


def leases_by_name(name, party=None):
    """Return the leases named ``name``; with ``party``, only its own."""
    query = sa.select(models.Lease).where(models.Lease.name == name)
    if party is not None:
        query = query.where(sa.or_(models.Lease.project_id == party,
                                   models.Lease.owner_id == party))
    with engine.reader() as session:
        return list(session.scalars(query.order_by(models.Lease.id)))


def _offer_visibility(visibility):
    offer = models.Offer
    return sa.or_(offer.project_id == visibility.project_id,
                  offer.lessee_id.is_(None),
                  offer.lessee_id.in_(visibility.lessee_ids))


def _offer_query(filters):
    offer = models.Offer
    query = sa.select(*_OFFER_COLUMNS)
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
            sql.overlaps(lease, a_start, a_end))
        query = query.where(offer.start_time <= a_start,
                            offer.end_time >= a_end,
                            ~sa.exists(taken))
    if filters.visibility is not None:
        query = query.where(_offer_visibility(filters.visibility))
    return query


def offer_list(filters):
    """Return the offers matching an OfferFilters, oldest first.

    Read-only rows (attribute access, as the model's), not ORM objects.
    """
    with engine.reader() as session:
        return _listed_offers(session, filters)


def _listed_offers(session, filters):
    query = sql.paginate(session, _offer_query(filters), models.Offer,
                         filters.page, models.Offer.uuid)
    return session.execute(query).all()


def offer_list_with_windows(filters, blocking, now):
    """offer_list() and lease_windows_by_offer() in one transaction.

    Returns (offers, {offer uuid: [(start, end)]}) for the available
    offers listed; one snapshot, two queries.
    """
    with engine.reader() as session:
        offers = _listed_offers(session, filters)
        available = [o.uuid for o in offers
                     if o.status == statuses.AVAILABLE]
        windows = _windows(session, available, blocking, now) \
            if available else {}
    return offers, windows


def lease_list(filters):
    """Return the leases matching a LeaseFilters, oldest first.

    Read-only rows (attribute access, as the model's), not ORM objects.
    """
    lease = models.Lease
    query = sa.select(*_LEASE_COLUMNS)
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
    with engine.reader() as session:
        return session.execute(sql.paginate(
            session, query, lease, filters.page, lease.uuid)).all()


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
    for offer_uuid, start, end in session.execute(query):
        if offer_uuid in wanted:
            result.setdefault(offer_uuid, []).append((start, end))
    return result


def held_leases(resource_type, resource_uuid, project_id, statuses):
    """Return top-level leases of a resource held by ``project_id``."""
    lease = models.Lease
    with engine.reader() as session:
        return list(session.scalars(
            sa.select(lease).where(
                lease.resource_type == resource_type,
                lease.resource_uuid == resource_uuid,
                lease.project_id == project_id,
                lease.parent_lease_uuid.is_(None),
                lease.status.in_(statuses))
            .order_by(lease.start_time)))


def event_list(filters):
    """Return events matching an EventFilters, oldest first."""
    event = models.Event
    query = sa.select(*models.Event.__table__.columns)
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
    with engine.reader() as session:
        return session.execute(sql.paginate(
            session, query, event, filters.page, event.id)).all()


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
    with engine.reader() as session:
        for row in session.execute(
                sa.select(offer.resource_uuid, offer.uuid,
                          offer.start_time)
                .where(offer.resource_type == resource_type,
                       offer.status == statuses.NODE_OFFER_SHOWN,
                       offer.end_time > now)
                .order_by(offer.start_time)):
            if row.start_time <= now:
                entry(row.resource_uuid)['offer_uuid'] = row.uuid
            else:
                entry(row.resource_uuid)['future_offers'].append(row.uuid)
        for row in session.execute(
                sa.select(lease.resource_uuid, lease.uuid)
                .where(lease.resource_type == resource_type,
                       lease.status == statuses.NODE_FUTURE_LEASE)
                .order_by(lease.start_time)):
            entry(row.resource_uuid)['future_leases'].append(row.uuid)
    return result
