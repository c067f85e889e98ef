"""The attested hand-over: a fresh verdict on the TPM before a new lessee.

After the hand-back (the node is clean and ready) and before the holder's
lessee is set, for every hand-over to a new top-level lessee, the gate
takes one step of the provider per manager pass and says whether the node
may be handed over now. Fail closed: a failed verdict quarantines the
node; no answer, or no fresh quote, waits (no attempt counted) until
``[keylime] timeout`` after the gate's start, then the lease goes to
error and the node to quarantine. Never a hand-over without a verdict.

The gate's start is the node's record (node_attestations) when it gates
the same lease, else the provider's own mark, else now; record() writes
the record with the pass's outcome. Nothing here writes the database.
"""
import dataclasses
import datetime

from oslo_config import cfg
from oslo_log import log

from esi_leap.attestation import base
from esi_leap.attestation import keylime
from esi_leap.attestation import keylime_client
from esi_leap.attestation import tpm_policy
from esi_leap.common import statuses
from esi_leap.db import api as db_api
from esi_leap.manager import transitions

CONF = cfg.CONF
LOG = log.getLogger(__name__)

AGENT_KEY, POLICY_KEY = 'keylime_agent_uuid', 'keylime_tpm_policy'


@dataclasses.dataclass
class Attestation(object):
    """What the gate came to in this pass, for record() to write."""

    lease_uuid: str
    status: str                  # statuses.ATTEST_*
    started_at: datetime.datetime
    reason: str = None
    event_id: str = None

    @property
    def final(self):
        return self.status != statuses.ATTEST_RUNNING


def enabled():
    """Whether hand-overs are gated at all."""
    return CONF.attestation.enabled


def provider():
    """The configured attestation provider."""
    return keylime.KeylimeProvider(CONF.keylime)


def check(rtype_name, node, holder, outcome, now):
    """Whether ``node`` may go to ``holder`` now; the Outcome says why not.

    Sets ``outcome.attestation`` and, unless the node may go, the
    holder's Verdict: QUARANTINED on a failed verdict, ATTEST_TIMEOUT
    with no verdict in time, ATTESTING while waiting.
    """
    name = node.name or node.uuid
    extra = node.extra or {}
    agent_id = extra.get(AGENT_KEY)
    if agent_id is None:
        if not CONF.attestation.require_agent:
            return True
        return _refuse(outcome, holder, now, 'node %s has no %s in its '
                       'extra and [attestation] require_agent is set'
                       % (name, AGENT_KEY))
    if not keylime_client.valid_agent_id(agent_id):
        return _refuse(outcome, holder, now, 'node %s has an invalid %s'
                       % (name, AGENT_KEY))
    try:
        policy = tpm_policy.parse(extra.get(POLICY_KEY)
                                  or CONF.keylime.tpm_policy)
    except tpm_policy.InvalidPolicy as e:
        return _refuse(outcome, holder, now, 'node %s: %s' % (name, e))
    pair = (rtype_name, node.uuid)
    record = db_api.attestations_of([pair]).get(pair)
    refused = _failed_before(record, holder.uuid)
    started = int(_started(record, holder.uuid, now).timestamp())
    # NOTE(esi-leap): the mark names the lease and the gate's start, so an
    # enrolment of this lease's earlier (failed) gate is stale too.
    gate = base.Gate(node.uuid, agent_id, '%s@%d' % (holder.uuid, started),
                     started, policy)
    return _step(provider(), gate, name, holder, outcome, now, refused)


def _failed_before(record, lease_uuid):
    """The event id of this lease's failed verdict on the node, or None.

    NOTE(esi-leap): a lease that saw its node fail stays quarantined
    while the node attests again: one quarantine, and one end of it.
    """
    if record is None or record.lease_uuid != lease_uuid or \
            record.status not in statuses.ATTEST_REFUSING:
        return None
    return record.event_id


def _started(record, lease_uuid, now):
    """When the gate of this node for this lease started (or now)."""
    if record is not None and record.lease_uuid == lease_uuid and \
            record.status == statuses.ATTEST_RUNNING:
        return record.started_at
    return now


def _step(prov, gate, name, holder, outcome, now, refused):
    step = prov.step(gate)
    started = datetime.datetime.fromtimestamp(
        step.started_at or gate.started_at, datetime.timezone.utc)
    if step.verdict is base.Verdict.PASS:
        if not prov.release(gate):
            return _wait(outcome, holder, started, 'node %s passed; waiting '
                         'to remove its enrolment' % name, refused)
        LOG.info('Node %s attested for lease %s: %s', name, holder.uuid,
                 step.reason)
        outcome.attestation = Attestation(holder.uuid, statuses.ATTEST_PASS,
                                          started, step.reason)
        return True
    if step.verdict is base.Verdict.FAIL:
        prov.release(gate)
        return _refuse(outcome, holder, started, 'node %s failed '
                       'attestation: %s' % (name, step.reason),
                       step.event_id, statuses.ATTEST_FAIL)
    waited = (now - started).total_seconds()
    if waited >= CONF.keylime.timeout:
        prov.release(gate)
        return _refuse(outcome, holder, started, 'node %s gave no '
                       'attestation verdict within %d s: %s' % (
                           name, CONF.keylime.timeout, step.reason),
                       'timeout', statuses.ATTEST_ERROR,
                       transitions.Result.ATTEST_TIMEOUT)
    return _wait(outcome, holder, started, 'waiting for the attestation of '
                 'node %s: %s' % (name, step.reason), refused)


def _wait(outcome, holder, started, why, failed):
    """No verdict yet: the gate waits; ``failed``, an earlier failure."""
    outcome.attestation = Attestation(holder.uuid, statuses.ATTEST_RUNNING,
                                      started, why, failed)
    if failed:
        why = '%sthe node failed attestation (%s); attesting it again: %s' \
            % (transitions.QUARANTINED, failed, why)
    outcome.not_held(transitions.Result.ATTESTING, why)
    return False


def _refuse(outcome, holder, started, why, event_id=None,
            status=statuses.ATTEST_FAIL,
            result=transitions.Result.QUARANTINED):
    """The gate refuses the node: quarantined, the holder gets ``result``."""
    LOG.warning('Lease %s does not get its node: %s', holder.uuid, why)
    outcome.attestation = Attestation(holder.uuid, status, started, why,
                                      event_id)
    outcome.quarantined(why, result)
    return False


def record(txn, recorder, pair, lease, outcome, now):
    """Write the gate's record and its event (attest.end / attest.error)."""
    found = outcome.attestation
    if found is None or lease is None:
        return
    txn.save_attestation(pair, found.lease_uuid, found.status,
                         found.started_at, found.event_id, now)
    if found.status == statuses.ATTEST_PASS:
        recorder.record_node(lease, 'attest', 'end', found.reason,
                             lessee_id=None)
    elif found.final:
        recorder.record_node(lease, 'attest', 'error', found.reason,
                             lessee_id=None)
