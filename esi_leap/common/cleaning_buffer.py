"""The cleaning buffer: time kept free on a node after each booking.

One definition of "free" serves the booking checks and the offers'
availabilities. A booking [start, end) of a node needs the node from
``start`` until ``end`` plus the node's buffer; two bookings of one node
conflict when either starts before the other's buffered end:

    other.start < end + buffer  and  start < other.end + buffer

(with a buffer of 0, the half-open overlap of the two windows). Only
top-level bookings are separated by a buffer: a sub-lease hands the node
back to its parent lease's project, not to a new tenant, so bookings
inside one parent lease use a buffer of 0.
"""
import dataclasses
import datetime

from oslo_config import cfg

from esi_leap.common import timeutils

CONF = cfg.CONF

NONE = datetime.timedelta(0)

_MIN_DATETIME = datetime.datetime.min.replace(tzinfo=timeutils.UTC)


def for_class(resource_class):
    """The buffer of a node of ``resource_class`` (None: unknown class).

    [manager] cleaning_buffer_by_resource_class wins over
    [manager] cleaning_buffer.
    """
    by_class = CONF.manager.cleaning_buffer_by_resource_class or {}
    seconds = by_class.get(resource_class) if resource_class is not None \
        else None
    if seconds is None:
        seconds = CONF.manager.cleaning_buffer
    return datetime.timedelta(seconds=seconds)


def for_booking(resource_class, parent_lease_uuid):
    """The buffer between a booking and its neighbours on the node.

    NONE inside a parent lease (sub-offers and sub-leases), the node's
    buffer (for_class()) for a top-level booking.
    """
    if parent_lease_uuid is not None:
        return NONE
    return for_class(resource_class)


def widest():
    """The largest buffer any node may have under the current options."""
    by_class = CONF.manager.cleaning_buffer_by_resource_class or {}
    return datetime.timedelta(
        seconds=max([CONF.manager.cleaning_buffer] + list(by_class.values())))


def classes():
    """The resource classes that have a buffer of their own, sorted."""
    return tuple(sorted(CONF.manager.cleaning_buffer_by_resource_class or {}))


def later(moment, buffer):
    """``moment`` plus ``buffer``, kept inside the calendar."""
    if moment >= timeutils.MAX_DATETIME - buffer:
        return timeutils.MAX_DATETIME
    return moment + buffer


def earlier(moment, buffer):
    """``moment`` minus ``buffer``, kept inside the calendar."""
    if moment <= _MIN_DATETIME + buffer:
        return _MIN_DATETIME
    return moment - buffer


def widened(start, end, buffer):
    """The window other bookings of the node must stay out of.

    A booking [other_start, other_end) conflicts with [start, end) exactly
    when it overlaps (half-open) the window returned, [start - buffer,
    end + buffer): so an overlap check of the widened window in SQL,
    with its ends as bound values, is conflicts().
    """
    return earlier(start, buffer), later(end, buffer)


def conflicts(start, end, other_start, other_end, buffer):
    """Whether bookings [start, end) and [other_start, other_end) conflict.

    They do when they overlap once the earlier one is extended by
    ``buffer``.
    """
    low, high = widened(start, end, buffer)
    return other_start < high and other_end > low


@dataclasses.dataclass(frozen=True)
class Neighbours(object):
    """The bookings next to a window, as one query reports them.

    ``before_end`` is the latest end of the bookings that start before
    the pivot (None: none do), ``after_start`` the earliest start of
    those that start at or after it (None: none do). The pivot is the end
    of the window checked (or its start, when the end is to be decided).
    """

    before_end: object = None
    after_start: object = None


def blocked(start, end, neighbours, buffer):
    """Whether the window [start, end) conflicts with a neighbour.

    ``neighbours`` were read with ``end`` as the pivot. NOTE(esi-leap): a
    booking starting before ``end`` conflicts when it ends after
    ``start - buffer``, so the latest such end decides; one starting at
    or after ``end`` conflicts when it starts before ``end + buffer``, so
    the earliest such start decides. Whatever the buffer, two values per
    window are enough, and the query need not know the buffer.
    """
    low, high = widened(start, end, buffer)
    return (neighbours.before_end is not None and
            neighbours.before_end > low) or \
        (neighbours.after_start is not None and
         neighbours.after_start < high)


def only_by_buffer(start, end, neighbours, buffer):
    """Whether a conflict of [start, end) is due to the buffer alone.

    True when blocked() with ``buffer`` but not with none: the message of
    the conflict then says so.
    """
    return buffer > NONE and blocked(start, end, neighbours, buffer) and \
        not blocked(start, end, neighbours, NONE)


def free_windows(span_start, span_end, taken, buffer):
    """The windows of [span_start, span_end) where a booking may be made.

    ``taken`` is the (start, end) windows of the bookings to stay clear
    of. Each is widened by ``buffer`` on both sides and subtracted; what
    remains comes back in order, as (start, end) pairs, without empty
    ones. Every window returned (and every window inside one) conflicts
    with none of ``taken``, and every window that conflicts with none of
    them and lies in the span lies inside one.
    """
    cursor, gaps = span_start, []
    for low, high in sorted(widened(s, e, buffer) for s, e in taken):
        if low >= span_end:
            break
        if low > cursor:
            gaps.append((cursor, low))
        cursor = max(cursor, high)
    if cursor < span_end:
        gaps.append((cursor, span_end))
    return gaps
