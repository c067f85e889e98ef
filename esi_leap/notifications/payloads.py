"""The payloads of versioned notifications, as consumers read them.

Shaped like the original ESI-Leap's (``LeaseCRUDPayload``,
``OfferCRUDPayload``): consumers such as ESI's event action listener read
``payload["esi_leap_object.data"]`` and its node fields. Every key is
always present; a fact the service does not have at the moment of the
event is ``null``. The schema of every event type is
doc/source/admin/notification-schema.json (kept in step by a test).
"""
from esi_leap.common import timeutils

NAMESPACE = 'esi_leap'
VERSION = '1.1'
LEASE_PAYLOAD = 'LeaseCRUDPayload'
OFFER_PAYLOAD = 'OfferCRUDPayload'
NODE_PAYLOAD = 'NodePayload'


def node_fields(resource_uuid, node):
    """The ``node_*`` fields of a payload from a NodeInfo (or None).

    ``node_uuid`` is the resource's uuid even when the node itself was
    not read (it is the same uuid); the other facts are ``null`` then.
    """
    if node is None:
        return {'node_uuid': resource_uuid, 'node_name': None,
                'node_provision_state': None, 'node_power_state': None,
                'node_properties': None}
    return {'node_uuid': node.uuid,
            'node_name': node.name or None,
            'node_provision_state': node.provision_state,
            'node_power_state': node.power_state,
            'node_properties': node.public_properties()}


def _common(obj, status, node):
    fields = {
        'id': getattr(obj, 'id', None),
        'uuid': obj.uuid, 'name': obj.name, 'project_id': obj.project_id,
        'resource_type': obj.resource_type,
        'resource_uuid': obj.resource_uuid,
        'start_time': timeutils.isoformat(obj.start_time),
        'end_time': timeutils.isoformat(obj.end_time),
        'status': status, 'properties': obj.properties or {},
        'parent_lease_uuid': obj.parent_lease_uuid,
    }
    fields.update(node_fields(obj.resource_uuid, node))
    return fields


def lease_payload(lease, status, node=None):
    """The payload of a lease event: the lease (with ``status``) and node.

    ``node`` is the NodeInfo of the lease's node as the caller already
    has it, or None when it has not read it.
    """
    fields = _common(lease, status, node)
    fields.update({
        'owner_id': lease.owner_id, 'purpose': lease.purpose,
        'offer_uuid': lease.offer_uuid,
        'fulfill_time': timeutils.isoformat(lease.fulfill_time),
        'expire_time': timeutils.isoformat(lease.expire_time),
    })
    return _wrapped(LEASE_PAYLOAD, fields)


def previous_end(before):
    """The payload fields of an end-time change whose old end was ``before``.

    Added to the ``esi_leap.lease.update.end`` payload of the change, beside
    its new ``end_time``.
    """
    return {'previous_end_time': timeutils.isoformat(before)}


def offer_payload(offer, status, node=None):
    """The payload of an offer event: the offer (with ``status``) and node.

    ``node`` as in lease_payload().
    """
    fields = _common(offer, status, node)
    fields['lessee_id'] = offer.lessee_id
    return _wrapped(OFFER_PAYLOAD, fields)


def node_payload(lease, reason, node=None):
    """The payload of an ``esi_leap.node.*`` event about a lease's node.

    The node fields as in lease_payload(), the lease it concerns and the
    reason (e.g. why the node is quarantined).
    """
    fields = {'resource_type': lease.resource_type,
              'resource_uuid': lease.resource_uuid,
              'lease_uuid': lease.uuid, 'reason': reason}
    fields.update(node_fields(lease.resource_uuid, node))
    return _wrapped(NODE_PAYLOAD, fields)


def _wrapped(name, fields):
    return {'esi_leap_object.name': name,
            'esi_leap_object.namespace': NAMESPACE,
            'esi_leap_object.version': VERSION,
            'esi_leap_object.data': fields}
