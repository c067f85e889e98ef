"""Which browser origins may open console websockets."""
import urllib.parse

from oslo_config import cfg

CONF = cfg.CONF

_SCHEMES = {'ws': 'http', 'wss': 'https', 'http': 'http', 'https': 'https'}
_DEFAULT_PORTS = {'http': 80, 'https': 443}


def normalise(url):
    """Return ``url`` as scheme://host[:port], lower case, or None.

    ws and wss count as http and https; default ports are dropped.
    """
    try:
        parts = urllib.parse.urlsplit(url.strip())
        port = parts.port
    except (AttributeError, ValueError):
        return None
    scheme = _SCHEMES.get(parts.scheme.lower())
    if scheme is None or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ':' in host:
        host = '[%s]' % host
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return '%s://%s' % (scheme, host)
    return '%s://%s:%d' % (scheme, host, port)


def allowed_origins():
    """The origin of [serialconsoleproxy] public_url and allowed_origins."""
    conf = CONF.serialconsoleproxy
    origins = {normalise(conf.public_url)}
    origins.update(normalise(o) for o in conf.allowed_origins)
    origins.discard(None)
    return origins


def origin_allowed(values):
    """Whether a handshake with these Origin header values may proceed.

    No Origin (command-line clients) is allowed; more than one Origin
    header, or one that is not an allowed origin, is not.
    """
    if not values:
        return True
    if len(values) > 1:
        return False
    origin = normalise(values[0])
    return origin is not None and origin in allowed_origins()
