"""Nodes: what the nodes API lists, from the backend and the bookings."""
from esi_leap.common import exception
from esi_leap.common import property_expressions
from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.objects import listing
from esi_leap.objects import sight
from esi_leap import resource_types


def list_page(type_name, page, owner=None, lessee=None, resource_class=None,
              party=None, seen=sight.EVERYTHING, name=None, uuids=None,
              expressions=()):
    """Return the Listing of the nodes of ``type_name`` matching filters.

    ``party`` None lists every node (admins); a project id only the nodes
    it owns or leases. ``name`` keeps the nodes of that name, ``uuids``
    (None: any) those of these uuids (api.authorize.nodes_of_bookings()).
    The Listing's ``bookings`` map each listed node's uuid to what the
    nodes API shows of its bookings (shown()), as far as the caller's
    Sight ``seen`` lets it see them. ``expressions``
    (property_expressions) keep the nodes whose public properties satisfy
    them all. One backend listing, at most three database queries and one
    name lookup, whatever the number of nodes.
    """
    if uuids is not None and not uuids:
        return listing.Listing(rows=[])
    found = resource_types.get(type_name).list_nodes(
        owner=owner, lessee=lessee, resource_class=resource_class)
    if party is not None:
        found = [n for n in found if party in (n.owner_id, n.lessee_id)]
    if name is not None or uuids is not None:
        found = [n for n in found if (name is None or n.name == name)
                 and (uuids is None or n.uuid in uuids)]
    if expressions:
        found = [n for n in found if property_expressions.matches(
            expressions, n.public_properties())]
    found, marker = listing.cut(_page_of(found, page), page,
                                lambda n: n.uuid)
    ids = [n.owner_id for n in found] + [n.lessee_id for n in found]
    now = timeutils.utcnow()
    booked = db_api.node_bookings(type_name, now)
    hidden = seen.hidden_leases(n.lease_uuid for n in found)
    return listing.Listing(
        rows=found, next_marker=marker, names=listing.names(ids),
        bookings={n.uuid: shown(n, booked.get(n.uuid), now, seen, hidden)
                  for n in found},
        attestations=_attestations(type_name, found, party))


def shown(node, booked, now, seen, hidden):
    """What the nodes API shows of one node's bookings at ``now``.

    {'offer_uuid', 'future_offers', 'future_leases', 'lease_uuid'}: its
    current open offer (the latest started), its later open offers, its
    leases yet to start, and the lease it carries, each only if the Sight
    ``seen`` shows it (``hidden``: lease uuids it does not). ``booked`` is
    the node's entry of db_api.node_bookings(), or None.
    """
    booked = booked or {'offers': [], 'future_leases': []}
    offers = [o for o in booked['offers'] if seen.offer(o)]
    current = [o.uuid for o in offers if o.start_time <= now]
    return {
        'offer_uuid': current[-1] if current else None,
        'future_offers': [o.uuid for o in offers if o.start_time > now],
        'future_leases': [lease.uuid for lease in booked['future_leases']
                          if seen.lease(lease)],
        'lease_uuid': None if node.lease_uuid in hidden else node.lease_uuid,
    }


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
