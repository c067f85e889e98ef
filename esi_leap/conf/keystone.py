"""Options of the [keystone] group: esi-leap's account for project lookups."""
from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

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
    ks_loading.register_session_conf_options(conf, GROUP)
    ks_loading.register_auth_conf_options(conf, GROUP)
    ks_loading.register_adapter_conf_options(conf, GROUP)
    conf.set_default('service_type', 'identity', group=GROUP)
    conf.set_default('valid_interfaces', ['internal', 'public'], group=GROUP)


def list_opts():
    """Return the [keystone] options for the sample generator."""
    adapter = ks_loading.get_adapter_conf_options(include_deprecated=False)
    cfg.set_defaults(adapter, service_type='identity',
                     valid_interfaces=['internal', 'public'])
    return (opts
            + ks_loading.get_session_conf_options()
            + ks_loading.get_auth_common_conf_options()
            + ks_loading.get_auth_plugin_conf_options('password')
            + adapter)
