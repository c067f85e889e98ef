"""What the request line may hold, checked before the application.

HEAD is answered wherever GET is, and a path that is not UTF-8 once
percent-decoded is answered 400.
"""
from esi_leap.api import guard


class HeadAsGet(object):
    """WSGI middleware serving HEAD requests as GET, without the body.

    NOTE(esi-leap): pecan's REST controllers route HEAD nowhere (405);
    RFC 9110 asks a server to answer HEAD as it would GET. The answer
    keeps GET's status and headers (Content-Length included); the body is
    dropped here as well as by the server. Paths in ``own_head`` (served
    by applications that answer HEAD themselves, like oslo.middleware's
    health check) are left alone.
    """

    def __init__(self, app, own_head=()):
        self.app = app
        self.own_head = frozenset(own_head)

    def __call__(self, environ, start_response):
        if environ.get('REQUEST_METHOD') != 'HEAD' or \
                environ.get('PATH_INFO') in self.own_head:
            return self.app(environ, start_response)
        environ['REQUEST_METHOD'] = 'GET'
        try:
            body = self.app(environ, start_response)
            try:
                for _chunk in body:
                    pass
            finally:
                if hasattr(body, 'close'):
                    body.close()
        finally:
            environ['REQUEST_METHOD'] = 'HEAD'
        return []


def _utf8(text):
    try:
        text.encode('latin-1').decode('utf-8')
    except UnicodeError:
        return False
    return True


class Utf8Path(object):
    """WSGI middleware answering 400 to a path that is not UTF-8.

    NOTE(esi-leap): WSGI servers hand the percent-decoded path over as
    latin-1 (PEP 3333); webob decodes it as UTF-8 when pecan routes, and
    ``/v1/offers/%FF`` raised there (an ERROR traceback in the log).
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        path = environ.get('SCRIPT_NAME', '') + environ.get('PATH_INFO', '')
        if path.isascii() or _utf8(path):
            return self.app(environ, start_response)
        return guard.fault_response(start_response, 400,
                                    'The request path is not valid UTF-8.')
