"""WSME types of request bodies.

Response fields are listed explicitly in ``views``, never copied from the
database models.
"""
import json

from wsme import types as wtypes

from esi_leap.common import exception


class JsonType(wtypes.UserType):
    """Any JSON value, passed through unchanged."""

    basetype = wtypes.text
    name = 'json'

    @staticmethod
    def validate(value):
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            raise exception.Invalid(reason='%r is not JSON' % (value,))
        return value

    @staticmethod
    def frombasetype(value):
        return JsonType.validate(value)


jsontype = JsonType()


def value(attribute):
    """Return a body attribute's value, or None when it was not sent."""
    return None if attribute is wtypes.Unset else attribute


class OfferBody(wtypes.Base):
    """The body of ``POST /v1/offers``."""

    resource_uuid = wtypes.text
    resource_type = wtypes.text
    name = wtypes.text
    lessee_id = wtypes.text
    start_time = wtypes.text
    end_time = wtypes.text
    properties = {wtypes.text: jsontype}
    # Accepted for compatibility; computed from the node, so ignored.
    resource_class = wtypes.text
    resource_properties = {wtypes.text: jsontype}
    # Read-only: computed by the server.
    uuid = wtypes.wsattr(wtypes.text, readonly=True)
    project_id = wtypes.wsattr(wtypes.text, readonly=True)
    project = wtypes.wsattr(wtypes.text, readonly=True)
    lessee = wtypes.wsattr(wtypes.text, readonly=True)
    resource = wtypes.wsattr(wtypes.text, readonly=True)
    status = wtypes.wsattr(wtypes.text, readonly=True)
    availabilities = wtypes.wsattr([[wtypes.text]], readonly=True)
    parent_lease_uuid = wtypes.wsattr(wtypes.text, readonly=True)


class LeaseBody(wtypes.Base):
    """The body of ``POST /v1/leases`` and ``POST .../claim``."""

    resource_uuid = wtypes.text
    resource_type = wtypes.text
    project_id = wtypes.text
    name = wtypes.text
    purpose = wtypes.text
    start_time = wtypes.text
    end_time = wtypes.text
    properties = {wtypes.text: jsontype}
    # Accepted for compatibility; computed, so ignored.
    resource_class = wtypes.text
    resource_properties = {wtypes.text: jsontype}
    # Read-only: computed by the server.
    uuid = wtypes.wsattr(wtypes.text, readonly=True)
    project = wtypes.wsattr(wtypes.text, readonly=True)
    owner_id = wtypes.wsattr(wtypes.text, readonly=True)
    owner = wtypes.wsattr(wtypes.text, readonly=True)
    resource = wtypes.wsattr(wtypes.text, readonly=True)
    fulfill_time = wtypes.wsattr(wtypes.text, readonly=True)
    expire_time = wtypes.wsattr(wtypes.text, readonly=True)
    status = wtypes.wsattr(wtypes.text, readonly=True)
    offer_uuid = wtypes.wsattr(wtypes.text, readonly=True)
    parent_lease_uuid = wtypes.wsattr(wtypes.text, readonly=True)
    status_reason = wtypes.wsattr(wtypes.text, readonly=True)
