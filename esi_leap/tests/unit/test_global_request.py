"""GlobalRequestSession: which X-OpenStack-Request-ID a call carries.

A loopback HTTP server records the headers it receives.
"""
from concurrent import futures
import http.server
import threading

from keystoneauth1 import noauth
from oslo_config import cfg
from oslo_context import context as oslo_context
import pytest

from esi_leap.common import context
from esi_leap.common import global_request

GLOBAL_ID = 'req-6f0f3b0e-62b0-4a8e-9d4c-3c1f1f3c2a11'
OWN_ID = 'req-0b8f8a3c-1f5e-4a0c-8d0a-2e6a4e2f9b22'


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen = []

    def do_GET(self):
        self.seen.append((self.path, self.headers.get(global_request.HEADER)))
        self.send_response(200)
        self.send_header('Content-Length', '0')
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope='module')
def server():
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield 'http://127.0.0.1:%d' % httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def session():
    oslo_context._request_store.context = None
    yield global_request.GlobalRequestSession(auth=noauth.NoAuth())
    oslo_context._request_store.context = None


def sent(session, url, path, **kwargs):
    session.get(url + path, **kwargs)
    return dict(_Recorder.seen)[path]


def test_no_current_request_sends_no_id(server, session):
    assert sent(session, server, '/none') is None


def test_caller_global_id_is_sent(server, session):
    context.RequestContext(request_id=OWN_ID, global_request_id=GLOBAL_ID,
                           overwrite=True)
    assert sent(session, server, '/global') == GLOBAL_ID


def test_own_id_is_sent_without_a_global_one(server, session):
    context.RequestContext(request_id=OWN_ID, overwrite=True)
    assert sent(session, server, '/own') == OWN_ID


def test_other_threads_send_no_id(server, session):
    # A request being served on one thread gives nothing to a thread
    # serving none (the manager's).
    context.RequestContext(request_id=OWN_ID, overwrite=True)
    with futures.ThreadPoolExecutor(1) as pool:
        got = pool.submit(sent, session, server, '/other-thread').result()
    assert got is None
    assert sent(session, server, '/this-thread') == OWN_ID


def test_explicit_id_wins(server, session):
    context.RequestContext(request_id=OWN_ID, overwrite=True)
    assert sent(session, server, '/explicit',
                global_request_id=GLOBAL_ID) == GLOBAL_ID
    assert sent(session, server, '/header',
                headers={'x-openstack-request-id': GLOBAL_ID}) == GLOBAL_ID


def test_threads_send_their_own_request_ids(server, session):
    def one(n):
        rid = 'req-00000000-0000-4000-8000-%012d' % n
        context.RequestContext(request_id=rid, overwrite=True)
        return rid, sent(session, server, '/thread-%d' % n)

    with futures.ThreadPoolExecutor(4) as pool:
        results = list(pool.map(one, range(16)))
    assert all(rid == got for rid, got in results)


def test_loader_reads_the_group_options():
    conf = cfg.ConfigOpts()
    from keystoneauth1 import loading
    loading.register_session_conf_options(conf, 'svc')
    conf([], project='test')
    conf.set_override('timeout', 7, group='svc')
    conf.set_override('insecure', True, group='svc')
    loaded = global_request.load_session_from_conf_options(
        conf, 'svc', auth=noauth.NoAuth())
    assert isinstance(loaded, global_request.GlobalRequestSession)
    assert loaded.timeout == 7.0
    assert loaded.verify is False
