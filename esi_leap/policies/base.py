"""Personas shared by every resource's rules.

The names and defaults are those of the original ESI-Leap, so existing
policy files and role assignments keep working.
"""
from oslo_policy import policy

RULE_ADMIN = 'rule:is_admin'
RULE_OWNER = 'rule:is_owner'
RULE_LESSEE = 'rule:is_lessee'
RULE_OFFER_OWNER = 'rule:is_offer_owner'
RULE_LEASE_OWNER = 'rule:is_lease_owner'
RULE_LEASE_LESSEE = 'rule:is_lease_lessee'

ADMIN_OR_OWNER = '%s or %s' % (RULE_ADMIN, RULE_OWNER)
ANY_ROLE = '%s or %s or %s' % (RULE_ADMIN, RULE_OWNER, RULE_LESSEE)
# NOTE(esi-leap): the original let any member of a lease's or offer's
# project act on it with no esi-leap role at all; here a project match
# counts only together with an esi-leap role.
ADMIN_OR_LEASE_PARTY = '%s or ((%s or %s) and (%s or %s))' % (
    RULE_ADMIN, RULE_OWNER, RULE_LESSEE, RULE_LEASE_OWNER,
    RULE_LEASE_LESSEE)
ADMIN_OR_OFFER_OWNER = '%s or (%s and %s)' % (RULE_ADMIN, RULE_OWNER,
                                              RULE_OFFER_OWNER)
# A lessee acting on a lease its project holds; an owner on one it granted.
LESSEE_OF_LEASE = '%s and %s' % (RULE_LESSEE, RULE_LEASE_LESSEE)
OWNER_OF_LEASE = '%s and %s' % (RULE_OWNER, RULE_LEASE_OWNER)

rules = [
    policy.RuleDefault('is_admin',
                       'role:admin or role:esi_leap_admin',
                       description='Full access to every esi-leap object.'),
    policy.RuleDefault('is_owner',
                       'role:owner or role:esi_leap_owner',
                       description='Node owners: offer and lease out nodes.'),
    policy.RuleDefault('is_lessee',
                       'role:lessee or role:esi_leap_lessee',
                       description='Lessees: see and claim offers.'),
    policy.RuleDefault('is_offer_owner',
                       'project_id:%(offer.project_id)s',
                       description='The caller\'s project made the offer.'),
    policy.RuleDefault('is_lease_owner',
                       'project_id:%(lease.owner_id)s',
                       description='The caller\'s project granted the '
                                   'lease.'),
    policy.RuleDefault('is_lease_lessee',
                       'project_id:%(lease.project_id)s',
                       description='The caller\'s project holds the lease.'),
]


def list_rules():
    """Return the shared persona rules."""
    return rules
