"""The real esi-leap-api (gunicorn) answers what it refuses as JSON faults.

Oversized request lines and headers, and requests that are not HTTP, are
refused by gunicorn before the application runs; the answer must still be
a JSON fault, and the log line must not carry the client's text raw.
"""
import json
import os
import socket
import threading
import time

import pytest

from esi_leap.tests.fixtures import databases
from esi_leap.tests.fixtures import server as server_fixture


@pytest.fixture(scope='module')
def api(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp('limits'))
    database = databases.ThrowawayDatabase('sqlite', workdir).create()
    port = server_fixture.free_port()
    config = server_fixture.write_config(
        os.path.join(workdir, 'esi-leap.conf'), database.url,
        os.path.join(workdir, 'nodes'), port)
    server = server_fixture.Server(config, port)
    server.dbsync()
    server.start()
    try:
        yield server
    finally:
        server.stop()
        database.drop()


def exchange(server, data):
    """Send raw bytes; return (status, headers text, body)."""
    with socket.create_connection(('127.0.0.1', server.port),
                                  timeout=30) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    head, _, body = b''.join(chunks).partition(b'\r\n\r\n')
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
        status, _, body = exchange(api, b'GET /v1/offers HTTP/1.1\r\n'
                                        b'Host: x\r\nConnection: close'
                                        b'\r\n\r\n')
        assert status == 200 and json.loads(body) == {'offers': []}
        time.sleep(0.5)
    finally:
        stop.set()
        for sender in senders:
            sender.join(30)
    assert all(count > 0 for count in counts), counts
