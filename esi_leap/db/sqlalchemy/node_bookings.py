"""Reads behind the nodes API: each node's bookings, and who is party to
the leases shown beside other records.

Rows carry the project ids that decide who may see them; the domain
layer (esi_leap.objects.sight) leaves out what a caller may not see.
"""
import collections

import sqlalchemy as sa

from esi_leap.common import statuses
from esi_leap.db.sqlalchemy import engine
from esi_leap.db.sqlalchemy import models
from esi_leap.db.sqlalchemy import sql

OfferBooking = collections.namedtuple(
    'OfferBooking', ['uuid', 'start_time', 'project_id', 'lessee_id'])
LeaseBooking = collections.namedtuple(
    'LeaseBooking', ['uuid', 'owner_id', 'project_id'])


def node_bookings(resource_type, now):
    """Return {node uuid: {'offers': [...], 'future_leases': [...]}}.

    ``offers`` are the OfferBookings of the node's open offers not yet
    ended, by start time (those started by ``now`` are current);
    ``future_leases`` the LeaseBookings of its leases yet to start, by
    start time. Nodes with neither are absent. Two queries whatever the
    number of nodes.
    """
    offer, lease = models.Offer, models.Lease
    result = {}

    def entry(uuid):
        return result.setdefault(uuid, {'offers': [], 'future_leases': []})
    with engine.reader() as session:
        for row in session.execute(
                sa.select(offer.resource_uuid, offer.uuid,
                          offer.start_time, offer.project_id,
                          offer.lessee_id)
                .where(offer.resource_type == resource_type,
                       offer.status == statuses.NODE_OFFER_SHOWN,
                       offer.end_time > now)
                .order_by(offer.start_time)):
            entry(row.resource_uuid)['offers'].append(OfferBooking(
                row.uuid, row.start_time, row.project_id, row.lessee_id))
        for row in session.execute(
                sa.select(lease.resource_uuid, lease.uuid, lease.owner_id,
                          lease.project_id)
                .where(lease.resource_type == resource_type,
                       lease.status == statuses.NODE_FUTURE_LEASE)
                .order_by(lease.start_time)):
            entry(row.resource_uuid)['future_leases'].append(LeaseBooking(
                row.uuid, row.owner_id, row.project_id))
    return result


def lease_parties(uuids):
    """Return {lease uuid: LeaseBooking} of the leases among ``uuids``.

    Uuids that name no lease are absent. One query per 500 uuids.
    """
    lease = models.Lease
    found = {}
    wanted = sorted({u for u in uuids if u})
    with engine.reader() as session:
        for part in sql.slices(wanted):
            for row in session.execute(
                    sa.select(lease.uuid, lease.owner_id, lease.project_id)
                    .where(lease.uuid.in_(part))):
                found[row.uuid] = LeaseBooking(row.uuid, row.owner_id,
                                               row.project_id)
    return found
