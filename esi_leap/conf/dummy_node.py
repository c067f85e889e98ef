"""Options of the [dummy_node] group: file-backed nodes for development."""
from oslo_config import cfg

GROUP = cfg.OptGroup('dummy_node', title='Dummy node resource type')

opts = [
    cfg.StrOpt('dummy_node_dir',
               default='/tmp/nodes',
               help='Directory holding one JSON file per dummy node. The '
                    'file name is the node uuid; the file holds '
                    '"project_owner_id" and optionally "resource_class", '
                    '"properties", "provision_state", "power_state", '
                    '"maintenance" and "extra" (an object: the attested '
                    'hand-over reads keylime_agent_uuid and '
                    'keylime_tpm_policy from it). '
                    'Files are read at request time.'),
]


def register_opts(conf):
    """Register the [dummy_node] options on ``conf``."""
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)


def list_opts():
    """Return the [dummy_node] options for the sample generator."""
    return opts
