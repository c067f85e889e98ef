"""The real esi-leap-api answers what it refuses as JSON faults.

Oversized request lines and headers, and requests that are not HTTP, are
refused by the HTTP server before the application runs; the answer must
still be a JSON fault, and the log line must not carry the client's text
raw. Clients that send slowly, stop halfway, or hold their connections
must not keep others out: a newcomer is answered within NEWCOMER_BOUND
seconds while K attackers (several times the request threads) hold theirs.
"""
import json
import os
import socket
import threading
import time

import pytest

from esi_leap.tests.fixtures import server as server_fixture
from esi_leap.tests.fixtures import slow_clients


# [api] client_request_timeout of the server under test, seconds.
REQUEST_TIMEOUT = 2.0
# Attackers holding connections at once (the server has 8 threads).
K = 50
# Seconds a newcomer may wait for its answer while they do.
NEWCOMER_BOUND = 1.0


@pytest.fixture(scope='module')
def api(tmp_path_factory):
    with server_fixture.sqlite_api(
            str(tmp_path_factory.mktemp('limits')), extra={
                'api': {'client_request_timeout': str(REQUEST_TIMEOUT)}}) \
            as server:
        yield server


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
    """A new client's GET is answered in full within NEWCOMER_BOUND s."""
    started = time.monotonic()
    with socket.create_connection(('127.0.0.1', server.port),
                                  timeout=NEWCOMER_BOUND) as sock:
        sock.sendall(b'GET /v1/offers HTTP/1.1\r\nHost: x\r\n'
                     b'Connection: close\r\n\r\n')
        answer = _read_all(sock)
    waited = time.monotonic() - started
    (status, body), = _responses(answer)
    assert status == 200 and json.loads(body) == {'offers': []}
    assert waited <= NEWCOMER_BOUND, waited


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


POST = (b'POST /v1/offers HTTP/1.1\r\nHost: x\r\n'
        b'Content-Type: application/json\r\n')
# A body that reaches the application whole is answered 404 (no node).
OFFER = b'{"resource_uuid": "no-such-node"}'

# Connections that hold a request thread of a server that decides itself
# when a request has arrived whole and then parses it with blocking reads
# (issue 25, H1 and H2), and slow or silent clients.
ATTACKS = {
    # H1: a length, "Expect: 100-continue" and no body.
    'expect-100-no-body': (POST + b'Expect: 100-continue\r\n'
                           b'Content-Length: 100\r\n\r\n', b''),
    # H1: a Content-Length of 13 digits (leading zeros), body incomplete.
    'content-length-13-digits': (POST + b'Content-Length: 0000000000100'
                                 b'\r\n\r\n{"a"', b''),
    # H1: chunk data that ends like the last chunk, chunk incomplete.
    'chunk-data-ends-like-last-chunk': (
        POST + b'Transfer-Encoding: chunked\r\n\r\n20\r\n' + b'x' * 20 +
        b'\r\n0\r\n\r\n', b''),
    # H1: a chunk size that overflows.
    'overflowing-chunk-size': (POST + b'Transfer-Encoding: chunked\r\n'
                               b'\r\nffffffffffffffffffffff\r\nab', b''),
    # H2: "Connection: close" requests whose clients keep the socket open
    # and read nothing.
    'connection-close-kept-open': (b'GET /v1/offers HTTP/1.1\r\nHost: x\r\n'
                                   b'Connection: close\r\n\r\n', b''),
    # Slowloris: headers that never end.
    'slow-headers': (b'GET /v1/offers HTTP/1.1\r\nHost: x\r\n',
                     b'X-Slow: y\r\n'),
    # A body that never ends.
    'slow-body': (POST + b'Content-Length: 1000\r\n\r\n{', b' '),
    # Silence after the connection is opened (an idle flood).
    'silent': (b'', b''),
}


@pytest.mark.parametrize('attack', sorted(ATTACKS))
def test_hostile_clients_do_not_keep_others_out(api, attack):
    # K attackers, several times the threads: they hold none, so a
    # newcomer is answered within NEWCOMER_BOUND seconds.
    first, then = ATTACKS[attack]
    slow = slow_clients.Tricklers(api.port, K, first, then)
    try:
        time.sleep(1.0)
        _newcomer_is_answered(api)
        _newcomer_is_answered(api)
    finally:
        slow.close()


def test_a_thousand_idle_connections_do_not_keep_others_out(api):
    idle = slow_clients.Tricklers(api.port, 1100, b'', b'')
    try:
        time.sleep(1.0)
        # Once the server has taken them all from the listen backlog
        # (one untimed request waits behind them), newcomers are
        # answered within the bound.
        exchange(api, b'GET / HTTP/1.1\r\nHost: x\r\nConnection: close'
                      b'\r\n\r\n')
        _newcomer_is_answered(api)
    finally:
        idle.close()


def test_request_not_whole_in_time_is_answered_408(api):
    # Headers trickling in for longer than [api] client_request_timeout.
    slow = slow_clients.Tricklers(
        api.port, 1, b'GET /v1/offers HTTP/1.1\r\nHost: x\r\n',
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


class _LogWatch(object):
    """What the server logs from now on."""

    def __init__(self, server):
        self.path = server.log_path
        with open(self.path, 'rb') as log:
            log.seek(0, os.SEEK_END)
            self.offset = log.tell()

    def text(self):
        with open(self.path, 'rb') as log:
            log.seek(self.offset)
            return log.read().decode('utf-8', 'replace')

    def assert_no_error(self):
        text = self.text()
        assert 'Traceback' not in text and ' ERROR ' not in text, text


def _fault_of(answer, status):
    (got, body), = _responses(answer)
    assert got == status, (got, body)
    fault = json.loads(body)
    assert set(fault) == {'faultcode', 'faultstring', 'debuginfo'}
    return fault['faultstring']


def _send_and_read(server, *pieces, pause=0.3):
    with socket.create_connection(('127.0.0.1', server.port),
                                  timeout=30) as sock:
        for piece in pieces:
            sock.sendall(piece)
            time.sleep(pause)
        return _read_all(sock)


def test_expect_100_without_body_is_answered_408(api):
    # H1: the client never sends the body it announced.
    answer = _send_and_read(api, POST + b'Expect: 100-continue\r\n'
                                        b'Content-Length: 100\r\n\r\n')
    interim, _, rest = answer.partition(b'\r\n\r\n')
    assert interim == b'HTTP/1.1 100 Continue'
    assert _fault_of(rest, 408) == \
        'The request did not arrive within 2 seconds.'


def test_content_length_with_leading_zeros_reads_the_body(api):
    # H1: 13 digits are a valid Content-Length; the body is read whole.
    answer = _send_and_read(
        api, POST + b'Connection: close\r\nContent-Length: %013d\r\n\r\n'
        % len(OFFER), OFFER[:10], OFFER[10:])
    assert 'no-such-node' in _fault_of(answer, 404)


def test_chunk_data_that_looks_like_the_last_chunk(api):
    # H1: the chunk's data ends in CRLF 0 CRLF CRLF (JSON white space and
    # a number) before the chunk itself is whole: the body is the chunk.
    body = (b'{"resource_uuid": "no-such-node", "properties": {"a": '
            b'\r\n0\r\n\r\n}}')
    cut = body.index(b'\r\n0\r\n\r\n') + 7
    answer = _send_and_read(
        api, POST + b'Connection: close\r\nTransfer-Encoding: chunked\r\n'
        b'\r\n%x\r\n' % len(body) + body[:cut], body[cut:] + b'\r\n0\r\n\r\n')
    assert 'no-such-node' in _fault_of(answer, 404)


def test_overflowing_chunk_size_is_refused_413(api):
    # H1: a chunk size of 22 hex digits; its data runs past the limit.
    watch = _LogWatch(api)
    answer = _send_and_read(
        api, POST + b'Transfer-Encoding: chunked\r\n\r\n'
        b'ffffffffffffffffffffff\r\n' + b'x' * 70000)
    assert _fault_of(answer, 413) == \
        'The request body is larger than 65536 bytes.'
    watch.assert_no_error()


@pytest.mark.parametrize('size', [b'-5', b'zz', b'0x10', b'1 2'])
def test_malformed_chunk_size_is_400(api, size):
    # M4: answered 400 with a JSON fault, no traceback in the log.
    watch = _LogWatch(api)
    answer = _send_and_read(
        api, POST + b'Transfer-Encoding: chunked\r\n\r\n' + size +
        b'\r\nab\r\n0\r\n\r\n')
    assert _fault_of(answer, 400) == \
        'The request could not be parsed as HTTP: Invalid chunk size.'
    watch.assert_no_error()
    assert 'Refused request from 127.0.0.1: 400' in watch.text()


@pytest.mark.parametrize('target', [b'/v1/offers/\xff\xfe', b'/v1/\xc3'])
def test_invalid_utf8_in_the_path_is_400(api, target):
    # L7: a fault and a WARNING line, no traceback.
    watch = _LogWatch(api)
    answer = exchange(api, b'GET ' + target + b' HTTP/1.1\r\nHost: x\r\n'
                           b'Connection: close\r\n\r\n')
    assert answer[0] == 400
    assert 'faultstring' in json.loads(answer[2])
    watch.assert_no_error()


def test_percent_encoded_invalid_utf8_in_the_path_is_4xx(api):
    watch = _LogWatch(api)
    status, _, body = exchange(api, b'GET /v1/offers/%FF%FE HTTP/1.1\r\n'
                                    b'Host: x\r\nConnection: close\r\n\r\n')
    assert status == 400
    assert json.loads(body)['faultstring'] == \
        'The request path is not valid UTF-8.'
    watch.assert_no_error()


def test_client_gone_mid_body_logs_no_error(api):
    # L7: a client that disconnects halfway through its body.
    watch = _LogWatch(api)
    for reset in (False, True):
        sock = socket.create_connection(('127.0.0.1', api.port), timeout=30)
        sock.sendall(POST + b'Content-Length: 1000\r\n\r\n{"resource_')
        time.sleep(0.2)
        if reset:  # RST instead of FIN
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                            b'\x01\x00\x00\x00\x00\x00\x00\x00')
        sock.close()
    _newcomer_is_answered(api)
    watch.assert_no_error()


def test_chunked_post_pipelined_with_a_get(api):
    # L6: both requests are answered, in order.
    answer = _send_and_read(
        api, POST + b'Transfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n'
        b'\r\nGET /v1/offers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n'
        b'\r\n' % (len(OFFER), OFFER))
    (post, post_body), (get, get_body) = _responses(answer)
    assert post == 404 and 'no-such-node' in json.loads(post_body)[
        'faultstring']
    assert (get, json.loads(get_body)) == (200, {'offers': []})


@pytest.mark.parametrize('chunks', [
    b'%x\r\n%s\r\n0\r\nX-Trailer: t\r\nX-Other: u\r\n\r\n',
    b'%x;ext=1;name="v"\r\n%s\r\n0\r\n\r\n',
    b'%x\r\n%s\r\n0;last=1\r\n\r\n',
], ids=['trailers', 'chunk-extension', 'last-chunk-extension'])
def test_valid_chunked_forms_are_answered(api, chunks):
    # L6: a last chunk with trailers, chunk extensions.
    answer = _send_and_read(
        api, POST + b'Connection: close\r\nTransfer-Encoding: chunked\r\n'
        b'\r\n' + chunks % (len(OFFER), OFFER))
    assert 'no-such-node' in _fault_of(answer, 404)


def test_head_on_lists_is_answered_like_get(api):
    for path in (b'/v1/offers', b'/v1/leases', b'/v1/events', b'/'):
        _, get_head, body = exchange(api, b'GET %s HTTP/1.1\r\nHost: x\r\n'
                                          b'Connection: close\r\n\r\n' % path)
        status, head, rest = exchange(api, b'HEAD %s HTTP/1.1\r\nHost: x\r\n'
                                           b'Connection: close\r\n\r\n'
                                      % path)
        assert status == 200 and rest == b''
        assert 'Content-Length: %d' % len(body) in head


def test_links_do_not_reflect_the_host_header(api):
    status, _, body = exchange(api, b'GET / HTTP/1.1\r\nHost: evil.example'
                                    b'\r\nConnection: close\r\n\r\n')
    assert status == 200
    link = json.loads(body)['versions'][0]['links'][0]['href']
    assert link == 'http://127.0.0.1:%d/v1' % api.port
