"""WSGI entry point for esi-leap's API under any WSGI server.

Serve ``esi_leap.wsgi.api:application`` with uWSGI, mod_wsgi or gunicorn
(``gunicorn esi_leap.wsgi.api:application``). The server's own command
line is not esi-leap's, so the configuration comes from the environment:

``ESI_LEAP_CONFIG_FILE``
    one configuration file to read;
``OS_ESI_LEAP_CONFIG_DIR``
    otherwise the directory holding ``esi-leap.conf`` (default
    ``/etc/esi-leap``). A directory ``esi-leap.conf.d`` next to it, when
    present, is read as well.
"""
import os

from oslo_config import cfg
from oslo_log import log

from esi_leap.common import service

CONF = cfg.CONF
LOG = log.getLogger(__name__)

CONFIG_FILE_ENV = 'ESI_LEAP_CONFIG_FILE'
CONFIG_DIR_ENV = 'OS_ESI_LEAP_CONFIG_DIR'
DEFAULT_CONFIG_DIR = '/etc/esi-leap'
CONFIG_FILE = 'esi-leap.conf'


def config_files(env=None):
    """Return the configuration files and directories to read.

    Returns ``(files, dirs)`` from the environment (``os.environ`` unless
    ``env``); see the module docstring.
    """
    env = os.environ if env is None else env
    single = env.get(CONFIG_FILE_ENV, '').strip()
    if single:
        return [single], []
    directory = env.get(CONFIG_DIR_ENV, '').strip() or DEFAULT_CONFIG_DIR
    conf_d = os.path.join(directory, CONFIG_FILE + '.d')
    return ([os.path.join(directory, CONFIG_FILE)],
            [conf_d] if os.path.isdir(conf_d) else [])


def init_application(env=None):
    """Read the configuration, set up logging; return the API application.

    Raises ``cfg.ConfigFilesNotFoundError`` when the configuration file
    is missing, so a misconfigured server fails at start, not per request.
    """
    files, dirs = config_files(env)
    missing = [f for f in files if not os.path.isfile(f)]
    if missing:
        raise cfg.ConfigFilesNotFoundError(missing)
    # NOTE(esi-leap): argv is empty: sys.argv belongs to the WSGI server.
    service.prepare_service([''], default_config_files=files,
                            default_config_dirs=dirs)
    LOG.info('esi-leap API application configured from %s',
             ', '.join(files + dirs))
    if CONF.debug:
        CONF.log_opt_values(LOG, log.DEBUG)
    from esi_leap.api import app
    return app.setup_app()
