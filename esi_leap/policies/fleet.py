"""Policy rules for /v1/claims, /v1/quotas and /v1/usage."""
from oslo_policy import policy

from esi_leap.policies import base

CLAIM_CREATE = 'esi_leap:claim:create'
QUOTA_ADMIN = 'esi_leap:quota:quota_admin'
QUOTA_GET = 'esi_leap:quota:get'
QUOTA_SET = 'esi_leap:quota:set'
QUOTA_DELETE = 'esi_leap:quota:delete'
USAGE_GET = 'esi_leap:usage:get'

rules = [
    policy.DocumentedRuleDefault(
        CLAIM_CREATE, base.ANY_ROLE,
        'Claim several offers at once (each lease also needs '
        'esi_leap:offer:claim, as a claim of its offer does).',
        [{'path': '/v1/claims', 'method': 'POST'}]),
    policy.DocumentedRuleDefault(
        QUOTA_ADMIN, base.RULE_ADMIN,
        'Read the quota of any project.',
        [{'path': '/v1/quotas/{project}', 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        QUOTA_GET, base.ANY_ROLE,
        'Read the quota of the caller\'s own project, with its usage.',
        [{'path': '/v1/quotas/{project}', 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        QUOTA_SET, base.RULE_ADMIN,
        'Override the [quota] defaults of a project.',
        [{'path': '/v1/quotas/{project}', 'method': 'PUT'}]),
    policy.DocumentedRuleDefault(
        QUOTA_DELETE, base.RULE_ADMIN,
        'Remove the override of a project: the defaults apply again.',
        [{'path': '/v1/quotas/{project}', 'method': 'DELETE'}]),
    policy.DocumentedRuleDefault(
        USAGE_GET, base.ANY_ROLE,
        'Report node usage: admins of every lease (with lease_admin), '
        'others of the leases their project granted or holds.',
        [{'path': '/v1/usage', 'method': 'GET'}]),
]


def list_rules():
    """Return the N-node claim, quota and usage rules."""
    return rules
