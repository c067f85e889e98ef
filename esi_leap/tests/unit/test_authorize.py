"""api/authorize.py: the plain values it hands the domain layer agree with
the policy rules they stand for."""
import collections
import itertools

import pytest

from esi_leap.api import authorize
from esi_leap.common import context as ctx_mod
from esi_leap.common import policy
from esi_leap.objects import access
from esi_leap.policies import lease as lease_policy

Lease = collections.namedtuple('Lease', ['owner_id', 'project_id'])
ROLES = ((), ('esi_leap_lessee',), ('esi_leap_owner',), ('admin',),
         ('esi_leap_owner', 'esi_leap_lessee'))
PROJECTS = ('p1', 'p2', None)
LEASES = [Lease(owner, lessee)
          for owner, lessee in itertools.product(('p1', 'p2', 'p3'),
                                                 repeat=2)]
RULES = (lease_policy.GET, lease_policy.DELETE, lease_policy.UPDATE,
         lease_policy.UPDATE_AS_LESSEE, lease_policy.UPDATE_AS_OWNER)


@pytest.fixture(autouse=True)
def fresh_enforcer(config):
    policy.reset()
    yield
    policy.reset()


def ctx(project, roles):
    return ctx_mod.RequestContext(project_id=project, roles=list(roles),
                                  user_id='u1')


@pytest.mark.parametrize('rule', RULES)
def test_by_relation_decides_as_the_rule_on_every_lease(rule):
    checked = 0
    for project, roles in itertools.product(PROJECTS, ROLES):
        caller = ctx(project, roles)
        decided = authorize.by_relation(rule, caller)
        for lease in LEASES:
            assert decided.allows(project, lease) == policy.check(
                rule, caller, authorize.lease_target(lease)), (
                    project, roles, lease)
            checked += 1
    assert checked == len(PROJECTS) * len(ROLES) * len(LEASES)


def test_by_relation_follows_a_policy_file(config, tmp_path):
    rules = tmp_path / 'policy.yaml'
    rules.write_text('"esi_leap:lease:delete": "rule:is_lease_owner"\n')
    config(group='oslo_policy', policy_file=str(rules))
    policy.reset()
    decided = authorize.by_relation(lease_policy.DELETE,
                                    ctx('p1', ('esi_leap_lessee',)))
    assert decided == access.ByRelation(owner=True, both=True)


def test_relations():
    only_lessee = access.ByRelation(lessee=True)
    assert only_lessee.allows('p1', Lease('p2', 'p1'))
    assert not only_lessee.allows('p1', Lease('p1', 'p1'))
    assert not only_lessee.allows(None, Lease('p2', None))
    assert access.ByRelation(neither=True).allows(None, Lease('p2', 'p1'))


def test_access_of_an_admin_and_of_a_lessee():
    admin = authorize.access_of(ctx(None, ('admin',)))
    assert admin == access.Access(project_id=None, lease_admin=True,
                                  offer_admin=True, console_admin=True)
    assert authorize.access_of(ctx('p1', ('esi_leap_lessee',))) == \
        access.Access(project_id='p1')
