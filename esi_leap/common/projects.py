"""The project directory the service uses: Keystone's or the local one.

See ``local_projects`` (no identity service: identifiers taken verbatim,
names from ``[noauth] project_names``) and ``keystone`` (Keystone's
projects, cached).
"""
import threading

from oslo_config import cfg

from esi_leap.common import keystone
from esi_leap.common import local_projects

CONF = cfg.CONF

_LOCK = threading.Lock()
_DIRECTORY = None


def get_directory():
    """Return the project directory the service uses.

    Keystone's, when a service account is configured in [keystone];
    otherwise one that takes project identifiers as they come.
    """
    global _DIRECTORY
    with _LOCK:
        if _DIRECTORY is None:
            if CONF.keystone.auth_type:
                _DIRECTORY = keystone.KeystoneDirectory()
            else:
                _DIRECTORY = local_projects.ProjectDirectory()
        return _DIRECTORY


def set_directory(directory):
    """Replace the project directory (None: choose again from config)."""
    global _DIRECTORY
    with _LOCK:
        _DIRECTORY = directory
