"""Resource types: what can be offered and leased, found by entry point."""
import threading

from stevedore import driver

from esi_leap.common import exception

NAMESPACE = 'esi_leap.resource_types'
_LOCK = threading.Lock()
_LOADED = {}


def get(name):
    """Return the ResourceType registered as ``name``.

    Raises ResourceTypeUnknown (HTTP 400) for a name nothing registers.
    """
    with _LOCK:
        if name not in _LOADED:
            try:
                manager = driver.DriverManager(NAMESPACE, name,
                                               invoke_on_load=True)
            except Exception:
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
