"""Policy rules for /v1/events."""
from oslo_policy import policy

from esi_leap.policies import base

EVENT_ADMIN = 'esi_leap:event:event_admin'
GET_ALL = 'esi_leap:event:get_all'

rules = [
    policy.DocumentedRuleDefault(
        EVENT_ADMIN, base.RULE_ADMIN,
        'See events of every project.',
        [{'path': '/v1/events', 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        GET_ALL, base.ANY_ROLE,
        'List events of the caller\'s project.',
        [{'path': '/v1/events', 'method': 'GET'}]),
]


def list_rules():
    """Return the event rules."""
    return rules
