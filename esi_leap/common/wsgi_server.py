"""Serving the API with gunicorn: pre-forked workers, threads in each."""
import json
import selectors
import time

from gunicorn.app import base
from gunicorn import glogging
from gunicorn.http import errors as http_errors
from gunicorn import util as gunicorn_util
from gunicorn.workers import gthread

from esi_leap.common import arrival

# Requests gunicorn refuses before the application sees them, and the
# status each gets; any other parse error is a plain 400.
_HEADERS_TOO_LARGE = (431, 'Request Header Fields Too Large',
                      'The request headers are too large or too many.')
_STATUS = (
    (http_errors.LimitRequestLine, 414, 'URI Too Long',
     'The request line (URL) is too long.'),
    (http_errors.LimitRequestHeaders,) + _HEADERS_TOO_LARGE,
)
# How long a worker thread waits for the next request on its connection.
_NEXT_REQUEST_WAIT = 0.002
# Requests one thread serves in a row on one connection before it queues.
_REQUESTS_IN_A_ROW = 16
# Defaults of what serve() sets from [api] client_request_timeout and
# max_request_body_bytes.
_REQUEST_TIMEOUT = 10.0
_BODY_LIMIT = 65536

_CLIENT_ERRORS = (http_errors.ParseException, http_errors.LimitRequestLine,
                  http_errors.LimitRequestHeaders)


def _client_error(exc):
    """(status, reason, text) of a request gunicorn could not parse."""
    for kind, status, reason, text in _STATUS:
        if isinstance(exc, kind):
            return status, reason, text
    return 400, 'Bad Request', 'The request could not be parsed as HTTP.'


class JsonErrorWorker(gthread.ThreadWorker):
    """gunicorn's threaded worker, answering its own errors as JSON faults.

    NOTE(esi-leap): gunicorn answers an oversized URL or header, or an
    unparsable request, with HTML and logs the client's text raw; here the
    answer is a WSME-style JSON fault and the log line uses repr.
    """

    def run(self):
        """Serve until told to stop, then run ``esi_leap_on_stop``.

        NOTE(esi-leap): esi-leap-all sets ``esi_leap_on_stop`` (the embedded
        manager's stop) in post_worker_init. It runs once the worker has
        stopped accepting and finished its requests, before the process
        exits; gunicorn's worker_exit hook would run it while SystemExit
        propagates.
        """
        super().run()
        on_stop = getattr(self, 'esi_leap_on_stop', None)
        if on_stop is not None:
            on_stop()

    # Set by serve() before the workers are forked.
    request_timeout = _REQUEST_TIMEOUT
    body_limit = _BODY_LIMIT

    def handle(self, conn):
        """Serve requests of one connection while they follow each other.

        NOTE(esi-leap): gunicorn's threaded worker hands a kept-alive
        connection back to its poller thread after every response, and the
        next request comes back through the thread pool: two thread
        switches and several system calls, most of the cost of a small
        request. A request that arrives within ``_NEXT_REQUEST_WAIT``
        seconds is served by the same thread instead, up to
        ``_REQUESTS_IN_A_ROW`` requests; then, or when the connection is
        quieter, it goes back to the poller as before. So an idle client
        holds a thread for at most that long, and clients that never pause
        cannot keep the others out of the thread pool. Each request is
        only parsed once all of it has arrived (see _arrived()).
        """
        served = 0
        while True:
            arrived = self._arrived(conn)
            if arrived is not True:
                return arrived
            result = super().handle(conn)
            served += 1
            if not (result is True and self.alive and
                    served < _REQUESTS_IN_A_ROW and
                    self._next_request(conn)):
                return result

    def _arrived(self, conn):
        """True once a whole request is held for the parser.

        NOTE(esi-leap): gunicorn's parser reads a request with blocking
        reads, in the thread that serves it: a client sending its headers
        or body a byte at a time, or stopping halfway, would hold that
        thread, and a few dozen such clients every thread of every worker.
        Here what has come is read without waiting and kept in the parser's
        buffer; while the request is incomplete the connection goes back to
        the poller (gunicorn closes it after ``keepalive`` seconds of
        silence), and one not whole within ``request_timeout`` seconds of
        its first byte is answered 408 and closed. Returns True, gunicorn's
        defer marker, or False once the connection is refused.
        """
        if self.cfg.is_ssl:
            return True
        conn.init()
        if conn.is_http2:
            return True
        unreader = conn.parser.unreader
        if getattr(conn, 'esi_leap_since', None) is None:
            conn.esi_leap_since = time.monotonic()
        held, state, closed = self._read_what_came(
            conn.sock, unreader.take_buffered())
        unreader.unread(held)
        if state is None or closed:
            conn.esi_leap_since = None
            return True
        if state == 'oversized':
            return self._refuse(conn, *_HEADERS_TOO_LARGE)
        waited = time.monotonic() - conn.esi_leap_since
        if waited > self.request_timeout:
            return self._refuse(conn, 408, 'Request Timeout',
                                'The request did not arrive within %g '
                                'seconds.' % self.request_timeout)
        return gthread._DEFER

    def _read_what_came(self, sock, held):
        """(held + what ``sock`` holds now, what is missing, closed).

        Reads while bytes keep coming, waiting ``_NEXT_REQUEST_WAIT`` at
        most once for more; never more than a whole request can hold.
        """
        room = arrival.most_held(self.body_limit)
        state = arrival.missing(held, self.body_limit)
        closed, waited = False, False
        while state in ('head', 'body') and not closed and len(held) < room:
            more, closed = arrival.read_ready(sock, room - len(held))
            if not more and not closed:
                if waited or not _readable(sock, _NEXT_REQUEST_WAIT):
                    break
                waited = True
                continue
            held += more
            state = arrival.missing(held, self.body_limit)
        return held, state, closed

    def _refuse(self, conn, status, reason, text):
        """Answer ``status`` as a JSON fault and close; returns False."""
        self.log.warning('Refused request from %s: %s',
                         (conn.client or ('',))[0], reason)
        _write_fault(conn.sock, status, reason, text)
        return False

    @staticmethod
    def _next_request(conn):
        if conn.parser.unreader.buf.getvalue():
            return True
        return _readable(conn.sock, _NEXT_REQUEST_WAIT)

    def handle_error(self, req, client, addr, exc):
        if not isinstance(exc, _CLIENT_ERRORS):
            return super().handle_error(req, client, addr, exc)
        status, reason, text = _client_error(exc)
        self.log.warning('Refused request from %s: %r',
                         (addr or ('',))[0], str(exc)[:200])
        _write_fault(client, status, reason, text)


def _readable(sock, timeout):
    """Whether ``sock`` has something to read within ``timeout`` seconds."""
    with selectors.DefaultSelector() as selector:
        selector.register(sock, selectors.EVENT_READ)
        return bool(selector.select(timeout))


def _write_fault(sock, status, reason, text):
    """Send a JSON fault response that closes the connection; never raises."""
    body = json.dumps({'faultcode': 'Client', 'faultstring': text,
                       'debuginfo': None})
    response = ('HTTP/1.1 %d %s\r\nConnection: close\r\n'
                'Content-Type: application/json\r\n'
                'Content-Length: %d\r\n\r\n%s'
                % (status, reason, len(body), body))
    try:
        gunicorn_util.write_nonblock(sock, response.encode('ascii'))
    except Exception:
        pass  # the client may be gone already


# Longest request target written to the access log; the rest is cut.
_LOGGED_URI = 1024


def loggable(text, limit=_LOGGED_URI):
    """``text`` as one printable ASCII line of at most ``limit`` characters.

    Quotes, backslashes and anything not printable ASCII are escaped, so
    what a client sends can never end a log line, forge the next one or
    break a quoted field.
    """
    text = text[:limit]
    if text.isascii() and text.isprintable() and '"' not in text and \
            '\\' not in text:
        return text
    return text.encode('unicode_escape').decode('ascii').replace('"', '\\"')


class AccessLogger(glogging.Logger):
    """gunicorn's logger with a short access line, cheap and unforgeable.

    One line per request: client address, the request id, method and
    (escaped) target, status, bytes sent and the time taken, stamped in
    UTC. NOTE(esi-leap): gunicorn's own access line builds a dict of every
    header and environ variable and formats a local time for each request,
    a fifth of the cost of a small request; and it writes the client's
    Referer and User-Agent as they came.
    """

    def access(self, resp, req, environ, request_time):
        """Write the access line of one request (when access logs are on)."""
        if not self.access_log_enabled:
            return
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        self.access_log.info(
            '%s %s %s "%s %s" %s %s %.1fms',
            time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
            environ.get('REMOTE_ADDR', '-'),
            environ.get('openstack.request_id', '-'),
            environ.get('REQUEST_METHOD', '-'),
            loggable(environ.get('RAW_URI', '')), status,
            getattr(resp, 'sent', None) or 0,
            request_time.total_seconds() * 1000.0)


class _Server(base.BaseApplication):

    def __init__(self, app_factory, options):
        self.app_factory = app_factory
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return self.app_factory()


def serve(app_factory, host, port, workers, threads, post_worker_init=None,
          name='esi-leap-api', graceful_timeout=10,
          request_timeout=_REQUEST_TIMEOUT, body_limit=_BODY_LIMIT):
    """Serve ``app_factory()`` on host:port until stopped.

    Each of ``workers`` processes builds its own application (and so its
    own database connections) after the fork. ``post_worker_init`` is
    called with the worker, in its process, once it is ready; a stopping
    worker gets ``graceful_timeout`` seconds before it is killed. A
    request must arrive whole, with a body of up to ``body_limit`` bytes,
    within ``request_timeout`` seconds of its first byte (else 408).
    """
    JsonErrorWorker.request_timeout = request_timeout
    JsonErrorWorker.body_limit = body_limit
    options = {
        'bind': '%s:%s' % (host, port),
        'workers': workers,
        'threads': threads,
        'worker_class': 'esi_leap.common.wsgi_server.JsonErrorWorker',
        'keepalive': 5,
        'timeout': 120,
        'graceful_timeout': graceful_timeout,
        'accesslog': '-',
        'logger_class': 'esi_leap.common.wsgi_server.AccessLogger',
        'errorlog': '-',
        'loglevel': 'warning',
        'proc_name': name,
        # NOTE(esi-leap): gunicorn's control socket is one file per user
        # (~/.gunicorn); several servers on a host would fight over it.
        'control_socket_disable': True,
    }
    if post_worker_init is not None:
        options['post_worker_init'] = post_worker_init
    _Server(app_factory, options).run()
