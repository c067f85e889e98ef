"""WSGI middleware bounding and strictly parsing what a client sends.

Before anything else looks at a request (authentication included), the
query string and the body are checked against the [api] limits, and a JSON
body is parsed strictly: only UTF-8, only real JSON (no NaN, Infinity or
numbers that overflow), no lone surrogates or NUL in strings, no duplicate
keys, bounded nesting, and it must be an object; the path must be UTF-8
without NUL (``%00``). Anything else is answered with a JSON fault here,
and the value parsed here is the only one: it is handed on through
request_body, the body itself emptied, so nothing parses it again.
"""
import io
import json
import math
import urllib.parse

from oslo_config import cfg

from esi_leap.api import request_body
from esi_leap.common import exception
from esi_leap.common import faults

CONF = cfg.CONF

_BODYLESS = ('GET', 'HEAD', 'DELETE', 'OPTIONS')
_MAX_QUERY_VALUE = 255
_READ_CHUNK = 65536


class Refused(Exception):
    """A request the guard answers itself with ``status`` and ``text``."""

    def __init__(self, status, text):
        super().__init__(text)
        self.status = status
        self.text = text


def fault_response(start_response, status, text, headers=()):
    """Answer with a WSME-style JSON fault."""
    body = faults.fault_body(status, text)
    start_response(faults.status_line(status),
                   [('Content-Type', 'application/json'),
                    ('Content-Length', str(len(body)))] + list(headers))
    return [body]


def check_query(query_string):
    """Raise Refused unless the query string is within the limits."""
    try:
        pairs = urllib.parse.parse_qsl(query_string, keep_blank_values=True,
                                       encoding='utf-8', errors='strict')
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, 'The query string is not valid UTF-8.')
    limit = CONF.api.max_query_parameters
    if len(pairs) > limit:
        raise Refused(400, 'Too many query parameters: at most %d.' % limit)
    for name, value in pairs:
        if name == '__body__':
            raise Refused(400, 'The query parameter __body__ is not '
                               'accepted; send a JSON body.')
        if len(value) > _MAX_QUERY_VALUE or len(name) > _MAX_QUERY_VALUE:
            raise Refused(400, 'Query parameter %s is longer than %d '
                               'characters.' % (exception.shown(name[:64]),
                                                _MAX_QUERY_VALUE))
        if '\x00' in value or '\x00' in name:
            raise Refused(400, 'Query parameter %s contains a NUL '
                               'character.' % exception.shown(name[:64]))


def check_path(path):
    """Raise Refused unless the request path is UTF-8 without NUL.

    ``path`` is the WSGI PATH_INFO: the percent-decoded bytes, as latin-1.

    NOTE(esi-leap): identifiers in the path go into database queries, and
    PostgreSQL cannot hold NUL in text at all (its driver raises before
    the query is sent); refused here, every route and every database
    answers the same 400.
    """
    try:
        path = path.encode('latin-1').decode('utf-8')
    except UnicodeEncodeError:
        pass  # a server that decoded the path already
    except UnicodeDecodeError:
        raise Refused(400, 'The request path is not valid UTF-8.')
    if '\x00' in path:
        raise Refused(400, 'The request path contains a NUL character '
                           '(%00); identifiers and names cannot hold it.')


def media_type(content_type):
    """Return the lower-cased media type of a Content-Type, checking it.

    Only JSON in UTF-8 is accepted (any case, with or without charset).
    """
    mime, _, params = content_type.partition(';')
    mime = mime.strip().lower()
    if mime != 'application/json':
        raise Refused(415, 'Request bodies must be application/json, got '
                           '%s.' % exception.shown(mime[:100]))
    for param in params.split(';'):
        key, _, value = param.partition('=')
        if key.strip().lower() == 'charset' and \
                value.strip().strip('"').lower() not in ('utf-8', 'utf8'):
            raise Refused(415, 'Request bodies must be UTF-8.')
    return mime


def read_body(environ):
    """Read the body, at most [api]max_request_body_bytes; 413 beyond."""
    limit = CONF.api.max_request_body_bytes
    length = environ.get('CONTENT_LENGTH') or ''
    too_large = Refused(413, 'The request body is larger than %d bytes.'
                        % limit)
    if length:
        if not length.isdigit():
            raise Refused(400, 'Invalid Content-Length.')
        if int(length) > limit:
            raise too_large
        body = environ['wsgi.input'].read(int(length))
    else:
        body = _read_unsized(environ['wsgi.input'], limit)
    if len(body) > limit:
        raise too_large
    return body


def _read_unsized(stream, limit):
    """Read a body of unknown length (chunked), stopping past ``limit``."""
    chunks, size = [], 0
    while size <= limit:
        chunk = stream.read(min(_READ_CHUNK, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b''.join(chunks)


def _nesting_depth(text):
    """Deepest bracket nesting of JSON ``text``, ignoring strings."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == '\\':
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in '[{':
            depth += 1
            deepest = max(deepest, depth)
        elif char in ']}':
            depth -= 1
    return deepest


def _no_constants(name):
    raise ValueError('%s is not JSON' % name)


def _finite(text):
    value = float(text)
    if not math.isfinite(value):
        raise ValueError('the number %s is out of range' % text[:40])
    return value


def _unique_keys(pairs):
    result = {}
    for key, value in pairs:
        if key in result:
            raise ValueError('duplicate key %s' % exception.shown(key[:64]))
        result[key] = value
    return result


def _check_strings(value):
    """Raise Refused for lone surrogates or NUL in any string or key."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            if '\x00' in item:
                raise Refused(400, 'Strings in the request body may not '
                                   'contain NUL characters.')
            try:
                item.encode('utf-8')
            except UnicodeEncodeError:
                raise Refused(400, 'Strings in the request body may not '
                                   'contain lone surrogates (invalid '
                                   '\\ud800-\\udfff escapes).')


def parse_body(body):
    """Parse a request body strictly; return the JSON object it holds."""
    try:
        text = body.decode('utf-8')
    except UnicodeDecodeError:
        raise Refused(400, 'The request body is not valid UTF-8.')
    limit = CONF.api.max_json_depth
    if _nesting_depth(text) > limit:
        raise Refused(400, 'The request body is nested deeper than %d '
                           'levels.' % limit)
    try:
        value = json.loads(text, parse_constant=_no_constants,
                           parse_float=_finite,
                           object_pairs_hook=_unique_keys)
    except (ValueError, RecursionError) as error:
        raise Refused(400, 'The request body is not valid JSON: %s.'
                      % str(error).split(':')[0][:100])
    if not isinstance(value, dict):
        raise Refused(400, 'The request body must be a JSON object.')
    _check_strings(value)
    return value


class RequestGuard(object):
    """Refuse oversized, malformed or non-JSON requests with a JSON fault.

    Methods without a body (GET, HEAD, DELETE, OPTIONS) have any body
    dropped, so their parameters only ever come from the query string.
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        try:
            check_path(environ.get('PATH_INFO', ''))
            check_query(environ.get('QUERY_STRING', ''))
            self._check_body(environ)
        except Refused as refused:
            return fault_response(start_response, refused.status,
                                  refused.text)
        return self.app(environ, start_response)

    @staticmethod
    def _check_body(environ):
        if environ.get('REQUEST_METHOD', 'GET').upper() in _BODYLESS:
            _replace_body(environ, b'')
            environ.pop('CONTENT_TYPE', None)
            return
        body = read_body(environ)
        if body:
            media_type(environ.get('CONTENT_TYPE', ''))
            request_body.keep(environ, parse_body(body))
            environ['CONTENT_TYPE'] = 'application/json'
        # NOTE(esi-leap): the body was parsed here, once: what follows
        # gets the value (request_body), never the bytes to parse again.
        _replace_body(environ, b'')


def _replace_body(environ, body):
    environ['wsgi.input'] = io.BytesIO(body)
    environ['CONTENT_LENGTH'] = str(len(body))
    environ.pop('HTTP_TRANSFER_ENCODING', None)
