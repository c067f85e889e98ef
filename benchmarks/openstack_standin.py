#!/usr/bin/env python3
"""The few Keystone and Ironic answers the original ESI-Leap 1.0.0 needs.

With ``[pecan] auth_enable = false`` the original still asks Keystone for
project names and Ironic for its node list on every listing (see
shared/docs/peer-runbook.md section 3). This stand-in answers those GETs
on 127.0.0.1 only, from the standard library, fast (TCP_NODELAY, one
write per answer) so that it never becomes the figure being measured:

* ``/identity/v3/projects`` (optionally ``?name=``) and
  ``/identity/v3/projects/<id>``: any id is a project named
  ``project-<first 8 characters>``, without a parent;
* ``/baremetal/v1/nodes/detail`` (and ``/baremetal/v1/nodes``): no nodes;
* ``/baremetal`` and ``/baremetal/v1``: version documents.

It is part of the benchmarks only, never of the service.
"""
import argparse
import http.server
import json
import socket
import socketserver
import threading
import urllib.parse


def project(project_id):
    """The project document of any id."""
    return {'id': project_id, 'name': 'project-%s' % project_id[:8],
            'domain_id': 'default', 'parent_id': None, 'enabled': True,
            'is_domain': False, 'description': '', 'tags': [],
            'links': {'self': '/identity/v3/projects/%s' % project_id}}


class KnownProjects(object):
    """Project ids the benchmark uses, so that lists can name them."""

    def __init__(self, ids=()):
        self.ids = list(ids)


def _baremetal_version(base):
    return {'id': 'v1', 'status': 'CURRENT', 'version': '1.80',
            'min_version': '1.1',
            'links': [{'href': base + '/baremetal/v1/', 'rel': 'self'}]}


def answer(path, query, base, known):
    """Return (status, document) for a GET of ``path``."""
    parts = [p for p in path.split('/') if p]
    if parts[:3] == ['identity', 'v3', 'projects']:
        if len(parts) == 4:
            return 200, {'project': project(parts[3])}
        names = query.get('name')
        ids = known.ids
        if names:
            ids = [i for i in ids if project(i)['name'] == names[0]]
        return 200, {'projects': [project(i) for i in ids],
                     'links': {'self': base + path, 'next': None,
                               'previous': None}}
    if parts[:2] == ['identity', 'v3'] and len(parts) == 2:
        return 200, {'version': {'id': 'v3.14', 'status': 'stable',
                                 'links': [{'href': base + '/identity/v3/',
                                            'rel': 'self'}]}}
    if parts[:3] == ['baremetal', 'v1', 'nodes']:
        return 200, {'nodes': []}
    if parts == ['baremetal']:
        version = _baremetal_version(base)
        return 200, {'versions': [version], 'default_version': version}
    if parts == ['baremetal', 'v1']:
        return 200, {'id': 'v1', 'version': _baremetal_version(base)}
    return 404, {'error': {'code': 404, 'message': 'no such path'}}


class Handler(http.server.BaseHTTPRequestHandler):
    """Answers GETs; counts them per path for the benchmark's report."""

    protocol_version = 'HTTP/1.1'

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        base = 'http://%s:%d' % self.server.server_address[:2]
        status, document = answer(url.path, urllib.parse.parse_qs(url.query),
                                  base, self.server.known)
        with self.server.count_lock:
            self.server.counts[url.path] = \
                self.server.counts.get(url.path, 0) + 1
        body = json.dumps(document).encode('utf-8')
        head = ('HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n'
                'Content-Length: %d\r\n\r\n'
                % (status, 'OK' if status == 200 else 'Not Found',
                   len(body))).encode('ascii')
        self.wfile.write(head + body)

    def log_message(self, fmt, *args):
        pass


class StandIn(socketserver.ThreadingMixIn, http.server.HTTPServer):
    """The stand-in server, on 127.0.0.1 only."""

    daemon_threads = True

    def __init__(self, port=0, known=None):
        super().__init__(('127.0.0.1', port), Handler)
        self.known = known or KnownProjects()
        self.counts = {}
        self.count_lock = threading.Lock()
        self.thread = None

    @property
    def url(self):
        return 'http://127.0.0.1:%d' % self.server_address[1]

    def start(self):
        """Serve in a daemon thread; return self."""
        self.thread = threading.Thread(target=self.serve_forever,
                                       daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.shutdown()
        self.server_close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--port', type=int, default=0)
    args = parser.parse_args(argv)
    server = StandIn(args.port)
    print('serving on %s' % server.url, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == '__main__':
    main()
