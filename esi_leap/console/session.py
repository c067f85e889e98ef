"""One shared console session per node, fanned out to its viewers.

All viewers of a node share one backend stream: what the node prints goes
to every viewer (through a bounded backlog per viewer: one that stops
reading is dropped, never waited for), what any viewer types goes to the
node. The session checks once per ``check_interval`` that each viewer's
token and lease still hold, ends idle sessions, and closes every viewer
with a reason when the backend ends.
"""
import asyncio
import codecs
import collections
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
# Most output bytes queued for one viewer: past it the viewer reads too
# slowly and is dropped (TOO_SLOW), so that it never holds the others.
VIEWER_BACKLOG = 256 * 1024
# Longest wait for a viewer to take its close frame before it is cut off.
CLOSE_TIMEOUT = 2


def reason_text(text):
    """Shorten ``text`` to fit a close frame (123 bytes of UTF-8)."""
    data = text.encode('utf-8')
    if len(data) <= 123:
        return text
    return data[:120].decode('utf-8', 'ignore') + '...'


class Viewer(object):
    """One websocket watching a session, fed through its own backlog.

    NOTE(esi-leap): the session never waits for a viewer. What the node
    prints is queued per viewer (at most VIEWER_BACKLOG bytes) and each
    viewer's own task sends it; a viewer whose backlog overflows is
    dropped, so one client that stops reading cannot hold the others.
    """

    def __init__(self, connection, token_id):
        self.connection = connection
        self.token_id = token_id
        self._pending = collections.deque()
        self._queued = 0
        self._wakeup = asyncio.Event()
        self._closing = None
        self._closer = None
        self._task = asyncio.create_task(self._send_loop())

    def push(self, data, text):
        """Queue one chunk of output; False if the backlog is full."""
        if self._closing is not None:
            return True
        if self._queued + len(data) > VIEWER_BACKLOG:
            return False
        binary = self.connection.subprotocol == BINARY
        self._pending.append((data if binary else text, len(data)))
        self._queued += len(data)
        self._wakeup.set()
        return True

    async def _send_loop(self):
        """Send the backlog in order, then the close frame when asked."""
        try:
            while True:
                await self._wakeup.wait()
                self._wakeup.clear()
                while self._pending:
                    payload, size = self._pending.popleft()
                    await self.connection.send(payload)
                    self._queued -= size
                if self._closing is not None:
                    await self.connection.close(*self._closing)
                    return
        except ws_exc.ConnectionClosed:
            pass

    def close(self, code, reason, flush=True):
        """Close with ``code`` and ``reason``, at most CLOSE_TIMEOUT later.

        With ``flush``, what is queued is sent first. A viewer that has
        not taken its close frame within CLOSE_TIMEOUT is cut off. Returns
        the task doing it (the same one if already closing).
        """
        if self._closing is None:
            if not flush:
                self._pending.clear()
            self._closing = (code, reason_text(reason))
            self._wakeup.set()
            self._closer = asyncio.create_task(self._close_within())
        return self._closer

    async def _close_within(self):
        try:
            await asyncio.wait_for(asyncio.shield(self._task),
                                   CLOSE_TIMEOUT)
        except Exception:
            # NOTE(esi-leap): a client that reads nothing never takes its
            # close frame; drop the TCP connection instead of waiting.
            self._task.cancel()
            transport = getattr(self.connection, 'transport', None)
            if transport is not None:
                transport.abort()
            LOG.debug('Cut off a console viewer that did not close',
                      exc_info=True)

    def forget(self):
        """Stop sending (the websocket ended on the client's side)."""
        if self._closing is None:
            self._task.cancel()


class NodeSession(object):
    """The shared console of one node and the websockets watching it."""

    def __init__(self, key, backend, on_end):
        self.key = key
        self.backend = backend
        self.viewers = {}          # connection -> Viewer
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
        self.viewers[connection] = Viewer(connection, token_id)

    async def remove(self, connection):
        """Forget a viewer; the last one leaving ends the session."""
        viewer = self.viewers.pop(connection, None)
        if viewer is not None:
            viewer.forget()
        if not self.viewers:
            await self.end(BACKEND_CLOSED, 'no viewer left')

    async def write(self, data):
        """Send what a viewer typed to the node."""
        self.last_activity = time.monotonic()
        await self.backend.write(data)

    async def _pump(self):
        """Copy the node's output to every viewer until it ends."""
        while True:
            data = await self.backend.read()
            if not data:
                break
            self.last_activity = time.monotonic()
            text = self._decoder.decode(data)
            for viewer in list(self.viewers.values()):
                if not viewer.push(data, text):
                    LOG.info('Console of node %s: dropping a viewer that '
                             'reads too slowly', self.key[1])
                    self.close_viewer(viewer.connection, TOO_SLOW,
                                      'the client reads too slowly',
                                      flush=False)
        code = UNAVAILABLE if self.backend.failed else BACKEND_CLOSED
        if self.backend.close_detail:
            LOG.info('Console of node %s ended: %s', self.key[1],
                     self.backend.close_detail)
        asyncio.ensure_future(self.end(code, self.backend.close_reason))

    def close_viewer(self, connection, code, reason, flush=True):
        """Close one viewer's websocket with ``code`` and ``reason``.

        Never waits: returns the task closing it (None if unknown).
        """
        viewer = self.viewers.pop(connection, None)
        if viewer is None:
            return None
        return viewer.close(code, reason, flush)

    async def _check(self):
        states = await asyncio.to_thread(
            console_tokens.sessions_state,
            {v.token_id for v in self.viewers.values()},
            timeutils.utcnow())
        for connection, viewer in list(self.viewers.items()):
            state = states.get(viewer.token_id, 'revoked')
            if state == 'lease ended':
                self.close_viewer(
                    connection, LEASE_ENDED, 'the lease that authorised '
                    'this console ended')
            elif state == 'revoked':
                self.close_viewer(
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
        """Close every viewer and the backend; forget the session.

        Returns within about CLOSE_TIMEOUT whatever the viewers do.
        """
        if self.closed:
            return
        self.closed = True
        self._on_end(self)
        closing = [self.close_viewer(c, code, reason)
                   for c in list(self.viewers)]
        await self.backend.close()
        current = asyncio.current_task()
        for task in self._tasks:
            if task is not current:
                task.cancel()
        await asyncio.gather(*[t for t in closing if t is not None])


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
