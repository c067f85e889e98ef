"""Leases: direct creation, cancelling, finding them (end-time changes:
extension.py)."""
import dataclasses

from esi_leap.common import exception
from esi_leap.common import statuses
from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.notifications import emitter
from esi_leap.objects import booking_rules
from esi_leap.objects import listing
from esi_leap.objects import lookup
from esi_leap.objects import quotas


def list_page(filters, resource_class=None, seen=None):
    """Return the Listing of the leases matching a LeaseFilters.

    ``seen`` (a sight.Sight; None: everything) decides which parent
    leases the Listing hides (Listing.hidden).
    With ``resource_class``, only leases of nodes of that class, decided
    before the page is cut (see offers.list_page()). One query (two with a
    resource class), one backend call per resource type and one name
    lookup, whatever the number of leases.
    """
    nodes = None
    if resource_class is not None:
        kept, nodes = listing.of_nodes(db_api.lease_resources(filters),
                                       resource_class)
        filters = dataclasses.replace(filters, resources=kept)
    found, marker = listing.cut(db_api.lease_list(filters), filters.page,
                                lambda lease: lease.uuid)
    result = describe(found, nodes, seen)
    result.next_marker = marker
    return result


def describe(rows, nodes=None, seen=None):
    """Return the Listing of the given lease rows (no paging).

    ``nodes`` (as in listing.Listing) are used instead of asking the
    backend; ``seen`` as in list_page().
    """
    if nodes is None:
        nodes = listing.node_facts(listing.resources_of(rows))
    ids = [lease.project_id for lease in rows] + \
        [lease.owner_id for lease in rows]
    return listing.Listing(rows=rows, nodes=nodes, names=listing.names(ids),
                           hidden=listing.hidden_parents(rows, seen))


def find(ident, statuses_=None, party=None):
    """Return the lease named by ``ident`` (uuid or name).

    With ``party`` (a project id), names only match leases that project
    granted or holds. Raises LeaseNotFound or LeaseDuplicateName.
    """
    return lookup.find(
        ident, statuses_, db_api.lease_get,
        lambda name: db_api.leases_by_name(name, party=party),
        exception.LeaseNotFound(lease_id=ident),
        exception.LeaseDuplicateName(name=ident))


def create(access, resource_type, node, project_id, start=None, end=None,
           name=None, purpose=None, properties=None):
    """Lease ``node`` directly to ``project_id``, granted by the caller.

    ``access`` is the caller's objects.access.Access.
    The caller must own the node or hold a lease containing the window
    (the new lease is then its sub-lease). ``start`` defaults to now and
    ``end`` to the default lease length (within a parent lease, at most
    the parent's end). Raises ResourceTimeConflict or
    LeaseNoTimeAvailabilities when the window is taken.
    """
    if start is None:
        start = timeutils.utcnow()
    if end is not None:
        booking_rules.check_window('a lease', start, end)
        booking_rules.check_lease_length(access, start, end)
    parent = booking_rules.booking_parent(
        access, resource_type, node, start, end)
    if end is None:
        end = booking_rules.default_lease_end(start)
        if parent is not None:
            end = min(end, parent.end_time)
        booking_rules.check_window('a lease', start, end)
    parent_uuid = parent.uuid if parent is not None else None
    node_class = node.resource_class or None

    def book(txn, recorder):
        booking_rules.check_new_booking(txn, access, parent_uuid,
                                        node_class, start, end)
        row = txn.add_lease(
            name=name, project_id=project_id, owner_id=access.project_id,
            purpose=purpose, start_time=start, end_time=end,
            status=statuses.CREATED, properties=properties or {},
            parent_lease_uuid=parent_uuid, resource_class=node_class)
        quotas.enforce(txn, project_id, start, end, node_class)
        recorder.record('lease', row, 'create', 'end')
        return row

    return db_api.run_booking(resource_type, node.uuid, emitter.recorded(
        book, listing.known(resource_type, node))).send()


def cancel(lease):
    """Cancel ``lease`` and its sub-leases and sub-offers.

    Raises LeaseNotFound if it ended or was cancelled meanwhile.
    """
    return db_api.run_booking(
        lease.resource_type, lease.resource_uuid,
        lambda txn: _cancel_in(txn, lease.uuid)).send()


def cancel_named(access, ident, may_see, may_cancel):
    """Cancel the lease ``ident`` (uuid or name) names, and its sub-bookings.

    ``access`` is the caller's Access; ``may_see`` and ``may_cancel``
    (access.ByRelation) say whether the rules that show a lease and cancel
    it allow the caller, by its project's relation to the lease. Only a
    lease that can still be cancelled and that the caller may see counts
    (any other is LeaseNotFound, naming ``ident``); one it may see but
    not cancel is HTTPResourceForbidden (403 naming the lease).
    """
    def check(current):
        if not may_see.allows(access.project_id, current):
            raise exception.LeaseNotFound(lease_id=ident)
        if not may_cancel.allows(access.project_id, current):
            raise exception.HTTPResourceForbidden(resource_type='lease',
                                                  resource=current.uuid)

    canonical = lookup.normalise_uuid(ident)
    try:
        # NOTE(esi-leap): by uuid the cancel is one transaction, locked
        # straight from the lease's row, and the checks run on the row read
        # under the lock (plain values: no rule is consulted there); only a
        # uuid that names no lease (it may be a name) goes the long way.
        found = lookup.locked_from_uuid(
            db_api.run_lease_booking, canonical,
            lambda txn: _cancel_in(txn, canonical, ident, check))
    except lookup.NoSuchUuid:
        lease = find(ident, statuses.LEASE_CAN_DELETE,
                     party=None if access.lease_admin else access.project_id)
        check(lease)
        return cancel(lease)
    return found.send()


@emitter.recorded
def _cancel_in(txn, recorder, uuid, ident=None, check=None):
    """Inside a transaction: cancel lease ``uuid``; an emitter.Recorded.

    A lease that can no longer be cancelled is LeaseNotFound (naming
    ``ident``, by default the uuid); ``check(lease)``, if given, is called
    on the re-read lease before anything changes.
    """
    current = txn.lease(uuid)
    if current is None or current.status not in statuses.LEASE_CAN_DELETE:
        raise exception.LeaseNotFound(lease_id=ident or uuid)
    if check is not None:
        check(current)
    booking_rules.cancel_lease_tree(txn, current, timeutils.utcnow(), recorder)
    return current
