"""The Keylime provider against a real verifier, registrar and TPM.

One Keylime (quote interval 1 s), two software TPMs with the stand-in
agent each, shared by the module. The tests fail, and do not skip, when
Keylime, swtpm or tpm2-tools are missing (tools/run-tests.sh installs
them). The test that changes PCR 0 uses its own node.
"""
import time
import types
import uuid

import pytest

from esi_leap.attestation import base
from esi_leap.attestation import keylime as provider
from esi_leap.attestation import tpm_policy
from esi_leap.tests.fixtures import keylime as keylime_fixture

WAIT, PASS, FAIL = base.Verdict.WAIT, base.Verdict.PASS, base.Verdict.FAIL


@pytest.fixture(scope='module')
def stack(tmp_path_factory):
    with keylime_fixture.started_stack(
            str(tmp_path_factory.mktemp('keylime')), count=2) as stack:
        yield stack


def conf(stack, **overrides):
    values = dict(stack.options(), api_version='2.5', request_timeout=5.0,
                  min_quotes=1)
    values.update(overrides)
    return types.SimpleNamespace(**values)


def gate(stack, n=0, policy=None, mark=None):
    return base.Gate('node-%d' % n, stack.agents[n].agent_id,
                     mark or str(uuid.uuid4()), int(time.time()),
                     tpm_policy.parse(policy or stack.known_good(n)))


def run(prov, the_gate, until, timeout=30):
    """Step the gate until a verdict in ``until``; every step taken."""
    steps = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        steps.append(prov.step(the_gate))
        if steps[-1].verdict in until:
            return steps
        time.sleep(0.5)
    return steps


def test_healthy_node_passes_only_after_a_fresh_quote(stack):
    prov = provider.KeylimeProvider(conf(stack))
    the_gate = gate(stack)
    steps = run(prov, the_gate, (PASS, FAIL))
    assert steps[0].verdict is WAIT and 'enrolled' in steps[0].reason
    assert steps[-1].verdict is PASS, steps
    state = stack.keylime.verifier_agent(the_gate.agent_id)
    assert state['attestation_count'] >= 1
    assert state['last_successful_attestation'] >= the_gate.started_at
    assert prov.release(the_gate)


def test_a_step_after_a_restart_does_not_enrol_twice(stack):
    prov = provider.KeylimeProvider(conf(stack))
    the_gate = gate(stack)
    steps = run(prov, the_gate, (PASS, FAIL))
    assert steps[-1].verdict is PASS
    # A new provider (a restarted manager) finds the gate's own enrolment.
    again = provider.KeylimeProvider(conf(stack)).step(the_gate)
    assert again.verdict is PASS
    assert again.started_at == the_gate.started_at
    assert prov.release(the_gate)


def test_a_stale_enrolment_is_removed_before_the_new_one(stack):
    prov = provider.KeylimeProvider(conf(stack))
    old = gate(stack, mark='old-lease')
    assert run(prov, old, (PASS,))[-1].verdict is PASS
    new = gate(stack, mark='new-lease')
    first = prov.step(new)
    assert first.verdict is WAIT and 'earlier enrolment' in first.reason
    steps = run(prov, new, (PASS, FAIL))
    assert steps[-1].verdict is PASS
    meta = stack.keylime.verifier_agent(new.agent_id)['meta_data']
    assert 'new-lease' in meta
    assert prov.release(new)


def test_pass_with_no_quote_is_not_a_pass():
    fresh = {'operational_state': 3, 'attestation_status': 'PASS',
             'attestation_count': 0, 'last_successful_attestation': 0}
    assert provider.judge(fresh, 100, 1).verdict is WAIT
    retry = dict(fresh, operational_state=4, attestation_count=5,
                 last_successful_attestation=200)
    assert provider.judge(retry, 100, 1).verdict is WAIT
    old = dict(fresh, attestation_count=5, last_successful_attestation=99)
    assert provider.judge(old, 100, 1).verdict is WAIT
    good = dict(old, last_successful_attestation=100)
    assert provider.judge(good, 100, 1).verdict is PASS
    assert provider.judge(good, 100, 6).verdict is WAIT


def test_unknown_agent_waits_with_a_reason(stack):
    prov = provider.KeylimeProvider(conf(stack))
    the_gate = base.Gate('node-x', str(uuid.uuid4()), 'm', int(time.time()),
                         stack.known_good(0))
    step = prov.step(the_gate)
    assert step.verdict is WAIT
    assert 'not registered' in step.reason


def test_bad_client_certificate_is_a_clear_wait(stack, tmp_path):
    cert, key = keylime_fixture.self_signed(str(tmp_path))
    prov = provider.KeylimeProvider(conf(stack, cert_file=cert,
                                         key_file=key))
    step = prov.step(gate(stack))
    assert step.verdict is WAIT
    assert 'TLS handshake with the Keylime verifier failed' in step.reason
    assert cert not in step.reason and 'BEGIN' not in step.reason


def test_ca_bundle_of_the_environment_is_ignored(stack, monkeypatch,
                                                 tmp_path):
    # A CA bundle variable naming a file without the Keylime CA changes
    # nothing: the provider trusts [keylime] ca_file alone.
    empty = tmp_path / 'other-ca.pem'
    empty.write_text(open(keylime_fixture.self_signed(str(tmp_path))[0])
                     .read())
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', str(empty))
    monkeypatch.setenv('CURL_CA_BUNDLE', str(empty))
    monkeypatch.setenv('HTTPS_PROXY', 'http://127.0.0.1:9')
    prov = provider.KeylimeProvider(conf(stack))
    the_gate = gate(stack)
    assert run(prov, the_gate, (PASS, FAIL))[-1].verdict is PASS
    assert prov.release(the_gate)


def test_missing_ca_file_is_a_clear_wait(stack):
    prov = provider.KeylimeProvider(conf(stack, ca_file=None))
    step = prov.step(gate(stack))
    assert step.verdict is WAIT and 'ca_file' in step.reason


def test_verifier_stopped_then_started(stack):
    prov = provider.KeylimeProvider(conf(stack))
    the_gate = gate(stack)
    stack.keylime.verifier.stop()
    try:
        step = prov.step(the_gate)
        assert step.verdict is WAIT
        assert 'verifier does not answer' in step.reason
    finally:
        stack.keylime.start_verifier()
    assert run(prov, the_gate, (PASS, FAIL))[-1].verdict is PASS
    assert prov.release(the_gate)


def test_changed_pcr_0_fails_then_known_good_values_pass(stack):
    # Node 1 only: its PCR 0 stays changed for the rest of the module.
    prov = provider.KeylimeProvider(conf(stack))
    before = stack.known_good(1)
    stack.tpms[1].extend(0)
    the_gate = gate(stack, 1, policy=before)
    steps = run(prov, the_gate, (PASS, FAIL))
    assert steps[-1].verdict is FAIL
    assert steps[-1].event_id == 'pcr_validation.invalid_pcr_0'
    assert 'pcr_validation.invalid_pcr_0' in steps[-1].reason
    assert prov.release(the_gate)
    # The operator records the new firmware's value as known-good.
    regate = gate(stack, 1, policy=stack.known_good(1))
    assert run(prov, regate, (PASS, FAIL), timeout=40)[-1].verdict is PASS
    assert prov.release(regate)


def test_registrar_refuses_a_new_ak_for_a_known_agent(stack):
    # Last on node 1: its TPM keeps the new AK.
    stack.agents[1].kill()
    code, output = stack.agents[1].start_refused(new_ak=True)
    assert code != 0
    assert 'registration refused: 403' in output


def test_policy_checks():
    good = 'a' * 64
    assert tpm_policy.parse('{"0": "%s"}' % good.upper()) == {'0': [good]}
    assert tpm_policy.mask({'0': [good], '7': [good]}) == '0x81'
    for bad in ('[]', '{}', 'x', '{"16": "%s"}' % good,
                '{"10": "%s"}' % good, '{"24": "%s"}' % good,
                '{"0": "zz"}', '{"0": []}', '{"-1": "%s"}' % good):
        with pytest.raises(tpm_policy.InvalidPolicy):
            tpm_policy.parse(bad)
