"""The attested hand-over on dummy nodes, with a real Keylime and TPMs.

The manager's scheduler runs passes on the real clock (a pass must be
newer than the gate's start on the verifier's clock). One Keylime (quote
interval 1 s) and three nodes (a swtpm and the stand-in agent each) are
shared by the module; node 1's PCR 0 is changed by one test, which
re-enrols its known-good values before it ends. The gate's database work
is the manager's own records: the module runs on SQLite (the embedded
default) and on MariaDB only, to keep the suite's wall time down.
"""
import datetime
import json
import threading
import time

import pytest
import sqlalchemy as sa

from esi_leap.attestation import keylime_client
from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.db.sqlalchemy import models
from esi_leap.manager import scheduler as scheduler_mod
from esi_leap.objects import access
from esi_leap.objects import leases as leases_obj
from esi_leap import resource_types
from esi_leap.tests import conftest
from esi_leap.tests.fixtures import databases
from esi_leap.tests.fixtures import keylime as keylime_fixture


GATED_BACKENDS = [backend for backend in databases.selected_backends()
                  if backend in ('sqlite', 'mysql')]


@pytest.fixture(scope='module', params=GATED_BACKENDS)
def migrated_database(request, tmp_path_factory):
    """Only SQLite and MariaDB (PyMySQL) for this module."""
    return conftest.make_migrated_database(request, request.param,
                                           tmp_path_factory)


@pytest.fixture(scope='module')
def stack(tmp_path_factory):
    with keylime_fixture.started_stack(
            str(tmp_path_factory.mktemp('keylime')), count=3) as stack:
        yield stack


@pytest.fixture
def gated(stack, config, database, nodes):
    """Attestation on, Keylime configured, nodes 0 and 1 with agents."""
    config(group='attestation', enabled=True)
    config(group='keylime', timeout=40,
           tpm_policy=json.dumps(stack.known_good(0)), **stack.options())
    config(group='manager', retry_initial_delay=0.5)
    for n in range(2):
        add_node(nodes, stack, n)
    sched = scheduler_mod.Scheduler(name='test-manager')
    yield sched
    sched.stop()


def add_node(nodes, stack, n, policy=None, **fields):
    extra = {'keylime_agent_uuid': stack.agents[n].agent_id}
    if policy is not None:
        extra['keylime_tpm_policy'] = policy
    extra.update(fields.pop('extra', {}))
    nodes.add('node-%d' % n, 'owner-project', extra=extra, **fields)


def make_lease(n, project='lessee-project', minutes=30):
    ctx = access.Access(project_id='owner-project')
    info = resource_types.get('dummy_node').get('node-%d' % n)
    now = timeutils.utcnow()
    return leases_obj.create(ctx, 'dummy_node', info, project,
                             start=now - datetime.timedelta(seconds=1),
                             end=now + datetime.timedelta(minutes=minutes))


def run_until(sched, uuid, wanted, timeout=40, reason=None):
    """Run manager passes until the lease's status is in ``wanted``.

    Or until its reason has ``reason``, when given.
    """
    deadline = time.monotonic() + timeout
    statuses = []
    while time.monotonic() < deadline:
        sched.run_once(now=timeutils.utcnow())
        row = db_api.lease_get(uuid)
        statuses.append(row.status)
        if row.status in wanted or (
                reason is not None and reason in (row.status_reason or '')):
            return row, statuses
        time.sleep(0.5)
    return db_api.lease_get(uuid), statuses


def node_events(n):
    with db_api.reader() as session:
        return [e for e in session.scalars(
            sa.select(models.Event.event_type)
            .where(models.Event.resource_uuid == 'node-%d' % n)
            .where(models.Event.event_type.like('esi_leap.node.%'))
            .order_by(models.Event.id))]


def record(n):
    pair = ('dummy_node', 'node-%d' % n)
    return db_api.attestations_of([pair]).get(pair)


def test_healthy_node_is_handed_over_after_a_fresh_pass(
        gated, stack, nodes, caller):
    lease = make_lease(0)
    gate_start = timeutils.utcnow()
    row, seen = run_until(gated, lease.uuid, ('active', 'error'))
    assert row.status == 'active', (row.status_reason, seen)
    assert 'wait fulfill' in seen          # it waited for the verdict
    assert nodes.read('node-0')['project_id'] == 'lessee-project'
    assert node_events(0)[-1] == 'esi_leap.node.attest.end'
    found = record(0)
    assert found.status == 'pass' and found.lease_uuid == lease.uuid
    assert found.started_at >= gate_start - datetime.timedelta(seconds=1)
    # Owners and admins see the verdict in GET /v1/nodes; lessees do not.
    for project, role in (('owner-project', 'esi_leap_owner'),
                          ('admin-project', 'admin')):
        listed = caller(project, role).get('/v1/nodes').json['nodes']
        shown = {n['uuid']: n.get('attestation') for n in listed}
        assert shown['node-0']['status'] == 'pass'
        assert shown['node-0']['time'].startswith(
            found.updated_at.strftime('%Y-%m-%dT%H:%M'))
    listed = caller('lessee-project', 'esi_leap_lessee').get(
        '/v1/nodes').json['nodes']
    assert listed and all('attestation' not in n for n in listed)
    # The enrolment is gone: the tenant's operating system is not polled.
    deadline = time.monotonic() + 10
    while stack.keylime.verifier_agent(stack.agents[0].agent_id) and \
            time.monotonic() < deadline:
        time.sleep(0.5)
    assert stack.keylime.verifier_agent(stack.agents[0].agent_id) is None


def test_changed_pcr_0_quarantines_until_known_good_is_re_enrolled(
        gated, stack, nodes, config):
    config(group='manager', max_attempts=50)
    before = stack.known_good(1)
    add_node(nodes, stack, 1, policy=before)
    stack.tpms[1].extend(0)
    lease = make_lease(1)
    row, seen = run_until(gated, lease.uuid, ('active', 'error'),
                          timeout=15, reason='invalid_pcr_0')
    assert row.status == 'wait fulfill', seen
    assert 'active' not in seen
    assert row.status_reason.startswith('quarantined: ')
    assert 'pcr_validation.invalid_pcr_0' in row.status_reason
    assert 'project_id' not in nodes.read('node-1')
    assert 'esi_leap.node.attest.error' in node_events(1)
    assert 'esi_leap.node.quarantine.start' in node_events(1)
    # Failed, or attesting again after the failure (it keeps its event).
    assert record(1).status in ('fail', 'attesting')
    assert record(1).event_id == 'pcr_validation.invalid_pcr_0'
    # The operator records the new firmware's values as known-good; the
    # waiting lease gets the node once it attests against them.
    add_node(nodes, stack, 1, policy=stack.known_good(1))
    row, seen = run_until(gated, lease.uuid, ('active', 'error'))
    assert row.status == 'active', (row.status_reason, seen)
    assert nodes.read('node-1')['project_id'] == 'lessee-project'
    assert node_events(1)[-2:] == ['esi_leap.node.attest.end',
                                   'esi_leap.node.quarantine.end']


def test_agent_killed_just_before_the_gate_is_never_handed_over(
        gated, stack, nodes, config):
    config(group='keylime', timeout=8)
    stack.agents[0].kill()
    try:
        lease = make_lease(0)
        row, seen = run_until(gated, lease.uuid, ('active', 'error'),
                              timeout=30)
        assert 'active' not in seen
        assert row.status == 'error', seen
        assert 'no attestation verdict within 8 s' in row.status_reason
        assert 'project_id' not in nodes.read('node-0')
        assert record(0).status == 'error'
        assert 'esi_leap.node.attest.error' in node_events(0)
    finally:
        stack.agents[0].start()


def test_verifier_stopped_then_started_waits_then_hands_over(
        gated, stack, nodes):
    stack.keylime.verifier.stop()
    try:
        lease = make_lease(0)
        row, seen = run_until(gated, lease.uuid, ('active', 'error'),
                              timeout=4)
        assert row.status == 'wait fulfill'
        assert row.attempts == 0
        assert 'verifier does not answer' in row.status_reason
    finally:
        stack.keylime.start_verifier()
    row, seen = run_until(gated, lease.uuid, ('active', 'error'))
    assert row.status == 'active', (row.status_reason, seen)


def test_bad_client_certificate_gives_a_reason_and_no_hand_over(
        gated, stack, nodes, config, tmp_path, caller):
    cert, key = keylime_fixture.self_signed(str(tmp_path))
    config(group='keylime', cert_file=cert, key_file=key, timeout=3)
    lease = make_lease(0)
    row, seen = run_until(gated, lease.uuid, ('active', 'error'),
                          timeout=15)
    assert 'active' not in seen and row.status == 'error'
    assert 'TLS handshake with the Keylime verifier failed' in \
        row.status_reason
    assert cert not in row.status_reason
    assert 'project_id' not in nodes.read('node-0')
    # The API shows the reason, never a 5xx.
    owner = caller('owner-project', 'esi_leap_owner')
    body = owner.get('/v1/leases/%s' % lease.uuid).json
    assert 'TLS handshake' in json.dumps(body)


def test_nodes_without_an_agent(gated, stack, nodes, config):
    nodes.add('node-7', 'owner-project')
    lease = make_lease(7)
    row, _ = run_until(gated, lease.uuid, ('active', 'error'), timeout=10)
    assert row.status == 'active'          # require_agent is off
    config(group='attestation', require_agent=True)
    nodes.add('node-8', 'owner-project')
    lease = make_lease(8)
    row, seen = run_until(gated, lease.uuid, ('active', 'error'),
                          timeout=4)
    assert 'active' not in seen
    assert 'has no keylime_agent_uuid' in row.status_reason
    assert row.status_reason.startswith('quarantined: ')


@pytest.fixture
def enrolments(monkeypatch):
    """The enrolments the verifier accepted (the real calls still go)."""
    sent = []
    real = keylime_client.Client.enrol

    def enrol(self, agent_id, body):
        accepted = real(self, agent_id, body)
        # A 409 (the verifier still removing an older one) enrols nothing.
        if accepted:
            sent.append(agent_id)
        return accepted

    monkeypatch.setattr(keylime_client.Client, 'enrol', enrol)
    return sent


def test_a_restarted_manager_resumes_the_gate_without_enrolling_twice(
        gated, stack, nodes, enrolments):
    lease = make_lease(0)
    gated.run_once(now=timeutils.utcnow())
    row = db_api.lease_get(lease.uuid)
    assert row.status == 'wait fulfill' and 'enrolled' in row.status_reason
    started = record(0).started_at
    gated.stop()
    restarted = scheduler_mod.Scheduler(name='restarted-manager')
    try:
        row, seen = run_until(restarted, lease.uuid, ('active', 'error'))
    finally:
        restarted.stop()
    assert row.status == 'active', (row.status_reason, seen)
    assert enrolments == [stack.agents[0].agent_id]
    assert record(0).started_at == started
    assert node_events(0).count('esi_leap.node.attest.end') == 1


def test_two_managers_gate_a_node_once(gated, stack, nodes, enrolments):
    lease = make_lease(0)
    other = scheduler_mod.Scheduler(name='other-manager')
    errors = []

    def passes(sched):
        try:
            run_until(sched, lease.uuid, ('active', 'error'))
        except Exception as e:  # noqa: broad on purpose: reported below
            errors.append(e)

    threads = [threading.Thread(target=passes, args=(s,))
               for s in (gated, other)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        other.stop()
    assert not errors
    assert db_api.lease_get(lease.uuid).status == 'active'
    assert enrolments == [stack.agents[0].agent_id]
    assert node_events(0).count('esi_leap.node.attest.end') == 1


def test_registrar_refusing_a_new_ak_gives_a_reason_and_no_hand_over(
        gated, stack, nodes, config):
    # Node 2 is this test's only: its TPM keeps the refused new AK.
    config(group='keylime', timeout=6)
    add_node(nodes, stack, 2, policy=stack.known_good(2))
    stack.agents[2].kill()
    code, output = stack.agents[2].start_refused(new_ak=True)
    assert code != 0 and 'registration refused: 403' in output
    lease = make_lease(2)
    row, seen = run_until(gated, lease.uuid, ('active', 'error'),
                          timeout=30)
    assert 'active' not in seen and row.status == 'error'
    assert 'no attestation verdict within 6 s' in row.status_reason
    assert 'project_id' not in nodes.read('node-2')


@pytest.mark.parametrize('extra, why', [
    ({'keylime_agent_uuid': '../../etc'}, 'invalid keylime_agent_uuid'),
    ({'keylime_agent_uuid': 'a' * 200}, 'invalid keylime_agent_uuid'),
    ({'keylime_agent_uuid': 'agent-1', 'keylime_tpm_policy': '{"16": '
      '"%s"}' % ('0' * 64)}, 'may not name PCR 16'),
    ({'keylime_agent_uuid': 'agent-1', 'keylime_tpm_policy': 'not json'},
     'not JSON'),
    ({'keylime_agent_uuid': 'agent-1', 'keylime_tpm_policy': {'0': 'zz'}},
     'not a hex digest'),
])
def test_hostile_node_extra_quarantines_with_a_reason(gated, nodes, extra,
                                                      why):
    nodes.add('node-9', 'owner-project', extra=extra)
    lease = make_lease(9)
    row, seen = run_until(gated, lease.uuid, ('active', 'error'),
                          timeout=1.5)
    assert 'active' not in seen
    assert row.status_reason.startswith('quarantined: ')
    assert why in row.status_reason
    assert 'project_id' not in nodes.read('node-9')
