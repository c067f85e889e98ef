"""The API's access log: one short line per request, never forged."""
import logging
import sys
import time

# Longest request target written to the access log; the rest is cut.
_LOGGED_URI = 1024
LOGGER_NAME = 'esi_leap.access'
_FORMAT = '%s %s %s "%s %s" %s %s %.1fms'


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


def access_logger(stream=None):
    """The access logger, writing bare lines to ``stream`` (stdout).

    NOTE(esi-leap): the line carries its own UTC time stamp; it goes to
    its own handler, not through oslo.log's format, so every line has
    the same fields wherever the process logs.
    """
    logger = logging.getLogger(LOGGER_NAME)
    if not logger.handlers:
        handler = logging.StreamHandler(stream or sys.stdout)
        handler.setFormatter(logging.Formatter('%(message)s'))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


def target(environ):
    """The request target as the client sent it (path and query)."""
    raw = environ.get('REQUEST_URI') or environ.get('RAW_URI')
    if raw:
        return raw
    query = environ.get('QUERY_STRING')
    path = environ.get('PATH_INFO', '')
    return path + ('?' + query if query else '')


def line(environ, status, sent, seconds):
    """The access line of one request (see AccessLog)."""
    return _FORMAT % (
        time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
        environ.get('REMOTE_ADDR') or '-',
        environ.get('openstack.request_id') or '-',
        loggable(environ.get('REQUEST_METHOD') or '-', 16),
        loggable(target(environ)), status, sent, seconds * 1000.0)


class AccessLog(object):
    """WSGI middleware writing one access line per answered request.

    The line: UTC time, client address, request id, method and
    (escaped) target, status, bytes of body sent and the time taken.
    Client headers (Referer, User-Agent...) are never written. The line
    is written once the body has been handed to the server, when the
    server closes the response.
    """

    def __init__(self, app, logger=None):
        self.app = app
        self.logger = logger or access_logger()

    def __call__(self, environ, start_response):
        started = time.monotonic()
        answer = {'status': '-'}

        def record(status, headers, exc_info=None):
            answer['status'] = status.split(None, 1)[0]
            return start_response(status, headers, exc_info)

        try:
            body = self.app(environ, record)
        except Exception:
            self._log(environ, '500', 0, started)
            raise
        return _Counted(body, lambda sent: self._log(
            environ, answer['status'], sent, started))

    def _log(self, environ, status, sent, started):
        if environ.get('REQUEST_METHOD') == 'HEAD':
            sent = 0
        self.logger.info(line(environ, status, sent,
                              time.monotonic() - started))


class _Counted(object):
    """A response body that counts its bytes and reports them on close."""

    def __init__(self, body, done):
        self._body = body
        self._done = done
        self._sent = 0

    def __iter__(self):
        for chunk in self._body:
            self._sent += len(chunk)
            yield chunk

    def close(self):
        try:
            close = getattr(self._body, 'close', None)
            if close is not None:
                close()
        finally:
            self._done(self._sent)
