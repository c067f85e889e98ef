"""Options of the [ironic] group: how esi-leap reaches Ironic."""
from oslo_config import cfg

from esi_leap.conf import auth

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
    cfg.BoolOpt('clean_on_lease_end',
                default=True,
                help='Clean a node that was never deployed during its '
                     'lease (still "available" at the end) before the next '
                     'lease gets it: esi-leap moves it to "manageable", '
                     'runs lease_end_clean_steps if any, then "provide", '
                     'so that Ironic\'s automated cleaning runs. When '
                     'false such a node is handed straight over.'),
    cfg.StrOpt('lease_end_clean_steps',
               default='',
               help='Manual clean steps run at the end of every lease, '
                    'from "manageable", before "provide": a JSON list of '
                    'objects with "interface", "step" and optional "args", '
                    'e.g. [{"interface": "deploy", "step": '
                    '"erase_devices_metadata"}, {"interface": "bios", '
                    '"step": "factory_reset"}]. A node\'s own list in its '
                    'extra field "esi_leap_clean_steps" replaces it. Empty: '
                    'Ironic\'s automated cleaning only.'),
    cfg.IntOpt('cleaning_timeout',
               default=21600,
               min=0,
               help='Seconds a node may take to undeploy and clean at a '
                    'lease end before it is quarantined (kept from every '
                    'tenant until an operator repairs it). 0: no limit.'),
    cfg.BoolOpt('require_available_for_handover',
                default=True,
                help='Hand a node to a new lease only when it is '
                     '"available" (cleaned by Ironic). When false, a node '
                     'in "enroll" (outside Ironic\'s provisioning: it can '
                     'be neither deployed nor cleaned) may also be lent, '
                     'as it is, e.g. for its BMC alone. Maintenance and '
                     'failed states are refused either way.'),
]


def register_opts(conf):
    """Register the [ironic] options, keystoneauth ones included."""
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)
    auth.register_keystoneauth_opts(conf, GROUP, 'baremetal')
    # NOTE(esi-leap): a hung Ironic must not hold a manager thread forever.
    conf.set_default('timeout', 60, group=GROUP)


def list_opts():
    """Return the [ironic] options for the sample generator."""
    keystoneauth = auth.keystoneauth_opts('baremetal')
    cfg.set_defaults(keystoneauth, timeout=60)
    return opts + keystoneauth
