"""Policy rules for /v1/offers."""
from oslo_policy import policy

from esi_leap.policies import base

OFFER_ADMIN = 'esi_leap:offer:offer_admin'
CREATE = 'esi_leap:offer:create'
GET = 'esi_leap:offer:get'
GET_ALL = 'esi_leap:offer:get_all'
DELETE = 'esi_leap:offer:delete'
UPDATE = 'esi_leap:offer:update'
CLAIM = 'esi_leap:offer:claim'

rules = [
    policy.DocumentedRuleDefault(
        OFFER_ADMIN, base.RULE_ADMIN,
        'See every offer, whoever it is for, and offer any node.',
        [{'path': '/v1/offers', 'method': 'GET'},
         {'path': '/v1/offers', 'method': 'POST'}]),
    policy.DocumentedRuleDefault(
        CREATE, base.ADMIN_OR_OWNER,
        'Create an offer of a node the caller owns or leases.',
        [{'path': '/v1/offers', 'method': 'POST'}]),
    policy.DocumentedRuleDefault(
        GET, base.ANY_ROLE,
        'Show an offer visible to the caller.',
        [{'path': '/v1/offers/{offer_ident}', 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        GET_ALL, base.ANY_ROLE,
        'List the offers visible to the caller.',
        [{'path': '/v1/offers', 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        DELETE, base.ADMIN_OR_OFFER_OWNER,
        'Withdraw an offer, cancelling the leases made from it.',
        [{'path': '/v1/offers/{offer_ident}', 'method': 'DELETE'}]),
    policy.DocumentedRuleDefault(
        UPDATE, base.ADMIN_OR_OFFER_OWNER,
        'Change an offer: its window, lessee, name or properties.',
        [{'path': '/v1/offers/{offer_ident}', 'method': 'PATCH'}]),
    policy.DocumentedRuleDefault(
        CLAIM, base.ANY_ROLE,
        'Claim an offer, which creates a lease for the caller.',
        [{'path': '/v1/offers/{offer_ident}/claim', 'method': 'POST'},
         {'path': '/v1/claims', 'method': 'POST'}]),
]


def list_rules():
    """Return the offer rules."""
    return rules
