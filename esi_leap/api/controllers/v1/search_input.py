"""The search parameters of the offer and node lists.

``property`` (repeated) filters on the node's public properties;
``available_for`` (with ``available_start_time``) and the client's
``--now`` (``available_end_time`` in year 9999) ask for offers a caller
could claim: free from a start for at least a duration.
"""
import dataclasses
import datetime
import re

from oslo_config import cfg

from esi_leap.api.controllers.v1 import utils
from esi_leap.common import exception
from esi_leap.common import property_expressions
from esi_leap.common import statuses
from esi_leap.common import timeutils

CONF = cfg.CONF

# Longest duration available_for accepts: ten years, in seconds.
MAX_AVAILABLE_FOR = 10 * 366 * 24 * 3600
_SECONDS = re.compile(r'[0-9]{1,10}')


@dataclasses.dataclass(frozen=True)
class Availability(object):
    """The window an offer list asks to be free, None: no such filter.

    ``claimable`` is true for the windows asked as "free from then for
    this long" (available_for, --now): only available offers match them.
    """

    start: object = None
    end: object = None
    claimable: bool = False


def properties(request):
    """The Expressions of the request's repeated ``property`` parameter.

    Raises InvalidField (400) naming the expression at fault.
    """
    return property_expressions.parse_query(request.GET.getall('property'))


def availability(a_start, a_end, a_for, now=None):
    """Parse available_start_time, available_end_time and available_for.

    Without available_for, and with an end before year 9999, the pair
    means what it always did (utils.availability_pair()). available_for
    asks for offers free from available_start_time (default now) for at
    least that many seconds; an available_end_time in year 9999 (what
    ``esi offer list --now`` sends) for at least [api]
    available_now_min_duration. A start in the past counts from now:
    no one may claim the past. Raises Invalid (400) saying what is wrong.
    """
    if a_for is None:
        if a_end is None or timeutils.parse(
                a_end, 'available_end_time').year < 9999:
            start, end = utils.availability_pair(a_start, a_end)
            return Availability(start, end)
        seconds = CONF.api.available_now_min_duration
    else:
        if a_end is not None:
            raise exception.Invalid(
                reason='give available_end_time or available_for, not both')
        seconds = _seconds(a_for)
    now = now or timeutils.utcnow()
    start = timeutils.parse_optional(a_start, 'available_start_time')
    start = now if start is None or start < now else start
    if start >= timeutils.MAX_DATETIME - datetime.timedelta(seconds=seconds):
        raise exception.Invalid(
            reason='available_start_time plus the duration asked for is '
            'after the end of the calendar')
    return Availability(start, start + datetime.timedelta(seconds=seconds),
                        claimable=True)


def _seconds(text):
    """available_for: an integer from 1 to MAX_AVAILABLE_FOR."""
    if not _SECONDS.fullmatch(text) or not \
            1 <= int(text) <= MAX_AVAILABLE_FOR:
        raise exception.Invalid(
            reason='available_for must be an integer number of seconds '
            'from 1 to %d, got %s' % (MAX_AVAILABLE_FOR,
                                      exception.shown(text[:64])))
    return int(text)


def claimable_statuses(status_set, wanted):
    """The offer statuses a list shows given an Availability ``wanted``.

    A claimable window only matches available offers, whatever ``status``
    asked for (an empty tuple then: nothing matches).
    """
    if not wanted.claimable:
        return status_set
    if status_set is None:
        return (statuses.AVAILABLE,)
    return tuple(s for s in status_set if s == statuses.AVAILABLE)
