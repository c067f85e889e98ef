"""Parsing of console origins, token paths and console descriptions."""
import pytest

from esi_leap.common import exception
from esi_leap.console import origin
from esi_leap.console import session
from esi_leap.console import tokens
from esi_leap.resource_types import base


@pytest.mark.parametrize('url,expected', [
    ('wss://Console.Example.org:443/', 'https://console.example.org'),
    ('ws://h:80', 'http://h'),
    ('https://h:8443', 'https://h:8443'),
    ('http://[::1]:6083', 'http://[::1]:6083'),
    ('ftp://h', None), ('null', None), ('http://', None),
    ('http://h:99999', None), (None, None),
])
def test_normalise(url, expected):
    assert origin.normalise(url) == expected


def test_origins(config):
    config(group='serialconsoleproxy', public_url='wss://c.example.org',
           allowed_origins=['https://dash.example.org:8443', 'junk'])
    assert origin.origin_allowed([])
    assert origin.origin_allowed(['https://c.example.org'])
    assert origin.origin_allowed(['https://C.example.org:443/'])
    assert origin.origin_allowed(['https://dash.example.org:8443'])
    assert not origin.origin_allowed(['http://c.example.org'])
    assert not origin.origin_allowed(['https://dash.example.org'])
    assert not origin.origin_allowed(['null'])
    assert not origin.origin_allowed(['https://c.example.org'] * 2)


@pytest.mark.parametrize('path', ['', '/', '/x?token=a', '/?tok=a',
                                  '/?token=a&token=b', '/?token='])
def test_token_path_refused(path):
    with pytest.raises(exception.ConsoleTokenRefused):
        tokens.token_from_path(path)


def test_token_path():
    assert tokens.token_from_path('/?token=abc-_1') == 'abc-_1'
    assert tokens.token_from_path('?token=abc&x=1') == 'abc'


@pytest.mark.parametrize('url', ['tcp://h', 'http://h:1', 'tcp://:5',
                                 'tcp://h:0', 'tcp://h:99999', None, 5])
def test_bad_socat_urls(url):
    with pytest.raises(exception.ConsoleUnavailable):
        base.socat_console('n', url)


def test_socat_url():
    info = base.socat_console('n', 'tcp://10.0.0.5:10001')
    assert (info.kind, info.host, info.port) == ('socat', '10.0.0.5', 10001)


def test_ipmi_console_defaults_and_hides_the_password():
    info = base.ipmi_console('n', 'bmc', None, 'u', 's3cret')
    assert info.port == 623
    assert 's3cret' not in repr(info)
    for args in (('', 623, 'u', 'p'), ('b', 'x', 'u', 'p'),
                 ('b', 70000, 'u', 'p'), ('b', 623, None, 'p'),
                 ('b', 623, 'u', None)):
        with pytest.raises(exception.ConsoleUnavailable):
            base.ipmi_console('n', *args)


def test_close_reasons_fit_a_close_frame():
    assert session.reason_text('short') == 'short'
    long_text = 'é' * 200
    shortened = session.reason_text(long_text)
    assert len(shortened.encode('utf-8')) <= 123
    assert shortened.endswith('...')
