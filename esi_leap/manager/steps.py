"""The backend steps of a manager pass on one node, and their Outcome.

act() reads the node, takes one step of the hand-back of a lease that
should not hold it any more, and hands it to the one that should (see
handovers); the Outcome says what came of it, as one transitions.Result
per lease concerned plus the message recorded with it. Backend failures
are in the Outcome, never raised; nothing is written to the database.
"""
import dataclasses

from oslo_log import log

from esi_leap.common import exception
from esi_leap.common import timeutils
from esi_leap.manager import handovers
from esi_leap.manager import transitions
from esi_leap import resource_types

LOG = log.getLogger(__name__)

# Fewest nodes of one type read with one backend listing rather than one
# read each (an Ironic listing returns every node, paginated).
LOOK_MANY_MIN = 10


@dataclasses.dataclass(frozen=True)
class Verdict(object):
    """What a pass came to for one lease: a Result and its message."""

    result: transitions.Result
    message: str = None


@dataclasses.dataclass
class Outcome(object):
    """What the backend steps of a pass found and did on one node.

    ``state`` is 'ok', 'missing' (the node is gone: nothing to scrub) or
    'unreachable' (nothing is known: every due lease is retried);
    ``current`` is the lease the node still carries after the scrub;
    ``busy`` means the backend is still taking the node back (cleaning),
    or still working on a node the holder waits for (the readiness gate):
    the leases concerned wait without that counting as a failed attempt.
    ``node`` is the NodeInfo read from the backend (None if it was not):
    the facts the notifications of the outcome carry. end_of() and
    hold_of() give each lease's Verdict: what recording reads.
    """

    started: object
    state: str = 'ok'
    node: object = None
    current: str = None
    scrub_error: str = None
    hold_error: str = None
    busy: bool = False
    scrubbed: bool = False
    # The last hand-back step's HandBack, and why the node is quarantined.
    handback: object = None
    quarantine: str = None
    # The node went back to a parent lease from its sub-lease just now.
    returned: bool = False
    # The attested hand-over: what its gate came to (attestation_gate),
    # and the Result it gives the holder short of a verdict (ATTESTING,
    # ATTEST_TIMEOUT), None otherwise.
    attestation: object = None
    gate: transitions.Result = None

    def still_holds(self, lease_uuid):
        """Whether the node may still carry ``lease_uuid``."""
        return self.state == 'unreachable' or (
            self.scrub_error is not None and self.current == lease_uuid)

    def end_result(self, lease_uuid):
        """The transitions.Result of the end of ``lease_uuid``."""
        if self.still_holds(lease_uuid):
            return transitions.Result.BUSY if self.busy \
                else transitions.Result.FAILED
        if self.quarantine is not None and self.current == lease_uuid:
            return transitions.Result.QUARANTINED
        return transitions.Result.DONE

    def end_of(self, lease_uuid):
        """The Verdict of the end of ``lease_uuid``."""
        return Verdict(self.end_result(lease_uuid), self.scrub_error)

    def hold_of(self):
        """The Verdict of the hand-over to the holder."""
        return Verdict(self.hold_result(), self.hold_error)

    def hold_result(self):
        """The transitions.Result of the hand-over to the holder."""
        if self.gate is transitions.Result.ATTEST_TIMEOUT:
            return self.gate
        if self.quarantine is not None:
            return transitions.Result.QUARANTINED
        if self.gate is not None:
            return self.gate
        if self.busy and (self.scrub_error is not None or
                          self.hold_error is not None):
            return transitions.Result.BUSY
        if self.hold_error is not None:
            return transitions.Result.FAILED
        return transitions.Result.DONE


@dataclasses.dataclass
class Work(object):
    """One node's plan and what the backend steps did about it."""

    resource_type: str
    resource_uuid: str
    plan: object
    outcome: Outcome

    @property
    def pair(self):
        return (self.resource_type, self.resource_uuid)


def look_many(pairs):
    """Read the nodes of ``pairs`` from their backends, a listing per type.

    Returns {pair: NodeInfo, or None for a node the backend does not
    have}. Types with fewer than LOOK_MANY_MIN nodes, or whose listing
    fails, are left out: act() reads those nodes itself.
    """
    by_type = {}
    for rtype_name, uuid in pairs:
        by_type.setdefault(rtype_name, []).append(uuid)
    found = {}
    for rtype_name, uuids in by_type.items():
        if len(uuids) < LOOK_MANY_MIN:
            continue
        try:
            nodes = resource_types.get(rtype_name).get_many(uuids)
        except exception.EsiLeapException as e:
            LOG.warning('Cannot list %d %s nodes (%s); reading them one by '
                        'one', len(uuids), rtype_name, e)
            continue
        found.update(((rtype_name, uuid), nodes.get(uuid)) for uuid in uuids)
    return found


def act(resource_type, resource_uuid, plan, now, looked=None):
    """Do the backend steps of ``plan`` on one node; return the Outcome.

    Read the node (unless ``looked`` is a list holding what look_many()
    found of it), scrub it of a lease that should not hold it, hand it to
    the one that should. Backend failures are in the Outcome, never
    raised; nothing is written to the database.
    """
    outcome = Outcome(started=max(now, timeutils.utcnow()))
    rtype = resource_types.get(resource_type)
    if looked is None:
        node = _look(rtype, resource_uuid, outcome)
    else:
        node = _looked(looked[0], outcome)
    if outcome.state == 'ok':
        handovers.scrub(rtype, resource_uuid, plan, outcome)
        handovers.hold(rtype, resource_uuid, node, plan, outcome)
    elif outcome.state == 'missing':
        outcome.hold_error = 'node %s not found' % resource_uuid
    return outcome


def _look(rtype, resource_uuid, outcome):
    """Read the node from the backend; None unless outcome.state is 'ok'."""
    try:
        node = rtype.get(resource_uuid)
    except exception.NodeNotFound:
        outcome.state = 'missing'
        return None
    except exception.EsiLeapException as e:
        outcome.state = 'unreachable'
        outcome.scrub_error = outcome.hold_error = str(e)
        return None
    return _looked(node, outcome)


def _looked(node, outcome):
    """As _look(), for a node read by look_many() (None: missing)."""
    if node is None:
        outcome.state = 'missing'
        return None
    outcome.current = node.lease_uuid
    outcome.node = node
    return node
