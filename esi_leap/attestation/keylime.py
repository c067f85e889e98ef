"""The Keylime attestation provider: one gate step at a time.

A step reads the verifier's state of the node's agent. No enrolment: read
the agent from the registrar (registered and activated, with an AK) and
enrol it with the node's TPM policy, marked with the gate. An enrolment
with another mark is stale: remove it (the verifier's DELETE finishes
later; a POST before it has answers 409, so the next steps wait for the
404 first). Our own enrolment: judge it.

A pass is only a fresh pass. Keylime's ``attestation_status`` says PASS
before any quote was checked and for about a minute after the agent has
gone away (GET_QUOTE_RETRY maps to PASS too): a pass counts only in state
GET_QUOTE, with at least ``[keylime] min_quotes`` quotes checked since the
enrolment and the last success not older than the gate's start.
"""
import json
import time

from oslo_log import log

from esi_leap.attestation import base
from esi_leap.attestation import keylime_client
from esi_leap.attestation import tpm_policy

LOG = log.getLogger(__name__)

GET_QUOTE, GET_QUOTE_RETRY = 3, 4
STATES = {0: 'registered', 1: 'start', 2: 'saved', 3: 'get quote',
          4: 'get quote retry', 5: 'provide V', 6: 'provide V retry',
          7: 'failed', 8: 'terminated', 9: 'invalid quote',
          10: 'tenant failed'}
FAILED = (7, 9, 10)
TERMINATED = 8
# Seconds after its last quote when a terminated enrolment is stuck
# (Keylime's longest retry wait by default is 32 s).
STUCK_AFTER = 30
MARK, STARTED = 'esi_leap_gate', 'esi_leap_gate_started_at'


class KeylimeProvider(base.Provider):
    """Gate steps against the verifier and registrar of ``[keylime]``."""

    def __init__(self, conf):
        self.conf = conf

    def _client(self):
        return keylime_client.Client(self.conf)

    def step(self, gate):
        """Take the next step of ``gate`` (see the module); never raises."""
        try:
            client = self._client()
        except keylime_client.KeylimeUnavailable as e:
            return base.Step(base.Verdict.WAIT, str(e))
        try:
            state = client.verifier_agent(gate.agent_id)
            if state is None:
                return self._enrol(client, gate)
            meta = _meta(state)
            if meta.get(MARK) != gate.mark:
                _remove_stale(client, gate.agent_id, state)
                return base.Step(base.Verdict.WAIT,
                                 'removing an earlier enrolment of agent %s '
                                 'from the Keylime verifier' % gate.agent_id)
            return judge(state, _started(meta, gate), self.conf.min_quotes)
        except keylime_client.KeylimeUnavailable as e:
            return base.Step(base.Verdict.WAIT, str(e))
        finally:
            client.close()

    def _enrol(self, client, gate):
        agent = client.registrar_agent(gate.agent_id)
        why = _not_usable(agent, gate.agent_id)
        if why is not None:
            return base.Step(base.Verdict.WAIT, why)
        body = enrolment(agent, gate, self.conf.api_version)
        if not client.enrol(gate.agent_id, body):
            return base.Step(base.Verdict.WAIT,
                             'the Keylime verifier is still removing an '
                             'earlier enrolment of agent %s' % gate.agent_id)
        LOG.info('Node %s: agent %s enrolled at the Keylime verifier',
                 gate.node_uuid, gate.agent_id)
        return base.Step(base.Verdict.WAIT, 'agent %s enrolled; waiting for '
                         'a fresh quote' % gate.agent_id,
                         started_at=gate.started_at)

    def release(self, gate):
        """Stop polling the agent and remove its enrolment (DELETE)."""
        try:
            client = self._client()
        except keylime_client.KeylimeUnavailable:
            return False
        try:
            # NOTE(esi-leap): DELETE alone: on a polled agent it marks it
            # terminated and the verifier's polling ends and removes it. A
            # PUT stop first makes the DELETE immediate while a quote may
            # still be in flight, and that quote's end was seen to remove
            # the next enrolment of the same agent.
            client.delete(gate.agent_id)
            return True
        except keylime_client.KeylimeUnavailable as e:
            LOG.warning('Node %s: agent %s not released: %s', gate.node_uuid,
                        gate.agent_id, e)
            return False
        finally:
            client.close()


def _remove_stale(client, agent_id, state):
    """Remove another gate's enrolment of the agent.

    A DELETE of a polled agent only marks it terminated; the verifier's
    polling removes it when its quote (or retry) is done. An enrolment
    still terminated long after its last quote has nothing left to
    remove it (a verifier restarted meanwhile does not resume it): stop
    it first, which makes the DELETE immediate.
    """
    last = state.get('last_received_quote') or 0
    if state.get('operational_state') == TERMINATED and \
            time.time() - last > STUCK_AFTER:
        client.stop(agent_id)
    client.delete(agent_id)


def _not_usable(agent, agent_id):
    """Why the registrar's record cannot be enrolled, or None."""
    if agent is None:
        return ('agent %s is not registered and activated at the Keylime '
                'registrar' % agent_id)
    if agent.get('agent_id', agent_id) != agent_id or \
            not isinstance(agent.get('aik_tpm'), str) or \
            not isinstance(agent.get('ip'), str) or \
            not isinstance(agent.get('port'), int):
        return ('the Keylime registrar has no usable identity (AK, address) '
                'for agent %s' % agent_id)
    return None


def enrolment(agent, gate, api_version):
    """The verifier's enrolment body for ``agent`` under ``gate``."""
    policy = dict(gate.tpm_policy, mask=tpm_policy.mask(gate.tpm_policy))
    meta = {MARK: gate.mark, STARTED: gate.started_at}
    return {
        'cloudagent_ip': agent['ip'], 'cloudagent_port': agent['port'],
        'ak_tpm': agent['aik_tpm'], 'mtls_cert': agent.get('mtls_cert'),
        'tpm_policy': json.dumps(policy), 'metadata': json.dumps(meta),
        'runtime_policy': '', 'runtime_policy_name': '',
        'runtime_policy_key': '', 'mb_policy': None, 'mb_policy_name': '',
        'ima_sign_verification_keys': '', 'revocation_key': '',
        'accept_tpm_hash_algs': ['sha256'],
        'accept_tpm_encryption_algs': ['rsa', 'ecc'],
        'accept_tpm_signing_algs': ['rsassa', 'ecdsa'],
        'supported_version': api_version,
    }


def _meta(state):
    try:
        meta = json.loads(state.get('meta_data') or '{}')
    except (TypeError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def _started(meta, gate):
    started = meta.get(STARTED)
    return started if isinstance(started, int) else gate.started_at


def judge(state, started_at, min_quotes):
    """The Step that the verifier's ``state`` of an agent comes to."""
    operational = state.get('operational_state')
    name = STATES.get(operational, 'unknown state')
    event = state.get('last_event_id') or None
    if operational in FAILED:
        return base.Step(base.Verdict.FAIL, 'Keylime verdict: %s (%s)' % (
            name, event or 'no event id'), event_id=event or name,
            started_at=started_at)
    count = state.get('attestation_count') or 0
    last = state.get('last_successful_attestation') or 0
    if operational == GET_QUOTE and count >= min_quotes and \
            last >= started_at:
        return base.Step(base.Verdict.PASS, 'Keylime verdict: pass (%d '
                         'quotes)' % count, started_at=started_at)
    if operational == GET_QUOTE_RETRY:
        return base.Step(base.Verdict.WAIT, 'the Keylime verifier cannot '
                         'get a quote from the agent (%s, %d quotes '
                         'checked)' % (name, count), started_at=started_at)
    return base.Step(base.Verdict.WAIT, 'no fresh pass from the Keylime '
                     'verifier yet (%s, %d quotes checked)' % (name, count),
                     started_at=started_at)
