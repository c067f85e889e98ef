"""Serving the API from one process or several forked ones on one socket.

With one worker the API is served in the calling process (esi-leap-all
keeps its manager and console proxy there). With more, the calling process
binds the socket, forks the workers, starts a new one when one dies, and
on SIGTERM or SIGINT tells each to stop and waits for them.
"""
import os
import signal
import socket
import time

from oslo_log import log

from esi_leap.common import wsgi_server

LOG = log.getLogger(__name__)

_BACKLOG = 1024
# Exit status of a worker that could not build its application or
# server: the whole server stops instead of starting it again and again.
_FAILED_TO_START = 3
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Settings(object):
    """How each worker serves: threads and the [api] request limits."""

    def __init__(self, threads, request_timeout, body_limit,
                 max_connections, graceful_timeout=10, on_start=None):
        self.threads = threads
        self.request_timeout = request_timeout
        self.body_limit = body_limit
        self.max_connections = max_connections
        self.graceful_timeout = graceful_timeout
        # Called in each worker before it serves; may return a function
        # that is called once the worker has stopped serving.
        self.on_start = on_start


def listen(host, port):
    """A TCP socket bound to host:port and listening."""
    family = socket.AF_INET6 if ':' in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(_BACKLOG)
    sock.setblocking(False)
    return sock


class _StopFlag(object):
    """Set by SIGTERM or SIGINT once installed."""

    def __init__(self):
        self.set = False

    def install(self):
        for signum in _STOP_SIGNALS:
            signal.signal(signum, self._on_signal)
        return self

    def _on_signal(self, signum, frame):
        self.set = True

    def __call__(self):
        return self.set


def start_worker(app_factory, sock, settings):
    """Build the application and its server; run ``on_start``.

    Returns (server, the stop function ``on_start`` returned or None).
    """
    app = wsgi_server.wrap(app_factory())
    server = wsgi_server.make_server(
        app, sock, settings.threads, settings.request_timeout,
        settings.body_limit, settings.max_connections)
    on_stop = settings.on_start() if settings.on_start else None
    return server, on_stop


def serve_until_stopped(server, on_stop, settings, stopping):
    """Serve until ``stopping()`` (SIGTERM or SIGINT), then drain.

    Requests in progress when the signal comes are finished (within
    ``settings.graceful_timeout`` seconds); then ``on_stop``, if any, runs.
    """
    try:
        server.serve_until(stopping)
        LOG.info('Stopping: finishing the requests in progress')
        server.drain(settings.graceful_timeout)
    finally:
        if on_stop is not None:
            on_stop()


def run_worker(app_factory, sock, settings):
    """Start a worker in this process and serve until told to stop."""
    stopping = _StopFlag().install()
    server, on_stop = start_worker(app_factory, sock, settings)
    serve_until_stopped(server, on_stop, settings, stopping)


class _Workers(object):
    """The forked workers of one server, by process id."""

    def __init__(self, app_factory, sock, settings, count):
        self.app_factory = app_factory
        self.sock = sock
        self.settings = settings
        self.count = count
        self.started = {}

    def spawn(self):
        pid = os.fork()
        if pid == 0:
            os._exit(self._worker())
        self.started[pid] = time.monotonic()

    def _worker(self):
        """Run one worker (in the child); return its exit status."""
        stopping = _StopFlag().install()
        try:
            server, on_stop = start_worker(self.app_factory, self.sock,
                                           self.settings)
        except BaseException:
            LOG.exception('API worker %d failed to start', os.getpid())
            return _FAILED_TO_START
        try:
            serve_until_stopped(server, on_stop, self.settings, stopping)
        except BaseException:
            LOG.exception('API worker %d failed', os.getpid())
            return 1
        return 0

    def reap(self):
        """Forget exited workers; return whether one failed to start."""
        failed = False
        while self.started:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            if self.started.pop(pid, None) is None or status == 0:
                continue  # not a worker, or one told to stop
            LOG.warning('API worker %d exited (status %d)', pid, status)
            failed = failed or (os.WIFEXITED(status) and
                                os.WEXITSTATUS(status) == _FAILED_TO_START)
        return failed

    def stop(self, timeout):
        """SIGTERM every worker; SIGKILL those not gone in ``timeout``."""
        for pid in list(self.started):
            _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while self.started and time.monotonic() < deadline:
            self.reap()
            time.sleep(0.1)
        for pid in list(self.started):
            _signal(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            self.started.pop(pid)


def _signal(pid, signum):
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def supervise(app_factory, sock, settings, count):
    """Run ``count`` forked workers on ``sock`` until told to stop.

    Returns the exit status: 0 after SIGTERM or SIGINT, 1 when a worker
    failed to start.
    """
    stopping = _StopFlag().install()
    workers = _Workers(app_factory, sock, settings, count)
    failed = False
    while not stopping() and not failed:
        while len(workers.started) < count:
            workers.spawn()
        time.sleep(0.2)
        if not stopping():
            failed = workers.reap()
    if failed:
        LOG.error('An API worker failed to start; stopping')
    workers.stop(settings.graceful_timeout + 5)
    return 1 if failed else 0


def serve(app_factory, host, port, workers, settings):
    """Serve ``app_factory()`` on host:port in ``workers`` processes.

    Each worker builds its own application (and so its own database
    connections). Returns the exit status once stopped.
    """
    sock = listen(host, port)
    if workers <= 1:
        run_worker(app_factory, sock, settings)
        return 0
    return supervise(app_factory, sock, settings, workers)
