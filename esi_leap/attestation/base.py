"""What an attestation provider promises the manager's hand-over gate.

The gate takes one step per manager pass: ``step()`` looks at the
provider's state for the node, does the next thing (enrol, clear a stale
enrolment, or nothing) and says where the node stands. Every step is
idempotent: a manager restarted mid-gate calls it again and the provider
finds its own enrolment by the gate's mark.
"""
import abc
import dataclasses
import enum


class Verdict(enum.Enum):
    """Where a node stands in the gate after one step."""

    PASS = 'pass'        # a fresh pass: hand the node over
    FAIL = 'fail'        # the TPM's evidence was refused: quarantine
    WAIT = 'wait'        # no verdict yet (or no answer): look again


@dataclasses.dataclass(frozen=True)
class Gate(object):
    """One gate: which node, whose hand-over, since when, what policy."""

    node_uuid: str
    agent_id: str
    mark: str            # names this gate (the lease waiting for the node)
    started_at: int      # epoch seconds; a pass must be newer
    tpm_policy: dict     # PCR number (str) -> list of allowed values


@dataclasses.dataclass(frozen=True)
class Step(object):
    """The outcome of one step: the verdict, why, and the provider's id."""

    verdict: Verdict
    reason: str
    event_id: str = None
    started_at: int = None   # the gate's start as the provider recorded it


class Provider(abc.ABC):
    """An attestation service the gate asks for verdicts."""

    @abc.abstractmethod
    def step(self, gate):
        """Take the next step of ``gate``; return a Step, never raise.

        A provider that does not answer gives a WAIT whose reason says so.
        """

    @abc.abstractmethod
    def release(self, gate):
        """Stop attesting the node (after a verdict); True once done."""
