"""keystoneauth options shared by the groups of services esi-leap calls."""
from keystoneauth1 import loading as ks_loading
from oslo_config import cfg


def register_keystoneauth_opts(conf, group, service_type):
    """Register session, auth and adapter options for ``group``."""
    ks_loading.register_session_conf_options(conf, group)
    ks_loading.register_auth_conf_options(conf, group)
    ks_loading.register_adapter_conf_options(conf, group)
    conf.set_default('service_type', service_type, group=group)
    conf.set_default('valid_interfaces', ['internal', 'public'], group=group)


def keystoneauth_opts(service_type):
    """Return those options, with this service's defaults, for samples."""
    adapter = ks_loading.get_adapter_conf_options(include_deprecated=False)
    cfg.set_defaults(adapter, service_type=service_type,
                     valid_interfaces=['internal', 'public'])
    return (ks_loading.get_session_conf_options()
            + ks_loading.get_auth_common_conf_options()
            + ks_loading.get_auth_plugin_conf_options('password')
            + adapter)
