"""Options of the original ESI-Leap: reported, never silently ignored.

``esi-leap-status upgrade check`` names each one found in the config
files with what to set instead; ``[pecan] auth_enable = false`` never
switches policy off in the running API.
"""
import os

import pytest
import requests

from esi_leap.tests.fixtures import nodes as nodes_fixture
from esi_leap.tests.fixtures import server as server_fixture
from esi_leap.tests.functional.test_status import _status
from esi_leap.tests.functional.test_status import FAILURE
from esi_leap.tests.functional.test_status import sqlite_database  # noqa
from esi_leap.tests.functional.test_status import SUCCESS
from esi_leap.tests.functional.test_status import WARNING

CHECK = 'Options of ESI-Leap'


def test_none_set_passes(tmp_path, sqlite_database):  # noqa: F811
    code, checks = _status(tmp_path, sqlite_database.url)
    assert checks[CHECK] == (SUCCESS, None)
    assert code == SUCCESS, checks


def test_auth_enable_false_fails_and_says_policy_stays_on(
        tmp_path, sqlite_database):  # noqa: F811
    code, checks = _status(tmp_path, sqlite_database.url,
                           pecan={'auth_enable': 'False'})
    assert code == FAILURE
    result, details = checks[CHECK]
    assert result == FAILURE
    assert '[pecan] auth_enable' in details
    assert 'always enforces policy' in details
    assert 'auth_strategy' in details


@pytest.mark.parametrize('sections, named, expected', [
    ({'pecan': {'auth_enable': 'true'}}, '[pecan] auth_enable', WARNING),
    ({'pecan': {'debug': 'true', 'root': 'x.Root'}}, '[pecan] debug',
     WARNING),
    ({'api': {'public_endpoint': 'https://leap.example.org'}},
     '[api] public_endpoint', WARNING),
    ({'api': {'enable_ssl_api': 'false'}}, '[api] enable_ssl_api',
     WARNING),
    ({'api': {'enable_ssl_api': 'true'}}, '[api] enable_ssl_api', FAILURE),
    ({'ssl': {'cert_file': '/etc/esi-leap/api.pem'}}, '[ssl] cert_file',
     WARNING),
])
def test_each_option_is_reported_with_advice(
        tmp_path, sqlite_database, sections, named, expected):  # noqa: F811
    code, checks = _status(tmp_path, sqlite_database.url, **sections)
    result, details = checks[CHECK]
    assert result == expected
    assert code == expected
    assert named in details
    assert 'Remove the option' in details or 'enable_proxy_headers' \
        in details


def test_auth_enable_false_never_switches_policy_off(tmp_path):
    nodes = nodes_fixture.DummyNodes(str(tmp_path / 'nodes'))
    nodes.add('node-1', 'owner-project')
    port = server_fixture.free_port()
    conf = server_fixture.write_config(
        str(tmp_path / 'esi-leap.conf'),
        'sqlite:///%s' % os.path.join(str(tmp_path), 'esi.sqlite'),
        nodes.directory, port, extra={
            'pecan': {'auth_enable': 'false'},
            'noauth': {'project_id': 'nobody', 'roles': ''}})
    server = server_fixture.Server(conf, port)
    server.dbsync()
    server.start()
    try:
        # No roles: refused, exactly as without the option.
        response = requests.get(server.url + '/v1/offers', timeout=30)
        assert response.status_code == 403, response.text
        # A lessee may not create offers, nor delete another's.
        response = requests.post(
            server.url + '/v1/offers', timeout=30,
            headers={'X-Project-Id': 'lessee', 'X-Roles': 'esi_leap_lessee'},
            json={'resource_uuid': 'node-1'})
        assert response.status_code == 403, response.text
        assert 'esi_leap:offer:create' in response.json()['faultstring']
    finally:
        server.stop()
