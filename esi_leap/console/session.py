"""One shared console session per node, fanned out to its viewers.

All viewers of a node share one backend stream: what the node prints goes
to every viewer, what any viewer types goes to the node. The session
checks once per ``check_interval`` that each viewer's token and lease
still hold, ends idle sessions, and closes every viewer with a reason
when the backend ends.
"""
import asyncio
import codecs
import time

from oslo_config import cfg
from oslo_log import log
from websockets import exceptions as ws_exc

from esi_leap.common import timeutils
from esi_leap.objects import console_tokens

CONF = cfg.CONF
LOG = log.getLogger(__name__)

# Close codes (4000-4999 are the application's own).
BACKEND_CLOSED = 1000
GOING_AWAY = 1001
UNAVAILABLE = 1011
TRY_AGAIN_LATER = 1013
IDLE = 4000
LEASE_ENDED = 4001
REVOKED = 4002
TOO_SLOW = 4003
# Clients asking for this subprotocol get raw bytes in binary frames;
# others get text frames (UTF-8, undecodable bytes replaced).
BINARY = 'binary'
_SEND_TIMEOUT = 10


def reason_text(text):
    """Shorten ``text`` to fit a close frame (123 bytes of UTF-8)."""
    data = text.encode('utf-8')
    if len(data) <= 123:
        return text
    return data[:120].decode('utf-8', 'ignore') + '...'


class NodeSession(object):
    """The shared console of one node and the websockets watching it."""

    def __init__(self, key, backend, on_end):
        self.key = key
        self.backend = backend
        self.viewers = {}          # connection -> token id
        self.closed = False
        self.last_activity = time.monotonic()
        self._decoder = codecs.getincrementaldecoder('utf-8')('replace')
        self._on_end = on_end
        self._tasks = []

    async def start(self):
        """Open the backend (ConsoleUnavailable if not) and serve it."""
        await self.backend.open()
        self._tasks = [asyncio.create_task(self._pump()),
                       asyncio.create_task(self._guard())]

    def add(self, connection, token_id):
        """Let ``connection`` (authorised by ``token_id``) watch."""
        self.viewers[connection] = token_id

    async def remove(self, connection):
        """Forget a viewer; the last one leaving ends the session."""
        self.viewers.pop(connection, None)
        if not self.viewers:
            await self.end(BACKEND_CLOSED, 'no viewer left')

    async def write(self, data):
        """Send what a viewer typed to the node."""
        self.last_activity = time.monotonic()
        await self.backend.write(data)

    async def _send(self, connection, data, text):
        payload = data if connection.subprotocol == BINARY else text
        try:
            await asyncio.wait_for(connection.send(payload), _SEND_TIMEOUT)
        except asyncio.TimeoutError:
            await self.close_viewer(connection, TOO_SLOW,
                                    'the client reads too slowly')
        except ws_exc.ConnectionClosed:
            pass

    async def _pump(self):
        """Copy the node's output to every viewer until it ends."""
        while True:
            data = await self.backend.read()
            if not data:
                break
            self.last_activity = time.monotonic()
            text = self._decoder.decode(data)
            await asyncio.gather(*[self._send(c, data, text)
                                   for c in list(self.viewers)])
        code = BACKEND_CLOSED
        if self.backend.close_reason.startswith('BMC'):
            code = UNAVAILABLE
        asyncio.ensure_future(self.end(code, self.backend.close_reason))

    async def close_viewer(self, connection, code, reason):
        """Close one viewer's websocket with ``code`` and ``reason``."""
        self.viewers.pop(connection, None)
        try:
            await connection.close(code, reason_text(reason))
        except Exception:
            LOG.debug('Closing a console websocket failed', exc_info=True)

    async def _check(self):
        states = await asyncio.to_thread(
            console_tokens.sessions_state, set(self.viewers.values()),
            timeutils.utcnow())
        for connection, token_id in list(self.viewers.items()):
            state = states.get(token_id, 'revoked')
            if state == 'lease ended':
                await self.close_viewer(
                    connection, LEASE_ENDED, 'the lease that authorised '
                    'this console ended')
            elif state == 'revoked':
                await self.close_viewer(
                    connection, REVOKED, 'the console tokens of this node '
                    'were revoked')

    def _idle(self):
        timeout = CONF.serialconsoleproxy.timeout
        return timeout and time.monotonic() - self.last_activity > timeout

    async def _guard(self):
        """End viewers whose lease or token is gone, and idle sessions."""
        interval = CONF.serialconsoleproxy.check_interval
        while not self.closed:
            await asyncio.sleep(interval)
            try:
                await self._check()
            except Exception:
                # NOTE(esi-leap): a database outage must not end consoles
                # at once; the next check tries again.
                LOG.warning('Cannot check console tokens now',
                            exc_info=True)
            if self._idle():
                await self.end(IDLE, 'idle for more than %d seconds'
                               % CONF.serialconsoleproxy.timeout)
            elif not self.viewers:
                await self.end(BACKEND_CLOSED, 'no viewer left')

    async def end(self, code, reason):
        """Close every viewer and the backend; forget the session."""
        if self.closed:
            return
        self.closed = True
        self._on_end(self)
        await asyncio.gather(*[self.close_viewer(c, code, reason)
                               for c in list(self.viewers)])
        await self.backend.close()
        current = asyncio.current_task()
        for task in self._tasks:
            if task is not current:
                task.cancel()


class Registry(object):
    """The open NodeSessions of this proxy, one per node."""

    def __init__(self):
        self.sessions = {}
        self._locks = {}

    def _forget(self, session):
        if self.sessions.get(session.key) is session:
            del self.sessions[session.key]

    async def join(self, key, make_backend, connection, token_id):
        """Add ``connection`` to the node's session, opening it if needed.

        ``make_backend`` is a coroutine function returning an unopened
        Backend. Raises ConsoleUnavailable (from the backend) or
        TooManyViewers.
        """
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            session = self.sessions.get(key)
            if session is None:
                session = NodeSession(key, await make_backend(),
                                      self._forget)
                await session.start()
                self.sessions[key] = session
            if len(session.viewers) >= CONF.serialconsoleproxy.max_viewers:
                raise TooManyViewers()
            session.add(connection, token_id)
        return session

    async def end_all(self, code, reason):
        """End every session (the proxy is stopping)."""
        await asyncio.gather(*[s.end(code, reason)
                               for s in list(self.sessions.values())])


class TooManyViewers(Exception):
    """The node's console already has max_viewers viewers."""
