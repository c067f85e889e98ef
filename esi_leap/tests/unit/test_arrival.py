"""esi_leap.common.arrival: is a request whole, what came without waiting."""
import socket

import pytest

from esi_leap.common import arrival

HEAD = b'GET /v1/offers HTTP/1.1\r\nHost: x\r\n'


def _post(length, extra=b''):
    return (b'POST /v1/offers HTTP/1.1\r\nHost: x\r\n'
            b'Content-Length: %d\r\n' % length) + extra + b'\r\n'


@pytest.mark.parametrize('held,expected', [
    (b'', 'head'),
    (b'GET /v1/off', 'head'),
    (HEAD, 'head'),
    (HEAD + b'\r\n', None),
    (b'GET / HTTP/1.0\n\n', None),
    # Pipelined: the first request is whole.
    (HEAD + b'\r\n' + HEAD, None),
    (_post(10), 'body'),
    (_post(10) + b'{"a": ', 'body'),
    (_post(10) + b'{"a": "b"}', None),
    (_post(10) + b'{"a": "b"}GET', None),
    (_post(0), None),
    # Larger than the limit: refused (413) without waiting for it.
    (_post(70000), None),
    # A client waiting for "100 Continue" sends its body after it.
    (_post(10, b'Expect: 100-continue\r\n'), None),
    (_post(10).replace(b'Content-Length', b'content-LENGTH'), 'body'),
    (b'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello',
     'body'),
    (b'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello'
     b'\r\n0\r\n\r\n', None),
    (b'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n' +
     b'x' * 80000, None),
    (HEAD + b'X-Big: ' + b'v' * arrival.MAX_HEAD, 'oversized'),
])
def test_missing(held, expected):
    assert arrival.missing(held, 65536) == expected


def test_a_content_length_in_the_body_is_not_the_head_s():
    held = _post(0) + b'Content-Length: 50\r\n\r\n'
    assert arrival.missing(held, 65536) is None


def test_read_ready_returns_what_came_without_waiting():
    ours, theirs = socket.socketpair()
    with ours, theirs:
        assert arrival.read_ready(ours, 100) == (b'', False)
        theirs.sendall(b'x' * 300)
        assert arrival.read_ready(ours, 100) == (b'x' * 100, False)
        assert arrival.read_ready(ours, 1000) == (b'x' * 200, False)
        assert arrival.read_ready(ours, 1000) == (b'', False)
        theirs.sendall(b'end')
        theirs.shutdown(socket.SHUT_WR)
        assert arrival.read_ready(ours, 1000) == (b'end', False)
        assert arrival.read_ready(ours, 1000) == (b'', True)
