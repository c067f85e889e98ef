"""Parsing and resolving what clients send, shared by the controllers."""
import json
import re
import urllib.parse

from oslo_config import cfg

from esi_leap.api import links
from esi_leap.common import exception
from esi_leap.common import projects
from esi_leap.common import safetext
from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.objects import filters
from esi_leap.objects import lookup
from esi_leap.objects import offers
from esi_leap import resource_types

CONF = cfg.CONF
_DECIMAL = re.compile(r'[0-9]{1,19}')
_MAX_ID = 2 ** 63 - 1


def status_filter(status, valid, default):
    """Return the statuses a list should show.

    None gives ``default``, ``any`` gives None (no filter); otherwise the
    one status, which must be in ``valid`` (HTTP 400 if not).
    """
    if status is None:
        return default
    if status == 'any':
        return None
    if status not in valid:
        raise exception.InvalidStatus(status=status,
                                      valid=', '.join(valid + ('any',)))
    return (status,)


def time_pair(start, end, error, **kwargs):
    """Parse an optional (start, end) query pair; both or neither.

    Raises ``error`` (HTTP 400) when only one is given or start >= end.
    """
    if start is None and end is None:
        return None, None
    if start is None or end is None:
        raise error(start_time=start, end_time=end, **kwargs)
    start_dt = timeutils.parse(start, 'start_time')
    end_dt = timeutils.parse(end, 'end_time')
    if start_dt >= end_dt:
        raise error(start_time=start, end_time=end, **kwargs)
    return start_dt, end_dt


def availability_pair(a_start, a_end):
    """Parse the available_start_time / available_end_time query pair."""
    if a_start is None and a_end is None:
        return None, None
    if a_start is None or a_end is None:
        raise exception.InvalidAvailabilityAPICommand(a_start=a_start,
                                                      a_end=a_end)
    start = timeutils.parse(a_start, 'available_start_time')
    end = timeutils.parse(a_end, 'available_end_time')
    if start >= end:
        raise exception.InvalidAvailabilityAPICommand(a_start=a_start,
                                                      a_end=a_end)
    return start, end


def resource_filter(resource_type, resource_uuid):
    """Return the (type, uuid) pair a list filters on.

    A uuid without a type means the default resource type; a name is
    resolved to the node's uuid when the backend knows it.
    """
    if resource_uuid is None:
        if resource_type is not None:
            resource_types.get(resource_type)  # 400 if unknown
        return resource_type, None
    resource_type = resource_type or CONF.api.default_resource_type
    rtype = resource_types.get(resource_type)
    try:
        return resource_type, rtype.resolve(resource_uuid)
    except exception.NodeNotFound:
        return resource_type, resource_uuid


def resource_node(resource_type, ident):
    """Return (type name, NodeInfo) of the node a create names.

    Raises ResourceTypeUnknown (400) or NodeNotFound (404).
    """
    resource_type = resource_type or CONF.api.default_resource_type
    rtype = resource_types.get(resource_type)
    text(ident, 'resource_uuid')
    return resource_type, rtype.get(rtype.resolve(ident))


def resolve_project(ident, field):
    """Return the project id ``ident`` (an id or a name) means.

    None stays None; an empty or blank value, one longer than 255
    characters, or one with a control character, a bidi control or a line
    separator is a 400 naming ``field``.
    """
    if ident is None:
        return None
    if not ident.strip():
        raise exception.BlankProject(field=field)
    text(ident, field)
    unsafe = safetext.first_unsafe(ident)
    if unsafe is not None:
        raise exception.InvalidField(
            field=field, reason='a project id or name cannot contain the '
            'control character %s' % ascii(unsafe))
    return projects.get_directory().resolve(ident)


def offer_filter(access, ident):
    """Return the offer uuid a lease list filters on.

    A uuid is used as given; a name must be that of exactly one offer the
    caller (``access``, an objects.access.Access) may see (400 if none,
    409 if several).
    """
    if ident is None or lookup.normalise_uuid(ident) is not None:
        return ident
    try:
        return offers.find(ident, view=offers.visibility(access)).uuid
    except exception.OfferNotFound:
        raise exception.InvalidField(
            field='offer_uuid',
            reason='no offer named %s that you may see' %
            exception.shown(ident))


def _depth(value):
    """Nesting depth of a JSON value (a scalar is 0, {} is 1)."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            depth += 1
            deepest = max(deepest, depth)
            stack.extend((child, depth) for child in (
                item.values() if isinstance(item, dict) else item))
    return deepest


def properties(value, field='properties'):
    """Return a properties object within the [api] limits; 400 otherwise.

    It must be a JSON object of at most [api]max_properties_bytes in its
    compact form, nested at most [api]max_properties_depth deep.
    """
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise exception.InvalidProperties(reason='%s must be a JSON object'
                                          % field)
    size = len(json.dumps(value, separators=(',', ':'), allow_nan=False))
    if size > CONF.api.max_properties_bytes:
        raise exception.InvalidProperties(
            reason='%s is %d bytes of JSON; at most %d are accepted'
            % (field, size, CONF.api.max_properties_bytes))
    if _depth(value) > CONF.api.max_properties_depth:
        raise exception.InvalidProperties(
            reason='%s is nested deeper than %d levels'
            % (field, CONF.api.max_properties_depth))
    return value


def text(value, field, limit=db_api.TEXT_LENGTH):
    """Return a client string that fits its column (255 characters)."""
    if value is not None and len(value) > limit:
        raise exception.FieldTooLong(field=field, limit=limit)
    return value


def uuid_filter(value, field):
    """Return the canonical uuid a list filters ``field`` on (None: any).

    Raises InvalidField (400) unless ``value`` is a UUID.
    """
    if value is None:
        return None
    canonical = lookup.normalise_uuid(text(value, field))
    if canonical is None:
        raise exception.InvalidField(field=field, reason='not a UUID')
    return canonical


def name_filter(value, field='name'):
    """Return the name a list filters ``field`` on (None: any).

    Raises InvalidField (400) for an empty name, FieldTooLong past 255
    characters.
    """
    if value is not None and not value:
        raise exception.InvalidField(field=field, reason='empty')
    return text(value, field)


def valid_name(value):
    """Validate an object name: at most 255 characters."""
    return text(value, 'name')


def event_id(value):
    """Parse last_event_id: a decimal integer from 0 to 2**63 - 1."""
    if value is None:
        return None
    if not _DECIMAL.fullmatch(value) or int(value) > _MAX_ID:
        raise exception.Invalid(
            reason='last_event_id must be an integer from 0 to %d, got %s'
            % (_MAX_ID, exception.shown(value[:64])))
    return int(value)


# Pagination ---------------------------------------------------------------

# What each list may be sorted by: columns that are never empty.
OFFER_SORT_KEYS = ('created_at', 'start_time', 'end_time', 'status',
                   'uuid', 'resource_uuid', 'project_id')
LEASE_SORT_KEYS = ('created_at', 'start_time', 'end_time', 'status',
                   'uuid', 'resource_uuid', 'project_id', 'owner_id')
EVENT_SORT_KEYS = ('id', 'event_time')
NODE_SORT_KEYS = ('uuid', 'name')
_MARKER_MAX = 255


def page(limit, marker, sort_key, sort_dir, sort_keys):
    """Parse the paging parameters of a list into a filters.Page.

    ``limit`` must be a positive integer and is cut down to [api]
    max_limit; without it the whole list is returned. ``sort_key`` must be
    one of ``sort_keys``; ``sort_dir`` ``asc`` or ``desc``. Raises
    Invalid (HTTP 400) saying what is wrong.
    """
    parsed = filters.Page(marker=marker, sort_key=sort_key,
                          sort_dir=sort_dir or 'asc')
    if limit is not None:
        try:
            parsed.limit = int(limit)
        except ValueError:
            parsed.limit = 0
        if parsed.limit < 1 or str(parsed.limit) != limit.strip():
            raise exception.Invalid(
                reason='limit must be a positive integer, got %s'
                % exception.shown(limit))
        parsed.limit = min(parsed.limit, CONF.api.max_limit)
    if sort_key is not None and sort_key not in sort_keys:
        raise exception.Invalid(
            reason='sort_key must be one of %s, got %s'
            % (', '.join(sort_keys), exception.shown(sort_key)))
    if parsed.sort_dir not in ('asc', 'desc'):
        raise exception.Invalid(
            reason='sort_dir must be asc or desc, got %s'
            % exception.shown(sort_dir))
    if marker is not None and not (0 < len(marker) <= _MARKER_MAX):
        raise exception.Invalid(reason='marker must be 1 to %d characters'
                                % _MARKER_MAX)
    return parsed


def next_link(request, marker):
    """Ironic's ``next`` link: this request's URL, from ``marker`` on."""
    params = [(k, v) for k, v in request.GET.items() if k != 'marker']
    params.append(('marker', str(marker)))
    return '%s?%s' % (links.path_url(request),
                      urllib.parse.urlencode(params))


def paged_body(key, views, request, marker):
    """The body of a list response, with ``next`` when there is more."""
    body = {key: views}
    if marker is not None:
        body['next'] = next_link(request, marker)
    return body
