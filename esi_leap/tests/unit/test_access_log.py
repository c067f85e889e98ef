"""The API server's access line: short, in UTC, never forged by a client."""
import datetime
import logging

from gunicorn import config

from esi_leap.common import wsgi_server


class _Response(object):
    status = '404 Not Found'
    sent = 123
    headers = []


def _line(environ, caplog):
    cfg = config.Config()
    cfg.set('accesslog', '-')
    logger = wsgi_server.AccessLogger(cfg)
    logger.access_log.propagate = True
    with caplog.at_level(logging.INFO, logger='gunicorn.access'):
        logger.access(_Response(), None, environ,
                      datetime.timedelta(microseconds=1500))
    messages = [r.getMessage() for r in caplog.records
                if r.name == 'gunicorn.access']
    assert len(messages) == 1
    return messages[0]


def test_access_line_names_the_request(caplog):
    line = _line({'REMOTE_ADDR': '127.0.0.1', 'REQUEST_METHOD': 'GET',
                  'RAW_URI': '/v1/leases?view=all',
                  'openstack.request_id': 'req-1'}, caplog)
    stamp, rest = line.split(' ', 1)
    assert datetime.datetime.strptime(stamp, '%Y-%m-%dT%H:%M:%SZ')
    assert rest == '127.0.0.1 req-1 "GET /v1/leases?view=all" 404 123 1.5ms'


def test_access_line_without_request_id_or_address(caplog):
    line = _line({'REQUEST_METHOD': 'GET', 'RAW_URI': '/'}, caplog)
    assert line.split(' ', 1)[1] == '- - "GET /" 404 123 1.5ms'


def test_client_text_cannot_break_or_forge_a_line(caplog):
    hostile = '/v1/x"\r\n2026-01-01T00:00:00Z forged\\\x00\u00e9'
    line = _line({'REQUEST_METHOD': 'GET', 'RAW_URI': hostile}, caplog)
    assert '\n' not in line and '\r' not in line and '\x00' not in line
    assert line.isascii() and line.isprintable()
    quoted = line.split(' ', 3)[3]
    assert quoted.startswith('"GET /v1/x\\"\\r\\n')
    assert quoted.count('"') - quoted.count('\\"') == 2


def test_loggable_leaves_plain_text_and_cuts_long_text():
    assert wsgi_server.loggable('/v1/offers?limit=5') == '/v1/offers?limit=5'
    assert len(wsgi_server.loggable('x' * 5000)) == 1024
    assert wsgi_server.loggable('a\\b') == 'a\\\\b'
