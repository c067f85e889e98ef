"""Changing an offer: its window, its lessee, its name and its properties.

Everything is decided under the node's lock, in the transaction that
writes the change, like every booking: a claim racing a shrink of the same
offer either lands inside the window that remains or is refused.
"""
from esi_leap.common import cleaning_buffer
from esi_leap.common import exception
from esi_leap.common import statuses
from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.notifications import emitter
from esi_leap.objects import booking_rules
from esi_leap.objects import listing
from esi_leap.objects import offers

# What a change may name; ``end_time`` None means open-ended, as at
# creation (the end of the parent lease for a sub-offer).
FIELDS = ('start_time', 'end_time', 'lessee_id', 'name', 'properties')
_PLAIN = ('lessee_id', 'name', 'properties')


def update(offer, changes, seen):
    """Apply ``changes`` ({field in FIELDS: new value}) to ``offer``.

    The offer must be available and not yet ended (OfferNotChangeable).
    A new window must be a valid one that ends in the future (400); its
    start may only move while every lease claimed from the offer is over
    (expired or deleted; OfferStartBooked), its end never before the end
    of a lease claimed from it (OfferEndBooked); time it gains is checked
    like a new offer:
    against the parent lease (LeaseNoTimeAvailabilities) or the node's
    other bookings (ResourceTimeConflict). Leases already claimed are
    never changed. ``seen`` (a sight.Sight) decides which leases and
    offers a refusal may name. Records ``esi_leap.offer.update.end`` and
    returns the Listing of the changed offer.
    """
    def change(txn, recorder):
        current = txn.offer(offer.uuid)
        now = timeutils.utcnow()
        _check_changeable(current, now)
        start, end = _window(txn, current, changes)
        if (start, end) != (current.start_time, current.end_time):
            _check_window(txn, current, start, end, now, seen)
        for field in _PLAIN:
            if field in changes:
                setattr(current, field, changes[field])
        current.start_time, current.end_time = start, end
        txn.flush()
        recorder.record('offer', current, 'update', 'end')
        return current

    current, nodes = listing.sent_with_facts(db_api.run_booking(
        offer.resource_type, offer.resource_uuid, emitter.recorded(change)))
    return offers.describe([current], nodes=nodes, seen=seen)


def _check_changeable(current, now):
    """Raise OfferNotChangeable unless the offer is open and not ended.

    NOTE(esi-leap): once its end has passed the manager may be expiring
    it; a new end accepted then could be lost to the expiry.
    """
    if current.status not in statuses.OFFER_CAN_UPDATE or \
            current.end_time <= now:
        raise exception.OfferNotChangeable(
            offer_uuid=current.uuid, status=current.status,
            end_time=timeutils.message_format(current.end_time))


def _window(txn, current, changes):
    """The (start, end) the offer would have after ``changes``."""
    start = changes.get('start_time', current.start_time)
    end = changes.get('end_time', current.end_time)
    if end is None:
        end = timeutils.MAX_DATETIME
        if current.parent_lease_uuid is not None:
            parent = txn.lease(current.parent_lease_uuid)
            end = parent.end_time if parent is not None \
                else current.end_time
    return start, end


def _check_window(txn, current, start, end, now, seen):
    """Raise unless the offer may move to [start, end) (see update())."""
    booking_rules.check_window('an offer', start, end)
    if end <= now:
        raise exception.InvalidField(
            field='end_time', reason='the offer would end at %s, which is '
            'not in the future' % timeutils.message_format(end))
    if start != current.start_time:
        _check_nothing_booked(txn, current, seen)
    if end < current.end_time:
        _check_leases_inside(txn, current, end, seen)
    gained = [w for w in ((start, current.start_time),
                          (current.end_time, end)) if w[0] < w[1]]
    if gained and current.parent_lease_uuid is not None:
        booking_rules.check_parent_window(
            txn, current.parent_lease_uuid, start, end, exclude=current.uuid)
    elif gained:
        for low, high in gained:
            _check_node_free(txn, current, low, high, seen)


def _lease_named(lease, seen):
    """How a refusal names a lease: by uuid only if the caller sees it."""
    return 'lease %s' % lease.uuid if seen.lease(lease) else 'a lease'


def _check_nothing_booked(txn, current, seen):
    """Raise OfferStartBooked if a lease claimed from it is not over."""
    live = txn.leases_of_offer(current.uuid, statuses.LEASE_NOT_FINAL)
    if live:
        raise exception.OfferStartBooked(
            offer_uuid=current.uuid, lease=_lease_named(live[0], seen))


def _check_leases_inside(txn, current, end, seen):
    """Raise OfferEndBooked if a lease claimed from it ends after ``end``.

    Leases that hold their window (statuses.LEASE_BLOCKING) count; the one
    ending last is named.
    """
    late = [lease for lease in txn.leases_of_offer(
        current.uuid, statuses.LEASE_BLOCKING) if lease.end_time > end]
    if late:
        last = max(late, key=lambda lease: lease.end_time)
        raise exception.OfferEndBooked(
            offer_uuid=current.uuid, end_time=timeutils.message_format(end),
            lease=_lease_named(last, seen),
            lease_end=timeutils.message_format(last.end_time))


def _check_node_free(txn, current, low, high, seen):
    """Raise ResourceTimeConflict if [low, high) is taken on the node.

    The time a top-level offer gains is checked like a new offer's, with
    the node's cleaning buffer; the conflicting booking is named when the
    caller may see it.
    """
    buffer = cleaning_buffer.for_class(current.resource_class)
    kind, row = txn.offer_window_conflict(
        current.uuid, low, high, statuses.OFFER_BLOCKING,
        statuses.LEASE_BLOCKING, buffer)
    if row is None:
        return
    error = exception.ResourceTimeConflict(
        resource_type=current.resource_type,
        resource_uuid=current.resource_uuid)
    shown = seen.lease(row) if kind == 'lease' else seen.offer(row)
    if row.start_time < high and row.end_time > low:
        if not shown:
            raise error
        detail = 'It overlaps %s %s (%s - %s).' % (
            kind, row.uuid, timeutils.message_format(row.start_time),
            timeutils.message_format(row.end_time))
    else:
        detail = booking_rules.buffer_detail(
            low, '%s %s' % (kind, row.uuid) if shown else None, row, buffer)
    raise exception.ResourceTimeConflict(
        message='%s %s' % (error.message, detail))
