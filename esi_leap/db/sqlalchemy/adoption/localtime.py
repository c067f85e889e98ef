"""Turn naive local times stored by another service into naive UTC, in SQL.

The conversion is one CASE expression per column: each branch covers a
stretch of local time during which the zone kept one UTC offset, so a
whole table is converted by one INSERT ... SELECT, whatever its size.
"""
import datetime
import zoneinfo

import sqlalchemy as sa

_DAY = datetime.timedelta(days=1)
_SECOND = datetime.timedelta(seconds=1)
# Far-future times (an open-ended offer's 9999-12-31) keep the offset the
# zone has at this instant: zone rules are not known that far ahead.
_HORIZON = datetime.datetime(2200, 1, 1)


def _offset(zone, utc):
    """The zone's UTC offset at the naive UTC instant ``utc``, in seconds."""
    aware = utc.replace(tzinfo=datetime.timezone.utc).astimezone(zone)
    return int(aware.utcoffset().total_seconds())


def _transition(zone, before, after):
    """The first naive UTC second in (before, after] with a new offset."""
    old = _offset(zone, before)
    while after - before > _SECOND:
        middle = before + (after - before) / 2
        middle = middle.replace(microsecond=0)
        if middle <= before:
            break
        if _offset(zone, middle) == old:
            before = middle
        else:
            after = middle
    return after


def stretches(zone_name, first, last):
    """The offsets of zone ``zone_name`` between naive local times.

    Returns [(local_end, offset_seconds), ...]: times before local_end
    (and after the previous entry's) are offset_seconds ahead of UTC; the
    last entry's local_end is None (every later time). An ambiguous local
    time (the repeated hour when clocks go back) is read as the first of
    the two instants.
    """
    zone = zoneinfo.ZoneInfo(zone_name)
    # Some drivers hand naive DATETIMEs back marked UTC: the wall time is
    # what counts here.
    first, last = first.replace(tzinfo=None), last.replace(tzinfo=None)
    start = min(first, _HORIZON) - 2 * _DAY
    stop = min(max(last, first), _HORIZON) + 2 * _DAY
    result = []
    utc, offset = start, _offset(zone, start)
    while utc < stop:
        step = min(utc + _DAY, stop)
        if _offset(zone, step) != offset:
            change = _transition(zone, utc, step)
            # Local times before this instant, read with the old offset.
            result.append((change + datetime.timedelta(seconds=offset),
                           offset))
            offset = _offset(zone, change)
            step = change
        utc = step
    result.append((None, offset))
    return result


def _shift(column, seconds, dialect):
    """``column`` moved by ``seconds`` (negative: earlier), in SQL."""
    if seconds == 0:
        return column
    if dialect == 'mysql':
        return sa.func.timestampadd(sa.literal_column('SECOND'), seconds,
                                    column)
    if dialect == 'postgresql':
        return column + sa.literal_column("interval '1 second'") * seconds
    raise ValueError('converting local times is not supported on %s'
                     % dialect)


def to_utc(column, zone_name, first, last, dialect):
    """SQL for the naive local time ``column`` as naive UTC.

    ``first`` and ``last`` bound the values the column holds (naive local
    times); ``dialect`` names the database. NULL stays NULL.
    """
    parts = stretches(zone_name, first, last)
    if len(parts) == 1:
        return _shift(column, -parts[0][1], dialect)
    whens = [(column < end, _shift(column, -offset, dialect))
             for end, offset in parts[:-1]]
    return sa.case(*whens, else_=_shift(column, -parts[-1][1], dialect))
