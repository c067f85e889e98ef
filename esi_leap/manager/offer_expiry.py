"""Offer expiry: the manager expires open offers whose end has come."""
import functools

from esi_leap.common import statuses
from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.manager import batches
from esi_leap.notifications import emitter


def expire_offers(now=None):
    """Expire every open offer whose end time has come; return them.

    The offers of up to batches.MAX_NODES nodes are expired in one
    transaction, each re-read under its node's lock: one whose end was
    moved later, or that was deleted, meanwhile is left alone. Each
    batch's notifications go out once it has committed.
    """
    now = now or timeutils.utcnow()
    expired = []
    for pairs, offers in batches.by_node(db_api.ended_offers(now)):
        expired.extend(db_api.run_bookings(pairs, functools.partial(
            emitter.recorded(_expire_offers_in),
            offer_uuids=[offer.uuid for offer in offers], now=now)).send())
    return expired


def _expire_offers_in(txn, recorder, offer_uuids, now):
    """Expire a batch of offers in a transaction; return them."""
    current = txn.offers(offer_uuids)
    expired = []
    for uuid in offer_uuids:
        offer = current.get(uuid)
        if offer is None or offer.status not in \
                statuses.OFFER_CAN_DELETE or offer.end_time > now:
            continue
        before = offer.status
        offer.status = statuses.EXPIRED
        recorder.record('offer', offer, 'expire', 'end', before)
        expired.append(offer)
    return expired
