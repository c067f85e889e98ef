"""pecan hooks: the request context every controller reads."""
from oslo_config import cfg
from pecan import hooks

from esi_leap.common import context

CONF = cfg.CONF

_IDENTITY_HEADERS = ('X-Project-Id', 'X-Roles', 'X-User-Id')


class ContextHook(hooks.PecanHook):
    """Attach ``request.context``, an esi-leap RequestContext.

    With Keystone, auth_token has validated the token and set the identity
    headers. With noauth, the identity headers are trusted when present and
    the [noauth] identity is used otherwise. Policy is enforced either way.
    """

    def before(self, state):
        request = state.request
        if CONF.auth_strategy == 'noauth' and not any(
                h in request.headers for h in _IDENTITY_HEADERS):
            request.context = context.RequestContext(
                project_id=CONF.noauth.project_id,
                user_id=CONF.noauth.user_id,
                roles=list(CONF.noauth.roles),
                overwrite=False)
            return
        request.context = context.RequestContext.from_environ(
            request.environ, overwrite=False)
