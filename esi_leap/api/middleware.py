"""WSGI middleware: JSON errors everywhere and the anonymous root."""
import html
import json
import re

from oslo_log import log

from esi_leap.common import exception
from esi_leap.common import faults

LOG = log.getLogger(__name__)

_TAGS = re.compile(r'<[^>]*>')


def _fault_text(body, status):
    """Turn a non-WSME error body into one line of plain text."""
    text = body.decode('utf-8', 'replace')
    try:
        error = json.loads(text).get('error', {})
        if isinstance(error, dict) and error.get('message'):
            return str(error['message'])  # keystonemiddleware's 401
    except (ValueError, AttributeError):
        pass
    title = re.search(r'<title>(.*?)</title>', text, re.S | re.I)
    text = _TAGS.sub(' ', text)
    text = html.unescape(' '.join(text.split()))
    if title:
        heading = html.unescape(title.group(1).strip())
        text = ' '.join(text.replace(heading, ' ').split()) or heading
    if text.startswith(status):
        text = text[len(status):].strip()
    return text or status


_FORM_TYPES = ('multipart/form-data', 'application/x-www-form-urlencoded')


def _fault(code, faultstring):
    """A WSGI app answering one JSON fault."""
    body = faults.fault_body(code, faultstring)

    def app(environ, start_response):
        start_response(faults.status_line(code),
                       [('Content-Type', 'application/json'),
                        ('Content-Length', str(len(body)))])
        return [body]
    return app


def _form_body(environ):
    """A 415 fault for form-encoded requests, which the API never reads.

    Left to pecan, a form body is parsed before routing, and a malformed
    one (a multipart type without boundary) raises there.
    """
    content_type = environ.get('CONTENT_TYPE', '').split(';')[0]
    if content_type.strip().lower() in _FORM_TYPES:
        return _fault(415, 'Unsupported Content-Type %s; send '
                      'application/json.' % content_type.strip().lower())
    return None


class JsonErrors(object):
    """Rewrite every error response that is not JSON into a WSME fault.

    pecan answers routing errors (404 for an unknown path, 405 for a wrong
    method) with HTML, and keystonemiddleware answers 401 with its own
    JSON; clients expect ``{"faultcode", "faultstring", "debuginfo"}``.
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        captured = {}

        def capture(status, headers, exc_info=None):
            captured['status'] = status
            captured['headers'] = headers
            return lambda data: None

        refused = _form_body(environ)
        if refused is not None:
            return refused(environ, start_response)
        try:
            chunks = self.app(environ, capture)
        except Exception:
            # NOTE(esi-leap): what escapes the application (pecan's
            # routing reads form bodies before any controller runs) would
            # otherwise reach the client as the WSGI server's HTML 500.
            LOG.exception('Unexpected error handling %s %s',
                          exception.shown(environ.get('REQUEST_METHOD')),
                          exception.shown(environ.get('PATH_INFO')))
            return _fault(500, 'The server hit an unexpected error; the '
                          'details are in its log.')(environ, start_response)
        try:
            body = b''.join(chunks)
        finally:
            if hasattr(chunks, 'close'):
                chunks.close()
        status = captured['status']
        headers = captured['headers']
        code = int(status.split(' ', 1)[0])
        content_type = dict((k.lower(), v) for k, v in headers).get(
            'content-type', '')
        if code >= 400 and not self._is_fault(body, content_type):
            faultstring = _fault_text(body, status)
            body = faults.fault_body(code, faultstring)
            headers = [(k, v) for k, v in headers
                       if k.lower() not in ('content-type', 'content-length')]
            headers += [('Content-Type', 'application/json'),
                        ('Content-Length', str(len(body)))]
        start_response(status, headers)
        return [body]

    @staticmethod
    def _is_fault(body, content_type):
        if 'json' not in content_type:
            return False
        try:
            return 'faultstring' in json.loads(body)
        except (ValueError, TypeError):
            return False


def root_document(host_url):
    """Return the version document served anonymously at ``/``."""
    version = {'id': 'v1',
               'links': [{'href': '%s/v1' % host_url, 'rel': 'self'}],
               'status': 'CURRENT',
               'min_version': '1.0',
               'version': '1.0'}
    return {'name': 'ESI Leap API',
            'description': 'ESI Leap is an OpenStack service for leasing '
                           'baremetal nodes, designed to run on top of '
                           'multi-tenant Ironic.',
            'default_version': version,
            'versions': [version]}


class AnonymousRoot(object):
    """Serve ``/`` without authentication; everything else goes to ``app``.

    ``public_app`` is the application without authentication in front.
    ``anonymous`` maps further exact paths (``/healthcheck``) to the
    applications that answer them without authentication.
    """

    def __init__(self, app, public_app, anonymous=None):
        self.app = app
        self.public_app = public_app
        self.anonymous = dict(anonymous or {})

    def __call__(self, environ, start_response):
        path = environ.get('PATH_INFO', '')
        if path in ('', '/'):
            return self.public_app(environ, start_response)
        if path in self.anonymous:
            return self.anonymous[path](environ, start_response)
        return self.app(environ, start_response)
