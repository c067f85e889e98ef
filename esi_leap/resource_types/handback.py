"""The hand-back plan: from what a node is, the next step to take.

Pure functions, no I/O: the Ironic resource type reads the node, asks
plan() for one step, and carries it out. Every step is decided afresh
from the node's state and the record the node carries (see Record), so a
step repeated after a crash, or taken by another manager, is harmless.

The order: first the lessee goes (the ex-tenant's reach), aborting a
transition Ironic would otherwise refuse it in; then a failed node is
quarantined; then, by provision state, undeploy, manage, manual clean
steps, provide, or wait for Ironic; last the mark (``lease_uuid``) goes.
"""
import dataclasses
import datetime
import enum
import re

from esi_leap.common import exception
from esi_leap.common import ironic_states as states
from esi_leap.common import timeutils

# Steps after which Ironic has cleaned the node (automated cleaning runs on
# undeploy and provide; manual steps run on clean).
CLEANING = ('undeploy', 'clean', 'provide')
# Longest piece of Ironic's text (last_error) put in a reason.
MAX_ERROR = 200
_UNPRINTABLE = re.compile(r'[\x00-\x1f\x7f-\x9f]+')


class Step(enum.Enum):
    """One thing the hand-back does to a node in one pass."""

    REACH = 'reach'            # clear the lessee, start the record
    ABORT = 'abort'
    UNDEPLOY = 'undeploy'
    MANAGE = 'manage'
    CLEAN = 'clean'            # manual clean steps, from manageable
    PROVIDE = 'provide'
    WAIT = 'wait'              # Ironic is working: nothing to do
    QUARANTINE = 'quarantine'  # failed: never handed over
    FINISH = 'finish'          # scrub, clear the lessee and the mark

    @property
    def recorded(self):
        """Whether the step is written in the record before it is taken."""
        return self in (Step.UNDEPLOY, Step.MANAGE, Step.CLEAN,
                        Step.PROVIDE)


@dataclasses.dataclass(frozen=True)
class Facts(object):
    """What the hand-back needs to know of a node, read from Ironic."""

    name: str
    provision_state: str
    target_provision_state: str = None
    maintenance: bool = False
    lessee: str = None
    last_error: str = None
    provision_updated_at: str = None

    @property
    def updatable(self):
        """Whether Ironic accepts a PATCH of the node now."""
        return states.updatable(self.provision_state,
                                self.target_provision_state)

    @property
    def at_rest(self):
        """Whether Ironic has finished what it was doing to the node."""
        return states.at_rest(self.provision_state,
                              self.target_provision_state)


@dataclasses.dataclass(frozen=True)
class Policy(object):
    """The options that shape a node's hand-back."""

    clean_on_lease_end: bool = True
    clean_steps: tuple = ()
    cleaning_timeout: float = 0
    undeploy: bool = True


@dataclasses.dataclass(frozen=True)
class Record(object):
    """The hand-back under way, as the node carries it in its properties.

    ``since``: when it began; ``step``: the last step asked of Ironic,
    ``mark`` the node's provision_updated_at just before and ``at`` when;
    ``done``: the steps Ironic has carried out.
    """

    since: datetime.datetime
    step: str = None
    mark: str = None
    at: datetime.datetime = None
    done: tuple = ()

    def to_json(self):
        """The record as the JSON object the node's properties keep."""
        return {'since': timeutils.isoformat(self.since), 'step': self.step,
                'mark': self.mark, 'at': timeutils.isoformat(self.at),
                'done': list(self.done)}

    @classmethod
    def from_json(cls, value, now):
        """Read a record back; None if there is none.

        A damaged record is read as one begun ``now`` with nothing done:
        the hand-back then does everything again, never less.
        """
        if not isinstance(value, dict):
            return None
        done = value.get('done')
        return cls(since=_time(value.get('since')) or now,
                   step=_text(value.get('step')),
                   mark=_text(value.get('mark')),
                   at=_time(value.get('at')),
                   done=tuple(s for s in done if s in CLEANING + ('manage',))
                   if isinstance(done, list) else ())

    def asking(self, step, facts, now):
        """The record once ``step`` is asked of Ironic at ``now``."""
        return dataclasses.replace(self, step=step.value,
                                   mark=facts.provision_updated_at, at=now)

    def asked(self, step, facts):
        """Whether the record has ``step`` asked already, in this state."""
        return self.step == step.value and \
            self.mark == facts.provision_updated_at

    def cleaned(self):
        """Whether Ironic has cleaned the node in this hand-back."""
        return any(step in self.done for step in CLEANING)


def _time(value):
    try:
        return timeutils.parse(value, 'since') if value else None
    except exception.InvalidDatetime:
        return None


def _text(value):
    return value if isinstance(value, str) else None


def settle(record, facts):
    """The record with its last step counted done if Ironic carried it out.

    A step is carried out once the node's provision state changed after it
    was asked (provision_updated_at moved on) and Ironic is at rest.
    """
    if record is None or record.step is None or \
            facts.provision_updated_at == record.mark or \
            facts.provision_state in states.BUSY or \
            facts.target_provision_state:
        return record
    done = record.done if record.step in record.done \
        else record.done + (record.step,)
    return dataclasses.replace(record, step=None, mark=None, at=None,
                               done=done)


def bounded(text):
    """Ironic's (or a client's) text made safe for a status_reason."""
    text = _UNPRINTABLE.sub(' ', str(text or '')).strip()
    if len(text) > MAX_ERROR:
        text = text[:MAX_ERROR - 3] + '...'
    return text or 'no reason given'


_FAILED_AS = {states.CLEAN_FAILED: 'failed cleaning',
              states.INSPECT_FAILED: 'failed inspection',
              states.ERROR: 'is in error'}


def quarantine_reason(facts, record, policy, now):
    """Why the node must be kept from every tenant now, or None."""
    failed = _FAILED_AS.get(facts.provision_state)
    if failed is not None:
        return 'node %s %s: %s' % (facts.name, failed,
                                   bounded(facts.last_error))
    if facts.maintenance:
        return 'node %s is in maintenance' % facts.name
    if policy.cleaning_timeout and record is not None and \
            record.at is not None and record.step in CLEANING and \
            (now - record.at).total_seconds() > policy.cleaning_timeout:
        return ('node %s did not finish cleaning within %d s (still %s)'
                % (facts.name, policy.cleaning_timeout,
                   facts.provision_state))
    return None


def plan(facts, record, policy, now):
    """Return (Step, reason): the next step of the hand-back of a node.

    ``record`` is the settled record (None before the first step). The
    reason says why the step waits or quarantines.
    """
    if record is None or facts.lessee:
        return _out_of_reach(facts, record, policy, now)
    reason = quarantine_reason(facts, record, policy, now)
    if reason is not None:
        return Step.QUARANTINE, reason
    return _by_state(facts, record, policy)


def _out_of_reach(facts, record, policy, now):
    """The first step: clear the lessee, or make Ironic accept it."""
    state = facts.provision_state
    if not facts.updatable:
        if state in states.ABORT_TO_CLEAR or state in states.ABORT_FIRST:
            return Step.ABORT, None
        if state in states.UNDEPLOYABLE and policy.undeploy:
            return Step.UNDEPLOY, None
        return Step.WAIT, ('Ironic is still %s node %s; its lessee is '
                           'cleared once that finishes'
                           % (state, facts.name))
    fresh = record or Record(since=now)
    if quarantine_reason(facts, fresh, policy, now) is None and \
            _by_state(facts, fresh, policy)[0] is Step.FINISH:
        # Nothing to do but scrub: one PATCH clears lessee and mark.
        return Step.FINISH, None
    return Step.REACH, None


def _needs_manual(record, policy):
    return bool(policy.clean_steps) and 'clean' not in record.done


def _by_state(facts, record, policy):
    """The step a node in its provision state needs (lessee cleared)."""
    state = facts.provision_state
    if state in states.BUSY:
        return Step.WAIT, 'node %s is %s' % (facts.name, state)
    if state in states.ABORT_FIRST:
        return Step.ABORT, None
    if state in states.UNDEPLOYABLE:
        return (Step.UNDEPLOY if policy.undeploy else Step.FINISH), None
    if state in states.MANAGE_FIRST:
        return Step.MANAGE, None
    if facts.target_provision_state:
        return Step.WAIT, 'node %s is on its way to %s' % (
            facts.name, facts.target_provision_state)
    if state == states.MANAGEABLE:
        return (Step.CLEAN if _needs_manual(record, policy)
                else Step.PROVIDE), None
    if state == states.AVAILABLE:
        return _available(record, policy), None
    if state in states.UNPROVISIONED and policy.clean_on_lease_end:
        # NOTE(esi-leap): Ironic cannot clean a node in enroll, and moving
        # it on (manage verifies its BMC credentials) is the owner's
        # choice, not esi-leap's: kept back until an operator has managed
        # it; the hand-back then goes on from manageable (provide).
        return Step.QUARANTINE, (
            'node %s is in %s: Ironic cannot clean it before an operator '
            'manages it' % (facts.name, state))
    # What Ironic cannot clean, cleaning off: nothing but the scrub.
    return Step.FINISH, None


def _available(record, policy):
    """An available node: cleaned in this hand-back, or to be."""
    cleaned = record.cleaned()
    if not cleaned and not policy.clean_on_lease_end:
        return Step.FINISH
    if not cleaned or _needs_manual(record, policy):
        return Step.MANAGE
    return Step.FINISH


def outcome(record):
    """What a finished hand-back did: cleaned, undeployed or scrubbed."""
    if record is None:
        return 'scrubbed'
    if 'provide' in record.done or 'clean' in record.done:
        return 'cleaned'
    if 'undeploy' in record.done:
        return 'undeployed'
    return 'scrubbed'
