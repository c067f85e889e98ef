"""Serving the API with gunicorn: pre-forked workers, threads in each."""
import json

from gunicorn.app import base
from gunicorn.http import errors as http_errors
from gunicorn import util as gunicorn_util
from gunicorn.workers import gthread

# Requests gunicorn refuses before the application sees them, and the
# status each gets; any other parse error is a plain 400.
_STATUS = (
    (http_errors.LimitRequestLine, 414, 'URI Too Long',
     'The request line (URL) is too long.'),
    (http_errors.LimitRequestHeaders, 431, 'Request Header Fields Too Large',
     'The request headers are too large or too many.'),
)
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

    def handle_error(self, req, client, addr, exc):
        if not isinstance(exc, _CLIENT_ERRORS):
            return super().handle_error(req, client, addr, exc)
        status, reason, text = _client_error(exc)
        self.log.warning('Refused request from %s: %r',
                         (addr or ('',))[0], str(exc)[:200])
        body = json.dumps({'faultcode': 'Client', 'faultstring': text,
                           'debuginfo': None})
        response = ('HTTP/1.1 %d %s\r\nConnection: close\r\n'
                    'Content-Type: application/json\r\n'
                    'Content-Length: %d\r\n\r\n%s'
                    % (status, reason, len(body), body))
        try:
            gunicorn_util.write_nonblock(client, response.encode('ascii'))
        except Exception:
            self.log.debug('Failed to send error message.')


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
          name='esi-leap-api', graceful_timeout=10):
    """Serve ``app_factory()`` on host:port until stopped.

    Each of ``workers`` processes builds its own application (and so its
    own database connections) after the fork. ``post_worker_init`` is
    called with the worker, in its process, once it is ready; a stopping
    worker gets ``graceful_timeout`` seconds before it is killed.
    """
    options = {
        'bind': '%s:%s' % (host, port),
        'workers': workers,
        'threads': threads,
        'worker_class': 'esi_leap.common.wsgi_server.JsonErrorWorker',
        'keepalive': 5,
        'timeout': 120,
        'graceful_timeout': graceful_timeout,
        'accesslog': '-',
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
