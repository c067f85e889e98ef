"""/healthcheck: anonymous, and 503 when the database is down or hangs.

The database goes down for real: esi-leap reaches it through a TCP proxy
that the test cuts and restores, or through a socket that accepts and never
answers.
"""
import socket
import threading

from keystonemiddleware import auth_token  # noqa: F401  (its options)
import pytest
import webtest

from esi_leap.api import app as app_module
from esi_leap.db import api as db_api
from esi_leap.tests.fixtures import databases
from esi_leap.tests.fixtures import proxy


def _app(config, connection, **healthcheck):
    config(auth_strategy='noauth', transport_url='fake://')
    config(group='database', connection=connection, max_retries=0)
    config(group='healthcheck', **healthcheck)
    db_api.reset()
    return webtest.TestApp(app_module.setup_app())


@pytest.fixture
def mysql_database(tmp_path):
    if 'mysql' not in databases.selected_backends():
        pytest.skip('mysql backend not selected')
    database = databases.ThrowawayDatabase('mysql', str(tmp_path)).create()
    yield database
    db_api.reset()
    database.drop()


def test_healthy_database_answers_200(database, config):
    app = _app(config, database.url)
    response = app.get('/healthcheck')
    assert response.status_int == 200
    assert response.text == 'database OK'
    assert app.head('/healthcheck').status_int == 204


def test_healthcheck_is_anonymous_under_keystone(database, config):
    # NOTE(esi-leap): no Keystone runs: a request without a token is
    # refused before keystonemiddleware would ask Keystone anything.
    config(group='keystone_authtoken',
           www_authenticate_uri='http://127.0.0.1:1/identity')
    config(auth_strategy='keystone', transport_url='fake://')
    config(group='healthcheck', database_cache_ttl=0)
    db_api.reset()
    app = webtest.TestApp(app_module.setup_app())
    assert app.get('/healthcheck').status_int == 200
    # Everything else still needs a token.
    assert app.get('/v1/offers', expect_errors=True).status_int == 401


def test_sources_outside_the_allowed_ranges_need_a_token(database, config):
    config(group='keystone_authtoken',
           www_authenticate_uri='http://127.0.0.1:1/identity')
    config(auth_strategy='keystone', transport_url='fake://')
    config(group='healthcheck', allowed_source_ranges=['10.0.0.0/8'])
    app = webtest.TestApp(app_module.setup_app())
    outside = app.get('/healthcheck', expect_errors=True,
                      extra_environ={'REMOTE_ADDR': '127.0.0.1'})
    assert outside.status_int == 401
    assert 'faultstring' in outside.json
    inside = app.get('/healthcheck',
                     extra_environ={'REMOTE_ADDR': '10.1.2.3'})
    assert inside.text == 'database OK'


def test_detailed_json_names_the_database_backend(database, config):
    app = _app(config, database.url, detailed=True)
    body = app.get('/healthcheck',
                   headers={'Accept': 'application/json'}).json
    assert [r['reason'] for r in body['reasons']] == ['database OK']


def test_disabled_healthcheck_needs_authentication_like_any_path(
        database, config):
    # NOTE(esi-leap): no Keystone runs: a request without a token is
    # refused before keystonemiddleware would ask Keystone anything.
    config(group='keystone_authtoken',
           www_authenticate_uri='http://127.0.0.1:1/identity')
    config(auth_strategy='keystone', transport_url='fake://')
    config(group='healthcheck', enabled=False)
    app = webtest.TestApp(app_module.setup_app())
    response = app.get('/healthcheck', expect_errors=True)
    assert response.status_int == 401
    assert 'faultstring' in response.json


def test_unreachable_database_answers_503(config):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    app = _app(config, 'mysql+pymysql://root@127.0.0.1:%d/x' % port)
    response = app.get('/healthcheck', expect_errors=True)
    assert response.status_int == 503
    assert 'database unreachable' in response.text
    assert app.head('/healthcheck', expect_errors=True).status_int == 503


def test_database_going_down_and_back(mysql_database, config):
    relay = proxy.TcpProxy('127.0.0.1', 3306).start()
    url = 'mysql+pymysql://root@127.0.0.1:%d/%s' % (relay.port,
                                                    mysql_database.name)
    app = _app(config, url, database_cache_ttl=0, database_timeout=5)
    try:
        assert app.get('/healthcheck').status_int == 200
        relay.cut()
        response = app.get('/healthcheck', expect_errors=True)
        assert response.status_int == 503, response.text
        assert 'database unreachable' in response.text
        # The same application is healthy again once the database is back.
        relay.restore()
        assert app.get('/healthcheck').status_int == 200
    finally:
        relay.cut()


def test_hung_database_answers_503_within_the_timeout(config):
    silent = socket.socket()  # accepts connections, never answers
    silent.bind(('127.0.0.1', 0))
    silent.listen(16)
    try:
        app = _app(config, 'mysql+pymysql://root@127.0.0.1:%d/x'
                   % silent.getsockname()[1], database_timeout=0.5)
        response = app.get('/healthcheck', expect_errors=True)
        assert response.status_int == 503
        assert 'did not answer within 0.5s' in response.text
        # Within the cache time the next check does not wait again and
        # starts no second probe.
        before = threading.active_count()
        assert app.get('/healthcheck',
                       expect_errors=True).status_int == 503
        assert threading.active_count() == before
    finally:
        silent.close()


def test_result_is_cached_for_the_ttl(database, config):
    app = _app(config, database.url, database_cache_ttl=3600)
    assert app.get('/healthcheck').status_int == 200
    db_api.get_engine().dispose()
    config(group='database', connection='mysql+pymysql://root@127.0.0.1:1/x')
    db_api.reset()
    try:
        # Cached: no query is made, the last answer stands.
        assert app.get('/healthcheck').status_int == 200
    finally:
        config(group='database', connection=database.url)
        db_api.reset()
