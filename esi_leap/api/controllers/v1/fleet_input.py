"""Validation of the bodies of POST /v1/claims and PUT /v1/quotas."""
from oslo_config import cfg

from esi_leap.api.controllers.v1 import utils
from esi_leap.api import request_body
from esi_leap.common import exception
from esi_leap.common import property_expressions
from esi_leap.common import safetext
from esi_leap.common import timeutils
from esi_leap.objects import booking_rules
from esi_leap.objects import fleet

CONF = cfg.CONF

CLAIM_FIELDS = ('count', 'resource_class', 'resource_properties', 'offers',
                'start_time', 'end_time', 'locality', 'name', 'purpose',
                'properties')
QUOTA_FIELDS = ('max_nodes', 'max_leases', 'max_nodes_by_resource_class')
# NOTE(esi-leap): a bound on stored limits, far above any pool.
MAX_LIMIT = 1000000


def _string(value, field):
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise exception.InvalidField(field=field,
                                     reason='it must be a non-blank string')
    utils.text(value, field)
    if safetext.first_unsafe(value) is not None:
        raise exception.InvalidField(
            field=field, reason='it cannot contain control characters')
    return value


def _integer(value, field, low, high):
    if isinstance(value, bool) or not isinstance(value, int) or \
            not low <= value <= high:
        raise exception.InvalidField(
            field=field, reason='it must be an integer from %d to %d'
            % (low, high))
    return value


def claim_request(body):
    """Return the fleet.FleetRequest of a POST /v1/claims body; 400s."""
    body = request_body.json_object(body, CLAIM_FIELDS, 'the claim')
    most = CONF.api.max_claim_count
    offers = _offers(body.get('offers'), most)
    count = body.get('count')
    if count is None and offers is None:
        raise exception.MissingField(field='count')
    if count is not None:
        count = _integer(count, 'count', 1, most)
    if offers is not None and count not in (None, len(offers)):
        raise exception.InvalidField(
            field='count', reason='it must be the number of offers named')
    start, end = _window(body)
    return fleet.FleetRequest(
        count=count or len(offers), start=start, end=end,
        resource_class=_string(body.get('resource_class'), 'resource_class'),
        expressions=property_expressions.parse(
            body.get('resource_properties')),
        offers=offers, locality=_locality(body.get('locality')),
        fields=dict(name=utils.valid_name(_string(body.get('name'), 'name')),
                    purpose=utils.text(_string(body.get('purpose'),
                                               'purpose'), 'purpose'),
                    properties=utils.properties(body.get('properties'))))


def _offers(value, most):
    if value is None:
        return None
    if not isinstance(value, list) or not 1 <= len(value) <= most:
        raise exception.InvalidField(
            field='offers', reason='it must be a list of 1 to %d offer '
            'uuids or names' % most)
    idents = tuple(_string(v, 'offers') for v in value)
    if len(set(idents)) != len(idents):
        raise exception.InvalidField(field='offers',
                                     reason='an offer is named twice')
    return idents


def _time(value, field):
    if value is not None and not isinstance(value, str):
        raise exception.InvalidField(field=field,
                                     reason='it must be an ISO 8601 string')
    return timeutils.parse_optional(value, field)


def _window(body):
    """(start, end) of the claim: now and the default length by default."""
    start = _time(body.get('start_time'), 'start_time') or \
        timeutils.utcnow()
    end = _time(body.get('end_time'), 'end_time') or \
        booking_rules.default_lease_end(start)
    booking_rules.check_window('a lease', start, end)
    return start, end


def _locality(value):
    if value is None:
        return None
    value = request_body.json_object(value, ('key', 'mode'), 'locality')
    mode = value.get('mode')
    if mode not in fleet.LOCALITY_MODES:
        raise exception.InvalidField(
            field='locality.mode', reason='it must be one of %s'
            % ', '.join(fleet.LOCALITY_MODES))
    key = _string(value.get('key'), 'locality.key')
    if key is None:
        raise exception.MissingField(field='locality.key')
    return fleet.Locality(key=key, mode=mode)


def quota_limits(body):
    """Return the limits of a PUT /v1/quotas body: {column: value}.

    Each limit is an integer (-1: unlimited) or null (the default); a
    limit left out is null too.
    """
    body = request_body.json_object(body, QUOTA_FIELDS, 'the quota')
    limits = {}
    for field in ('max_nodes', 'max_leases'):
        value = body.get(field)
        limits[field] = None if value is None else _integer(
            value, field, -1, MAX_LIMIT)
    by_class = body.get('max_nodes_by_resource_class')
    if by_class is not None:
        if not isinstance(by_class, dict) or len(by_class) > 100:
            raise exception.InvalidField(
                field='max_nodes_by_resource_class',
                reason='it must be an object of at most 100 resource '
                'classes')
        by_class = {_string(k, 'max_nodes_by_resource_class'): _integer(
            v, 'max_nodes_by_resource_class', -1, MAX_LIMIT)
            for k, v in by_class.items()}
    limits['max_nodes_by_resource_class'] = by_class or None
    return limits
