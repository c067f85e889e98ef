"""esi-leap-api-wsgi: the app an external WSGI server loads."""
import webtest

from esi_leap.api import wsgi


def test_initialize_wsgi_app_reads_the_config_file(tmp_path, database):
    conf = tmp_path / 'esi-leap.conf'
    conf.write_text('[DEFAULT]\nauth_strategy = noauth\ntransport_url = '
                    'fake://\n[database]\nconnection = %s\n[noauth]\n'
                    'project_id = p\nroles = esi_leap_lessee\n'
                    % database.url)
    app = webtest.TestApp(wsgi.initialize_wsgi_app(
        ['esi-leap-api-wsgi', '--config-file', str(conf)]))
    assert app.get('/').json['name'] == 'ESI Leap API'
    assert app.get('/v1/offers').json == {'offers': []}
