"""The websocket server: handshake checks, then a viewer of a session.

The handshake is refused (HTTP 403 with the reason as its body) for a
disallowed Origin or a token that cannot be used. The token is used up
only by a valid websocket handshake, just before its 101 answer; any other
request (a plain GET of the access_url) leaves it usable. After the
handshake every ending is a websocket close frame whose code and reason
say why (see ``session``); the reason never carries a console's or BMC's
address, which only the log keeps.
"""
import asyncio
import http
import ssl

from oslo_config import cfg
from oslo_log import log
from websockets.asyncio import server as ws_server
from websockets import exceptions as ws_exc

from esi_leap.common import exception
from esi_leap.console import backends
from esi_leap.console import origin
from esi_leap.console import session as session_lib
from esi_leap.console import tokens
from esi_leap.objects import console_tokens
from esi_leap import resource_types
from esi_leap.resource_types import base as resource_base

CONF = cfg.CONF
LOG = log.getLogger(__name__)
# Largest message a client may send: typing, or a pasted block.
MAX_MESSAGE = 64 * 1024


class ConsoleProxy(object):
    """Serves console websockets on [serialconsoleproxy] host/port."""

    def __init__(self):
        self.registry = session_lib.Registry()
        self.server = None

    async def process_request(self, connection, request):
        """Check the Origin and the form of the URL before the handshake.

        Nothing is used up here: a request that is not a valid websocket
        handshake gets the websockets library's own refusal (426, 400)
        and leaves its token as it was.
        """
        if not origin.origin_allowed(request.headers.get_all('Origin')):
            return connection.respond(http.HTTPStatus.FORBIDDEN,
                                      'Origin not allowed.\n')
        try:
            connection.console_token_text = tokens.token_from_path(
                request.path)
        except exception.ConsoleTokenRefused as e:
            return connection.respond(http.HTTPStatus.FORBIDDEN,
                                      e.message + '\n')
        return None

    async def process_response(self, connection, request, response):
        """Use up the token once the handshake is known to be valid.

        NOTE(esi-leap): the library has checked the handshake when this
        runs; only a 101 about to be sent uses the token, so a plain GET
        of an access_url (or a broken handshake) leaves it usable.
        """
        if response.status_code != http.HTTPStatus.SWITCHING_PROTOCOLS:
            return None
        try:
            row = await asyncio.to_thread(
                tokens.consume_token, connection.console_token_text)
        except exception.ConsoleTokenRefused as e:
            return connection.respond(http.HTTPStatus.FORBIDDEN,
                                      e.message + '\n')
        except Exception:
            LOG.exception('Cannot check a console token')
            return connection.respond(http.HTTPStatus.SERVICE_UNAVAILABLE,
                                      'The console proxy cannot check '
                                      'tokens now; try again later.\n')
        connection.console_token = row
        return None

    async def _backend(self, row):
        info = await asyncio.to_thread(
            resource_types.get(row.resource_type).console_info,
            row.node_uuid, CONF.serialconsoleproxy.backends)
        return _unopened_backend(row.node_uuid, info)

    async def _join(self, connection, row):
        key = (row.resource_type, row.node_uuid)
        try:
            return await self.registry.join(
                key, lambda: self._backend(row), connection, row.id)
        except exception.BackendUnavailable as e:
            # NOTE(esi-leap): the details (endpoints, errors) stay in the
            # log; the client learns only that it may try again.
            LOG.warning('Console of node %s: %s', row.node_uuid, e)
            await connection.close(session_lib.UNAVAILABLE,
                                   'the node service is unavailable now; '
                                   'try again later')
        except exception.EsiLeapException as e:
            await connection.close(session_lib.UNAVAILABLE,
                                   session_lib.reason_text(e.message))
        except session_lib.TooManyViewers:
            await connection.close(
                session_lib.TRY_AGAIN_LATER, 'this console already has '
                '%d viewers' % CONF.serialconsoleproxy.max_viewers)
        return None

    async def handler(self, connection):
        """Attach a viewer to its node's session until either ends."""
        row = connection.console_token
        LOG.info('Console of %s %s opened by user %s of project %s',
                 row.resource_type, row.node_uuid,
                 exception.shown(row.user_id),
                 exception.shown(row.project_id))
        try:
            node_session = await self._join(connection, row)
            if node_session is not None:
                await self._relay(connection, node_session)
        finally:
            await asyncio.to_thread(self._forget_token, row.id)

    @staticmethod
    async def _relay(connection, node_session):
        try:
            async for message in connection:
                if isinstance(message, str):
                    message = message.encode('utf-8')
                await node_session.write(message)
        except ws_exc.ConnectionClosed:
            pass
        finally:
            await node_session.remove(connection)

    @staticmethod
    def _forget_token(token_id):
        try:
            console_tokens.session_over(token_id)
        except Exception:
            LOG.warning('Cannot delete used console token %s', token_id,
                        exc_info=True)

    async def start(self):
        """Listen on [serialconsoleproxy] host_address and port."""
        conf = CONF.serialconsoleproxy
        self.server = await ws_server.serve(
            self.handler, conf.host_address, conf.port,
            process_request=self.process_request,
            process_response=self.process_response,
            subprotocols=[session_lib.BINARY], select_subprotocol=_select,
            ssl=ssl_context(), max_size=MAX_MESSAGE, compression=None,
            server_header=None, close_timeout=session_lib.CLOSE_TIMEOUT)
        return self.server

    async def stop(self):
        """Close every session, then stop listening."""
        await self.registry.end_all(session_lib.GOING_AWAY,
                                    'the console proxy is stopping')
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


def _select(connection, offered):
    """Use the binary subprotocol when asked; text frames otherwise."""
    return session_lib.BINARY if session_lib.BINARY in offered else None


def ssl_context():
    """The TLS context of wss://, or None when no certificate is set."""
    conf = CONF.serialconsoleproxy
    if not conf.ssl_cert_file:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(conf.ssl_cert_file, conf.ssl_key_file)
    return context


async def serve_forever(stop_event=None):
    """Run the proxy until ``stop_event`` is set (or for ever)."""
    proxy = ConsoleProxy()
    await proxy.start()
    LOG.info('Serial console proxy listening on %s:%s',
             CONF.serialconsoleproxy.host_address,
             CONF.serialconsoleproxy.port)
    try:
        await (stop_event.wait() if stop_event else asyncio.Future())
    finally:
        await proxy.stop()


def _unopened_backend(node_uuid, info):
    """Return an unopened backend for a ConsoleInfo."""
    if info.kind == resource_base.SOCAT:
        return backends.TcpBackend(node_uuid, info)
    # NOTE(esi-leap): pyghmi is imported only for IPMI consoles.
    from esi_leap.console import ipmi
    return ipmi.IpmiBackend(node_uuid, info)
