"""Policy rules for /v1/nodes."""
from oslo_policy import policy

from esi_leap.policies import base

NODE_ADMIN = 'esi_leap:node:node_admin'
GET_ALL = 'esi_leap:node:get_all'

rules = [
    policy.DocumentedRuleDefault(
        NODE_ADMIN, base.RULE_ADMIN,
        'See every node, not only those the caller owns or leases.',
        [{'path': '/v1/nodes', 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        GET_ALL, base.ANY_ROLE,
        'List nodes with their offers and leases.',
        [{'path': '/v1/nodes', 'method': 'GET'}]),
]


def list_rules():
    """Return the node rules."""
    return rules
