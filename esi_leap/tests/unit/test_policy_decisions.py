"""The policy decisions esi-leap reuses: same answers as oslo.policy."""
import os
import time

import pytest

from esi_leap.common import context as ctx_mod
from esi_leap.common import policy
from esi_leap.policies import lease as lease_policy
from esi_leap.policies import offer as offer_policy


def ctx(project='p1', roles=('esi_leap_lessee',)):
    return ctx_mod.RequestContext(project_id=project, roles=list(roles),
                                  user_id='u1')


@pytest.fixture
def clock(monkeypatch):
    """A monotonic clock the test moves by hand."""
    now = [time.monotonic()]
    monkeypatch.setattr(policy.time, 'monotonic', lambda: now[0])
    return now


def test_decisions_follow_the_credentials(config):
    assert policy.check(offer_policy.CLAIM, ctx())
    assert not policy.check(offer_policy.CLAIM, ctx(roles=()))
    assert not policy.check(offer_policy.OFFER_ADMIN, ctx())
    assert policy.check(offer_policy.OFFER_ADMIN, ctx(roles=('admin',)))
    # The same caller asked again gets the same answers.
    assert policy.check(offer_policy.CLAIM, ctx())
    assert not policy.check(offer_policy.CLAIM, ctx(roles=()))


def test_decisions_follow_the_target(config, tmp_path):
    rules = tmp_path / 'policy.yaml'
    rules.write_text('"esi_leap:lease:get": "project_id:%(lease.owner_id)s"\n')
    config(group='oslo_policy', policy_file=str(rules))
    policy.reset()
    caller = ctx()
    assert policy.check(lease_policy.GET, caller, {'lease.owner_id': 'p1'})
    assert not policy.check(lease_policy.GET, caller,
                            {'lease.owner_id': 'p2'})


def test_an_edited_policy_file_takes_effect_within_the_reuse_time(
        config, tmp_path, clock):
    rules = tmp_path / 'policy.yaml'
    rules.write_text('"esi_leap:offer:claim": "role:esi_leap_lessee"\n')
    config(group='oslo_policy', policy_file=str(rules))
    policy.reset()
    assert policy.check(offer_policy.CLAIM, ctx())
    rules.write_text('"esi_leap:offer:claim": "!"\n')
    # oslo.policy notices the edit by the file's mtime, whose clock ticks
    # coarsely: make it clearly newer than the first version's.
    later = os.stat(rules).st_mtime + 10
    os.utime(rules, (later, later))
    clock[0] += policy.DECISION_SECONDS / 2
    assert policy.check(offer_policy.CLAIM, ctx())   # still reused
    clock[0] += policy.DECISION_SECONDS
    assert not policy.check(offer_policy.CLAIM, ctx())


def test_unhashable_targets_are_decided_every_time(config):
    target = {'lease.owner_id': {'not': 'flat'}}
    assert policy.check(lease_policy.LEASE_ADMIN, ctx(roles=('admin',)),
                        target)
    assert not policy.check(lease_policy.LEASE_ADMIN, ctx(), target)


def test_the_number_of_kept_decisions_is_bounded(config):
    for i in range(policy._MAX_DECISIONS + 10):
        policy.check(offer_policy.CLAIM, ctx(project='p%d' % i))
    assert len(policy._decisions) <= policy._MAX_DECISIONS
