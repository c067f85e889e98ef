"""Offers: creating, claiming, withdrawing, finding and listing them."""
import dataclasses

from oslo_utils import uuidutils

from esi_leap.common import cleaning_buffer
from esi_leap.common import exception
from esi_leap.common import projects
from esi_leap.common import statuses
from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.notifications import emitter
from esi_leap.objects import booking_rules
from esi_leap.objects import filters as filters_mod
from esi_leap.objects import leases
from esi_leap.objects import listing
from esi_leap.objects import lookup
from esi_leap.objects import quotas


def visibility(access):
    """Return the OfferVisibility of a caller (an Access), None for admins."""
    if access.offer_admin:
        return None
    return filters_mod.OfferVisibility(
        project_id=access.project_id,
        lessee_ids=projects.get_directory().lineage(access.project_id))


def is_visible(offer, view):
    """Whether ``offer`` is visible under an OfferVisibility (or None)."""
    return view is None or view.allows(offer.project_id, offer.lessee_id)


def find(ident, statuses_=None, view=None):
    """Return the offer named by ``ident`` (uuid or name).

    With ``view``, only offers visible under it count, so hidden offers
    are reported as missing. Raises OfferNotFound or OfferDuplicateName.
    """
    offer = lookup.find(
        ident, statuses_, db_api.offer_get,
        lambda name: db_api.offers_by_name(name, visible_to=view),
        exception.OfferNotFound(offer_uuid=ident),
        exception.OfferDuplicateName(name=ident))
    if not is_visible(offer, view):
        raise exception.OfferNotFound(offer_uuid=ident)
    return offer


def create(access, resource_type, node, start, end, lessee_id=None,
           name=None, properties=None):
    """Offer ``node`` from ``start`` to ``end`` (None: open-ended).

    The caller must own the node or hold a lease on it that contains the
    window (the offer is then a sub-offer of that lease). Raises
    ResourceTimeConflict when another offer or lease of the node overlaps.
    """
    parent = booking_rules.booking_parent(
        access, resource_type, node, start, end)
    if end is None:
        end = parent.end_time if parent else timeutils.MAX_DATETIME
    booking_rules.check_window('an offer', start, end)
    parent_uuid = parent.uuid if parent is not None else None
    node_class = node.resource_class or None

    def book(txn, recorder):
        if parent_uuid is not None:
            booking_rules.check_parent_window(txn, parent_uuid, start, end)
        else:
            booking_rules.check_resource_window(
                txn, start, end, access=access,
                buffer=cleaning_buffer.for_class(node_class))
        row = txn.add_offer(
            name=name, project_id=access.project_id, lessee_id=lessee_id,
            start_time=start, end_time=end, status=statuses.AVAILABLE,
            properties=properties or {}, parent_lease_uuid=parent_uuid,
            resource_class=node_class)
        recorder.record('offer', row, 'create', 'end')
        return row

    row = db_api.run_booking(resource_type, node.uuid, emitter.recorded(
        book, listing.known(resource_type, node))).send()
    return row


def claim(access, ident, start=None, end=None, name=None, purpose=None,
          properties=None, seen=None):
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
    view = visibility(access)
    now = timeutils.utcnow()
    fields = dict(name=name, purpose=purpose, properties=properties or {})
    book = _claim_booking(access, ident, view, now, start, end, fields)
    try:
        found = _claim_by_uuid(ident, access, now, start, end, fields,
                               book)
    except lookup.NoSuchUuid:
        offer = find(ident, (statuses.AVAILABLE,), view=view)
        found = db_api.run_booking(offer.resource_type, offer.resource_uuid,
                                   lambda txn: book(txn, offer.uuid))
    lease = found.value
    nodes = listing.node_facts(listing.resources_of([lease]))
    found.send(nodes)
    return leases.describe([lease], nodes, seen=seen)


def _claim_by_uuid(ident, access, now, start, end, fields, book):
    """book()'s result for a claim by uuid, locked from the offer's row.

    Raises lookup.NoSuchUuid when ``ident`` is no offer's uuid (or a name).
    """
    canonical = lookup.normalise_uuid(ident)
    if start is None or end is None:
        return lookup.locked_from_uuid(db_api.run_offer_booking, canonical,
                                       lambda txn: book(txn, canonical))
    # NOTE(esi-leap): lease written before the lock: run_claim_booking().
    written = dict(uuid=uuidutils.generate_uuid(),
                   project_id=access.project_id, start_time=start,
                   end_time=end, status=statuses.CREATED, **fields)
    return lookup.locked_from_uuid(
        db_api.run_claim_booking, canonical,
        lambda txn: book(txn, canonical, written), now, written)


def _claim_booking(access, ident, view, now, start, end, fields,
                   quota=True):
    """Return the body of a claim's transaction.

    It is book(txn, offer uuid[, written]): ``written`` is the lease a
    claim_transaction() wrote before its lock (its uuid and fields), to
    check rather than insert. With ``quota``, the caller's project quota
    is enforced on the lease (an N-node claim checks it once, for all).
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
        if quota:
            quotas.enforce(txn, access.project_id, lease_start, lease_end,
                           current.resource_class)
        recorder.record('lease', lease, 'create', 'end')
        return lease
    return book


def _checked(txn, access, ident, view, times, current, near):
    """Inside a claim's transaction: whether it may claim ``current``.

    ``times`` is (now, start, end) of the claim (start and end may be
    None: see claim()); ``current`` and ``near`` are what
    offer_for_claim() read. Returns (lease start, lease end, the Lease
    columns copied from the offer); raises as claim() does.
    """
    now, start, end = times
    if current.status != statuses.AVAILABLE or \
            not is_visible(current, view):
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


def claim_check(access, view, now, start, end):
    """The checks of a claim of one offer, for who reads the offers.

    check(txn, current, near) -> the Lease columns of a claim of the
    offer ``current`` from ``start`` to ``end`` (offer_for_claim() read
    ``current`` and ``near`` in ``txn``) for the caller's project, with
    the same checks as claim(): for a caller that books several offers in
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


def cancel(offer):
    """Withdraw ``offer`` and cancel the leases made from it.

    Raises OfferNotFound if it was withdrawn or ended meanwhile.
    """
    def change(txn, recorder):
        current = txn.offer(offer.uuid)
        if current.status not in statuses.OFFER_CAN_DELETE:
            raise exception.OfferNotFound(offer_uuid=offer.uuid)
        booking_rules.cancel_offer_tree(
            txn, current, timeutils.utcnow(), recorder)
        return current

    return db_api.run_booking(offer.resource_type, offer.resource_uuid,
                              emitter.recorded(change)).send()


def availabilities(offer, taken, now):
    """Return the free [start, end] windows of an available offer.

    ``taken`` is the (start, end) windows of the offer's leases in
    LEASE_BLOCKING (the statuses the booking check uses). Each is widened
    by the node's cleaning buffer (none for a sub-offer) and the rest of
    [max(offer start, now), offer end] is returned: the windows a claim
    may have, by cleaning_buffer.free_windows(), the definition of
    "free" the claim's own check follows.
    """
    if offer.status != statuses.AVAILABLE:
        return []
    buffer = cleaning_buffer.for_booking(offer.resource_class,
                                         offer.parent_lease_uuid)
    return cleaning_buffer.free_windows(max(offer.start_time, now),
                                        offer.end_time, taken, buffer)


def _windows_after(now):
    """Leases ending before this cannot take time from ``now`` on.

    NOTE(esi-leap): a lease that ended less than a cleaning buffer ago
    still keeps its node for the rest of the buffer.
    """
    return cleaning_buffer.earlier(now, cleaning_buffer.widest())


def list_page(filters, resource_class=None, now=None, seen=None,
              expressions=()):
    """Return the Listing of the offers matching an OfferFilters.

    ``seen`` (a sight.Sight; None: everything) decides which parent
    leases the Listing hides (Listing.hidden).
    With ``resource_class`` and/or ``expressions`` (property_expressions
    on the node's public properties), only offers of nodes that match:
    the backend is asked about the nodes of every matching offer first
    and the page is cut from the offers of those nodes, so a page is
    never short while more follow. One statement (two with a node
    filter), one backend call per resource type and one name lookup,
    whatever the number of offers.
    """
    nodes = None
    if resource_class is not None or expressions:
        kept, nodes = listing.of_nodes(db_api.offer_resources(filters),
                                       resource_class, expressions)
        filters = dataclasses.replace(filters, resources=kept)
    now = now or timeutils.utcnow()
    found, taken = db_api.offer_list_with_windows(
        filters, statuses.LEASE_BLOCKING, _windows_after(now))
    found, marker = listing.cut(found, filters.page, lambda o: o.uuid)
    result = _described(found, taken, now, nodes, seen)
    result.next_marker = marker
    return result


def describe(rows, now=None, nodes=None, seen=None):
    """Return the Listing of the given offer rows (no paging).

    Their availabilities come from one query. ``nodes`` (as in
    listing.Listing) are used instead of asking the backend; ``seen`` as
    in list_page().
    """
    now = now or timeutils.utcnow()
    available = [o.uuid for o in rows if o.status == statuses.AVAILABLE]
    taken = db_api.lease_windows_by_offer(
        available, statuses.LEASE_BLOCKING,
        _windows_after(now)) if available else {}
    return _described(rows, taken, now, nodes, seen)


def _described(rows, taken, now, nodes=None, seen=None):
    """A Listing of offer ``rows`` given their lease windows ``taken``."""
    if nodes is None:
        nodes = listing.node_facts(listing.resources_of(rows))
    ids = [o.project_id for o in rows] + [o.lessee_id for o in rows]
    free = {o.uuid: availabilities(o, taken.get(o.uuid, ()), now)
            for o in rows}
    return listing.Listing(rows=rows, nodes=nodes, names=listing.names(ids),
                           availabilities=free,
                           hidden=listing.hidden_parents(rows, seen))
