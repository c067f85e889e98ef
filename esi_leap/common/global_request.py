"""Sessions that pass the current request's global id to other services.

OpenStack services send ``X-OpenStack-Request-ID`` on the calls they make
while serving a request, so that one id ties the caller's request to every
service it touched. The id is the caller's global request id when it sent a
valid one, else this request's own id (``RequestContext.global_id``).
"""
from keystoneauth1.loading import session as ks_session_loading
from keystoneauth1 import session as ks_session
from oslo_context import context

HEADER = 'X-OpenStack-Request-ID'
_HEADER_LOWER = HEADER.lower()


def current_global_id():
    """Return the global id of the request this thread is serving, if any.

    The API's ContextHook makes each request's context the thread's current
    one; threads that serve no request (the manager) have none, and their
    calls carry no id.
    """
    current = context.get_current()
    return current.global_id if current is not None else None


def _names_request_id(headers):
    return bool(headers) and any(
        name.lower() == _HEADER_LOWER for name in headers)


class GlobalRequestSession(ks_session.Session):
    """A keystoneauth Session adding the current global request id.

    NOTE(esi-leap): the id is read per call from the thread's current
    context, not stored on the session: one session (and one openstacksdk
    Connection) is shared by every thread, so nothing about a request may
    be kept in it. An id given explicitly (argument or header) wins.
    """

    def request(self, url, method, global_request_id=None, **kwargs):
        """Send the request, with the current global id unless one is set."""
        if global_request_id is None and \
                not _names_request_id(kwargs.get('headers')):
            global_request_id = current_global_id()
        return super().request(url, method,
                               global_request_id=global_request_id, **kwargs)


class _Loader(ks_session_loading.Session):
    def create_plugin(self, **kwargs):
        return GlobalRequestSession(**kwargs)


def load_session_from_conf_options(conf, group, **kwargs):
    """Like keystoneauth's loader of the same name, a GlobalRequestSession.

    Reads the same TLS and timeout options of ``group``.
    """
    return _Loader().load_from_conf_options(conf, group, **kwargs)
