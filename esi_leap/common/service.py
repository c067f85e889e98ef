"""Start-up shared by every esi-leap program."""
from oslo_config import cfg
from oslo_db import options as db_options
from oslo_log import log

from esi_leap.common import rpc
from esi_leap import conf  # noqa: F401  (registers every option)
from esi_leap import version

CONF = cfg.CONF

db_options.set_defaults(CONF)
log.register_options(CONF)
rpc.register_opts(CONF)


def prepare_service(argv, default_config_files=None,
                    default_config_dirs=None):
    """Parse the command line and config files, then set up logging."""
    CONF(argv[1:], project='esi-leap',
         version=version.version_info.version_string(),
         default_config_files=default_config_files,
         default_config_dirs=default_config_dirs)
    log.setup(CONF, 'esi-leap')
