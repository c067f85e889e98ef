"""Nodes: what the nodes API lists, from the backend and the bookings."""
from esi_leap.common import exception
from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.objects import listing
from esi_leap import resource_types


def list_page(type_name, page, owner=None, lessee=None, resource_class=None,
              party=None):
    """Return the Listing of the nodes of ``type_name`` matching filters.

    ``party`` None lists every node (admins); a project id only the nodes
    it owns or leases. The Listing's ``bookings`` are
    db_api.node_bookings() of the type. One backend listing, two
    database queries and one name lookup, whatever the number of nodes.
    """
    found = resource_types.get(type_name).list_nodes(
        owner=owner, lessee=lessee, resource_class=resource_class)
    if party is not None:
        found = [n for n in found if party in (n.owner_id, n.lessee_id)]
    found, marker = listing.cut(_page_of(found, page), page,
                                lambda n: n.uuid)
    ids = [n.owner_id for n in found] + [n.lessee_id for n in found]
    return listing.Listing(
        rows=found, next_marker=marker, names=listing.names(ids),
        bookings=db_api.node_bookings(type_name, timeutils.utcnow()),
        attestations=_attestations(type_name, found, party))


def _attestations(type_name, found, party):
    """{uuid: last gate record} of the nodes ``party`` owns (None: all).

    Lessees and others never see a node's attestation.
    """
    pairs = [(type_name, n.uuid) for n in found
             if party is None or n.owner_id == party]
    if not pairs:
        return {}
    return {uuid: row for (_, uuid), row in
            db_api.attestations_of(pairs).items()}


def _page_of(found, page):
    """Sort the backend's node list and cut a page (plus one) out of it.

    Without any paging parameter the backend's order is kept. Raises
    MarkerNotFound when the marker is not a listed node.
    """
    if page.limit is None and page.marker is None and page.sort_key is None:
        return found
    key = page.sort_key or 'uuid'
    ordered = sorted(found, key=lambda n: (getattr(n, key) or '', n.uuid),
                     reverse=page.sort_dir == 'desc')
    if page.marker is not None:
        uuids = [n.uuid for n in ordered]
        if page.marker not in uuids:
            raise exception.MarkerNotFound(marker=page.marker)
        ordered = ordered[uuids.index(page.marker) + 1:]
    if page.limit is not None:
        ordered = ordered[:page.limit + 1]
    return ordered
