"""Offers: creating, withdrawing, finding and listing them.

Claiming them is claims.py's.
"""
import dataclasses

from esi_leap.common import cleaning_buffer
from esi_leap.common import exception
from esi_leap.common import projects
from esi_leap.common import statuses
from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.notifications import emitter
from esi_leap.objects import booking_rules
from esi_leap.objects import filters as filters_mod
from esi_leap.objects import listing
from esi_leap.objects import lookup


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
        booking_rules.check_new_booking(txn, access, parent_uuid,
                                        node_class, start, end)
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
