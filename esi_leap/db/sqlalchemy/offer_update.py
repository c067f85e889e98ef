"""The queries of a change of an offer's window, under its node's lock."""
import sqlalchemy as sa

from esi_leap.common import cleaning_buffer
from esi_leap.db.sqlalchemy import models
from esi_leap.db.sqlalchemy import sql


def window_conflict(session, resource_type, resource_uuid, offer_uuid,
                    start, end, offer_statuses, lease_statuses,
                    buffer=cleaning_buffer.NONE):
    """The first top-level booking of the node conflicting with a window.

    Offers in ``offer_statuses`` but offer ``offer_uuid`` and leases in
    ``lease_statuses`` but those claimed from that offer count, with the
    node's cleaning ``buffer`` (cleaning_buffer.conflicts()). Returns
    ('lease' or 'offer', row) or (None, None).

    NOTE(esi-leap): the leases of the offer lie inside it; checked against
    the time an offer gains they would meet it through the buffer, which
    only keeps apart bookings that follow one another on the node.
    """
    low, high = cleaning_buffer.widened(start, end, buffer)
    lease, offer = models.Lease, models.Offer
    found = (
        ('lease', lease, lease_statuses,
         sa.or_(lease.offer_uuid.is_(None), lease.offer_uuid != offer_uuid)),
        ('offer', offer, offer_statuses, offer.uuid != offer_uuid))
    for kind, model, wanted, others in found:
        row = session.scalars(sa.select(model).where(
            model.resource_type == resource_type,
            model.resource_uuid == resource_uuid,
            model.parent_lease_uuid.is_(None),
            model.status.in_(wanted), others,
            sql.overlaps(model, low, high)).order_by(
                model.start_time).limit(1)).first()
        if row is not None:
            return kind, row
    return None, None
