"""The booking transaction's queries and writes on one resource.

A ResourceTransaction runs under the resource's ``resource_locks`` row
lock (see booking_transactions), so that checks and writes on one
resource are serialised by the database itself.
"""
import sqlalchemy as sa

from esi_leap.common import cleaning_buffer
from esi_leap.db.sqlalchemy import booking_queries as queries
from esi_leap.db.sqlalchemy import event_rows as _event_rows
from esi_leap.db.sqlalchemy import lease_notices as _lease_notices
from esi_leap.db.sqlalchemy import models
from esi_leap.db.sqlalchemy import offer_update as _offer_update
from esi_leap.db.sqlalchemy import quotas as _quotas
from esi_leap.db.sqlalchemy import rows
from esi_leap.db.sqlalchemy import sql


class ResourceTransaction(object):
    """Queries and changes on one resource, under that resource's lock.

    Only the openers of booking_transactions create one; everything done
    through it commits together or not at all.
    """

    def __init__(self, session, resource_type, resource_uuid,
                 claimed_id=None, quota=None):
        self.session = session
        self.resource_type = resource_type
        self.resource_uuid = resource_uuid
        # The id of the lease a 'claim' transaction wrote, if known.
        self.claimed_id = claimed_id
        # A 'claim' transaction's quotas.Prefetched, without its readings
        # until offer_for_claim() reads them with the offer.
        self.quota = quota

    def _exists(self, query):
        return self.session.execute(sa.select(sa.exists(query))).scalar()

    def offer(self, uuid):
        """Re-read an offer of this resource inside the transaction."""
        return self.session.scalars(queries.BY_UUID['offer'],
                                    {'uuid': uuid}).first()

    def lease(self, uuid):
        """Re-read a lease of this resource inside the transaction."""
        lease = self.session.scalars(queries.BY_UUID['lease'],
                                     {'uuid': uuid}).first()
        if lease is not None and self.resource_uuid is None:
            # A transaction locked from a lease row learns its node here.
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
            queries.OVERLAP_CHECKS[exclude is not None], params).scalar())

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
        params = queries.claim_check_params(start, pivot, statuses,
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
            queries.CLAIM_CHECKS[exclude is not None, quota is not None],
            params).first()
        if row is None:
            return None
        offer, near = queries.claim_row(row)
        if quota is not None:
            self.quota = quota.read(row[queries.OFFER_WIDTH + 2:],
                                    offer.resource_class)
        if self.resource_uuid is None:
            # A transaction locked from an offer row learns its node here.
            self.resource_type = offer.resource_type
            self.resource_uuid = offer.resource_uuid
        return offer, near

    def add(self, row):
        """Insert a new Offer or Lease row (one INSERT); returns it.

        As rows.insert_row(): the row is filled in (uuid, created_at, id)
        but not attached to the session, so later changes to it are not
        written.
        """
        return rows.insert_row(self.session, row)

    def claimed_lease(self, uuid, created_at, **fields):
        """Return the lease a 'claim' transaction wrote, as add_lease() does.

        Nothing is sent to the database: ``fields`` are the Lease columns
        given to the 'claim' transaction and those it copied from the offer.
        """
        row = self._new_lease(uuid=uuid, created_at=created_at, **fields)
        rows.filled(row)
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
        _event_rows.insert_event(self.session, **values)

    def forget_notice(self, lease_uuid, kind):
        """Forget a lease's ``kind`` e-mail notice in this transaction.

        It is then decided, and sent, again.
        """
        _lease_notices.delete_notice(self.session, lease_uuid, kind)

    def flush(self):
        """Send the changes made to rows read through this transaction.

        They are committed with it; flushing makes later queries in the
        transaction see them.
        """
        self.session.flush()

    def finish(self):
        """Nothing is buffered: every write was sent when it was made."""
