"""Every esi-leap policy rule, for the enforcer and the sample generator."""
import itertools

from esi_leap.policies import base
from esi_leap.policies import console_auth_token
from esi_leap.policies import event
from esi_leap.policies import fleet
from esi_leap.policies import lease
from esi_leap.policies import node
from esi_leap.policies import offer


def list_rules():
    """Return every default rule, base personas first."""
    return list(itertools.chain(
        base.list_rules(),
        offer.list_rules(),
        lease.list_rules(),
        node.list_rules(),
        event.list_rules(),
        console_auth_token.list_rules(),
        fleet.list_rules(),
    ))
