"""Options of the [keystone] group: esi-leap's account for project lookups."""
from oslo_config import cfg

from esi_leap.conf import auth

GROUP = cfg.OptGroup('keystone', title='Keystone (identity) lookups')

opts = [
    cfg.IntOpt('cache_ttl',
               default=30,
               min=0,
               help='Seconds for which the list of projects (names and '
                    'parents) is reused before Keystone is asked again.'),
]


def register_opts(conf):
    """Register the [keystone] options, keystoneauth ones included.

    With no ``auth_type`` in [keystone], esi-leap makes no Keystone lookups:
    projects are known by the identifiers callers use.
    """
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)
    auth.register_keystoneauth_opts(conf, GROUP, 'identity')


def list_opts():
    """Return the [keystone] options for the sample generator."""
    return opts + auth.keystoneauth_opts('identity')
