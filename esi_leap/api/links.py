"""Where the links in responses point: never where a client says.

A link (the version documents, ``next`` in paginated lists) starts with
``[api] public_endpoint`` when it is set. Otherwise, when
``[oslo_middleware] enable_proxy_headers_parsing`` says a trusted proxy
is in front (oslo.middleware's HTTPProxyToWSGI has then applied its
``Forwarded`` / ``X-Forwarded-*`` headers), with the host and scheme the
proxy passes on. Otherwise with the server's own name and port
(``SERVER_NAME``, ``SERVER_PORT``), never with the ``Host`` header of a
client that talks to the server directly.
"""
from oslo_config import cfg

CONF = cfg.CONF

_DEFAULT_PORTS = {'http': '80', 'https': '443'}


def _behind_trusted_proxy():
    try:
        return CONF.oslo_middleware.enable_proxy_headers_parsing
    except cfg.NoSuchOptError:
        return False


def _host(name, port, scheme):
    if ':' in name and not name.startswith('['):
        name = '[%s]' % name  # an IPv6 address
    if port and port != _DEFAULT_PORTS.get(scheme):
        return '%s:%s' % (name, port)
    return name


def base_url(environ):
    """The scheme and authority links start with, without a slash."""
    if CONF.api.public_endpoint:
        return CONF.api.public_endpoint.rstrip('/')
    scheme = environ.get('wsgi.url_scheme', 'http')
    if _behind_trusted_proxy() and environ.get('HTTP_HOST'):
        return '%s://%s' % (scheme, environ['HTTP_HOST'])
    return '%s://%s' % (scheme, _host(environ.get('SERVER_NAME', 'localhost'),
                                      str(environ.get('SERVER_PORT', '')),
                                      scheme))


def application_url(request):
    """The URL of the API's root (with any prefix a proxy adds)."""
    return base_url(request.environ) + request.script_name


def path_url(request):
    """The URL of ``request`` without its query string."""
    return base_url(request.environ) + request.path
