"""UTC, timezone-aware time: parsing what clients send, and formatting it.

Every datetime inside esi-leap is aware and in UTC. Input without an offset
is taken as UTC; input with an offset is converted, never truncated.
"""
import datetime

from dateutil import parser as dateutil_parser

from esi_leap.common import exception

UTC = datetime.timezone.utc

# The latest instant the database columns hold; an offer created without an
# end time lasts until then.
MAX_DATETIME = datetime.datetime(9999, 12, 31, 23, 59, 59, 999999,
                                 tzinfo=UTC)


def utcnow():
    """Return the current time as an aware UTC datetime."""
    return datetime.datetime.now(UTC)


def as_utc(value):
    """Return ``value`` as an aware UTC datetime (naive means UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse(value, field):
    """Parse a client-supplied time into an aware UTC datetime.

    Accepts ISO 8601 dates and datetimes with ``T`` or a space between date
    and time, optional fractions of a second and an optional UTC offset or
    ``Z``; dateutil's parser is the fallback for other unambiguous forms.
    Raises InvalidDatetime (HTTP 400) naming ``field`` otherwise.
    """
    if isinstance(value, datetime.datetime):
        return as_utc(value)
    if not isinstance(value, str) or not value.strip():
        raise exception.InvalidDatetime(field=field, value=value)
    text = value.strip()
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = dateutil_parser.parse(text)
        except (ValueError, OverflowError):
            raise exception.InvalidDatetime(field=field, value=value)
    try:
        return as_utc(parsed)
    except (ValueError, OverflowError):
        # Converting an offset near year 1 or 9999 can fall off the range.
        raise exception.InvalidDatetime(field=field, value=value)


def parse_optional(value, field):
    """Like parse(), but None and the empty string give None."""
    if value is None or value == '':
        return None
    return parse(value, field)


def isoformat(value):
    """Format for API output: ISO 8601 in UTC without an offset.

    This is the original ESI-Leap's wire format (``2030-01-01T00:00:00``,
    with ``.ffffff`` only when there are microseconds).
    """
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = as_utc(value)
    # NOTE(esi-leap): an aware UTC datetime's isoformat() ends in
    # "+00:00"; cutting it off is cheaper than replace(tzinfo=None).
    return value.isoformat()[:-6]


def message_format(value):
    """Format for error messages: Python's ``str()`` of the naive UTC time.

    The original server's messages use this form and client tests rebuild
    the expected text from it.
    """
    return str(as_utc(value).replace(tzinfo=None))
