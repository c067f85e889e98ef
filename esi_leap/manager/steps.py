"""The backend steps of a manager pass on one node, and their Outcome.

act() reads the node, takes one step of the hand-back of a lease that
should not hold it any more, and hands it to the one that should (see
handovers); the Outcome says what came of it: each step that learns
something records a Verdict (a transitions.Result and its message) for
the lease concerned, and keeps the node's facts the notifications carry.
Backend failures are in the Outcome, never raised; nothing is written to
the database.
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


DONE = Verdict(transitions.Result.DONE)


@dataclasses.dataclass
class Outcome(object):
    """What the backend steps of a pass found and did on one node.

    The step that learns something records it as a Verdict for the lease
    concerned: ``ends`` ({lease uuid: Verdict}) for a lease the node
    still carries, ``others`` for the end of any other lease, ``handover``
    for the hand-over to the holder (also the node's own verdict when
    there is no holder: the quarantines read it). end_of() and hold_of()
    are what recording reads; transitions.TABLE turns them into records.

    The rest are facts, kept as data for the notifications and the later
    steps of the pass: ``node`` the NodeInfo read from the backend (None
    if it was not), ``current`` the lease the node still carries,
    ``handback`` the last hand-back step's HandBack, ``quarantine`` why
    the node is kept from every tenant, ``returned`` whether it went back
    to a parent lease from its sub-lease just now, ``attestation`` what
    the attested hand-over's gate came to (attestation_gate).
    """

    started: object
    node: object = None
    current: str = None
    handback: object = None
    quarantine: str = None
    returned: bool = False
    attestation: object = None
    ends: dict = dataclasses.field(default_factory=dict)
    others: Verdict = DONE
    handover: Verdict = DONE

    def end_of(self, lease_uuid):
        """The Verdict of the end of ``lease_uuid``."""
        return self.ends.get(lease_uuid, self.others)

    def hold_of(self):
        """The Verdict of the hand-over to the holder."""
        return self.handover

    def still_holds(self, lease_uuid):
        """Whether the node may still carry ``lease_uuid``."""
        return transitions.still_holds(self.end_of(lease_uuid).result)

    @property
    def scrubbed(self):
        """Whether a hand-back step of this pass cleared the old lessee."""
        # NOTE(esi-leap): the old holder's console tokens go with the step
        # that clears its lessee (its sessions end with it), and at the end.
        handback = self.handback
        return handback is not None and bool(handback.reached or
                                             handback.done)

    @property
    def busy(self):
        """Whether the backend is still working on the node (a wait)."""
        return self.handover.result is transitions.Result.BUSY

    def unknown(self, why):
        """Nothing is known of the node: every lease concerned fails."""
        self.others = self.handover = Verdict(transitions.Result.FAILED,
                                              why)

    def handback_stopped(self, result, why):
        """The hand-back of the current lease is BUSY or FAILED: ``why``.

        Every end verdict carries the hand-back's message; the holder
        waits for the node to be taken back.
        """
        self.ends[self.current] = Verdict(result, why)
        self.others = Verdict(transitions.Result.DONE, why)
        self.handover = Verdict(result, _waiting_for(self.current, why))

    def handback_quarantined(self, why):
        """The hand-back of the current lease quarantined the node."""
        self.ends[self.current] = Verdict(transitions.Result.QUARANTINED)
        self.quarantined(why)

    def quarantined(self, why, result=transitions.Result.QUARANTINED):
        """The node is kept from every tenant: the holder gets ``result``."""
        self.quarantine = why
        self.handover = Verdict(result, transitions.QUARANTINED + why)

    def not_held(self, result, why):
        """The hand-over to the holder came to ``result`` (not DONE)."""
        self.handover = Verdict(result, why)


def _waiting_for(current, why):
    # The holder cannot have the node before it has been taken back.
    return ('waiting for the node to be taken back from lease %s: %s'
            % (current, why))


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
    try:
        node = rtype.get(resource_uuid) if looked is None else looked[0]
    except exception.NodeNotFound:
        node = None
    except exception.EsiLeapException as e:
        outcome.unknown(str(e))
        return outcome
    if node is None:
        # Nothing to scrub: the leases end; none can have the node.
        outcome.not_held(transitions.Result.FAILED,
                         'node %s not found' % resource_uuid)
        return outcome
    outcome.current, outcome.node = node.lease_uuid, node
    handovers.scrub(rtype, resource_uuid, plan, outcome)
    handovers.hold(rtype, resource_uuid, node, plan, outcome)
    return outcome
