"""Time in tests: now in UTC, and the ISO 8601 form the API reads and shows.

The API shows times as naive ISO 8601 in UTC and reads a naive time as
UTC, as the original ESI-Leap does.
"""
import datetime


def utcnow():
    """Return now as an aware UTC datetime."""
    return datetime.datetime.now(datetime.timezone.utc)


def naive_utcnow():
    """Return now as a naive UTC datetime, the form the API shows."""
    return utcnow().replace(tzinfo=None)


def iso(moment):
    """Return ``moment`` in the API's form: naive ISO 8601 in UTC.

    An aware datetime is converted to UTC first; a naive one is taken as
    UTC already.
    """
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.timezone.utc).replace(
            tzinfo=None)
    return moment.isoformat()


def iso_seconds(moment):
    """Return ``moment`` as ISO 8601 to the second, with no zone.

    The fraction of a second is dropped, not rounded; the zone, if any,
    is left out as it is (give a UTC time).
    """
    return moment.strftime('%Y-%m-%dT%H:%M:%S')
