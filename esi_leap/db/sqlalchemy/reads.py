"""Offers and leases looked up by uuid or name, and a node's held leases.

Each function runs in one reader transaction and returns read-only
records (see records); the lists live in list_reads.
"""
import sqlalchemy as sa

from esi_leap.db.sqlalchemy import engine
from esi_leap.db.sqlalchemy import list_queries
from esi_leap.db.sqlalchemy import models
from esi_leap.db.sqlalchemy import records
from esi_leap.db.sqlalchemy import statements


def _kept_rows(key, build, bound, row_type):
    """Rows of the statement ``build()`` makes, kept under ``key``.

    For the lookups below, whose SQL never changes with their values.
    """
    with engine.reader() as session:
        statement = statements.built(key, build)
        return records.rows(
            session.connection().execute(statement, bound), row_type)


def _first(rows):
    return rows[0] if rows else None


def offer_get(uuid):
    """Return the offer with ``uuid`` as a read-only row, or None."""
    offer = models.Offer
    return _first(_kept_rows(('offer by uuid',), lambda: sa.select(
        *records.OFFER_RECORD).where(
            offer.uuid == statements.value('uuid')),
        {'uuid': uuid}, records.OfferRecord))


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
        query = sa.select(*records.OFFER_RECORD).where(
            offer.name == statements.value('name'))
        if visible_to is not None:
            query = query.where(list_queries.offer_visibility(
                statements.value('visible_project_id'),
                statements.among('visible_lessee_ids')))
        return query.order_by(offer.id)
    return _kept_rows(('offers by name', visible_to is not None), build,
                      bound, records.OfferRecord)


def lease_get(uuid):
    """Return the lease with ``uuid`` as a read-only row, or None."""
    lease = models.Lease
    return _first(_kept_rows(('lease by uuid',), lambda: sa.select(
        *records.LEASE_RECORD).where(
            lease.uuid == statements.value('uuid')),
        {'uuid': uuid}, records.LeaseRecord))


def leases_by_name(name, party=None):
    """Return the leases named ``name``; with ``party``, only its own.

    Read-only rows, oldest first.
    """
    lease = models.Lease

    def build():
        query = sa.select(*records.LEASE_RECORD).where(
            lease.name == statements.value('name'))
        if party is not None:
            mine = statements.value('party')
            query = query.where(sa.or_(lease.project_id == mine,
                                       lease.owner_id == mine))
        return query.order_by(lease.id)
    return _kept_rows(('leases by name', party is not None), build,
                      {'name': name, 'party': party}, records.LeaseRecord)


def held_leases(resource_type, resource_uuid, project_id, statuses):
    """Return top-level leases of a resource held by ``project_id``.

    Read-only rows, earliest start first.
    """
    lease = models.Lease
    value = statements.value
    return _kept_rows(('held leases',), lambda: sa.select(
        *records.LEASE_COLUMNS).where(
            lease.resource_type == value('resource_type'),
            lease.resource_uuid == value('resource_uuid'),
            lease.project_id == value('project_id'),
            lease.parent_lease_uuid.is_(None),
            lease.status.in_(statements.among('statuses')))
        .order_by(lease.start_time),
        {'resource_type': resource_type, 'resource_uuid': resource_uuid,
         'project_id': project_id, 'statuses': list(statuses)},
        records.LeaseRow)
