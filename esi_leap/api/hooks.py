"""pecan hooks: the request context, and waking the manager."""
import threading

from oslo_config import cfg
from oslo_middleware import request_id
from pecan import hooks
from webob import exc as webob_exc

from esi_leap.common import context
from esi_leap.common import outbox
from esi_leap.common import safetext
from esi_leap.db import api as db_api

CONF = cfg.CONF

_IDENTITY_HEADERS = ('X-Project-Id', 'X-Roles', 'X-User-Id')


def _check_identity_headers(headers):
    """Refuse (400) noauth identity headers that could forge log lines.

    NOTE(esi-leap): every log line carries the caller's project and user;
    with noauth they are whatever the client sent. A blank value means
    none and is left to RequestContext.
    """
    for name in ('X-Project-Id', 'X-User-Id'):
        value = headers.get(name)
        if value is None or not value.strip():
            continue  # no project (or user): see RequestContext
        try:
            # WSGI hands headers over as latin-1: read them as UTF-8.
            value = value.encode('latin-1').decode('utf-8')
        except UnicodeError:
            pass
        unsafe = safetext.first_unsafe(value)
        if unsafe is not None or len(value) > db_api.TEXT_LENGTH:
            raise webob_exc.HTTPBadRequest(
                explanation='Invalid %s header: at most %d characters, no '
                'control characters.' % (name, db_api.TEXT_LENGTH))


class ContextHook(hooks.PecanHook):
    """Attach ``request.context``, an esi-leap RequestContext.

    With Keystone, auth_token has validated the token and set the identity
    headers. With noauth, the identity headers are trusted when present and
    the [noauth] identity is used otherwise. Policy is enforced either way.
    """

    def before(self, state):
        # NOTE(esi-leap): overwrite=True makes this request's context the
        # thread's current one, which oslo.log puts in every log line; a
        # worker thread serves many requests, and without it the lines
        # would name whoever that thread served first.
        request = state.request
        if CONF.auth_strategy == 'noauth':
            _check_identity_headers(request.headers)
        if CONF.auth_strategy == 'noauth' and not any(
                h in request.headers for h in _IDENTITY_HEADERS):
            environ = request.environ
            request.context = context.RequestContext(
                project_id=CONF.noauth.project_id,
                user_id=CONF.noauth.user_id,
                roles=list(CONF.noauth.roles),
                request_id=environ.get(request_id.ENV_REQUEST_ID),
                global_request_id=environ.get(request_id.GLOBAL_REQ_ID),
                overwrite=True)
        else:
            request.context = context.RequestContext.from_environ(
                request.environ, overwrite=True)
        # NOTE(esi-leap): for the WSGI server's access line, so that it can
        # be matched with the request's own log lines.
        request.environ['openstack.request_id'] = request.context.request_id


class RPCHook(hooks.PecanHook):
    """Wake the manager after every successful change.

    NOTE(esi-leap): the manager never depends on this cast arriving (it
    plans from the database and sweeps regularly); the cast only makes it
    act on a change at once rather than at its next planned run. It leaves
    from the outbox thread, after the response, and one cast covers every
    change made while it waited.
    """

    _client = None
    _lock = threading.Lock()

    @classmethod
    def client(cls):
        """Return the process's manager RPC client."""
        with cls._lock:
            if cls._client is None:
                from esi_leap.manager import rpcapi
                cls._client = rpcapi.ManagerAPI()
            return cls._client

    def after(self, state):
        if state.request.method not in ('POST', 'PATCH', 'DELETE') or \
                state.response.status_int >= 400:
            return
        context = getattr(state.request, 'context', None)
        client = self.client()
        outbox.OUTBOX.put_wake(lambda: client.wake(context))
