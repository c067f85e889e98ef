"""The fields the bodies of POST /v1/offers, /v1/leases and .../claim share."""
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
