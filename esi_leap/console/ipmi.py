"""IPMI Serial-over-LAN straight to a BMC, through pyghmi.

pyghmi runs its sessions from whichever thread calls
``Session.wait_for_rsp``; it is not safe to drive one session from several
threads. So one worker thread per process owns every pyghmi call: asyncio
code hands it work with ``submit`` and gets bytes and errors back through
``loop.call_soon_threadsafe``.
"""
import asyncio
import queue
import threading

from oslo_config import cfg
from oslo_log import log
from pyghmi.ipmi import console as ipmi_console
from pyghmi.ipmi.private import session as ipmi_session

from esi_leap.console import backends

CONF = cfg.CONF
LOG = log.getLogger(__name__)
# Longest wait inside pyghmi's event loop: typed bytes wait at most this.
_TICK = 0.02
_EOF = object()


class _Worker(threading.Thread):
    """The one thread that makes every pyghmi call of this process."""

    def __init__(self):
        super().__init__(name='esi-leap-ipmi', daemon=True)
        self.calls = queue.SimpleQueue()
        self.watched = set()

    def submit(self, call):
        """Run ``call()`` in the worker thread soon."""
        self.calls.put(call)

    def _run_calls(self, block):
        try:
            call = self.calls.get(timeout=0.5) if block else \
                self.calls.get_nowait()
        except queue.Empty:
            return
        while True:
            try:
                call()
            except Exception:
                LOG.exception('IPMI console call failed')
            try:
                call = self.calls.get_nowait()
            except queue.Empty:
                return

    def run(self):
        """Serve submitted calls and pyghmi's sessions for ever."""
        while True:
            self._run_calls(block=not self.watched)
            if not self.watched:
                continue
            try:
                ipmi_session.Session.wait_for_rsp(timeout=_TICK)
            except Exception:
                LOG.exception('pyghmi event loop failed')
            for backend in list(self.watched):
                backend.poll()


_WORKER = None
_WORKER_LOCK = threading.Lock()


def worker():
    """Return the process's pyghmi worker thread, started on first use."""
    global _WORKER
    with _WORKER_LOCK:
        if _WORKER is None:
            _WORKER = _Worker()
            _WORKER.start()
        return _WORKER


class IpmiBackend(backends.Backend):
    """One SOL session to a node's BMC."""

    console = None

    async def open(self):
        """Log in to the BMC and activate SOL within backend_timeout."""
        self._loop = asyncio.get_running_loop()
        self._incoming = asyncio.Queue()
        self._ready = self._loop.create_future()
        self._connected = False
        timeout = CONF.serialconsoleproxy.backend_timeout
        worker().submit(self._connect)
        try:
            error = await asyncio.wait_for(asyncio.shield(self._ready),
                                           timeout)
        except asyncio.TimeoutError:
            error = ('its BMC does not answer', 'BMC at %s:%d did not '
                     'answer within %d s' % (self.info.host, self.info.port,
                                             timeout))
        if error is not None:
            await self.close()
            raise self.unavailable(*error)

    # Worker thread side -------------------------------------------------

    def _session_key(self):
        info = self.info
        return (info.host, info.username, info.password, info.port, None)

    def _drop_stale_session(self):
        # NOTE(esi-leap): pyghmi keeps a logged-out session in
        # Session.initting_sessions and hands it to the next Console for
        # the same BMC, which then never logs in. Forget such a session.
        sessions = ipmi_session.Session.initting_sessions
        stale = sessions.get(self._session_key())
        if stale is not None and not (stale.logged or stale.logging):
            sessions.pop(self._session_key(), None)

    def _connect(self):
        self._drop_stale_session()
        try:
            self.console = ipmi_console.Console(
                bmc=self.info.host, port=self.info.port,
                userid=self.info.username, password=self.info.password,
                iohandler=self._from_bmc)
        except Exception as e:
            # NOTE(esi-leap): the client is told the error's class only;
            # the address and the error's text (never the password) go to
            # the log.
            self._to_loop(self._resolve, (
                'its BMC cannot be reached (%s)' % type(e).__name__,
                'BMC at %s:%d: %s' % (self.info.host, self.info.port, e)))
            return
        worker().watched.add(self)

    def poll(self):
        """Notice that SOL became active (worker thread)."""
        if not self._connected and self.console is not None and \
                self.console.connected:
            self._connected = True
            self._to_loop(self._resolve, None)

    def _from_bmc(self, data):
        if isinstance(data, dict):
            if 'error' in data:
                self._to_loop(self._failed, 'BMC at %s:%d: %s' % (
                    self.info.host, self.info.port, data['error']))
            return
        if isinstance(data, str):
            data = data.encode('utf-8', 'replace')
        self._to_loop(self._incoming.put_nowait, bytes(data))

    def _to_loop(self, call, arg):
        try:
            self._loop.call_soon_threadsafe(call, arg)
        except RuntimeError:
            pass  # the event loop is gone: the proxy is stopping

    def _disconnect(self):
        worker().watched.discard(self)
        console, self.console = self.console, None
        if console is None:
            return
        try:
            sol_session = console.ipmi_session
            console.close()
            if sol_session is not None:
                sol_session.logout()
        except Exception as e:
            LOG.debug('Closing IPMI console of node %s: %s',
                      self.node_uuid, e)
        self._drop_stale_session()

    # Event loop side ----------------------------------------------------

    def _resolve(self, error):
        if not self._ready.done():
            self._ready.set_result(error)

    def _failed(self, detail):
        if not self._ready.done():
            self._ready.set_result(('its BMC refused the console', detail))
            return
        self.failed = True
        self.close_reason = 'the connection to its BMC ended'
        self.close_detail = detail
        self._incoming.put_nowait(_EOF)

    async def read(self):
        """Return the next bytes the BMC sent; b'' when SOL ended."""
        data = await self._incoming.get()
        return b'' if data is _EOF else data

    async def write(self, data):
        """Hand ``data`` to the BMC's serial line."""
        def send():
            if self.console is not None:
                self.console.send_data(data)
        worker().submit(send)

    async def close(self):
        """Deactivate SOL and log out (in the worker thread)."""
        worker().submit(self._disconnect)
        if hasattr(self, '_incoming'):
            self._incoming.put_nowait(_EOF)
