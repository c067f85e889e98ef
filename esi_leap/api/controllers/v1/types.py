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


def required(body, field):
    """Return the value of ``body``'s ``field``; MissingField if not sent."""
    found = value(getattr(body, field))
    if found is None:
        raise exception.MissingField(field=field)
    return found


def _readonly():
    return wtypes.wsattr(wtypes.text, readonly=True)


class _Booking(object):
    """The fields the bodies of an offer and of a lease share."""

    resource_uuid = wtypes.text
    resource_type = wtypes.text
    name = wtypes.text
    start_time = wtypes.text
    end_time = wtypes.text
    properties = {wtypes.text: jsontype}
    # Accepted for compatibility; computed, so ignored.
    resource_class = wtypes.text
    resource_properties = {wtypes.text: jsontype}
    # Read-only: computed by the server.
    uuid = _readonly()
    project = _readonly()
    resource = _readonly()
    status = _readonly()
    parent_lease_uuid = _readonly()


class OfferBody(_Booking, wtypes.Base):
    """The body of ``POST /v1/offers``."""

    lessee_id = wtypes.text
    project_id = _readonly()
    lessee = _readonly()
    availabilities = wtypes.wsattr([[wtypes.text]], readonly=True)
    # NOTE(esi-leap): WSME checks the fields in this order, so it decides
    # which of several faults a client is told.
    _wsme_attr_order = (
        'resource_uuid', 'resource_type', 'name', 'lessee_id',
        'start_time', 'end_time', 'properties', 'resource_class',
        'resource_properties', 'uuid', 'project_id', 'project', 'lessee',
        'resource', 'status', 'availabilities', 'parent_lease_uuid')


class LeaseBody(_Booking, wtypes.Base):
    """The body of ``POST /v1/leases`` and ``POST .../claim``."""

    project_id = wtypes.text
    purpose = wtypes.text
    owner_id = _readonly()
    owner = _readonly()
    fulfill_time = _readonly()
    expire_time = _readonly()
    offer_uuid = _readonly()
    status_reason = _readonly()
    _wsme_attr_order = (
        'resource_uuid', 'resource_type', 'project_id', 'name', 'purpose',
        'start_time', 'end_time', 'properties', 'resource_class',
        'resource_properties', 'uuid', 'project', 'owner_id', 'owner',
        'resource', 'fulfill_time', 'expire_time', 'status', 'offer_uuid',
        'parent_lease_uuid', 'status_reason')
