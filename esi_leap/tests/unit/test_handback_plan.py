"""The hand-back plan and the manager's transition table (pure code)."""
import datetime
import types

import pytest

from esi_leap.common import ironic_states
from esi_leap.common import statuses
from esi_leap.manager import handovers
from esi_leap.manager import plan as plan_mod
from esi_leap.manager import steps
from esi_leap.manager import transitions
from esi_leap.resource_types import base
from esi_leap.resource_types import handback
from esi_leap.resource_types import ironic_handback

Step = handback.Step
NOW = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
STEPS = ({'interface': 'bios', 'step': 'factory_reset'},)
DEFAULT = handback.Policy()
WITH_STEPS = handback.Policy(clean_steps=STEPS)
NO_CLEAN = handback.Policy(clean_on_lease_end=False)


def facts(state, target=None, lessee=None, maintenance=False, at='t0',
          last_error=None):
    return handback.Facts(name='r1-n7', provision_state=state,
                          target_provision_state=target,
                          maintenance=maintenance, lessee=lessee,
                          last_error=last_error, provision_updated_at=at)


def record(*done, step=None, mark=None, at=None):
    return handback.Record(since=NOW, step=step, mark=mark, at=at,
                           done=tuple(done))


# (node facts, record, policy) -> the step planned.
PLANS = [
    # The lessee goes first, whatever comes next.
    (facts('active', lessee='p'), None, DEFAULT, Step.REACH),
    (facts('available', lessee='p'), None, DEFAULT, Step.REACH),
    (facts('manageable', lessee='p'), None, DEFAULT, Step.REACH),
    (facts('clean failed', lessee='p', maintenance=True), None, DEFAULT,
     Step.REACH),
    # Nothing to clean: one PATCH takes the lessee and the mark together.
    (facts('enroll', lessee='p'), None, NO_CLEAN, Step.FINISH),
    # Ironic cannot clean an enroll node: lessee off, then quarantined.
    (facts('enroll', lessee='p'), None, DEFAULT, Step.REACH),
    (facts('available', lessee='p'), None, NO_CLEAN, Step.FINISH),
    # Ironic refuses the PATCH: abort, undeploy, or wait first.
    (facts('wait call-back', target='active', lessee='p'), None, DEFAULT,
     Step.ABORT),
    (facts('deploy hold', target='active', lessee='p'), None, DEFAULT,
     Step.ABORT),
    (facts('service wait', target='active', lessee='p'), None, DEFAULT,
     Step.UNDEPLOY),
    (facts('cleaning', target='manageable', lessee='p'), None, DEFAULT,
     Step.WAIT),
    (facts('deploying', target='active', lessee='p'), None, DEFAULT,
     Step.WAIT),
    # Updatable transitional states: the lessee can go at once.
    (facts('service hold', target='active', lessee='p'), None, DEFAULT,
     Step.REACH),
    (facts('deploy failed', target='active', lessee='p'), None, DEFAULT,
     Step.REACH),
    # Lessee gone: by provision state.
    (facts('active'), record(), DEFAULT, Step.UNDEPLOY),
    (facts('active'), record(), handback.Policy(undeploy=False),
     Step.FINISH),
    (facts('service failed', target='active'), record(), DEFAULT,
     Step.UNDEPLOY),
    (facts('rescue'), record(), DEFAULT, Step.UNDEPLOY),
    (facts('service hold', target='active'), record(), DEFAULT, Step.ABORT),
    (facts('adopt failed'), record(), DEFAULT, Step.MANAGE),
    (facts('deleting', target='available'), record(), DEFAULT, Step.WAIT),
    (facts('cleaning', target='available'), record(), DEFAULT, Step.WAIT),
    (facts('inspecting', target='manageable'), record(), DEFAULT,
     Step.WAIT),
    (facts('manageable'), record(), DEFAULT, Step.PROVIDE),
    (facts('manageable'), record(), WITH_STEPS, Step.CLEAN),
    (facts('manageable'), record('clean'), WITH_STEPS, Step.PROVIDE),
    (facts('available'), record(), DEFAULT, Step.MANAGE),
    (facts('available'), record(), NO_CLEAN, Step.FINISH),
    (facts('available'), record('undeploy'), DEFAULT, Step.FINISH),
    (facts('available'), record('undeploy'), WITH_STEPS, Step.MANAGE),
    (facts('available'), record('manage', 'provide'), DEFAULT, Step.FINISH),
    (facts('available'), record('manage', 'clean', 'provide'), WITH_STEPS,
     Step.FINISH),
    (facts('enroll'), record(), DEFAULT, Step.QUARANTINE),
    (facts('enroll'), record(), NO_CLEAN, Step.FINISH),
    # Quarantine.
    (facts('clean failed'), record('manage'), WITH_STEPS, Step.QUARANTINE),
    (facts('inspect failed'), record(), DEFAULT, Step.QUARANTINE),
    (facts('error'), record(), DEFAULT, Step.QUARANTINE),
    (facts('active', maintenance=True), record(), DEFAULT, Step.QUARANTINE),
    (facts('available', maintenance=True), record(), DEFAULT,
     Step.QUARANTINE),
]


@pytest.mark.parametrize('node,rec,policy,expected', PLANS)
def test_plan(node, rec, policy, expected):
    assert handback.plan(node, rec, policy, NOW)[0] is expected


def test_reasons_name_the_node_and_bound_ironic_text():
    text = 'bad\x1b[31m step\n' + 'x' * 1000
    step, reason = handback.plan(facts('clean failed', last_error=text),
                                 record(), DEFAULT, NOW)
    assert step is Step.QUARANTINE
    assert reason.startswith('node r1-n7 failed cleaning: bad ')
    assert '\x1b' not in reason and '\n' not in reason
    assert len(reason) < 250 and reason.endswith('...')
    _, reason = handback.plan(facts('error'), record(), DEFAULT, NOW)
    assert reason == 'node r1-n7 is in error: no reason given'


def test_enroll_node_quarantine_says_what_to_do():
    step, reason = handback.plan(facts('enroll'), record(), DEFAULT, NOW)
    assert step is Step.QUARANTINE
    assert reason == ('node r1-n7 is in enroll: Ironic cannot clean it '
                      'before an operator manages it')


def test_cleaning_timeout_quarantines():
    policy = handback.Policy(cleaning_timeout=60)
    asked = record(step='provide', mark='t0',
                   at=NOW - datetime.timedelta(seconds=61))
    node = facts('cleaning', target='available', at='t1')
    step, reason = handback.plan(node, asked, policy, NOW)
    assert step is Step.QUARANTINE
    assert 'did not finish cleaning within 60 s (still cleaning)' in reason
    recent = record(step='provide', mark='t0',
                    at=NOW - datetime.timedelta(seconds=59))
    assert handback.plan(node, recent, policy, NOW)[0] is Step.WAIT
    assert handback.plan(node, asked, DEFAULT, NOW)[0] is Step.WAIT


def test_settle_counts_a_step_once_ironic_is_at_rest():
    asked = record('manage', step='provide', mark='t1')
    # Not carried out yet: the state has not changed since it was asked.
    assert handback.settle(asked, facts('manageable', at='t1')) == asked
    # Under way.
    assert handback.settle(asked, facts('cleaning', target='available',
                                        at='t2')) == asked
    settled = handback.settle(asked, facts('available', at='t3'))
    assert settled.done == ('manage', 'provide')
    assert settled.step is None and settled.cleaned()
    # Settling twice changes nothing.
    assert handback.settle(settled, facts('available', at='t3')) == settled
    assert handback.settle(None, facts('available')) is None


def test_record_round_trip_and_damage():
    asked = record('undeploy').asking(Step.MANAGE, facts('available', at='x'),
                                      NOW)
    again = handback.Record.from_json(asked.to_json(), NOW)
    assert again == asked
    assert handback.Record.from_json(None, NOW) is None
    damaged = handback.Record.from_json(
        {'since': 'yesterday', 'done': ['provide', 'rm -rf', 3]}, NOW)
    assert damaged.since == NOW and damaged.done == ('provide',)
    assert handback.Record.from_json({'done': 'provide'}, NOW).done == ()


@pytest.mark.parametrize('done,expected', [
    ((), 'scrubbed'), (('undeploy',), 'undeployed'),
    (('manage', 'provide'), 'cleaned'),
    (('undeploy', 'manage', 'clean', 'provide'), 'cleaned')])
def test_outcome(done, expected):
    assert handback.outcome(record(*done)) == expected


def test_outcome_without_record():
    assert handback.outcome(None) == 'scrubbed'


@pytest.mark.parametrize('value,steps', [
    (None, ()), ('', ()), ('[]', ()),
    ('[{"interface": "deploy", "step": "erase_devices_metadata"}]',
     ({'interface': 'deploy', 'step': 'erase_devices_metadata'},)),
    ([{'interface': 'bios', 'step': 'apply_configuration',
       'args': {'settings': []}}],
     ({'interface': 'bios', 'step': 'apply_configuration',
       'args': {'settings': []}},))])
def test_clean_steps(value, steps):
    assert ironic_handback.parse_clean_steps(value) == steps


@pytest.mark.parametrize('value', [
    '{', '{}', '"erase"', '[1]', '[{"interface": "bios"}]',
    '[{"interface": "bios", "step": 3}]',
    '[{"interface": "bios", "step": "x", "args": []}]',
    '[{"interface": "bios", "step": "x", "priority": 1}]',
    [{'interface': 'bios', 'step': 'x'}] * 51])
def test_bad_clean_steps(value):
    with pytest.raises(ironic_handback.CleanStepsInvalid):
        ironic_handback.parse_clean_steps(value)


def test_readiness_gate():
    def node(state, maintenance=False):
        return base.NodeInfo(uuid='u', name='r1-n7', provision_state=state,
                             maintenance=maintenance)
    assert node('available').not_ready() is None
    for state in ('enroll', 'manageable', 'inspect failed', 'error'):
        assert node(state).not_ready() is not None, state
    assert node('enroll').not_ready() == 'node r1-n7 is enroll, not ' \
        'available'
    # Only with [ironic] require_available_for_handover off.
    assert node('enroll').not_ready(
        handover=ironic_states.HANDOVER_WITH_ENROLL) is None
    assert node('enroll', True).not_ready(
        handover=ironic_states.HANDOVER_WITH_ENROLL) == \
        'node r1-n7 is in maintenance'
    assert node('active').not_ready() == 'node r1-n7 is active, not ' \
        'available'
    assert node('active').not_ready(sub_lease=True) is None
    assert node('cleaning').not_ready() is not None
    assert node('available', True).not_ready(sub_lease=True) == \
        'node r1-n7 is in maintenance'
    assert node('clean failed').not_ready(sub_lease=True) == \
        'node r1-n7 is in clean failed'


def test_state_sets_do_not_overlap():
    sets = [ironic_states.BUSY, ironic_states.UNDEPLOYABLE,
            ironic_states.ABORT_FIRST, ironic_states.FAILED,
            ironic_states.HANDOVER_WITH_ENROLL, ironic_states.MANAGE_FIRST]
    for i, one in enumerate(sets):
        for other in sets[i + 1:]:
            assert not one & other, (one, other)


# The transition table: (table, result) -> (status after, events, retry).
TABLE = [
    (transitions.END, transitions.Result.DONE, transitions.ENDED,
     ('end',), transitions.Retry.SUCCEED),
    (transitions.END, transitions.Result.QUARANTINED, transitions.ENDED,
     ('end',), transitions.Retry.SUCCEED),
    (transitions.END, transitions.Result.BUSY, transitions.WAITING, (),
     transitions.Retry.WAIT),
    (transitions.END, transitions.Result.FAILED, transitions.WAITING,
     ('error',), transitions.Retry.FAIL),
    (transitions.HOLD, transitions.Result.DONE, statuses.ACTIVE, ('end',),
     transitions.Retry.SUCCEED),
    (transitions.HOLD, transitions.Result.QUARANTINED,
     statuses.WAIT_FULFILL, ('error',), transitions.Retry.FAIL),
    (transitions.HOLD, transitions.Result.BUSY, statuses.WAIT_FULFILL, (),
     transitions.Retry.WAIT),
    (transitions.HOLD, transitions.Result.FAILED, statuses.WAIT_FULFILL,
     ('error',), transitions.Retry.FAIL),
]


@pytest.mark.parametrize('table,result,status,events,retry', TABLE)
def test_transition_table(table, result, status, events, retry):
    assert table[result] == transitions.Row(status, events, retry)


def test_every_result_has_a_row():
    for table in (transitions.END, transitions.HOLD):
        assert set(table) == set(transitions.Result)


@pytest.mark.parametrize('row,cancelling,status', [
    (transitions.END[transitions.Result.DONE], True, statuses.DELETED),
    (transitions.END[transitions.Result.DONE], False, statuses.EXPIRED),
    (transitions.END[transitions.Result.BUSY], True, statuses.WAIT_CANCEL),
    (transitions.END[transitions.Result.BUSY], False, statuses.WAIT_EXPIRE),
    (transitions.HOLD[transitions.Result.BUSY], False,
     statuses.WAIT_FULFILL)])
def test_end_status(row, cancelling, status):
    assert transitions.end_status(row, cancelling) == status


@pytest.mark.parametrize('before,after,result,starts', [
    (statuses.ACTIVE, statuses.WAIT_EXPIRE, transitions.Result.BUSY, True),
    (statuses.WAIT_EXPIRE, statuses.WAIT_EXPIRE, transitions.Result.BUSY,
     False),
    (statuses.WAIT_EXPIRE, statuses.EXPIRED, transitions.Result.DONE, True),
    (statuses.ACTIVE, statuses.ACTIVE, transitions.Result.DONE, False),
    (statuses.ACTIVE, statuses.WAIT_FULFILL, transitions.Result.FAILED,
     True),
    (statuses.WAIT_FULFILL, statuses.WAIT_FULFILL,
     transitions.Result.QUARANTINED, True)])
def test_start_events(before, after, result, starts):
    assert transitions.starts(before, after, result) is starts


def _lease(uuid, project='p2', parent=None, status=statuses.WAIT_FULFILL):
    return types.SimpleNamespace(uuid=uuid, project_id=project,
                                 parent_lease_uuid=parent, status=status)


@pytest.mark.parametrize('holder,attested,expected', [
    (_lease('l2'), False, 'l2'),
    # The attested hand-over's gate runs in hold(), never skipped.
    (_lease('l2'), True, None),
    (_lease('l2', parent='l0'), False, None),
    (_lease('l2', status=statuses.ACTIVE), False, None),
    (_lease('l2', project=' '), False, None),
    (None, False, None)])
def test_successor_only_for_a_new_top_level_lease(config, holder, attested,
                                                  expected):
    config(group='attestation', enabled=attested)
    plan = plan_mod.Plan(holder=holder)
    outcome = steps.Outcome(started=NOW)
    successor = handovers._successor(plan, outcome)
    assert getattr(successor, 'lease_uuid', None) == expected
    if successor is not None:
        ready = base.NodeInfo(uuid='n', name='r1-n7',
                              provision_state='available')
        assert successor.gate(ready) is None
        assert successor.gate(base.NodeInfo(
            uuid='n', name='r1-n7', provision_state='available',
            maintenance=True)) == 'node r1-n7 is in maintenance'
