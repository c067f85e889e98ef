"""A claim: leases, for the caller's project, of offers it may claim.

The one home of a claim, in both its shapes: one offer
(``POST /v1/offers/<offer>/claim``, claim_offer()) or N nodes at once, all
of them or none (``POST /v1/claims``, claim_nodes(); fleet.py chooses the
nodes). Both decide inside one booking transaction, by the same checks
(_checked(): the offer available and visible to the caller, the window
inside it and free of its leases and of the node's cleaning buffer, a
sub-offer's parent lease still holding it), enforce the project's quota in
that transaction, record the leases' events there and send them after the
commit.
"""
import dataclasses

from oslo_utils import uuidutils

from esi_leap.common import cleaning_buffer
from esi_leap.common import exception
from esi_leap.common import statuses
from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.notifications import emitter
from esi_leap.objects import booking_rules
from esi_leap.objects import fleet
from esi_leap.objects import leases
from esi_leap.objects import listing
from esi_leap.objects import lookup
from esi_leap.objects import offers
from esi_leap.objects import quotas

# NOTE(esi-leap): a chosen node taken between the choice and the lock
# makes an N-node claim choose again among what is then free; a few
# rounds, then the client is told to retry.
ATTEMPTS = 3
_LOST = (exception.Conflict, exception.OfferNotFound)


def claim_offer(access, ident, start=None, end=None, name=None,
                purpose=None, properties=None, seen=None):
    """Create a lease, for the caller's project, of the offer ``ident`` names.

    ``ident`` is the offer's uuid or name; only an available offer the
    caller may see counts, any other is reported as missing
    (OfferNotFound; OfferDuplicateName when a name names several).
    ``start`` defaults to now (or the offer's start if later); ``end`` to
    the earliest of the default lease length, the start of the next lease
    of the offer, and the offer's end. Raises OfferNoTimeAvailabilities if
    the window is not free inside the offer.

    Returns the Listing of the new lease (``seen`` as in
    leases.describe()): its node is read once, after the commit, for both
    the response and the notification.
    """
    view = offers.visibility(access)
    now = timeutils.utcnow()
    fields = dict(name=name, purpose=purpose, properties=properties or {})
    book = _claim_booking(access, ident, view, now, start, end, fields)
    try:
        found = _claim_by_uuid(ident, access, now, start, end, fields,
                               book)
    except lookup.NoSuchUuid:
        offer = offers.find(ident, (statuses.AVAILABLE,), view=view)
        found = db_api.run_booking(offer.resource_type, offer.resource_uuid,
                                   lambda txn: book(txn, offer.uuid))
    lease, nodes = listing.sent_with_facts(found)
    return leases.describe([lease], nodes, seen=seen)


def _claim_by_uuid(ident, access, now, start, end, fields, book):
    """book()'s result for a claim by uuid, locked from the offer's row.

    Raises lookup.NoSuchUuid when ``ident`` is no offer's uuid (or a name):
    the caller then looks the offer up by name.
    """
    canonical = lookup.normalise_uuid(ident)
    if start is None or end is None:
        return lookup.locked_from_uuid(db_api.run_offer_booking, canonical,
                                       lambda txn: book(txn, canonical))
    # NOTE(esi-leap): the usual claim (by uuid, with both times): the
    # lease is written before the node's lock, so the lock covers only
    # the check, the event and the commit (see db_api.run_claim_booking()).
    written = dict(uuid=uuidutils.generate_uuid(),
                   project_id=access.project_id, start_time=start,
                   end_time=end, status=statuses.CREATED, **fields)
    return lookup.locked_from_uuid(
        db_api.run_claim_booking, canonical,
        lambda txn: book(txn, canonical, written), now, written)


def claim_nodes(access, request, seen=None):
    """Claim ``request.count`` nodes (a fleet.FleetRequest), or none.

    Returns the Listing of the new leases (``seen`` as in
    leases.describe()), in the order their nodes were locked, with the
    node facts read to choose them. Raises LeaseExceedMaxTimeRange (403)
    for a window longer than the caller may lease, NotEnoughNodes or
    LocalityUnmet (409, with how many matching nodes were free), OverQuota
    (403), OfferNotFound for a named offer the caller may not claim, and
    BookingContended when the chosen nodes kept being taken by others.
    """
    booking_rules.check_lease_length(access, request.start, request.end)
    view = offers.visibility(access)
    for attempt in range(1, ATTEMPTS + 1):
        chosen = fleet.choose(fleet.candidates(request, view), request)
        try:
            rows = _book_nodes(access, request, view, chosen)
        except _LOST:
            if attempt == ATTEMPTS:
                raise exception.BookingContended(
                    resource_type='(several)',
                    resource_uuid='%d nodes' % request.count)
        else:
            return leases.describe(rows, nodes=fleet.nodes_of(chosen),
                                   seen=seen)


def _book_nodes(access, request, view, chosen):
    """Claim every chosen offer in one transaction; return the leases.

    The transaction locks every chosen node, in sorted order, then the
    project; the offers are re-read, the leases and their events written
    by a few statements whatever the number of nodes, and the quota is
    enforced once for each resource class.
    """
    chosen = sorted(chosen, key=lambda c: c.pair)
    columns = _lease_columns(access, view, timeutils.utcnow(),
                             request.start, request.end)
    classes = sorted({c.offer.resource_class or '' for c in chosen})
    project = access.project_id

    def body(txn, recorder):
        found = txn.offers_for_claim(
            [c.offer.uuid for c in chosen], request.start, request.end,
            statuses.LEASE_BLOCKING)
        booked = txn.add_leases(
            [dict(columns(txn.for_offer(), *_found(found, c)),
                  **request.fields) for c in chosen])
        for resource_class in classes:
            quotas.enforce(txn, project, request.start, request.end,
                           resource_class or None)
        for lease in booked:
            recorder.record('lease', lease, 'create', 'end')
        return booked

    return db_api.run_fleet_booking([c.pair for c in chosen], project,
                                    emitter.recorded(body)).send()


def _found(found, candidate):
    """(offer, neighbours) of a chosen offer as re-read under the locks."""
    if candidate.offer.uuid not in found:
        raise exception.OfferNotFound(offer_uuid=candidate.offer.uuid)
    return found[candidate.offer.uuid]


def _claim_booking(access, ident, view, now, start, end, fields):
    """Return the body of a claim's transaction.

    It is book(txn, offer uuid[, written]): ``written`` is the lease a
    db_api.run_claim_booking() wrote before its lock (its uuid and fields), to
    check rather than insert. The caller's project quota is enforced
    on the lease.
    """
    if start is not None and end is not None:
        booking_rules.check_window('a lease', start, end)
        booking_rules.check_lease_length(access, start, end)

    @emitter.recorded
    def book(txn, recorder, offer_uuid, written=None):
        # NOTE(esi-leap): the offer's status and window and its leases
        # around the claim come back in one query, after the resource
        # lock. Without a start the query uses now: every lease of an
        # offer lies inside it, so for a later offer start the answers
        # are the same.
        current, near = txn.offer_for_claim(
            offer_uuid, start or now, end or start or now,
            statuses.LEASE_BLOCKING, exclude=written and written['uuid'])
        lease_start, lease_end, from_offer = _checked(
            txn, access, ident, view, (now, start, end), current, near)
        if written is not None:
            lease = txn.claimed_lease(created_at=now, **from_offer,
                                      **written)
        else:
            lease = txn.add_lease(
                project_id=access.project_id, start_time=lease_start,
                end_time=lease_end, status=statuses.CREATED, **from_offer,
                **fields)
        quotas.enforce(txn, access.project_id, lease_start, lease_end,
                       current.resource_class)
        recorder.record('lease', lease, 'create', 'end')
        return lease
    return book


def _checked(txn, access, ident, view, times, current, near):
    """Inside a claim's transaction: whether it may claim ``current``.

    ``times`` is (now, start, end) of the claim (start and end may be
    None: see claim_offer()); ``current`` and ``near`` are what
    offer_for_claim() read. Returns (lease start, lease end, the Lease
    columns copied from the offer); raises as claim_offer() does.
    """
    now, start, end = times
    if current.status != statuses.AVAILABLE or \
            not offers.is_visible(current, view):
        raise exception.OfferNotFound(offer_uuid=ident)
    buffer = cleaning_buffer.for_booking(current.resource_class,
                                         current.parent_lease_uuid)
    lease_start = start or max(now, current.start_time)
    lease_end = end or _claim_end(txn, current, lease_start, near, buffer)
    if start is None and end is not None:
        booking_rules.check_window('a lease', lease_start, lease_end)
        booking_rules.check_lease_length(access, lease_start, lease_end)
    if lease_start < current.start_time or \
            lease_end > current.end_time or \
            cleaning_buffer.blocked(lease_start, lease_end, near, buffer):
        raise _no_time(current, lease_start, lease_end, near, buffer)
    if current.parent_lease_uuid is not None:
        # NOTE(esi-leap): the offer's window was checked against its
        # parent when the offer was made; the parent may have been
        # shortened, cancelled or ended since.
        booking_rules.check_parent_holds(
            txn, current.parent_lease_uuid, lease_start, lease_end)
    return lease_start, lease_end, dict(
        owner_id=current.project_id, offer_uuid=current.uuid,
        parent_lease_uuid=current.parent_lease_uuid,
        resource_class=current.resource_class)


def _lease_columns(access, view, now, start, end):
    """The checks of a claim of one offer, for a claim of several.

    check(txn, current, near) -> the Lease columns of a claim of the
    offer ``current`` from ``start`` to ``end`` (offer_for_claim() read
    ``current`` and ``near`` in ``txn``) for the caller's project, with
    the same checks as claim_offer(): for a caller that books several offers in
    one transaction, writes their leases itself and enforces the quota
    once for all of them (an N-node claim).
    """
    booking_rules.check_window('a lease', start, end)
    booking_rules.check_lease_length(access, start, end)

    def check(txn, current, near):
        lease_start, lease_end, from_offer = _checked(
            txn, access, current.uuid, view, (now, start, end), current,
            near)
        return dict(from_offer, project_id=access.project_id,
                    resource_type=current.resource_type,
                    resource_uuid=current.resource_uuid,
                    start_time=lease_start, end_time=lease_end,
                    status=statuses.CREATED, created_at=now)
    return check


def _no_time(offer, start, end, near, buffer):
    """The OfferNoTimeAvailabilities of a refused claim of ``offer``.

    When only the node's cleaning buffer keeps [start, end) from being
    free, the message says so, and which neighbour's time it falls in.
    The times of the offer's leases are no secret from whoever may claim
    it (its availabilities show them); who holds them is.
    """
    error = exception.OfferNoTimeAvailabilities(
        offer_uuid=offer.uuid, start_time=timeutils.message_format(start),
        end_time=timeutils.message_format(end))
    if start < offer.start_time or end > offer.end_time or \
            not cleaning_buffer.only_by_buffer(start, end, near, buffer):
        return error
    low = cleaning_buffer.earlier(start, buffer)
    if near.before_end is not None and near.before_end > low:
        met = Window(low, near.before_end)
    else:
        met = Window(near.after_start, cleaning_buffer.later(end, buffer))
    return exception.OfferNoTimeAvailabilities(message='%s %s' % (
        error.message, booking_rules.buffer_detail(
            start, 'a lease of the offer', met, buffer)))


@dataclasses.dataclass(frozen=True)
class Window(object):
    """A booking's window, as buffer_detail() describes it."""

    start_time: object
    end_time: object


def _claim_end(txn, offer, start, near, buffer):
    """Inside a claim: the end of a lease of ``offer`` given no end.

    The earliest of the default lease length, the offer's end, the start
    of the offer's next lease (in ``near``, pivoted at ``start``) less the
    node's cleaning ``buffer``, and the end of the offer's parent lease.
    """
    candidates = [booking_rules.default_lease_end(start), offer.end_time]
    if near.after_start is not None:
        candidates.append(cleaning_buffer.earlier(near.after_start, buffer))
    if offer.parent_lease_uuid is not None:
        parent = txn.lease(offer.parent_lease_uuid)
        if parent is not None:
            candidates.append(parent.end_time)
            if parent.end_time <= start:
                raise exception.LeaseNoTimeAvailabilities(
                    lease_uuid=parent.uuid,
                    start_time=timeutils.message_format(start),
                    end_time=timeutils.message_format(parent.end_time))
    end = min(candidates)
    if end <= start and near.after_start is not None and \
            buffer > cleaning_buffer.NONE and \
            end == cleaning_buffer.earlier(near.after_start, buffer):
        raise _no_time(offer, start, near.after_start, near, buffer)
    booking_rules.check_window('a lease', start, end)
    return end
