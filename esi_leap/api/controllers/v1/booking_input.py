"""What the bodies of POST /v1/offers, /v1/leases and .../claim share."""
from esi_leap.api.controllers.v1 import types
from esi_leap.api.controllers.v1 import utils
from esi_leap.common import timeutils


def fields(body):
    """Return the window, properties, name and purpose ``body`` asks for.

    ``body`` is a types.OfferBody or types.LeaseBody; the result is
    {start, end, properties, name} (None: not sent; properties: {}) and,
    for a LeaseBody, purpose: the keyword arguments of offers.create(),
    leases.create() and claims.claim_offer(). Each is checked in that
    order (400 for the first that is wrong).
    """
    found = dict(
        start=timeutils.parse_optional(types.value(body.start_time),
                                       'start_time'),
        end=timeutils.parse_optional(types.value(body.end_time),
                                     'end_time'),
        properties=utils.properties(types.value(body.properties)),
        name=utils.valid_name(types.value(body.name)))
    if isinstance(body, types.LeaseBody):
        found['purpose'] = utils.text(types.value(body.purpose), 'purpose')
    return found


def node_and_fields(body, required=()):
    """Return (resource type, node, fields()) of an offer's or lease's body.

    In this order, each a 400 when wrong: ``resource_uuid`` and the
    ``required`` fields must be sent, fields() must parse, and the node
    must exist (utils.resource_node()).
    """
    ident = types.required(body, 'resource_uuid')
    for field in required:
        types.required(body, field)
    found = fields(body)
    resource_type, node = utils.resource_node(
        types.value(body.resource_type), ident)
    return resource_type, node, found
