"""Every operation of the API: method, path, controller method, rules.

ROUTES is the one list of what the API answers. pecan's object dispatch
still does the routing (``api/controllers``); the table documents it, and
tests hold the two together: every route answers and nothing else does
(``tests/functional/test_route_table.py``), every route is in
``doc/source/api/openapi.yaml`` and the policy tests run over every route.

``rules`` are the policy rules that decide who may call the route, the
rule every caller must pass first; the others (an ``*_admin`` rule that
widens what the caller sees, an ``*_as_*`` rule that decides what it may
change) follow. Each rule's documented operations (``esi_leap/policies``)
name exactly the routes that list it here. A route with no rule is one
anyone may call (the version documents), and says so with ``public``.
"""
import collections

from esi_leap.policies import console_auth_token as token_policy
from esi_leap.policies import event as event_policy
from esi_leap.policies import fleet as fleet_policy
from esi_leap.policies import lease as lease_policy
from esi_leap.policies import node as node_policy
from esi_leap.policies import offer as offer_policy

Route = collections.namedtuple(
    'Route', ['method', 'path', 'controller', 'rules', 'public'])

_CONTROLLERS = 'esi_leap.api.controllers.'


def _route(method, path, controller, *rules, public=False):
    """A Route; ``controller`` is relative to ``esi_leap.api.controllers``."""
    return Route(method, path, _CONTROLLERS + controller, tuple(rules),
                 public)


ROUTES = (
    _route('GET', '/', 'root.RootController.index', public=True),
    _route('GET', '/v1', 'v1.V1Controller.index', public=True),

    _route('GET', '/v1/offers', 'v1.offer.OffersController.get_all',
           offer_policy.GET_ALL, offer_policy.OFFER_ADMIN),
    _route('POST', '/v1/offers', 'v1.offer.OffersController.post',
           offer_policy.CREATE, offer_policy.OFFER_ADMIN),
    _route('GET', '/v1/offers/{offer_ident}',
           'v1.offer.OffersController.get_one', offer_policy.GET),
    _route('PATCH', '/v1/offers/{offer_ident}',
           'v1.offer.OffersController.patch', offer_policy.UPDATE),
    _route('DELETE', '/v1/offers/{offer_ident}',
           'v1.offer.OffersController.delete', offer_policy.DELETE),
    _route('POST', '/v1/offers/{offer_ident}/claim',
           'v1.offer.ClaimController.post',
           offer_policy.CLAIM, lease_policy.LEASE_ADMIN),

    _route('GET', '/v1/leases', 'v1.lease.LeasesController.get_all',
           lease_policy.GET_ALL, lease_policy.LEASE_ADMIN),
    _route('POST', '/v1/leases', 'v1.lease.LeasesController.post',
           lease_policy.CREATE, lease_policy.LEASE_ADMIN),
    _route('GET', '/v1/leases/{lease_ident}',
           'v1.lease.LeasesController.get_one', lease_policy.GET),
    _route('PATCH', '/v1/leases/{lease_ident}',
           'v1.lease.LeasesController.patch', lease_policy.UPDATE,
           lease_policy.UPDATE_AS_LESSEE, lease_policy.UPDATE_AS_OWNER),
    _route('DELETE', '/v1/leases/{lease_ident}',
           'v1.lease.LeasesController.delete', lease_policy.DELETE),

    _route('GET', '/v1/nodes', 'v1.node.NodesController.get_all',
           node_policy.GET_ALL, node_policy.NODE_ADMIN),
    _route('GET', '/v1/events', 'v1.event.EventsController.get_all',
           event_policy.GET_ALL, event_policy.EVENT_ADMIN),

    _route('POST', '/v1/console_auth_tokens',
           'v1.console_auth_token.ConsoleAuthTokensController.post',
           token_policy.CREATE, token_policy.CONSOLE_ADMIN),
    _route('DELETE', '/v1/console_auth_tokens/{node_ident}',
           'v1.console_auth_token.ConsoleAuthTokensController.delete',
           token_policy.DELETE, token_policy.CONSOLE_ADMIN),

    _route('POST', '/v1/claims', 'v1.claim.ClaimsController.post',
           fleet_policy.CLAIM_CREATE, offer_policy.CLAIM,
           lease_policy.LEASE_ADMIN),
    _route('GET', '/v1/quotas/{project}',
           'v1.quota.QuotasController.get_one',
           fleet_policy.QUOTA_GET, fleet_policy.QUOTA_ADMIN),
    _route('PUT', '/v1/quotas/{project}', 'v1.quota.QuotasController.put',
           fleet_policy.QUOTA_SET),
    _route('DELETE', '/v1/quotas/{project}',
           'v1.quota.QuotasController.delete', fleet_policy.QUOTA_DELETE),
    _route('GET', '/v1/usage', 'v1.usage.UsageController.get_all',
           fleet_policy.USAGE_GET),
)


def guarded():
    """Return the routes that only callers passing a rule may call."""
    return [route for route in ROUTES if not route.public]
