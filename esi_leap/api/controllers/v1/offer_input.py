"""Validation of the body of PATCH /v1/offers/{offer_ident}."""
from esi_leap.api.controllers.v1 import utils
from esi_leap.api import request_body
from esi_leap.common import exception
from esi_leap.common import timeutils
from esi_leap.objects import offer_update


def _text_or_null(value, field):
    """A string (bounded by the caller) or None; 400 for any other type."""
    if value is not None and not isinstance(value, str):
        raise exception.InvalidField(field=field,
                                     reason='it must be a string or null')
    return value


def _time(value, field):
    """An ISO 8601 string, parsed; 400 for any other value (even '')."""
    if not isinstance(value, str):
        raise exception.InvalidField(field=field,
                                     reason='it must be an ISO 8601 string')
    return timeutils.parse(value, field)


def offer_changes(body):
    """Return the changes a PATCH of an offer asks for: {field: value}.

    ``body`` is a JSON object of fields among offer_update.FIELDS: times
    are ISO 8601 strings (``end_time`` null: open-ended, as at creation),
    ``lessee_id`` a project id or name (null: open to every project),
    ``name`` a string (null: none), ``properties`` an object within the
    [api] limits (null: empty). Anything else (an unknown field, no field,
    a wrong type, an oversized value, an unknown project) is a 400 saying
    what is wrong.
    """
    body = request_body.json_object(body, offer_update.FIELDS,
                                    'the offer change')
    if not body:
        raise exception.Invalid(reason='the offer change names no field; '
                                'known: %s' % ', '.join(offer_update.FIELDS))
    changes = {}
    if 'start_time' in body:
        changes['start_time'] = _time(body['start_time'], 'start_time')
    if body.get('end_time') is not None:
        changes['end_time'] = _time(body['end_time'], 'end_time')
    elif 'end_time' in body:
        changes['end_time'] = None
    if 'lessee_id' in body:
        changes['lessee_id'] = utils.resolve_project(
            _text_or_null(body['lessee_id'], 'lessee_id'), 'lessee_id')
    if 'name' in body:
        changes['name'] = utils.valid_name(_text_or_null(body['name'],
                                                         'name'))
    if 'properties' in body:
        changes['properties'] = utils.properties(body['properties'])
    return changes
