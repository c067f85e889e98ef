"""A small keep-alive HTTP client for the load generators.

``requests`` costs the client about a millisecond of CPU per request
(URL parsing, header merging, hooks, cookie handling), on the same two
cores as the servers it measures: for requests the server answers in a
few milliseconds, that is a large share of what a benchmark would report.
This client sends the same requests over one ``http.client`` keep-alive
connection per session, with the small subset of the ``requests.Session``
interface the benchmarks use. Errors are ``requests.RequestException``s,
so callers handle both clients alike. Benchmark-only; not part of the
service.
"""
import http.client
import json
import socket
import urllib.parse

import requests


class LeanError(requests.RequestException):
    """A connection or protocol error of the lean client."""


class Response(object):
    """What the benchmarks read of a response."""

    def __init__(self, status_code, content, headers):
        self.status_code = status_code
        self.content = content
        self.headers = headers

    @property
    def text(self):
        return self.content.decode('utf-8', 'replace')

    def json(self):
        return json.loads(self.content)


class Session(object):
    """One keep-alive connection per (host, port); not thread-safe."""

    def __init__(self):
        self._connections = {}

    def _connection(self, netloc, timeout):
        conn = self._connections.get(netloc)
        if conn is None:
            host, _, port = netloc.partition(':')
            conn = http.client.HTTPConnection(host, int(port or 80),
                                              timeout=timeout)
            self._connections[netloc] = conn
        return conn

    def request(self, method, url, params=None, json=None, headers=None,
                timeout=60):
        """Send one request and read the whole response."""
        parts = urllib.parse.urlsplit(url)
        target = parts.path or '/'
        query = parts.query
        if params:
            extra = urllib.parse.urlencode(params)
            query = '%s&%s' % (query, extra) if query else extra
        if query:
            target += '?' + query
        sent_headers = dict(headers or {})
        body = None
        if json is not None:
            body = _dumps(json)
            sent_headers.setdefault('Content-Type', 'application/json')
        for attempt in (1, 2):
            conn = self._connection(parts.netloc, timeout)
            try:
                conn.request(method, target, body=body, headers=sent_headers)
                response = conn.getresponse()
                content = response.read()
            except (http.client.HTTPException, OSError, socket.timeout) as e:
                conn.close()
                self._connections.pop(parts.netloc, None)
                # A kept-alive connection the server closed meanwhile is
                # opened again once; anything else is the server's fault.
                if attempt == 1 and isinstance(
                        e, (http.client.RemoteDisconnected,
                            ConnectionResetError, BrokenPipeError)):
                    continue
                raise LeanError('%s %s: %s'
                                % (method, target, type(e).__name__))
            if response.will_close:
                conn.close()
                self._connections.pop(parts.netloc, None)
            return Response(response.status, content,
                            dict(response.getheaders()))

    def get(self, url, **kwargs):
        return self.request('GET', url, **kwargs)

    def post(self, url, **kwargs):
        return self.request('POST', url, **kwargs)

    def delete(self, url, **kwargs):
        return self.request('DELETE', url, **kwargs)

    def close(self):
        for conn in self._connections.values():
            conn.close()
        self._connections = {}


def _dumps(value):
    return json.dumps(value).encode('utf-8')
