"""Policy rules for /v1/leases."""
from oslo_policy import policy

from esi_leap.policies import base

LEASE_ADMIN = 'esi_leap:lease:lease_admin'
CREATE = 'esi_leap:lease:create'
GET = 'esi_leap:lease:get'
GET_ALL = 'esi_leap:lease:get_all'
UPDATE = 'esi_leap:lease:update'
UPDATE_AS_LESSEE = 'esi_leap:lease:update_as_lessee'
UPDATE_AS_OWNER = 'esi_leap:lease:update_as_owner'
DELETE = 'esi_leap:lease:delete'

rules = [
    policy.DocumentedRuleDefault(
        LEASE_ADMIN, base.RULE_ADMIN,
        'List every lease (view=all) or other projects\' leases, and '
        'create leases longer than [api]max_lease_time.',
        [{'path': '/v1/leases', 'method': 'GET'},
         {'path': '/v1/leases', 'method': 'POST'},
         {'path': '/v1/offers/{offer_ident}/claim', 'method': 'POST'},
         {'path': '/v1/claims', 'method': 'POST'}]),
    policy.DocumentedRuleDefault(
        CREATE, base.ADMIN_OR_OWNER,
        'Lease a node the caller owns or leases directly to a project.',
        [{'path': '/v1/leases', 'method': 'POST'}]),
    policy.DocumentedRuleDefault(
        GET, base.ADMIN_OR_LEASE_PARTY,
        'Show a lease the caller granted or holds.',
        [{'path': '/v1/leases/{lease_ident}', 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        GET_ALL, base.ANY_ROLE,
        'List the leases the caller granted or holds.',
        [{'path': '/v1/leases', 'method': 'GET'}]),
    policy.DocumentedRuleDefault(
        UPDATE, base.RULE_ADMIN,
        'Change the end time of any lease, to any time its offer, parent '
        'lease and node allow ([api]max_lease_time and '
        '[api]lessee_extension_window do not apply).',
        [{'path': '/v1/leases/{lease_ident}', 'method': 'PATCH'}]),
    policy.DocumentedRuleDefault(
        UPDATE_AS_LESSEE, base.LESSEE_OF_LEASE,
        'Extend or shorten a lease the caller\'s project holds. An '
        'extension stays within the offer it was claimed from, its parent '
        'lease and [api]max_lease_time from now, and may be asked for only '
        'within [api]lessee_extension_window of the current end. Set to '
        '"!" to leave end-time changes to admins (and owners).',
        [{'path': '/v1/leases/{lease_ident}', 'method': 'PATCH'}]),
    policy.DocumentedRuleDefault(
        UPDATE_AS_OWNER, base.OWNER_OF_LEASE,
        'Shorten a lease the caller\'s project granted, and extend one it '
        'created directly (not claimed from an offer), within its parent '
        'lease and [api]max_lease_time from now. Set to "!" to leave '
        'end-time changes to admins (and lessees).',
        [{'path': '/v1/leases/{lease_ident}', 'method': 'PATCH'}]),
    policy.DocumentedRuleDefault(
        DELETE, base.ADMIN_OR_LEASE_PARTY,
        'Cancel a lease the caller granted or holds.',
        [{'path': '/v1/leases/{lease_ident}', 'method': 'DELETE'}]),
]


def list_rules():
    """Return the lease rules."""
    return rules
