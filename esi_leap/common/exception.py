"""Every error esi-leap reports, one class each, with its HTTP status.

The message templates of errors that python-esileapclient's functional tests
look for keep the original ESI-Leap wording word for word.
"""
import http

_SHOWN_LENGTH = 255


def shown(value, limit=_SHOWN_LENGTH):
    """Return ``value`` as it may appear in a message or a log line.

    NOTE(esi-leap): client-chosen text is echoed as typed only when it is a
    short printable string; anything else (newlines, NUL, escapes, bidi
    controls, long strings) is shown as a truncated repr, so nobody can
    forge a log line or flood a response through an error message.
    ``limit`` None keeps long printable text whole (a log line of the
    service's own making that quotes client text).
    """
    if isinstance(value, str) and value.isprintable() and (
            limit is None or len(value) <= limit):
        return value
    text = ascii(value) if limit is None else repr(value)
    if limit is not None and len(text) > limit:
        text = text[:limit] + '...'
    return text


class EsiLeapException(Exception):
    """Base of all esi-leap errors: a message template and an HTTP code."""

    msg_fmt = 'An unknown error occurred.'
    code = http.HTTPStatus.INTERNAL_SERVER_ERROR

    def __init__(self, message=None, **kwargs):
        self.kwargs = kwargs
        if message is None:
            message = self.msg_fmt % {
                key: shown(value) if isinstance(value, str) else value
                for key, value in kwargs.items()}
        self.message = message
        super().__init__(message)

    @property
    def faultstring(self):
        """The text a client sees in the error's ``faultstring``."""
        return self.message


def _error(name, base, msg_fmt, code=None, doc=None):
    """Return the error class ``name``: ``base`` with its own message.

    The one shape of every error below that is not the base of a family:
    a subclass of its family's base with its message template (and its
    HTTP code, when it is in no family of its code).
    """
    attributes = {'msg_fmt': msg_fmt, '__module__': __name__, '__doc__': doc}
    if code is not None:
        attributes['code'] = code
    return type(name, (base,), attributes)


# 400 Bad Request

Invalid = _error(
    'Invalid', EsiLeapException, 'Invalid input: %(reason)s',
    code=http.HTTPStatus.BAD_REQUEST)


InvalidDatetime = _error(
    'InvalidDatetime', Invalid,
    ('Invalid datetime for %(field)s: %(value)r. Use an ISO 8601 date '
     'or time, e.g. 2030-01-31T12:00:00 or 2030-01-31 12:00:00+02:00.'))

InvalidTimeRange = _error(
    'InvalidTimeRange', Invalid,
    ('Attempted to create %(resource)s resource with an invalid Start '
     'Time and End Time. Start Time must be strictly less than End '
     'Time. Got %(start_time)s, %(end_time)s.'))

InvalidTimeAPICommand = _error(
    'InvalidTimeAPICommand', Invalid,
    ('Attempted to get %(resource)s resource without providing both a '
     'valid Start Time and End Time. Start Time must be strictly less '
     'than End Time. Got %(start_time)s, %(end_time)s.'))

InvalidAvailabilityAPICommand = _error(
    'InvalidAvailabilityAPICommand', Invalid,
    ('Attempted to get an offer resource without providing both a '
     'valid Availability Start Time and Availability End Time. '
     'Availability Start Time must be strictly less than Availability '
     'End Time. Got %(a_start)s, %(a_end)s.'))

ResourceTypeUnknown = _error(
    'ResourceTypeUnknown', Invalid,
    '%(resource_type)s resource type unknown.')

ResourceTypeNotAvailable = _error(
    'ResourceTypeNotAvailable', Invalid,
    ('%(resource_type)s resources are not available on this '
     'deployment.'))

MissingField = _error(
    'MissingField', Invalid,
    ("Invalid input for field/attribute %(field)s. Value: 'None'. "
     'Mandatory field missing.'))

InvalidProperties = _error(
    'InvalidProperties', Invalid,
    'Invalid properties: %(reason)s')

LeaseInvalidPatch = _error(
    'LeaseInvalidPatch', Invalid,
    'Only the end_time field may be updated')

MarkerNotFound = _error(
    'MarkerNotFound', Invalid,
    ('Invalid marker %(marker)s: no such item in this list. Use the '
     'uuid of the last item of the previous page.'))

InvalidStatus = _error(
    'InvalidStatus', Invalid,
    'Invalid status %(status)r. Valid statuses: %(valid)s.')

ProjectNoSuchName = _error(
    'ProjectNoSuchName', Invalid,
    'No project named %(name)s.')

UnstorableText = _error(
    'UnstorableText', Invalid,
    ('%(field)s holds characters this esi-leap database cannot store '
     'or compare (it keeps 3-byte UTF-8 only, so 4-byte characters '
     'such as emoji are refused). Leave them out, or ask the operator '
     'to convert the database to utf8mb4.'))

InvalidTokenTTL = _error(
    'InvalidTokenTTL', Invalid,
    'Invalid token_ttl %(value)s: %(reason)s.')

BlankProject = _error(
    'BlankProject', Invalid,
    '%(field)s must not be empty or blank.')

InvalidField = _error(
    'InvalidField', Invalid,
    'Invalid %(field)s: %(reason)s.')

FieldTooLong = _error(
    'FieldTooLong', Invalid,
    '%(field)s is longer than %(limit)d characters.')

InvalidView = _error(
    'InvalidView', Invalid,
    'Invalid view %(view)s. Valid views: all.')


# 403 Forbidden

HTTPForbidden = _error(
    'HTTPForbidden', EsiLeapException, 'Access was denied to %(rule)s.',
    code=http.HTTPStatus.FORBIDDEN)


HTTPResourceForbidden = _error(
    'HTTPResourceForbidden', HTTPForbidden,
    'Access was denied to %(resource_type)s %(resource)s.')

ProjectRequired = _error(
    'ProjectRequired', HTTPForbidden,
    ('This request needs a project: the token has no project scope (a '
     'domain-scoped, system-scoped or unscoped token, or no X-Project-'
     'Id). Use a project-scoped token.'))

ResourceNoPermissionTime = _error(
    'ResourceNoPermissionTime', HTTPForbidden,
    ('You do not have permissions on %(resource_type)s '
     '%(resource_uuid)s for the time range %(start_time)s - '
     '%(end_time)s.'))

ConsoleNotHolder = _error(
    'ConsoleNotHolder', HTTPForbidden,
    ('The console of node %(node)s is for its owner and for the '
     'project holding the node now (the lessee of its active lease, or'
     ' of its active sub-lease).'))

LeaseExceedMaxTimeRange = _error(
    'LeaseExceedMaxTimeRange', HTTPForbidden,
    ('Attempted to create lease with an invalid time range. The max '
     'time range is %(max_time)s days.'))

LeaseEndTooFar = _error(
    'LeaseEndTooFar', HTTPForbidden,
    ('End time %(end_time)s is too far: a lease may be extended to at '
     'most %(max_time)s days from now.'))

LeaseExtensionTooEarly = _error(
    'LeaseExtensionTooEarly', HTTPForbidden,
    ('Lease %(lease_uuid)s can be extended by its lessee from '
     '%(from_time)s on (%(window)s s before its end time '
     '%(end_time)s).'))

LeaseExtensionByOwner = _error(
    'LeaseExtensionByOwner', HTTPForbidden,
    ('Lease %(lease_uuid)s was claimed from offer %(offer_uuid)s: its '
     'owner may shorten it but not extend it.'))


# 404 Not Found

NotFound = _error(
    'NotFound', EsiLeapException, 'Resource could not be found.',
    code=http.HTTPStatus.NOT_FOUND)


OfferNotFound = _error(
    'OfferNotFound', NotFound,
    'Offer with name or uuid %(offer_uuid)s not found.')

LeaseNotFound = _error(
    'LeaseNotFound', NotFound,
    'Lease with name or uuid %(lease_id)s not found.')

NodeNotFound = _error(
    'NodeNotFound', NotFound,
    ('Encountered an error fetching info for node %(uuid)s '
     '(%(resource_type)s): %(err)s'))


# 409 Conflict

Conflict = _error(
    'Conflict', EsiLeapException, 'Conflict.',
    code=http.HTTPStatus.CONFLICT)


ResourceTimeConflict = _error(
    'ResourceTimeConflict', Conflict,
    'Time conflict for %(resource_type)s %(resource_uuid)s.')

OfferNoTimeAvailabilities = _error(
    'OfferNoTimeAvailabilities', Conflict,
    ('Offer %(offer_uuid)s has no availabilities at given time range '
     '%(start_time)s, %(end_time)s.'))

LeaseNoTimeAvailabilities = _error(
    'LeaseNoTimeAvailabilities', Conflict,
    ('Lease %(lease_uuid)s has no availabilities at given time range '
     '%(start_time)s, %(end_time)s.'))

LeaseNotActive = _error(
    'LeaseNotActive', Conflict,
    ('Lease %(lease_uuid)s has status "%(status)s"; it cannot be sub-'
     'leased or changed now.'))

LeaseEnding = _error(
    'LeaseEnding', Conflict,
    ('Lease %(lease_uuid)s reached its end time %(end_time)s; the '
     'manager is ending it, so its end time cannot be changed any '
     'more.'))

BookingContended = _error(
    'BookingContended', Conflict,
    ('The booking of %(resource_type)s %(resource_uuid)s could not be '
     'completed because of concurrent changes to it; retry.'))

OfferNotChangeable = _error(
    'OfferNotChangeable', Conflict,
    ('Offer %(offer_uuid)s is %(status)s and ends at %(end_time)s; '
     'only an available offer that has not ended can be changed.'))

OfferStartBooked = _error(
    'OfferStartBooked', Conflict,
    ('The start time of offer %(offer_uuid)s cannot change while '
     '%(lease)s claimed from it is not over.'))

OfferEndBooked = _error(
    'OfferEndBooked', Conflict,
    ('Offer %(offer_uuid)s cannot end at %(end_time)s: %(lease)s '
     'claimed from it ends at %(lease_end)s.'))

OfferDuplicateName = _error(
    'OfferDuplicateName', Conflict,
    'Duplicate offers with name %(name)s.')

LeaseDuplicateName = _error(
    'LeaseDuplicateName', Conflict,
    'Duplicate leases with name %(name)s.')


# 5xx

InternalError = _error(
    'InternalError', EsiLeapException,
    'The server hit an unexpected error; the details are in its log.')


NodeBusy = _error(
    'NodeBusy', EsiLeapException,
    ('Node %(uuid)s is still %(state)s; it is handed over once that '
     'finishes.'), code=http.HTTPStatus.CONFLICT)

NodeRefused = _error(
    'NodeRefused', EsiLeapException,
    'Ironic refused a hand-back step on node %(uuid)s: %(reason)s',
    code=http.HTTPStatus.CONFLICT)

ConsoleTokenRefused = _error(
    'ConsoleTokenRefused', EsiLeapException,
    'Console token refused: %(reason)s.', code=http.HTTPStatus.FORBIDDEN,
    doc='A console connection whose token cannot be used (proxy only).')


class Unavailable(EsiLeapException):
    """Something esi-leap needs cannot be reached now: retry later."""

    code = http.HTTPStatus.SERVICE_UNAVAILABLE


ConsoleUnavailable = _error(
    'ConsoleUnavailable', Unavailable,
    'Console of node %(node)s unavailable: %(reason)s',
    doc='A node whose console cannot be reached or used (proxy only).')

DatabaseUnavailable = _error(
    'DatabaseUnavailable', Unavailable,
    'The database is unavailable; retry later.')

BackendUnavailable = _error(
    'BackendUnavailable', Unavailable,
    '%(service)s is unavailable: %(reason)s')

# NOTE(esi-leap): what API clients see of a BackendUnavailable: the
# reason (an endpoint, a configuration problem) is only logged.
ServiceUnavailable = _error(
    'ServiceUnavailable', Unavailable,
    '%(service)s is unavailable; try again later.')
