"""Options of the [ironic] group: how esi-leap reaches Ironic."""
from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

GROUP = cfg.OptGroup('ironic', title='Ironic (bare-metal) service')

opts = [
    cfg.ListOpt('scrub_extra_keys',
                default=[],
                help='Keys of a node\'s "extra" field removed when a lease '
                     'ends. The default removes none, since owners keep '
                     'their own data there.'),
    cfg.BoolOpt('undeploy_on_lease_end',
                default=True,
                help='Undeploy a node that is deployed (or deploying) when '
                     'its lease ends; Ironic then cleans it if automated '
                     'cleaning is on. When false, or when the node is not '
                     'deployed, its VIFs are detached instead.'),
]


def register_opts(conf):
    """Register the [ironic] options, keystoneauth ones included."""
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)
    ks_loading.register_session_conf_options(conf, GROUP)
    ks_loading.register_auth_conf_options(conf, GROUP)
    ks_loading.register_adapter_conf_options(conf, GROUP)
    conf.set_default('service_type', 'baremetal', group=GROUP)
    conf.set_default('valid_interfaces', ['internal', 'public'], group=GROUP)


def list_opts():
    """Return the [ironic] options for the sample generator."""
    adapter = ks_loading.get_adapter_conf_options(include_deprecated=False)
    cfg.set_defaults(adapter, service_type='baremetal',
                     valid_interfaces=['internal', 'public'])
    return (opts
            + ks_loading.get_session_conf_options()
            + ks_loading.get_auth_common_conf_options()
            + ks_loading.get_auth_plugin_conf_options('password')
            + adapter)
