"""Turn offer and lease rows into API dicts, with their computed fields.

Computed fields (project names, node name, class and properties,
availabilities) are fetched for a whole page at once: one backend call per
resource type, one project-name lookup and one lease query per 500 offers,
never one call per row.
"""
import collections

from oslo_log import log

from esi_leap.common import exception
from esi_leap.common import projects
from esi_leap.common import timeutils
from esi_leap.objects import offers as offers_obj
from esi_leap import resource_types

LOG = log.getLogger(__name__)


def _nodes(rows):
    """Return {(resource_type, uuid): NodeInfo} for the rows' resources."""
    wanted = collections.defaultdict(set)
    for row in rows:
        wanted[row.resource_type].add(row.resource_uuid)
    found = {}
    for type_name, uuids in wanted.items():
        try:
            nodes = resource_types.get(type_name).get_many(uuids)
        except exception.ResourceTypeUnknown:
            LOG.warning('Rows refer to resource type %s, which is not '
                        'installed', type_name)
            continue
        except exception.BackendUnavailable as e:
            # NOTE(esi-leap): leases must stay readable (with their
            # status_reason) exactly when the backend is down.
            LOG.warning('Node details unavailable: %s', e)
            continue
        for uuid, node in nodes.items():
            found[(type_name, uuid)] = node
    return found


def _resource_fields(row, nodes):
    node = nodes.get((row.resource_type, row.resource_uuid))
    if node is None:
        return {'resource': '', 'resource_class': '',
                'resource_properties': {}}
    return {'resource': node.name,
            'resource_class': node.resource_class,
            'resource_properties': node.public_properties()}


def _names(ids):
    return projects.get_directory().names({i for i in ids if i})


def offer_views(offers, resource_class=None, free=None):
    """Return the API dicts of ``offers``, in order.

    With ``resource_class``, offers of nodes of another class are left out.
    ``free`` maps offer uuid to availabilities (else they are read).
    """
    nodes = _nodes(offers)
    names = _names([o.project_id for o in offers]
                   + [o.lessee_id for o in offers])
    if free is None:
        free = offers_obj.availabilities_for(offers, timeutils.utcnow())
    iso = timeutils.isoformat
    views = []
    for offer in offers:
        resource = _resource_fields(offer, nodes)
        if resource_class is not None and \
                resource['resource_class'] != resource_class:
            continue
        views.append({
            'name': offer.name,
            'uuid': offer.uuid,
            'project_id': offer.project_id,
            'project': names.get(offer.project_id, ''),
            'lessee_id': offer.lessee_id,
            'lessee': names.get(offer.lessee_id, ''),
            'resource_type': offer.resource_type,
            'resource_uuid': offer.resource_uuid,
            'resource': resource['resource'],
            'resource_class': resource['resource_class'],
            'resource_properties': resource['resource_properties'],
            'start_time': iso(offer.start_time),
            'end_time': iso(offer.end_time),
            'status': offer.status,
            'properties': offer.properties or {},
            'availabilities': [[iso(s), iso(e)]
                               for s, e in free[offer.uuid]],
            'parent_lease_uuid': offer.parent_lease_uuid,
        })
    return views


def lease_views(leases, resource_class=None):
    """Return the API dicts of ``leases``, in order.

    With ``resource_class``, leases of nodes of another class are left out.
    """
    nodes = _nodes(leases)
    names = _names([lease.project_id for lease in leases]
                   + [lease.owner_id for lease in leases])
    iso = timeutils.isoformat
    views = []
    for lease in leases:
        resource = _resource_fields(lease, nodes)
        if resource_class is not None and \
                resource['resource_class'] != resource_class:
            continue
        views.append({
            'name': lease.name,
            'uuid': lease.uuid,
            'project_id': lease.project_id,
            'project': names.get(lease.project_id, ''),
            'owner_id': lease.owner_id,
            'owner': names.get(lease.owner_id, ''),
            'resource_type': lease.resource_type,
            'resource_uuid': lease.resource_uuid,
            'resource_class': resource['resource_class'],
            'resource_properties': resource['resource_properties'],
            'resource': resource['resource'],
            'start_time': iso(lease.start_time),
            'fulfill_time': iso(lease.fulfill_time),
            'expire_time': iso(lease.expire_time),
            'end_time': iso(lease.end_time),
            'status': lease.status,
            'properties': lease.properties or {},
            'purpose': lease.purpose,
            'offer_uuid': lease.offer_uuid,
            'parent_lease_uuid': lease.parent_lease_uuid,
            'status_reason': lease.status_reason,
        })
    return views


def node_views(nodes, bookings, names):
    """Return the API dicts of ``nodes``, in order.

    ``bookings`` is db_api.node_bookings() of their type, ``names`` maps
    project ids to names.
    """
    result = []
    for node in nodes:
        booked = bookings.get(node.uuid, {})
        item = {
            'name': node.name,
            'uuid': node.uuid,
            'owner': names.get(node.owner_id, ''),
            'lessee': names.get(node.lessee_id, ''),
            'resource_class': node.resource_class,
            'provision_state': node.provision_state,
            'power_state': node.power_state,
            'maintenance': str(bool(node.maintenance)),
            'properties': node.public_properties(),
            'future_offers': booked.get('future_offers', []),
            'future_leases': booked.get('future_leases', []),
        }
        if booked.get('offer_uuid'):
            item['offer_uuid'] = booked['offer_uuid']
        if node.lease_uuid:
            item['lease_uuid'] = node.lease_uuid
        result.append(item)
    return result


def event_views(events):
    """Return the API dicts of ``events``, in order."""
    iso = timeutils.isoformat
    return [{
        'id': e.id,
        'event_type': e.event_type,
        'event_time': iso(e.event_time),
        'object_type': e.object_type,
        'object_uuid': e.object_uuid,
        'resource_type': e.resource_type,
        'resource_uuid': e.resource_uuid,
        'lessee_id': e.lessee_id,
        'owner_id': e.owner_id,
    } for e in events]


def offer_view(offer):
    """Return the API dict of one offer."""
    return offer_views([offer])[0]


def lease_view(lease):
    """Return the API dict of one lease."""
    return lease_views([lease])[0]


def console_token_view(node, token, access_url):
    """The API dict of a newly issued console token."""
    return {'node_uuid': node.uuid, 'token': token,
            'access_url': access_url}
