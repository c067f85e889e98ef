"""The openstacksdk connection esi-leap uses to reach Ironic."""
import threading

from keystoneauth1 import loading as ks_loading
import openstack
from oslo_config import cfg

from esi_leap.common import global_request

CONF = cfg.CONF
_LOCK = threading.Lock()
_CONNECTION = None


def get_connection():
    """Return the process-wide openstacksdk Connection for [ironic].

    Credentials, endpoint and TLS settings come from the keystoneauth
    options of the [ironic] group; the connection is built once.
    """
    global _CONNECTION
    with _LOCK:
        if _CONNECTION is None:
            auth = ks_loading.load_auth_from_conf_options(CONF, 'ironic')
            # NOTE(esi-leap): the session adds each call's global request
            # id itself; Connection.global_request() would build a new
            # Connection per request instead.
            session = global_request.load_session_from_conf_options(
                CONF, 'ironic', auth=auth)
            _CONNECTION = openstack.connection.Connection(
                session=session, oslo_conf=CONF, app_name='esi-leap')
        return _CONNECTION


def configured():
    """Whether [ironic] says how to reach Ironic (credentials or endpoint).

    Without either, no call can succeed: the resource type is not
    available on this deployment, which is the client's answer, not a
    server fault.
    """
    group = CONF.ironic
    return bool(group.auth_type or group.endpoint_override)


def reset():
    """Forget the connection (after configuration changes)."""
    global _CONNECTION
    with _LOCK:
        _CONNECTION = None
