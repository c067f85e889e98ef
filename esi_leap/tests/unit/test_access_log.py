"""The API server's access line: short, in UTC, never forged by a client."""
import datetime
import logging

from esi_leap.common import access_log


def _app(status='404 Not Found', body=(b'x' * 100, b'y' * 23)):
    def app(environ, start_response):
        environ['openstack.request_id'] = 'req-1'
        start_response(status, [('Content-Length', '123')])
        return list(body)
    return app


def _lines(environ, caplog, app=None):
    logger = logging.getLogger('esi_leap.tests.access')
    middleware = access_log.AccessLog(app or _app(), logger)
    with caplog.at_level(logging.INFO, logger=logger.name):
        answer = middleware(environ, lambda status, headers, exc=None: None)
        sent = b''.join(answer)
        answer.close()
    return sent, [r.getMessage() for r in caplog.records
                  if r.name == logger.name]


def test_access_line_names_the_request(caplog):
    sent, lines = _lines({'REMOTE_ADDR': '127.0.0.1', 'REQUEST_METHOD': 'GET',
                          'REQUEST_URI': '/v1/leases?view=all'}, caplog)
    assert len(sent) == 123
    line, = lines
    stamp, rest = line.split(' ', 1)
    assert datetime.datetime.strptime(stamp, '%Y-%m-%dT%H:%M:%SZ')
    assert rest.rsplit(' ', 1)[0] == \
        '127.0.0.1 req-1 "GET /v1/leases?view=all" 404 123'
    assert rest.endswith('ms')


def test_access_line_without_request_id_or_address(caplog):
    def app(environ, start_response):
        start_response('200 OK', [])
        return [b'ok']
    _, (line,) = _lines({'REQUEST_METHOD': 'GET', 'PATH_INFO': '/',
                         'QUERY_STRING': 'a=1'}, caplog, app)
    assert line.split(' ', 1)[1].rsplit(' ', 1)[0] == '- - "GET /?a=1" 200 2'


def test_client_text_cannot_break_or_forge_a_line(caplog):
    hostile = '/v1/x"\r\n2026-01-01T00:00:00Z forged\\\x00\u00e9'
    _, (line,) = _lines({'REQUEST_METHOD': 'GET', 'REQUEST_URI': hostile,
                         'HTTP_USER_AGENT': 'agent\nforged',
                         'HTTP_REFERER': 'ref'}, caplog)
    assert '\n' not in line and '\r' not in line and '\x00' not in line
    assert line.isascii() and line.isprintable()
    assert 'agent' not in line and 'ref' not in line
    quoted = line.split(' ', 3)[3]
    assert quoted.startswith('"GET /v1/x\\"\\r\\n')
    assert quoted.count('"') - quoted.count('\\"') == 2


def test_head_is_logged_with_no_bytes(caplog):
    _, (line,) = _lines({'REQUEST_METHOD': 'HEAD', 'PATH_INFO': '/'},
                        caplog)
    assert '"HEAD /" 404 0 ' in line


def test_an_application_error_is_logged_as_500(caplog):
    def app(environ, start_response):
        raise RuntimeError('boom')
    logger = logging.getLogger('esi_leap.tests.access')
    middleware = access_log.AccessLog(app, logger)
    with caplog.at_level(logging.INFO, logger=logger.name):
        try:
            middleware({'REQUEST_METHOD': 'GET', 'PATH_INFO': '/'}, None)
        except RuntimeError:
            pass
    assert '"GET /" 500 0 ' in caplog.records[-1].getMessage()


def test_loggable_leaves_plain_text_and_cuts_long_text():
    assert access_log.loggable('/v1/offers?limit=5') == '/v1/offers?limit=5'
    assert len(access_log.loggable('x' * 5000)) == 1024
    assert access_log.loggable('a\\b') == 'a\\\\b'
