"""UTC, timezone-aware time: parsing what clients send, and formatting it.

Every datetime inside esi-leap is aware and in UTC. Input without an offset
is taken as UTC; input with an offset is converted, never truncated.
"""
import datetime
import re

import orjson

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


# NOTE(esi-leap): exactly ISO 8601 (RFC 3339 profile, plus what the client
# sends): a date, or a date and a time with "T" or a space between, optional
# seconds and fractions (1 to 6 digits), an optional "Z" or +hh:mm, +hhmm,
# +hh offset. ASCII digits only (re.ASCII). Anything else is refused rather
# than guessed at: a lenient parser reads "2030" as today's date in 2030.
_ISO_8601 = re.compile(
    r'(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})'
    r'(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})'
    r'(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,6}))?)?'
    r'(?P<offset>Z|[+-]\d{2}(?::?\d{2})?)?)?',
    re.ASCII)


def _offset(text):
    """Return the tzinfo of an offset matched by _ISO_8601."""
    if text is None or text == 'Z':
        return UTC
    sign = -1 if text[0] == '-' else 1
    digits = text[1:].replace(':', '')
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError('offset out of range')
    return datetime.timezone(sign * datetime.timedelta(hours=hours,
                                                       minutes=minutes))


def _from_match(match):
    parts = match.groupdict()
    fraction = parts['fraction'] or '0'
    return datetime.datetime(
        int(parts['year']), int(parts['month']), int(parts['day']),
        int(parts['hour'] or 0), int(parts['minute'] or 0),
        int(parts['second'] or 0), int(fraction.ljust(6, '0')),
        tzinfo=_offset(parts['offset']))


def parse(value, field):
    """Parse a client-supplied time into an aware UTC datetime.

    Accepts exactly ISO 8601 dates (``2030-01-31``) and datetimes with
    ``T`` or a space between date and time, optional seconds and fractions
    of a second (up to microseconds) and an optional ``Z`` or UTC offset
    (``+02:00``, ``+0200``, ``+02``); no offset means UTC. Raises
    InvalidDatetime (HTTP 400) naming ``field`` for anything else.
    """
    if isinstance(value, datetime.datetime):
        return as_utc(value)
    match = _ISO_8601.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise exception.InvalidDatetime(field=field, value=value)
    try:
        return as_utc(_from_match(match))
    except (ValueError, OverflowError):
        # Impossible dates (2030-02-30), or an offset that pushes the time
        # off the range near year 1 or 9999.
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


_UTC_JOIN = '+00:00","'


def isoformats(values):
    """Return {value: isoformat(value)} for the datetimes of ``values``.

    The strings are exactly isoformat()'s; None maps to None. For a page
    of rows this is many times cheaper than one isoformat() call each.

    NOTE(esi-leap): orjson formats aware datetimes in C as RFC 3339 with
    "+00:00" for UTC and microseconds only when there are some, which is
    isoformat() plus the offset; the offsets are cut in one split of one
    string. Should a value not be in UTC, the split does not give one
    string per value and every value is formatted one by one instead.
    """
    unique = [v for v in set(values) if v is not None]
    table = {None: None}
    if not unique:
        return table
    text = orjson.dumps(unique).decode('ascii')
    strings = text[2:-8].split(_UTC_JOIN)
    if len(strings) == len(unique) and text.endswith('+00:00"]'):
        table.update(zip(unique, strings))
    else:
        table.update((v, isoformat(v)) for v in unique)
    return table


def message_format(value):
    """Format for error messages: Python's ``str()`` of the naive UTC time.

    The original server's messages use this form and client tests rebuild
    the expected text from it.
    """
    return str(as_utc(value).replace(tzinfo=None))
