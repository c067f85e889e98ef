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


# 400 Bad Request

class Invalid(EsiLeapException):
    code = http.HTTPStatus.BAD_REQUEST
    msg_fmt = 'Invalid input: %(reason)s'


class InvalidDatetime(Invalid):
    msg_fmt = ('Invalid datetime for %(field)s: %(value)r. Use an ISO 8601 '
               'date or time, e.g. 2030-01-31T12:00:00 or '
               '2030-01-31 12:00:00+02:00.')


class InvalidTimeRange(Invalid):
    msg_fmt = ('Attempted to create %(resource)s resource with an invalid '
               'Start Time and End Time. Start Time must be strictly less '
               'than End Time. Got %(start_time)s, %(end_time)s.')


class InvalidTimeAPICommand(Invalid):
    msg_fmt = ('Attempted to get %(resource)s resource without providing '
               'both a valid Start Time and End Time. Start Time must be '
               'strictly less than End Time. Got %(start_time)s, '
               '%(end_time)s.')


class InvalidAvailabilityAPICommand(Invalid):
    msg_fmt = ('Attempted to get an offer resource without providing both '
               'a valid Availability Start Time and Availability End Time. '
               'Availability Start Time must be strictly less than '
               'Availability End Time. Got %(a_start)s, %(a_end)s.')


class ResourceTypeUnknown(Invalid):
    msg_fmt = '%(resource_type)s resource type unknown.'


class ResourceTypeNotAvailable(Invalid):
    msg_fmt = ('%(resource_type)s resources are not available on this '
               'deployment.')


class MissingField(Invalid):
    msg_fmt = ('Invalid input for field/attribute %(field)s. Value: '
               '\'None\'. Mandatory field missing.')


class InvalidProperties(Invalid):
    msg_fmt = 'Invalid properties: %(reason)s'


class LeaseInvalidPatch(Invalid):
    msg_fmt = 'Only the end_time field may be updated'


class MarkerNotFound(Invalid):
    msg_fmt = ('Invalid marker %(marker)s: no such item in this list. Use '
               'the uuid of the last item of the previous page.')


class InvalidStatus(Invalid):
    msg_fmt = 'Invalid status %(status)r. Valid statuses: %(valid)s.'


class ProjectNoSuchName(Invalid):
    msg_fmt = 'No project named %(name)s.'


class UnstorableText(Invalid):
    msg_fmt = ('%(field)s holds characters this esi-leap database cannot '
               'store or compare (it keeps 3-byte UTF-8 only, so 4-byte '
               'characters such as emoji are refused). Leave them out, or '
               'ask the operator to convert the database to utf8mb4.')


class InvalidTokenTTL(Invalid):
    msg_fmt = ('Invalid token_ttl %(value)s: %(reason)s.')


class BlankProject(Invalid):
    msg_fmt = '%(field)s must not be empty or blank.'


class InvalidField(Invalid):
    msg_fmt = 'Invalid %(field)s: %(reason)s.'


class FieldTooLong(Invalid):
    msg_fmt = '%(field)s is longer than %(limit)d characters.'


class InvalidView(Invalid):
    msg_fmt = 'Invalid view %(view)s. Valid views: all.'


# 403 Forbidden

class HTTPForbidden(EsiLeapException):
    code = http.HTTPStatus.FORBIDDEN
    msg_fmt = 'Access was denied to %(rule)s.'


class HTTPResourceForbidden(HTTPForbidden):
    msg_fmt = 'Access was denied to %(resource_type)s %(resource)s.'


class ProjectRequired(HTTPForbidden):
    msg_fmt = ('This request needs a project: the token has no project '
               'scope (a domain-scoped, system-scoped or unscoped token, or '
               'no X-Project-Id). Use a project-scoped token.')


class ResourceNoPermissionTime(HTTPForbidden):
    msg_fmt = ('You do not have permissions on %(resource_type)s '
               '%(resource_uuid)s for the time range %(start_time)s - '
               '%(end_time)s.')


class ConsoleNotHolder(HTTPForbidden):
    msg_fmt = ('The console of node %(node)s is for its owner and for the '
               'project holding the node now (the lessee of its active '
               'lease, or of its active sub-lease).')


class LeaseExceedMaxTimeRange(HTTPForbidden):
    msg_fmt = ('Attempted to create lease with an invalid time range. The '
               'max time range is %(max_time)s days.')


class LeaseEndTooFar(HTTPForbidden):
    msg_fmt = ('End time %(end_time)s is too far: a lease may be extended '
               'to at most %(max_time)s days from now.')


class LeaseExtensionTooEarly(HTTPForbidden):
    msg_fmt = ('Lease %(lease_uuid)s can be extended by its lessee from '
               '%(from_time)s on (%(window)s s before its end time '
               '%(end_time)s).')


class LeaseExtensionByOwner(HTTPForbidden):
    msg_fmt = ('Lease %(lease_uuid)s was claimed from offer %(offer_uuid)s: '
               'its owner may shorten it but not extend it.')


# 404 Not Found

class NotFound(EsiLeapException):
    code = http.HTTPStatus.NOT_FOUND
    msg_fmt = 'Resource could not be found.'


class OfferNotFound(NotFound):
    msg_fmt = 'Offer with name or uuid %(offer_uuid)s not found.'


class LeaseNotFound(NotFound):
    msg_fmt = 'Lease with name or uuid %(lease_id)s not found.'


class NodeNotFound(NotFound):
    msg_fmt = ('Encountered an error fetching info for node %(uuid)s '
               '(%(resource_type)s): %(err)s')


# 409 Conflict

class Conflict(EsiLeapException):
    code = http.HTTPStatus.CONFLICT
    msg_fmt = 'Conflict.'


class ResourceTimeConflict(Conflict):
    msg_fmt = 'Time conflict for %(resource_type)s %(resource_uuid)s.'


class OfferNoTimeAvailabilities(Conflict):
    msg_fmt = ('Offer %(offer_uuid)s has no availabilities at given time '
               'range %(start_time)s, %(end_time)s.')


class LeaseNoTimeAvailabilities(Conflict):
    msg_fmt = ('Lease %(lease_uuid)s has no availabilities at given time '
               'range %(start_time)s, %(end_time)s.')


class LeaseNotActive(Conflict):
    msg_fmt = ('Lease %(lease_uuid)s has status "%(status)s"; it cannot '
               'be sub-leased or changed now.')


class LeaseEnding(Conflict):
    msg_fmt = ('Lease %(lease_uuid)s reached its end time %(end_time)s; '
               'the manager is ending it, so its end time cannot be '
               'changed any more.')


class BookingContended(Conflict):
    msg_fmt = ('The booking of %(resource_type)s %(resource_uuid)s could '
               'not be completed because of concurrent changes to it; '
               'retry.')


class OfferNotChangeable(Conflict):
    msg_fmt = ('Offer %(offer_uuid)s is %(status)s and ends at '
               '%(end_time)s; only an available offer that has not ended '
               'can be changed.')


class OfferStartBooked(Conflict):
    msg_fmt = ('The start time of offer %(offer_uuid)s cannot change while '
               '%(lease)s claimed from it is not over.')


class OfferEndBooked(Conflict):
    msg_fmt = ('Offer %(offer_uuid)s cannot end at %(end_time)s: '
               '%(lease)s claimed from it ends at %(lease_end)s.')


class OfferDuplicateName(Conflict):
    msg_fmt = 'Duplicate offers with name %(name)s.'


class LeaseDuplicateName(Conflict):
    msg_fmt = 'Duplicate leases with name %(name)s.'


# 5xx

class InternalError(EsiLeapException):
    msg_fmt = ('The server hit an unexpected error; the details are in its '
               'log.')


class NodeBusy(EsiLeapException):
    code = http.HTTPStatus.CONFLICT
    msg_fmt = ('Node %(uuid)s is still %(state)s; it is handed over once '
               'that finishes.')


class NodeRefused(EsiLeapException):
    code = http.HTTPStatus.CONFLICT
    msg_fmt = 'Ironic refused a hand-back step on node %(uuid)s: %(reason)s'


class ConsoleTokenRefused(EsiLeapException):
    """A console connection whose token cannot be used (proxy only)."""

    code = http.HTTPStatus.FORBIDDEN
    msg_fmt = 'Console token refused: %(reason)s.'


class ConsoleUnavailable(EsiLeapException):
    """A node whose console cannot be reached or used (proxy only)."""

    code = http.HTTPStatus.SERVICE_UNAVAILABLE
    msg_fmt = 'Console of node %(node)s unavailable: %(reason)s'


class DatabaseUnavailable(EsiLeapException):
    code = http.HTTPStatus.SERVICE_UNAVAILABLE
    msg_fmt = 'The database is unavailable; retry later.'


class BackendUnavailable(EsiLeapException):
    code = http.HTTPStatus.SERVICE_UNAVAILABLE
    msg_fmt = '%(service)s is unavailable: %(reason)s'


class ServiceUnavailable(EsiLeapException):
    # NOTE(esi-leap): what API clients see of a BackendUnavailable: the
    # reason (an endpoint, a configuration problem) is only logged.
    code = http.HTTPStatus.SERVICE_UNAVAILABLE
    msg_fmt = '%(service)s is unavailable; try again later.'
