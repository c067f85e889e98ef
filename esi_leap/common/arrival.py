"""Whether a request has fully arrived on a connection, read without waiting.

The API's worker threads only take a request once all of it is there (its
request line, headers and a body of declared length), so a client that
sends slowly, or stops halfway, holds no thread while it does; see
wsgi_server.JsonErrorWorker.
"""
import re
import socket

# Most bytes of a request line and headers held while they arrive.
MAX_HEAD = 65536
_HEAD_END = re.compile(rb'\r?\n\r?\n')
_CONTENT_LENGTH = re.compile(
    rb'\ncontent-length[ \t]*:[ \t]*(\d{1,12})[ \t]*\r?\n', re.IGNORECASE)
_EXPECT = re.compile(rb'\nexpect[ \t]*:', re.IGNORECASE)
_CHUNKED = re.compile(rb'\ntransfer-encoding[ \t]*:[^\n]*chunked',
                      re.IGNORECASE)
# Bytes of chunk sizes and line ends allowed beyond the body itself.
_CHUNK_FRAMING = 4096
_RECV_SIZE = 65536


def missing(held, body_limit):
    """How far ``held`` (bytes received so far) is from a whole request.

    Returns 'head' while the request line and headers are incomplete and
    within MAX_HEAD ('oversized' past it); 'body' while a body of at most
    ``body_limit`` bytes has not all arrived; None once the request is
    whole or can be judged without more bytes: a body larger than
    ``body_limit`` (refused unread) or a client waiting for "100 Continue".
    """
    end = _HEAD_END.search(held, 0, MAX_HEAD + 4)
    if end is None:
        return 'head' if len(held) <= MAX_HEAD else 'oversized'
    head, body = held[:end.end()], len(held) - end.end()
    # NOTE(esi-leap): a client that sends "Expect: 100-continue" waits for
    # the server's go-ahead before its body, which the parser gives.
    if _EXPECT.search(head):
        return None
    length = _CONTENT_LENGTH.search(head)
    if length is not None:
        declared = int(length.group(1))
        return 'body' if body < declared <= body_limit else None
    if _CHUNKED.search(head):
        # The last chunk (size 0, no trailers) ends the body.
        done = held.endswith(b'\r\n0\r\n\r\n') or held.endswith(
            b'\n0\r\n\r\n') or body > body_limit + _CHUNK_FRAMING
        return None if done else 'body'
    return None


def most_held(body_limit):
    """Most bytes worth holding for one request; missing() judges past it."""
    return MAX_HEAD + 4 + body_limit + _CHUNK_FRAMING + 1


def read_ready(sock, limit):
    """What ``sock`` holds now, at most ``limit`` bytes, without blocking.

    One read: returns (data, closed), ``data`` empty when nothing has
    come, ``closed`` when the peer has closed its side (or the connection
    failed).
    """
    try:
        data = sock.recv(min(_RECV_SIZE, limit), socket.MSG_DONTWAIT)
    except (BlockingIOError, InterruptedError):
        return b'', False
    except OSError:
        return b'', True
    return data, not data
