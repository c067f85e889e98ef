"""Options of N-node claims ([api]) and of per-project quotas ([quota]).

They live in a module of their own so that the fleet code depends on
them alone; [api] max_claim_count is registered in the [api] group.
"""
from oslo_config import cfg
from oslo_config import types

QUOTA_GROUP = cfg.OptGroup(
    'quota', title='Per-project booking quotas',
    help='Defaults of the quotas held by every lessee project; admins '
         'override them per project through /v1/quotas/<project>. -1 '
         'means unlimited.')

# NOTE(esi-leap): a bound on what a client may ask for in one request,
# not a quota: the request locks every chosen node in one transaction.
MAX_CLAIM_COUNT_CEILING = 1000

api_opts = [
    cfg.IntOpt('max_claim_count',
               default=64,
               min=1,
               max=MAX_CLAIM_COUNT_CEILING,
               help='Most nodes one N-node claim (POST /v1/claims) may '
                    'ask for with "count" or name with "offers".'),
]

quota_opts = [
    cfg.IntOpt('max_nodes',
               default=-1,
               min=-1,
               help='Most nodes a lessee project may hold (through leases '
                    'and sub-leases that are not over or cancelled) at '
                    'any one instant. -1: unlimited.'),
    cfg.IntOpt('max_leases',
               default=-1,
               min=-1,
               help='Most open leases (not yet ended or cancelled) a '
                    'lessee project may hold at once, whatever their '
                    'times. -1: unlimited.'),
    cfg.Opt('max_nodes_by_resource_class',
            type=types.Dict(value_type=types.Integer(min=-1)),
            default={},
            help='Most nodes of a resource class a lessee project may '
                 'hold at any one instant, as resource_class:count pairs '
                 'separated by commas (e.g. "baremetal-gpu:2"). Classes '
                 'not listed are limited by max_nodes alone.'),
]


def register_opts(conf):
    """Register [api] max_claim_count and the [quota] options."""
    conf.register_opts(api_opts, group='api')
    conf.register_group(QUOTA_GROUP)
    conf.register_opts(quota_opts, group=QUOTA_GROUP)


def list_api_opts():
    """Return the [api] options of this module."""
    return api_opts


def list_quota_opts():
    """Return the [quota] options."""
    return quota_opts
