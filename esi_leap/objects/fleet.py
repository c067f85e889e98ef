"""The nodes of an N-node claim: the free offers that match, and the choice.

What POST /v1/claims asks for (FleetRequest), the offers the caller may
claim for it (candidates()) and which of them to take (choose(): random
among the fitting ones, honouring a locality). claims.claim_nodes() books
the chosen ones, by the checks of a single claim.
"""
import dataclasses
import datetime
import random

from esi_leap.common import exception
from esi_leap.common import fleet_errors
from esi_leap.common import property_expressions
from esi_leap.common import statuses
from esi_leap.common import timeutils
from esi_leap.objects import filters
from esi_leap.objects import offers

SAME = 'same'
SPREAD = 'spread'
LOCALITY_MODES = (SAME, SPREAD)


@dataclasses.dataclass(frozen=True)
class Locality(object):
    """Keep the nodes on one value of a node property, or on distinct ones."""

    key: str
    mode: str


@dataclasses.dataclass(frozen=True)
class FleetRequest(object):
    """A validated N-node claim (see the API reference)."""

    count: int
    start: datetime.datetime
    end: datetime.datetime
    resource_class: str = None
    expressions: tuple = ()
    offers: tuple = None
    locality: Locality = None
    fields: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Candidate(object):
    """A free offer that matches, and the node it is of."""

    offer: object
    node: object

    @property
    def pair(self):
        return (self.offer.resource_type, self.offer.resource_uuid)


def candidates(request, view):
    """The offers the caller may claim, free for the window, that match.

    One per node; unknown nodes (the backend does not report them) only
    count when nothing about the node is asked for.
    """
    if request.offers is not None:
        rows = [offers.find(ident, (statuses.AVAILABLE,), view=view)
                for ident in request.offers]
        found = offers.describe(rows, now=request.start)
    else:
        found = offers.list_page(filters.OfferFilters(
            statuses=(statuses.AVAILABLE,),
            available_start_time=request.start,
            available_end_time=request.end,
            blocking_lease_statuses=statuses.LEASE_BLOCKING,
            visibility=view), resource_class=request.resource_class,
            now=request.start)
    kept = {}
    for offer in found.rows:
        node = found.nodes.get((offer.resource_type, offer.resource_uuid))
        if _free(found.availabilities.get(offer.uuid, ()), request) and \
                _matches(node, request):
            kept.setdefault((offer.resource_type, offer.resource_uuid),
                            Candidate(offer, node))
    return list(kept.values())


def _free(windows, request):
    return any(s <= request.start and request.end <= e for s, e in windows)


def _matches(node, request):
    """Whether the node is of the class and satisfies the expressions."""
    needs_node = request.resource_class is not None or \
        request.expressions or request.locality is not None
    if node is None:
        return not needs_node
    if request.resource_class is not None and \
            node.resource_class != request.resource_class:
        return False
    return property_expressions.matches(request.expressions,
                                        node.public_properties())


def choose(free, request):
    """Pick ``request.count`` of the Candidates ``free``, honouring locality.

    Random among the fitting ones, so that concurrent claims of one pool
    seldom choose the same nodes. Raises NotEnoughNodes or LocalityUnmet.
    """
    count = request.count
    if len(free) < count:
        raise fleet_errors.NotEnoughNodes(count=count, free=len(free),
                                          **_times(request))
    if request.locality is None:
        return random.sample(free, count)
    groups = _groups(free, request.locality.key)
    if request.locality.mode == SAME:
        fitting = [g for g in groups.values() if len(g) >= count]
        if fitting:
            smallest = min(len(g) for g in fitting)
            group = random.choice([g for g in fitting if len(g) == smallest])
            return random.sample(group, count)
        best = max((len(g) for g in groups.values()), default=0)
    else:
        if len(groups) >= count:
            return [random.choice(g)
                    for g in random.sample(list(groups.values()), count)]
        best = len(groups)
    raise fleet_errors.LocalityUnmet(
        count=count, free=len(free), best=best,
        how=_how(request.locality), **_times(request))


def _groups(free, key):
    """{value of the node property ``key``: Candidates}.

    Nodes without it (or with a structured value) are in no group.
    """
    groups = {}
    for candidate in free:
        value = candidate.node.public_properties().get(key)
        if isinstance(value, (str, int, float)) and \
                not isinstance(value, bool):
            groups.setdefault(str(value), []).append(candidate)
        elif isinstance(value, bool):
            groups.setdefault(str(value).lower(), []).append(candidate)
    return groups


def _how(locality):
    if locality.mode == SAME:
        return 'on one value of %s' % exception.shown(locality.key)
    return 'on different values of %s' % exception.shown(locality.key)


def _times(request):
    return {'start_time': timeutils.message_format(request.start),
            'end_time': timeutils.message_format(request.end)}


def nodes_of(chosen):
    """The nodes argument of leases.describe() for the chosen Candidates."""
    if any(c.node is None for c in chosen):
        return None
    return {c.pair: c.node for c in chosen}
