"""``/v1/console_auth_tokens``: tokens that open a node's serial console."""
import pecan
from pecan import rest
from wsme import types as wtypes

from esi_leap.api import authorize
from esi_leap.api.controllers.v1 import types
from esi_leap.api.controllers.v1 import utils
from esi_leap.api.controllers.v1 import views
from esi_leap.api import expose
from esi_leap.common import exception
from esi_leap.common import policy
from esi_leap.common import timeutils
from esi_leap.objects import console_tokens
from esi_leap.policies import console_auth_token as token_policy

_FIELDS = ('node_uuid_or_name', 'token_ttl')


def _create_body(body):
    """Return (node ident, token_ttl value) from a POST body; 400 if bad."""
    if not isinstance(body, dict):
        raise exception.Invalid(reason='the body must be a JSON object')
    unknown = sorted(set(body) - set(_FIELDS))
    if unknown:
        raise exception.Invalid(reason='unknown field(s): %s; expected %s'
                                % (', '.join(unknown)[:200],
                                   ', '.join(_FIELDS)))
    ident = body.get('node_uuid_or_name')
    if ident is None:
        raise exception.MissingField(field='node_uuid_or_name')
    if not isinstance(ident, str) or not ident or len(ident) > 255:
        raise exception.Invalid(reason='node_uuid_or_name must be a node '
                                'uuid or name of 1 to 255 characters')
    return ident, body.get('token_ttl')


class ConsoleAuthTokensController(rest.RestController):
    """``/v1/console_auth_tokens``."""

    @expose.expose(types.jsontype, body=types.jsontype, status_code=201)
    def post(self, body):
        """Issue a single-use console token for a node the caller holds.

        Admins, the node's owner and the project holding the node now may.
        """
        context = pecan.request.context
        policy.authorize(token_policy.CREATE, context)
        policy.require_project(context, token_policy.CONSOLE_ADMIN)
        ident, ttl_value = _create_body(body)
        ttl = console_tokens.parse_ttl(ttl_value)
        resource_type, node = utils.resource_node(None, ident)
        now = timeutils.utcnow()
        lease = console_tokens.authorise(authorize.access_of(context),
                                         resource_type, node, now)

        token = console_tokens.issue(context, resource_type, node, lease,
                                     ttl, now)
        return views.console_token_view(
            node, token, console_tokens.access_url(token))

    @expose.expose(types.jsontype, wtypes.text)
    def delete(self, node_ident):
        """Revoke every token of a node and end its console sessions."""
        context = pecan.request.context
        policy.authorize(token_policy.DELETE, context)
        policy.require_project(context, token_policy.CONSOLE_ADMIN)
        if len(node_ident) > 255:
            raise exception.Invalid(reason='node identifiers are at most '
                                    '255 characters')
        resource_type, node = utils.resource_node(None, node_ident)
        console_tokens.authorise(authorize.access_of(context),
                                 resource_type, node,
                                 timeutils.utcnow())

        console_tokens.revoke(resource_type, node.uuid)
        return None
