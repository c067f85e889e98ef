"""The WSGI entry points an external WSGI server loads."""
import os
import subprocess
import sys
import time

import pytest
import requests
import webtest

from esi_leap.api import wsgi as api_wsgi
from esi_leap.tests.fixtures import server as server_fixture
from esi_leap import wsgi


def _write_conf(path, database):
    path.write_text('[DEFAULT]\nauth_strategy = noauth\ntransport_url = '
                    'fake://\n[database]\nconnection = %s\n[noauth]\n'
                    'project_id = p\nroles = esi_leap_lessee\n'
                    % database.url)
    return str(path)


def test_initialize_wsgi_app_reads_the_config_file(tmp_path, database):
    conf = _write_conf(tmp_path / 'esi-leap.conf', database)
    app = webtest.TestApp(api_wsgi.initialize_wsgi_app(
        ['esi-leap-api', '--config-file', conf]))
    assert app.get('/').json['name'] == 'ESI Leap API'
    assert app.get('/v1/offers').json == {'offers': []}


def test_config_file_from_the_environment(tmp_path):
    assert wsgi.config_files({'ESI_LEAP_CONFIG_FILE': '/x/y.conf'}) == (
        ['/x/y.conf'], [])
    assert wsgi.config_files({}) == (['/etc/esi-leap/esi-leap.conf'], [])
    (tmp_path / 'esi-leap.conf.d').mkdir()
    assert wsgi.config_files({'OS_ESI_LEAP_CONFIG_DIR': str(tmp_path)}) == (
        [str(tmp_path / 'esi-leap.conf')],
        [str(tmp_path / 'esi-leap.conf.d')])


def test_init_application_from_config_dir(tmp_path, database):
    _write_conf(tmp_path / 'esi-leap.conf', database)
    (tmp_path / 'esi-leap.conf.d').mkdir()
    (tmp_path / 'esi-leap.conf.d' / 'roles.conf').write_text(
        '[noauth]\nproject_id = from-conf-d\n')
    app = webtest.TestApp(wsgi.init_application(
        {'OS_ESI_LEAP_CONFIG_DIR': str(tmp_path)}))
    assert app.get('/v1/offers').json == {'offers': []}
    from oslo_config import cfg
    assert cfg.CONF.noauth.project_id == 'from-conf-d'


def test_missing_config_file_fails_at_start(tmp_path):
    from oslo_config import cfg
    with pytest.raises(cfg.ConfigFilesNotFoundError):
        wsgi.init_application(
            {'ESI_LEAP_CONFIG_FILE': str(tmp_path / 'nope.conf')})


def _wait_up(process, url, log_path):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, open(log_path).read()
        try:
            return requests.get(url + '/', timeout=2)
        except requests.RequestException:
            time.sleep(0.2)
    raise AssertionError('gunicorn did not answer: %s'
                         % open(log_path).read())


@pytest.mark.slow
def test_gunicorn_serves_the_wsgi_module(tmp_path, database):
    conf = _write_conf(tmp_path / 'esi-leap.conf', database)
    port = server_fixture.free_port()
    log_path = str(tmp_path / 'gunicorn.log')
    env = dict(os.environ, ESI_LEAP_CONFIG_FILE=conf)
    gunicorn = os.path.join(os.path.dirname(sys.executable), 'gunicorn')
    with open(log_path, 'wb') as log:
        process = subprocess.Popen(
            [gunicorn, '--bind', '127.0.0.1:%d' % port, '--workers', '2',
             '--no-control-socket', 'esi_leap.wsgi.api:application'],
            env=env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, cwd=str(tmp_path),
            start_new_session=True)
    url = 'http://127.0.0.1:%d' % port
    try:
        assert _wait_up(process, url, log_path).json()['name'] == (
            'ESI Leap API')
        assert requests.get(url + '/v1/offers', timeout=10).json() == {
            'offers': []}
        health = requests.get(url + '/healthcheck', timeout=10)
        assert (health.status_code, health.text) == (200, 'database OK')
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)
