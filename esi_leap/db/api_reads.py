"""The contract's reads: offers, leases, events and node bookings.

Part of the database contract (see esi_leap.db.api, which names every
function here): each read runs in one read-only transaction and returns
read-only records (named tuples, attribute access as on the model);
nothing done to them reaches the database. Each raises only what the
database layer raises unless its docstring says more.
"""
from esi_leap.db.sqlalchemy import list_reads as _list_reads
from esi_leap.db.sqlalchemy import node_bookings as _node_bookings
from esi_leap.db.sqlalchemy import reads as _reads


def offer_get(uuid):
    """Return the offer record with ``uuid``, or None if there is none."""
    return _reads.offer_get(uuid)


def offers_by_name(name, visible_to=None):
    """Return the offers named ``name``, oldest first.

    With ``visible_to`` (an OfferVisibility), only those that project may
    see; None means no restriction.
    """
    return _reads.offers_by_name(name, visible_to)


def offer_list_with_windows(filters, blocking, ending_after):
    """Return (offers, windows): the offers matching an OfferFilters.

    Oldest first, as read-only rows (attribute access as on the model).

    ``windows`` maps the uuid of each available offer listed to the
    (start, end) of its leases in ``blocking`` that end after
    ``ending_after``, as lease_windows_by_offer(). Both come from one
    statement.

    :raises: exception.MarkerNotFound when the page's marker names no
        offer of the list.
    """
    return _list_reads.offer_list_with_windows(filters, blocking, ending_after)


def offer_resources(filters):
    """Return the resources of every offer matching an OfferFilters.

    ``{resource_type: set of resource uuids}``, whatever the page: this is
    what a filter on node facts (a resource class) is decided on before a
    page is cut. One query.
    """
    return _list_reads.offer_resources(filters)


def lease_get(uuid):
    """Return the lease record with ``uuid``, or None if there is none."""
    return _reads.lease_get(uuid)


def leases_by_name(name, party=None):
    """Return the leases named ``name``, oldest first.

    With ``party``, only those it holds or owns.
    """
    return _reads.leases_by_name(name, party)


def lease_list(filters):
    """Return the leases matching a LeaseFilters, oldest first.

    The rows are read-only (attribute access as on the model).

    :raises: exception.MarkerNotFound when the page's marker names no
        lease of the list.
    """
    return _list_reads.lease_list(filters)


def lease_resources(filters):
    """Return the resources of every lease matching a LeaseFilters.

    ``{resource_type: set of resource uuids}``, whatever the page; one
    query.
    """
    return _list_reads.lease_resources(filters)


def lease_windows_by_offer(offer_uuids, statuses, ending_after):
    """Map offer uuid to the (start, end) windows of its leases.

    Only leases in ``statuses`` that end after ``ending_after`` count;
    windows are sorted by start; offers without any are absent. One query
    whatever the number of offers.
    """
    return _list_reads.lease_windows_by_offer(offer_uuids, statuses,
                                              ending_after)


def held_leases(resource_type, resource_uuid, project_id, statuses):
    """Return the top-level leases in ``statuses`` of one resource.

    Only those held by ``project_id``, by start time.
    """
    return _reads.held_leases(resource_type, resource_uuid, project_id,
                              statuses)


def event_list(filters):
    """Return the events matching an EventFilters, oldest first.

    The rows are read-only (attribute access as on the model).

    :raises: exception.MarkerNotFound when the page's marker names no
        event of the list.
    """
    return _list_reads.event_list(filters)


def node_bookings(resource_type, now):
    """Return the bookings of the nodes of ``resource_type``, by node uuid.

    ``{uuid: {'offers': [OfferBooking], 'future_leases': [LeaseBooking]}}``
    for every node with an open offer not yet ended (by start time; those
    started by ``now`` are current) or a lease yet to start; nodes with
    neither are absent. Each booking carries the project ids that decide
    who may see it. Two queries whatever the number of nodes.
    """
    return _node_bookings.node_bookings(resource_type, now)


def lease_parties(uuids):
    """Return {uuid: LeaseBooking(uuid, owner_id, project_id)} of leases.

    For the leases among ``uuids`` (uuids of no lease are absent), so that
    a view naming a lease beside another record can tell who may see it.
    """
    return _node_bookings.lease_parties(uuids)
