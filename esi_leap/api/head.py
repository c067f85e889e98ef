"""HEAD is answered wherever GET is."""


class HeadAsGet(object):
    """WSGI middleware serving HEAD requests as GET, without the body.

    NOTE(esi-leap): pecan's REST controllers route HEAD nowhere (405);
    RFC 9110 asks a server to answer HEAD as it would GET. The answer
    keeps GET's status and headers (Content-Length included); the body is
    dropped here as well as by the server.
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if environ.get('REQUEST_METHOD') != 'HEAD':
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
