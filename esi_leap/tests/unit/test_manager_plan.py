"""The manager's pure pieces: the end rule, the transition lookup, the
retry delay and a pass's verdicts (no database, no backend)."""
import datetime
import types

import pytest

from esi_leap.common import backoff
from esi_leap.common import statuses
from esi_leap.manager import plan as plan_mod
from esi_leap.manager import steps
from esi_leap.manager import transitions

NOW = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
HOUR = datetime.timedelta(hours=1)
Result = transitions.Result


def lease(uuid='l1', status=statuses.ACTIVE, start=-1, end=1, parent=None):
    return types.SimpleNamespace(
        uuid=uuid, status=status, start_time=NOW + start * HOUR,
        end_time=NOW + end * HOUR, parent_lease_uuid=parent,
        next_attempt_at=None, project_id='p')


@pytest.mark.parametrize('status,end,ends', [
    (statuses.ACTIVE, 1, False),
    (statuses.ACTIVE, 0, True),        # the end time has come
    (statuses.ACTIVE, -1, True),
    (statuses.WAIT_CANCEL, 1, True),   # being cancelled, end or not
    (statuses.WAIT_FULFILL, 1, False),
    (statuses.CREATED, 0, True)])
def test_ends_is_the_end_rule(status, end, ends):
    assert plan_mod.ends(lease(status=status, end=end), NOW) is ends


def test_plan_ends_exactly_what_ends_says():
    leases = [lease('a', end=0), lease('b', statuses.WAIT_CANCEL, end=5),
              lease('c', end=5)]
    plan = plan_mod.make_plan(leases, NOW)
    assert [one.uuid for one in plan.ending] == ['a', 'b']
    assert plan.holder_uuid == 'c'


def test_plan_prefers_a_running_sub_lease():
    plan = plan_mod.make_plan([lease('parent', end=5),
                               lease('child', end=2, parent='parent')], NOW)
    assert plan.holder_uuid == 'child' and plan.ending == []


def test_an_active_lease_handed_its_node_records_nothing():
    assert transitions.transition(transitions.Action.HOLD, statuses.ACTIVE,
                                  Result.DONE) is None
    row = transitions.transition(transitions.Action.HOLD,
                                 statuses.WAIT_FULFILL, Result.DONE)
    assert row == transitions.Row(statuses.ACTIVE, ('end',),
                                  transitions.Retry.SUCCEED)


def test_every_action_and_result_has_a_row():
    assert set(transitions.TABLE) == {
        (action, result) for action in transitions.Action
        for result in Result}
    for action in transitions.Action:
        for result in Result:
            assert transitions.transition(action, statuses.CREATED,
                                          result) is \
                transitions.TABLE[(action, result)]


@pytest.mark.parametrize('attempts,seconds', [
    (0, 2), (1, 2), (2, 4), (3, 8), (4, 16), (5, 20), (30, 20)])
def test_backoff_doubles_up_to_the_cap(attempts, seconds):
    assert backoff.delay(attempts, 2, 20) == datetime.timedelta(
        seconds=seconds)


def test_the_lease_backoff_is_the_common_one(config):
    config(group='manager', retry_initial_delay=3, retry_max_delay=10)
    assert [transitions.backoff(n).total_seconds() for n in (1, 2, 3)] == \
        [3, 6, 10]


def test_verdicts_carry_the_result_and_its_message():
    outcome = steps.Outcome(started=NOW, current='old')
    outcome.handback_stopped(Result.FAILED, 'ironic says no')
    outcome.not_held(Result.FAILED, 'ironic says no')
    assert outcome.end_of('old') == steps.Verdict(Result.FAILED,
                                                  'ironic says no')
    assert outcome.hold_of() == steps.Verdict(Result.FAILED,
                                              'ironic says no')
    outcome.handback_stopped(Result.BUSY, 'ironic says no')
    assert outcome.busy
    assert outcome.end_of('old').result is Result.BUSY
    assert outcome.end_of('other') == steps.Verdict(Result.DONE,
                                                    'ironic says no')


@pytest.mark.parametrize('gate,quarantine,result', [
    (Result.ATTEST_TIMEOUT, 'no verdict', Result.ATTEST_TIMEOUT),
    (Result.ATTESTING, None, Result.ATTESTING),
    (None, 'failed', Result.QUARANTINED),
    (None, None, Result.DONE)])
def test_the_gate_is_one_result_of_the_hand_over(gate, quarantine, result):
    # What attestation_gate records for each (see its _wait and _refuse).
    outcome = steps.Outcome(started=NOW)
    if quarantine is not None:
        outcome.quarantined(quarantine, gate or Result.QUARANTINED)
    elif gate is not None:
        outcome.not_held(gate, 'waiting for a verdict')
    assert outcome.hold_of().result is result
