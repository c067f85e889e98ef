#!/usr/bin/env python3
"""Candidate HTTP fronts for esi-leap's API, side by side, on the real app.

Each candidate serves the same esi-leap application (2 worker processes,
8 request threads each, noauth, one MariaDB database seeded with 1,000
offers on 100 nodes) on 127.0.0.1; one after the other, this script

1. sends the hostile clients of issue 25, K (50) connections at a time,
   holds them, and times how long a newcomer's ``GET /v1/offers?limit=1``
   takes to be answered (``-`` when not within --newcomer-timeout), then
   closes them and times how long the server takes to answer again;
2. sends malformed and unusual-but-valid requests and prints the status
   each gets and whether a refusal is a JSON fault;
3. measures requests per second and the median latency of ``GET /``, the
   100- and 1,000-offer lists, and claims (one client, then 4 threads);
4. stops the candidate with SIGTERM and times its exit.

Candidates (--candidates): ``today`` (esi-leap-api of the commit given by
--today-tree: gunicorn with the custom whole-request worker), ``waitress``
(esi-leap-api of this tree), ``granian`` and ``uwsgi`` (serving
esi_leap.wsgi.api:application; from --candidates-path, e.g. ``pip install
--target DIR granian uwsgi``) and ``gunicorn+nginx`` (stock gunicorn
behind nginx, needs the nginx binary). It prints figures, never a verdict.
"""
import argparse
import concurrent.futures
import datetime
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import api_bench
import lean_http

from esi_leap.tests.fixtures import databases
from esi_leap.tests.fixtures import server as server_fixture
from esi_leap.tests.fixtures import slow_clients

HERE = os.path.dirname(os.path.abspath(__file__))
TREE = os.path.dirname(HERE)
VENV_BIN = os.path.dirname(sys.executable)
WORKERS = 2
THREADS = 8
REQUEST_TIMEOUT = 10
BODY = 65536
NEWCOMER = b'GET /v1/offers?limit=1 HTTP/1.1\r\nHost: x\r\n' \
           b'Connection: close\r\n\r\n'
POST = b'POST /v1/offers HTTP/1.1\r\nHost: x\r\nContent-Type: ' \
       b'application/json\r\n'

# name: (first bytes, bytes trickled one at a time every 0.5 s, count)
ATTACKS = [
    ('H1 expect-100, no body', POST + b'Expect: 100-continue\r\n'
     b'Content-Length: 100\r\n\r\n', b'', None),
    ('H1 content-length 13 digits', POST + b'Content-Length: '
     b'0000000000100\r\n\r\n{"a"', b'', None),
    ('H1 chunk data ends 0 CRLF CRLF', POST + b'Transfer-Encoding: '
     b'chunked\r\n\r\n20\r\n' + b'x' * 20 + b'\r\n0\r\n\r\n', b'', None),
    ('H1 overflowing chunk size', POST + b'Transfer-Encoding: chunked'
     b'\r\n\r\nffffffffffffffffffffff\r\nab', b'', None),
    ('H2 Connection: close, kept open', b'GET /v1/offers?limit=1 HTTP/1.1'
     b'\r\nHost: x\r\nConnection: close\r\n\r\n', b'', None),
    ('slowloris headers', b'GET /v1/offers HTTP/1.1\r\nHost: x\r\n',
     b'X-Slow: y\r\n', None),
    ('slow body', POST + b'Content-Length: 1000\r\n\r\n{', b' ', None),
    ('idle (silent) connections', b'', b'', None),
    ('1,100 idle connections', b'', b'', 1100),
]

_STATUS_LINE = re.compile(rb'HTTP/1\.[01] (\d{3}) ')
# A body that reaches the application whole is answered 404 (no such node).
OFFER = b'{"resource_uuid": "no-such-node"}'
CHUNKED = b'%x\r\n%s\r\n' % (len(OFFER), OFFER)
CHUNKED_EXT = b'%x;ext=1\r\n%s\r\n' % (len(OFFER), OFFER)
MALFORMED = [
    ('chunk size -5', POST + b'Transfer-Encoding: chunked\r\n'
     b'Connection: close\r\n\r\n-5\r\nab\r\n0\r\n\r\n'),
    ('chunk size zz', POST + b'Transfer-Encoding: chunked\r\n'
     b'Connection: close\r\n\r\nzz\r\nab\r\n0\r\n\r\n'),
    ('invalid UTF-8 in path', b'GET /v1/offers/\xff\xfe HTTP/1.1\r\n'
     b'Host: x\r\nConnection: close\r\n\r\n'),
    ('%FF in path', b'GET /v1/offers/%FF%FE HTTP/1.1\r\nHost: x\r\n'
     b'Connection: close\r\n\r\n'),
    ('URL of 10,000 bytes', b'GET /v1/offers?x=' + b'a' * 10000 +
     b' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
    ('header of 10,000 bytes', b'GET / HTTP/1.1\r\nHost: x\r\nX-Big: ' +
     b'b' * 10000 + b'\r\nConnection: close\r\n\r\n'),
    ('body over 64 KiB', POST + b'Content-Length: 100000\r\n'
     b'Connection: close\r\n\r\n'),
    ('not HTTP', b'BR\x00KEN\nforged\r\n\r\n'),
    ('HEAD /v1/offers', b'HEAD /v1/offers HTTP/1.1\r\nHost: x\r\n'
     b'Connection: close\r\n\r\n'),
    ('chunked POST pipelined with GET', POST + b'Transfer-Encoding: '
     b'chunked\r\n\r\n' + CHUNKED + b'0\r\n\r\nGET / HTTP/1.1\r\n'
     b'Host: x\r\nConnection: close\r\n\r\n'),
    ('last chunk with trailers', POST + b'Transfer-Encoding: chunked\r\n'
     b'Connection: close\r\n\r\n' + CHUNKED + b'0\r\nX-Trailer: t\r\n'
     b'\r\n'),
    ('chunk extension', POST + b'Transfer-Encoding: chunked\r\n'
     b'Connection: close\r\n\r\n' + CHUNKED_EXT + b'0\r\n\r\n'),
    ('Host reflected?', b'GET / HTTP/1.1\r\nHost: evil.example\r\n'
     b'Connection: close\r\n\r\n'),
]


def _env(tree, extra_path=None):
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(p for p in (tree, extra_path) if p)
    env['PYTHONWARNINGS'] = 'ignore::DeprecationWarning'
    return env


class Candidate(object):
    """One server under test: its command line and environment."""

    def __init__(self, name, argv, env, workdir, port, cwd=None,
                 extra=None):
        self.name, self.argv, self.env = name, argv, env
        self.workdir, self.port, self.cwd = workdir, port, cwd
        self.extra = extra or []
        self.processes = []
        self.log = open(os.path.join(workdir, name.replace('+', '-') +
                                     '.log'), 'ab')

    def start(self):
        for argv in self.extra + [self.argv]:
            self.processes.append(subprocess.Popen(
                argv, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
                cwd=self.cwd))
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if _answer(self.port, b'GET / HTTP/1.1\r\nHost: x\r\n'
                                  b'Connection: close\r\n\r\n', 2)[0] == 200:
                return
            time.sleep(0.3)
        raise RuntimeError('%s did not start' % self.name)

    def stop(self):
        """SIGTERM; return the seconds until every process exited."""
        started = time.monotonic()
        for process in reversed(self.processes):
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for process in reversed(self.processes):
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        return time.monotonic() - started


def _answer(port, data, timeout):
    """(status or None, head, body) of one raw exchange."""
    try:
        with socket.create_connection(('127.0.0.1', port),
                                      timeout=timeout) as sock:
            sock.sendall(data)
            chunks, deadline = [], time.monotonic() + timeout
            while time.monotonic() < deadline:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
    except OSError:
        chunks = locals().get('chunks') or []
    answer = b''.join(chunks)
    head, _, body = answer.partition(b'\r\n\r\n')
    try:
        return int(head.split(b' ', 2)[1]), head, body
    except (IndexError, ValueError):
        return None, head, body


def _newcomer(port, timeout):
    started = time.monotonic()
    status, _, _ = _answer(port, NEWCOMER, timeout)
    return (time.monotonic() - started) if status == 200 else None


def attack_rows(port, k, newcomer_timeout):
    rows = []
    for name, first, then, count in ATTACKS:
        attackers = slow_clients.Tricklers(port, count or k, first, then,
                                           best_effort=True,
                                           connect_timeout=5)
        time.sleep(1.0)
        waited = _newcomer(port, newcomer_timeout)
        attackers.close()
        started = time.monotonic()
        while _newcomer(port, 5) is None and \
                time.monotonic() - started < 60:
            pass
        rows.append((name, len(attackers.sockets), waited,
                     time.monotonic() - started))
    return rows


def malformed_rows(port):
    rows = []
    for name, data in MALFORMED:
        status, head, body = _answer(port, data, 5)
        statuses = [int(code) for code in _STATUS_LINE.findall(
            head + b'\r\n\r\n' + body)]
        json_fault = b'"faultstring"' in body
        note = ''
        if name.startswith('Host'):
            note = 'reflected' if b'evil.example' in body else 'not reflected'
        rows.append((name, statuses or [None], json_fault, note))
    return rows


def _timed(send, clients, requests_per_client):
    latencies, failures = [], []
    lock = threading.Lock()

    def run(index):
        session = lean_http.Session()
        for _ in range(requests_per_client):
            started = time.perf_counter()
            try:
                response = send(session, index)
            except Exception as e:
                failures.append(repr(e)[:80])
                continue
            if response is None:
                return
            with lock:
                if 200 <= response.status_code < 300:
                    latencies.append(time.perf_counter() - started)
                else:
                    failures.append(response.status_code)

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        list(pool.map(run, range(clients)))
    wall = time.perf_counter() - started
    return (len(latencies) / wall if wall else 0.0,
            statistics.median(latencies) * 1000 if latencies else None,
            len(failures))


def perf_rows(url, seeded, slots):
    admin = api_bench.headers(*api_bench.ADMIN)

    def get(path):
        return lambda session, index: session.get(url + path, headers=admin,
                                                  timeout=300)
    owner = seeded.owners[0]
    claim = api_bench._claim_sender(url, slots)
    phases = [
        ('GET / (bare)', get('/'), 1, 400),
        ('GET / (bare), 4 threads', get('/'), 4, 100),
        ('GET 100 offers', get('/v1/offers?project_id=%s' % owner), 1, 30),
        ('GET 1,000 offers', get('/v1/offers'), 1, 8),
        ('GET 1,000 offers, 4 threads', get('/v1/offers'), 4, 3),
        ('claims, one at a time', claim, 1, 100),
        ('claims, 4 threads', claim, 4, 40),
    ]
    rows = []
    for name, send, clients, count in phases:
        send(lean_http.Session(), 0)  # warm up
        rows.append((name,) + _timed(send, clients, count))
    return rows


def candidates(args, workdir, config, port, gport):
    """The candidates' command lines, by name."""
    conf_env = {'ESI_LEAP_CONFIG_FILE': config}
    wsgi_env = dict(_env(TREE, args.candidates_path), **conf_env)
    made = {
        'today': lambda: Candidate(
            'today', [os.path.join(VENV_BIN, 'esi-leap-api'),
                      '--config-file', config],
            _env(args.today_tree), workdir, port),
        'waitress': lambda: Candidate(
            'waitress', [os.path.join(VENV_BIN, 'esi-leap-api'),
                         '--config-file', config],
            _env(TREE), workdir, port),
        'granian': lambda: Candidate(
            'granian', [sys.executable, '-m', 'granian', '--interface',
                        'wsgi', '--host', '127.0.0.1', '--port', str(port),
                        '--workers', str(WORKERS), '--blocking-threads',
                        str(THREADS), '--http', '1',
                        '--http1-header-read-timeout',
                        str(REQUEST_TIMEOUT * 1000), '--no-ws',
                        'esi_leap.wsgi.api:application'],
            wsgi_env, workdir, port),
        'uwsgi': lambda: Candidate(
            'uwsgi', [os.path.join(args.candidates_path, 'bin', 'uwsgi'),
                      '--http', '127.0.0.1:%d' % port, '--master',
                      '--processes', str(WORKERS), '--threads',
                      str(THREADS), '--virtualenv',
                      os.path.dirname(VENV_BIN), '--module',
                      'esi_leap.wsgi.api:application', '--need-app',
                      '--post-buffering', str(BODY), '--limit-post',
                      str(BODY), '--buffer-size', '65535',
                      '--http-timeout', str(REQUEST_TIMEOUT),
                      '--http-keepalive', '--die-on-term',
                      '--disable-logging'],
            wsgi_env, workdir, port),
        'gunicorn+nginx': lambda: Candidate(
            'gunicorn+nginx', [args.nginx, '-c', _nginx_conf(
                workdir, port, gport), '-p', workdir],
            wsgi_env, workdir, port, extra=[[
                os.path.join(VENV_BIN, 'gunicorn'), '--bind',
                '127.0.0.1:%d' % gport, '--workers', str(WORKERS),
                '--threads', str(THREADS), '--no-control-socket',
                'esi_leap.wsgi.api:application']]),
    }
    return [made[name]() for name in args.candidates]


def _nginx_conf(workdir, port, gport):
    path = os.path.join(workdir, 'nginx.conf')
    with open(path, 'w') as f:
        f.write('''daemon off; user root; worker_processes 1;
pid %(w)s/nginx.pid; error_log %(w)s/nginx-error.log warn;
events { worker_connections 8192; }
http {
  access_log off; client_body_temp_path %(w)s/body;
  proxy_temp_path %(w)s/proxy; client_max_body_size 64k;
  client_header_timeout %(t)ds; client_body_timeout %(t)ds;
  keepalive_timeout 5s; send_timeout %(t)ds;
  upstream api { server 127.0.0.1:%(g)d; keepalive 16; }
  server {
    listen 127.0.0.1:%(p)d;
    location / { proxy_pass http://api; proxy_http_version 1.1;
                 proxy_set_header Connection ""; }
  }
}
''' % {'w': workdir, 'p': port, 'g': gport, 't': REQUEST_TIMEOUT})
    return path


def _fmt(value, pattern='%.2f'):
    return '-' if value is None else pattern % value


def report(name, attacks, malformed, perf, stop_seconds):
    print('\n== %s' % name)
    print('%-34s %5s %12s %11s' % ('attack (held connections)', 'held',
                                   'newcomer s', 'recover s'))
    for row_name, held, waited, recovered in attacks:
        print('%-34s %5d %12s %11.2f' % (row_name, held, _fmt(waited),
                                         recovered))
    print('%-34s %-14s %s' % ('request', 'statuses', 'JSON fault'))
    for row_name, statuses, json_fault, note in malformed:
        print('%-34s %-14s %-5s %s' % (row_name, ','.join(
            str(s) for s in statuses), json_fault, note))
    print('%-34s %8s %8s %5s' % ('load', 'req/s', 'p50 ms', 'fail'))
    for row_name, rate, p50, failures in perf:
        print('%-34s %8.1f %8s %5d' % (row_name, rate, _fmt(p50, '%.1f'),
                                       failures))
    print('SIGTERM to exit: %.2f s' % stop_seconds)
    sys.stdout.flush()


def perf_only(args, workdir, config, port, gport, seeded, slots):
    """Load figures only; the candidates take turns, round by round."""
    url = 'http://127.0.0.1:%d' % port
    for turn in range(args.perf_rounds):
        for candidate in candidates(args, workdir, config, port, gport):
            candidate.start()
            load = os.getloadavg()[0]
            try:
                perf = perf_rows(url, seeded, slots)
            finally:
                candidate.stop()
            print('\n== round %d, %s (1-min load %.1f)' % (
                turn + 1, candidate.name, load))
            for row_name, rate, p50, failures in perf:
                print('%-34s %8.1f %8s %5d' % (row_name, rate,
                                               _fmt(p50, '%.1f'), failures))
            sys.stdout.flush()


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--candidates', type=lambda t: t.split(','),
                        default=['today', 'waitress', 'granian', 'uwsgi',
                                 'gunicorn+nginx'])
    parser.add_argument('--today-tree', required=True,
                        help='a checkout of the commit serving today')
    parser.add_argument('--candidates-path', default='/tmp/hf-cands')
    parser.add_argument('--nginx', default=shutil.which('nginx') or
                        '/usr/sbin/nginx')
    parser.add_argument('--k', type=int, default=50)
    parser.add_argument('--newcomer-timeout', type=float, default=5.0)
    parser.add_argument('--backend', default='mysql')
    parser.add_argument('--perf-rounds', type=int, default=0,
                        help='only measure load, this many rounds, the '
                             'candidates taking turns within each round '
                             '(an A/B on a machine whose load varies)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    workdir = tempfile.mkdtemp(prefix='http-front-')
    database = databases.ThrowawayDatabase(args.backend, workdir).create()
    port, gport = server_fixture.free_port(), server_fixture.free_port()
    config = server_fixture.write_config(
        os.path.join(workdir, 'esi-leap.conf'), database.url,
        os.path.join(workdir, 'nodes'), port, workers=WORKERS,
        extra={'api': {'api_threads': str(THREADS),
                       'client_request_timeout': str(REQUEST_TIMEOUT)}})
    server_fixture.Server(config, port).dbsync()
    now = datetime.datetime.now(datetime.timezone.utc)
    seeded = api_bench.seed(database.url, os.path.join(workdir, 'nodes'),
                            1000, 10, random.Random(1), now)
    slots = api_bench.ClaimSlots(seeded.offers,
                                 list(range(len(seeded.offers))))
    print('http_front: %s, %d offers, %d workers x %d threads, K=%d, '
          'newcomer timeout %gs, loadavg %s' % (
              args.backend, len(seeded.offers), WORKERS, THREADS, args.k,
              args.newcomer_timeout, os.getloadavg()))
    try:
        if args.perf_rounds:
            return perf_only(args, workdir, config, port, gport, seeded,
                             slots)
        for candidate in candidates(args, workdir, config, port, gport):
            candidate.start()
            try:
                attacks = attack_rows(port, args.k, args.newcomer_timeout)
                malformed = malformed_rows(port)
                perf = perf_rows('http://127.0.0.1:%d' % port, seeded,
                                 slots)
            finally:
                stopped = candidate.stop()
            report(candidate.name, attacks, malformed, perf, stopped)
    finally:
        database.drop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == '__main__':
    main()
