"""Resource types: what can be offered and leased, found by entry point."""
from importlib import metadata
import threading

from oslo_log import log
from stevedore import driver

from esi_leap.common import exception

NAMESPACE = 'esi_leap.resource_types'
LOG = log.getLogger(__name__)
_LOCK = threading.Lock()
_LOADED = {}
_REGISTERED = None


def registered_names():
    """Return the names the entry points of NAMESPACE register."""
    global _REGISTERED
    if _REGISTERED is None:
        _REGISTERED = frozenset(
            ep.name for ep in metadata.entry_points(group=NAMESPACE))
    return _REGISTERED


def get(name):
    """Return the ResourceType registered as ``name``.

    Raises ResourceTypeUnknown (HTTP 400) for a name nothing registers.

    NOTE(esi-leap): ``name`` comes from clients. It is checked against the
    registered names before anything is loaded or logged (stevedore logs
    the names it could not load), so a name with a newline cannot forge a
    log line.
    """
    with _LOCK:
        if name not in _LOADED:
            if not isinstance(name, str) or \
                    name not in registered_names():
                raise exception.ResourceTypeUnknown(resource_type=name)
            try:
                manager = driver.DriverManager(NAMESPACE, name,
                                               invoke_on_load=True)
            except Exception:
                LOG.exception('Could not load resource type %r', name)
                raise exception.ResourceTypeUnknown(resource_type=name)
            _LOADED[name] = manager.driver
        return _LOADED[name]


def register(name, resource_type):
    """Use ``resource_type`` for ``name`` (tests register fakes here)."""
    with _LOCK:
        _LOADED[name] = resource_type


def forget():
    """Drop loaded resource types so they are built again on next use."""
    with _LOCK:
        _LOADED.clear()
