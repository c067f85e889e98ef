"""WSGI middleware: JSON errors everywhere and the anonymous root."""
import html
import json
import re

from oslo_log import log

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

        chunks = self.app(environ, capture)
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
            body = json.dumps({
                'faultcode': 'Client' if code < 500 else 'Server',
                'faultstring': faultstring,
                'debuginfo': None}).encode('utf-8')
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
