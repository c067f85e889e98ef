"""Policy rules for /v1/console_auth_tokens."""
from oslo_policy import policy

from esi_leap.policies import base

CONSOLE_ADMIN = 'esi_leap:console_auth_token:console_admin'
CREATE = 'esi_leap:console_auth_token:create'
DELETE = 'esi_leap:console_auth_token:delete'

rules = [
    policy.DocumentedRuleDefault(
        CONSOLE_ADMIN, base.RULE_ADMIN,
        'Create and revoke console tokens of any node, leased or not.',
        [{'path': '/v1/console_auth_tokens', 'method': 'POST'},
         {'path': '/v1/console_auth_tokens/{node_ident}',
          'method': 'DELETE'}]),
    policy.DocumentedRuleDefault(
        CREATE, base.ANY_ROLE,
        'Create a serial console token for a node the caller may use.',
        [{'path': '/v1/console_auth_tokens', 'method': 'POST'}]),
    policy.DocumentedRuleDefault(
        DELETE, base.ANY_ROLE,
        'Revoke the console tokens of a node the caller may use.',
        [{'path': '/v1/console_auth_tokens/{node_ident}',
          'method': 'DELETE'}]),
]


def list_rules():
    """Return the console token rules."""
    return rules
