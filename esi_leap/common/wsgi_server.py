"""The API's HTTP server: waitress, answering its own refusals as JSON.

waitress reads every request whole in its I/O loop (one thread per
process, non-blocking sockets) before a request thread sees it: a client
that sends slowly, stops halfway or keeps its connection open holds no
request thread, and closing a connection never waits for the client.
What is added here: JSON faults (and one WARNING line) for what waitress
refuses, the limits esi-leap has always had (request line, header count
and size), a 408 for a request not whole within
``[api] client_request_timeout`` and a graceful stop. prefork.py runs
several of these processes on one socket.
"""
import logging
import resource
import socket
import time

from oslo_log import log
from waitress import channel as waitress_channel
from waitress import parser as waitress_parser
from waitress import server as waitress_server
from waitress import task as waitress_task
from waitress import utilities as waitress_errors
from waitress import wasyncore

from esi_leap.common import access_log
from esi_leap.common import faults

LOG = log.getLogger(__name__)

# Longest request target (gunicorn's default, which esi-leap had).
MAX_URI = 4094
# Most header fields, and the longest one, in a request.
MAX_HEADER_FIELDS = 100
MAX_HEADER_FIELD = 8190
# Most bytes of request line and headers.
MAX_HEAD = 65536
# How often (seconds) the I/O loop looks for requests out of time; the
# 408 comes at most this long after [api] client_request_timeout.
_SWEEP_INTERVAL = 1
# Seconds the I/O loop waits for events at most in one round.
_LOOP_WAIT = 0.5
# Seconds a refused client's further bytes are read and dropped before
# its connection is closed (see _Channel.handle_close).
_LINGER = 2.0
# File descriptors kept free of client connections (log files, database
# connections, the listening socket...).
_SPARE_FDS = 128


class UriTooLong(waitress_errors.BadRequest):
    code = 414
    reason = 'URI Too Long'


class RequestTimeout(waitress_errors.BadRequest):
    code = 408
    reason = 'Request Timeout'


def _faultstring(error, body_limit, request_timeout):
    """What the JSON fault says about one of waitress's refusals."""
    texts = {
        408: 'The request did not arrive within %g seconds.'
             % request_timeout,
        413: 'The request body is larger than %d bytes.' % body_limit,
        414: 'The request line (URL) is too long.',
        431: 'The request headers are too large or too many.',
        501: 'Transfer-Encoding other than chunked is not supported.',
    }
    if error.code in texts:
        return texts[error.code]
    if error.code >= 500:
        return 'The server hit an unexpected error; the details are in ' \
               'its log.'
    return 'The request could not be parsed as HTTP: %s.' % \
        access_log.loggable(str(error.body), 120).rstrip('.')


class _FaultTask(waitress_task.ErrorTask):
    """Answers a refused request with a WSME-style JSON fault and closes."""

    def execute(self):
        error = self.request.error
        server = self.channel.server
        text = _faultstring(error, server.adj.max_request_body_size - 1,
                            server.request_timeout)
        level = logging.ERROR if error.code >= 500 else logging.WARNING
        LOG.log(level, 'Refused request from %s: %d %s (%s)',
                self.channel.addr[0] if self.channel.addr else '-',
                error.code, error.reason,
                access_log.loggable(str(error.body), 200))
        body = faults.fault_body(error.code, text)
        self.status = faults.status_line(error.code)
        self.channel.refused = True
        self.response_headers.append(('Content-Type', 'application/json'))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class _Parser(waitress_parser.HTTPRequestParser):
    """waitress's parser with esi-leap's limits on the request head."""

    def received(self, data):
        consumed = super().received(data)
        if self.headers_finished and self.error is None and \
                not getattr(self, '_limits_checked', False):
            self._limits_checked = True
            self.error = self._over_limits()
            if self.error is not None:
                self.completed = True
        return consumed

    def _over_limits(self):
        if len(getattr(self, 'request_uri', '')) > MAX_URI:
            return UriTooLong('request line too long')
        if len(self.headers) > MAX_HEADER_FIELDS or any(
                len(value) > MAX_HEADER_FIELD
                for value in self.headers.values()):
            return waitress_errors.RequestHeaderFieldsTooLarge(
                'too many or too large header fields')
        return None


class _Channel(waitress_channel.HTTPChannel):
    """A client connection that knows when its current request began.

    A refused client's connection is closed the way HTTP servers close
    gracefully, without ever waiting for the client: once the fault is
    sent, the sending side is shut and whatever the client still sends is
    read and dropped by the I/O loop, for at most _LINGER seconds. Closed
    at once, the connection would be reset while the client is still
    sending, and the reset would throw away the fault before the client
    read it.
    """

    error_task_class = _FaultTask
    parser_class = _Parser
    request_began = None
    refused = False
    lingering_until = None

    def received(self, data):
        if self.request is None and data:
            self.request_began = time.monotonic()
        return super().received(data)

    def time_out(self, request_timeout):
        """Refuse the request being received if it began too long ago."""
        if self.lingering_until is not None:
            if time.monotonic() > self.lingering_until:
                self._close_now()
            return
        with self.requests_lock:
            partial = self.request
            if partial is None or self.requests or self.will_close or \
                    self.close_when_flushed or partial.completed or \
                    time.monotonic() - self.request_began <= \
                    request_timeout:
                return
            partial.error = RequestTimeout('not whole in time')
            partial.completed = True
            self.request = None
            self.requests.append(partial)
            self.server.add_task(self)

    def handle_close(self):
        if not self.refused or self.lingering_until is not None or \
                self.total_outbufs_len:
            return self._close_now()
        try:
            self.socket.shutdown(socket.SHUT_WR)
        except OSError:
            return self._close_now()
        self.will_close = False
        self.lingering_until = time.monotonic() + _LINGER

    def _close_now(self):
        # A closed socket's fileno() is -1: the channel is closed already.
        if self.socket is not None and self.socket.fileno() != -1:
            super().handle_close()

    def readable(self):
        if self.lingering_until is not None:
            return True
        return super().readable()

    def writable(self):
        if self.lingering_until is not None:
            return False
        return super().writable()

    def handle_read(self):
        if self.lingering_until is None:
            return super().handle_read()
        try:
            self.recv(self.adj.recv_bytes)  # closes on EOF
        except OSError:
            self._close_now()


class Server(waitress_server.TcpWSGIServer):
    """waitress's TCP server with esi-leap's channel and request timeout."""

    channel_class = _Channel
    request_timeout = 10.0

    def __init__(self, application, map, **kwargs):
        super().__init__(application, map=map, **kwargs)
        # The I/O loop's socket map: this server's and its channels'.
        self.socket_map = map

    def maintenance(self, now):
        """Answer 408 to requests out of time; close idle connections."""
        for channel in list(self.active_channels.values()):
            channel.time_out(self.request_timeout)
        super().maintenance(now)

    def channels(self):
        """The client connections open now."""
        return list(self.active_channels.values())

    def busy(self):
        """Whether a request is being served or an answer still sent."""
        return any(c.requests or c.total_outbufs_len for c in self.channels())

    def serve_until(self, stopping):
        """Run the I/O loop until ``stopping()`` is true."""
        while not stopping():
            wasyncore.loop(timeout=_LOOP_WAIT, map=self.socket_map,
                           use_poll=True, count=1)

    def drain(self, timeout):
        """Stop accepting; finish what is in progress within ``timeout``.

        Requests being served are completed and their answers sent; then
        every connection is closed and the request threads stopped.
        """
        wasyncore.dispatcher.close(self)
        deadline = time.monotonic() + timeout
        while self.busy() and time.monotonic() < deadline:
            wasyncore.loop(timeout=0.1, map=self.socket_map, use_poll=True,
                           count=1)
        if self.busy():
            LOG.warning('Stopping with requests still in progress after '
                        '%g seconds', timeout)
        for channel in self.channels():
            channel.close()
        self.task_dispatcher.shutdown(timeout=1)
        self.trigger.close()


def connection_limit(wanted):
    """``wanted``, lowered to what the open files limit allows."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(16, min(wanted, soft - _SPARE_FDS))


def server_name(host):
    """The name links use for a server listening on ``host``."""
    if host in ('', '0.0.0.0', '::'):
        return socket.getfqdn()
    return host


def make_server(app, sock, threads, request_timeout, body_limit,
                max_connections):
    """A waitress server of ``app`` on the listening socket ``sock``.

    Requests must arrive whole, with a body of at most ``body_limit``
    bytes, within ``request_timeout`` seconds of their first byte (408);
    a connection idle that long is closed. At most ``max_connections``
    clients are connected at once; more wait in the listen backlog.
    """
    # NOTE(esi-leap): waitress logs a warning for every request that
    # waits for a thread, and a traceback for every connection reset.
    logging.getLogger('waitress.queue').setLevel(logging.ERROR)
    server = Server(
        app, map={}, _sock=sock, bind_socket=False,
        sockinfo=(sock.family, sock.type, sock.proto, sock.getsockname()),
        adj=waitress_server.Adjustments(
            threads=threads, sockets=[sock], ident='esi-leap',
            server_name=server_name(sock.getsockname()[0]),
            max_request_header_size=MAX_HEAD,
            # waitress refuses a body of max_request_body_size or more.
            max_request_body_size=body_limit + 1,
            channel_timeout=max(1, int(round(request_timeout))),
            cleanup_interval=_SWEEP_INTERVAL,
            connection_limit=connection_limit(max_connections),
            asyncore_use_poll=True, log_socket_errors=False,
            expose_tracebacks=False, url_scheme='http'))
    server.request_timeout = request_timeout
    return server


def wrap(app):
    """``app`` with the access log in front."""
    return access_log.AccessLog(app)
