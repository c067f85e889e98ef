"""The real esi-leap-api (gunicorn) answers what it refuses as JSON faults.

Oversized request lines and headers, and requests that are not HTTP, are
refused by gunicorn before the application runs; the answer must still be
a JSON fault, and the log line must not carry the client's text raw.
Clients that send slowly, or stop halfway, must not keep others out.
"""
import json
import os
import socket
import threading
import time

import pytest

from esi_leap.tests.fixtures import databases
from esi_leap.tests.fixtures import server as server_fixture


# [api] client_request_timeout of the server under test, seconds.
REQUEST_TIMEOUT = 2.0


@pytest.fixture(scope='module')
def api(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp('limits'))
    database = databases.ThrowawayDatabase('sqlite', workdir).create()
    port = server_fixture.free_port()
    config = server_fixture.write_config(
        os.path.join(workdir, 'esi-leap.conf'), database.url,
        os.path.join(workdir, 'nodes'), port,
        extra={'api': {'client_request_timeout': str(REQUEST_TIMEOUT)}})
    server = server_fixture.Server(config, port)
    server.dbsync()
    server.start()
    try:
        yield server
    finally:
        server.stop()
        database.drop()


def _read_all(sock):
    """Everything ``sock`` receives until the server closes it."""
    chunks = []
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return b''.join(chunks)
        chunks.append(chunk)


def exchange(server, data):
    """Send raw bytes; return (status, headers text, body)."""
    with socket.create_connection(('127.0.0.1', server.port),
                                  timeout=30) as sock:
        sock.sendall(data)
        answer = _read_all(sock)
    head, _, body = answer.partition(b'\r\n\r\n')
    status = int(head.split(b' ', 2)[1])
    return status, head.decode('latin-1'), body


@pytest.mark.parametrize('request_bytes,status', [
    (b'GET /v1/offers?x=' + b'a' * 10000 + b' HTTP/1.1\r\n'
     b'Host: x\r\n\r\n', 414),
    (b'GET /v1/offers HTTP/1.1\r\nHost: x\r\nX-Big: ' + b'b' * 10000 +
     b'\r\n\r\n', 431),
    (b'GET /v1/offers HTTP/1.1\r\nHost: x\r\n' +
     b''.join(b'X-H%d: v\r\n' % i for i in range(200)) + b'\r\n', 431),
    (b'BR\x00KEN\nforged log line\r\n\r\n', 400),
])
def test_refused_requests_answer_json(api, request_bytes, status):
    got, head, body = exchange(api, request_bytes)
    assert got == status, (head, body)
    assert 'application/json' in head.lower()
    fault = json.loads(body)
    assert set(fault) == {'faultcode', 'faultstring', 'debuginfo'}
    assert fault['faultcode'] == 'Client'
    with open(api.log_path, errors='replace') as log:
        assert '\nforged log line' not in log.read()


def test_the_server_still_serves(api):
    status, _, body = exchange(api, b'GET /v1/offers HTTP/1.1\r\nHost: x\r\n'
                                    b'Connection: close\r\n\r\n')
    assert status == 200
    assert json.loads(body) == {'offers': []}


def test_access_lines_carry_the_request_id_and_escape_the_target(api):
    status, _, _ = exchange(api, b'GET /v1/offers?name=%22%0A"x HTTP/1.1\r\n'
                                 b'Host: x\r\nConnection: close\r\n\r\n')
    assert status in (200, 400)
    with open(api.log_path, errors='replace') as log:
        lines = [line for line in log.read().splitlines()
                 if '"GET /v1/offers?name=' in line]
    assert lines, 'no access line for the request'
    fields = lines[-1].split(' ')
    assert fields[2].startswith('req-')
    assert '"GET /v1/offers?name=%22%0A\\"x"' in lines[-1]


def _keep_sending(server, stop, counts, index):
    """Send GET / back to back on one kept-alive connection until ``stop``."""
    with socket.create_connection(('127.0.0.1', server.port),
                                  timeout=30) as sock:
        reader = sock.makefile('rb')
        while not stop.is_set():
            sock.sendall(b'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
            status = reader.readline()
            assert status.startswith(b'HTTP/1.1 200'), status
            length = 0
            while True:
                line = reader.readline()
                if line in (b'\r\n', b''):
                    break
                name, _, value = line.partition(b':')
                if name.strip().lower() == b'content-length':
                    length = int(value)
            assert len(reader.read(length)) == length
            counts[index] += 1


def _newcomer_is_answered(server):
    """A new client's GET is answered in full while others keep busy."""
    status, _, body = exchange(server, b'GET /v1/offers HTTP/1.1\r\n'
                                       b'Host: x\r\nConnection: close'
                                       b'\r\n\r\n')
    assert status == 200 and json.loads(body) == {'offers': []}


def test_busy_connections_leave_room_for_others(api):
    # More clients than the worker has threads (8), each sending on its
    # own connection without pause: a newcomer must still be answered,
    # and every busy connection too (each one's answers arrive in order).
    stop = threading.Event()
    counts = [0] * 12
    senders = [threading.Thread(target=_keep_sending,
                                args=(api, stop, counts, i), daemon=True)
               for i in range(len(counts))]
    for sender in senders:
        sender.start()
    try:
        time.sleep(1.0)
        _newcomer_is_answered(api)
        time.sleep(0.5)
    finally:
        stop.set()
        for sender in senders:
            sender.join(30)
    assert all(count > 0 for count in counts), counts


def _responses(data):
    """(status, body) of each HTTP response in ``data``, in order."""
    found = []
    while data:
        head, _, rest = data.partition(b'\r\n\r\n')
        status = int(head.split(b' ', 2)[1])
        length = int(head.lower().split(b'content-length: ', 1)[1]
                     .split(b'\r\n', 1)[0])
        found.append((status, rest[:length]))
        data = rest[length:]
    return found


class _Tricklers(object):
    """``count`` connections each sending ``first``, then a byte at a time.

    Every connection gets one more byte of ``then`` each ``interval``
    seconds until stopped; none of them completes its request.
    """

    def __init__(self, server, count, first, then, interval=0.5):
        self.sockets = [socket.create_connection(('127.0.0.1', server.port),
                                                 timeout=30)
                        for _ in range(count)]
        for sock in self.sockets:
            sock.sendall(first)
        self.then, self.interval = then, interval
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._trickle, daemon=True)
        self.thread.start()

    def _trickle(self):
        sent = 0
        while self.then and not self.stop.wait(self.interval):
            for sock in self.sockets:
                try:
                    sock.sendall(self.then[sent % len(self.then):][:1])
                except OSError:
                    pass
            sent += 1

    def close(self):
        self.stop.set()
        self.thread.join(10)
        for sock in self.sockets:
            sock.close()


@pytest.mark.parametrize('first,then', [
    # Headers that never end.
    (b'GET /v1/offers HTTP/1.1\r\nHost: x\r\n', b'X-Slow: y\r\n'),
    # A body that never ends.
    (b'POST /v1/offers HTTP/1.1\r\nHost: x\r\n'
     b'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
     b' '),
    # Silence after the connection is opened.
    (b'', b''),
], ids=['slow-headers', 'slow-body', 'silent'])
def test_slow_clients_do_not_keep_others_out(api, first, then):
    # Far more slow connections than the worker has threads (8): they hold
    # none while their requests arrive, so a newcomer is answered.
    slow = _Tricklers(api, 40, first, then)
    try:
        time.sleep(1.0)
        _newcomer_is_answered(api)
    finally:
        slow.close()


def test_request_not_whole_in_time_is_answered_408(api):
    # Headers trickling in for longer than [api] client_request_timeout.
    slow = _Tricklers(api, 1, b'GET /v1/offers HTTP/1.1\r\nHost: x\r\n',
                      b'X-Slow: y\r\n', interval=0.2)
    try:
        started = time.monotonic()
        answer = _read_all(slow.sockets[0])
        waited = time.monotonic() - started
    finally:
        slow.close()
    (status, body), = _responses(answer)
    assert status == 408
    assert json.loads(body) == {
        'faultcode': 'Client', 'debuginfo': None,
        'faultstring': 'The request did not arrive within 2 seconds.'}
    assert waited >= REQUEST_TIMEOUT - 0.5


def test_a_request_sent_in_pieces_is_served(api):
    # Slow but in time: the head in three pieces, the body in two.
    body = b'{"resource_uuid": "no-such-node"}'
    pieces = [b'POST /v1/offers HTTP/1.1\r\nHo', b'st: x\r\nContent-Type: ',
              b'application/json\r\nContent-Length: %d\r\n'
              b'Connection: close\r\n\r\n' % len(body), body[:10],
              body[10:]]
    with socket.create_connection(('127.0.0.1', api.port),
                                  timeout=30) as sock:
        for piece in pieces:
            sock.sendall(piece)
            time.sleep(0.2)
        (status, answer), = _responses(_read_all(sock))
    assert status == 404, answer
    assert 'no-such-node' in json.loads(answer)['faultstring']


def test_pipelined_requests_are_each_answered(api):
    with socket.create_connection(('127.0.0.1', api.port),
                                  timeout=30) as sock:
        sock.sendall(b'GET /v1/offers HTTP/1.1\r\nHost: x\r\n\r\n'
                     b'GET /v1/leases HTTP/1.1\r\nHost: x\r\n'
                     b'Connection: close\r\n\r\n')
        answers = _responses(_read_all(sock))
    assert [(status, json.loads(body)) for status, body in answers] == [
        (200, {'offers': []}), (200, {'leases': []})]


def test_expect_100_continue_is_honoured(api):
    body = b'{"resource_uuid": "no-such-node"}'
    with socket.create_connection(('127.0.0.1', api.port),
                                  timeout=30) as sock:
        sock.sendall(b'POST /v1/offers HTTP/1.1\r\nHost: x\r\n'
                     b'Content-Type: application/json\r\n'
                     b'Expect: 100-continue\r\nConnection: close\r\n'
                     b'Content-Length: %d\r\n\r\n' % len(body))
        interim = sock.recv(65536)
        assert interim.startswith(b'HTTP/1.1 100 Continue\r\n'), interim
        sock.sendall(body)
        rest = interim.split(b'\r\n\r\n', 1)[1] + _read_all(sock)
    (status, answer), = _responses(rest)
    assert status == 404, answer


def test_endless_headers_are_refused_431(api):
    with socket.create_connection(('127.0.0.1', api.port),
                                  timeout=30) as sock:
        sock.sendall(b'GET /v1/offers HTTP/1.1\r\nHost: x\r\n')
        try:
            for _ in range(40):
                sock.sendall(b'X-Many: ' + b'v' * 2000 + b'\r\n')
        except OSError:
            pass  # the server may close before all of it is sent
        (status, body), = _responses(_read_all(sock))
    assert status == 431
    assert json.loads(body)['faultstring'] == \
        'The request headers are too large or too many.'
