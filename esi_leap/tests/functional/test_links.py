"""Links in responses never reflect a client's Host header (issue 25).

They come from [api] public_endpoint, from a trusted proxy's headers
(only with [oslo_middleware] enable_proxy_headers_parsing), or from the
server's own name; and HEAD is answered wherever GET is.
"""
import urllib.parse

import pytest

from esi_leap.tests import identities

EVIL = {'Host': 'evil.example:666'}
# The admin, without a user id.
ADMIN = identities.noauth_headers('admin-project', 'admin')


@pytest.fixture
def paged(nodes, owner):
    """Two offers, so a list with limit=1 has a next link."""
    for i in range(2):
        nodes.add('link-node-%d' % i, 'owner-project')
        owner.post('/v1/offers', {'resource_uuid': 'link-node-%d' % i,
                                  'start_time': '2090-01-01',
                                  'end_time': '2090-02-01'})


def _get(app, path, headers=None, status=200):
    merged = identities.noauth_headers('admin-project', 'admin',
                                       user_id='u')
    merged.update(headers or {})
    return app.get(path, headers=merged, status=status)


def _links(app, headers=None):
    root = _get(app, '/', headers).json
    v1 = _get(app, '/v1', headers, status=300).json
    page = _get(app, '/v1/offers?limit=1', headers).json
    return (root['versions'][0]['links'][0]['href'],
            v1['versions'][0]['links'][0]['href'], page['next'])


def _netlocs(links):
    return {urllib.parse.urlsplit(link)[:2] for link in links}


def test_host_header_is_not_reflected(app, paged):
    assert _netlocs(_links(app, EVIL)) == {('http', 'localhost')}


def test_links_keep_working_by_default(app, paged):
    root, v1, page = _links(app)
    assert root == v1 == 'http://localhost/v1'
    assert page.startswith('http://localhost/v1/offers?')


def test_public_endpoint_sets_the_links(app, paged, config):
    config(group='api', public_endpoint='https://api.example.com:8443/')
    root, v1, page = _links(app, EVIL)
    assert root == v1 == 'https://api.example.com:8443/v1'
    assert page.startswith('https://api.example.com:8443/v1/offers?')


def test_forwarded_headers_ignored_unless_trusted(app, paged):
    forwarded = dict(EVIL, **{'X-Forwarded-Host': 'proxy.example',
                              'X-Forwarded-Proto': 'https'})
    assert _netlocs(_links(app, forwarded)) == {('http', 'localhost')}


def test_trusted_proxy_headers_set_the_links(app, paged, config):
    config(group='oslo_middleware', enable_proxy_headers_parsing=True)
    forwarded = {'X-Forwarded-Host': 'proxy.example',
                 'X-Forwarded-Proto': 'https',
                 'X-Forwarded-Prefix': '/lease'}
    root, v1, page = _links(app, forwarded)
    assert root == v1 == 'https://proxy.example/lease/v1'
    assert page.startswith('https://proxy.example/lease/v1/offers?')


@pytest.mark.parametrize('path', [
    '/', '/v1/offers', '/v1/leases', '/v1/nodes', '/v1/events',
    '/v1/offers?limit=1', '/v1/leases?view=all'])
def test_head_answers_wherever_get_does(app, paged, path):
    got = _get(app, path)
    head = app.head(path, headers=ADMIN, status=200)
    assert head.body == b''
    assert head.headers['Content-Length'] == got.headers['Content-Length']
    assert head.headers['Content-Type'] == got.headers['Content-Type']


def test_head_of_a_missing_offer_is_404(app, paged):
    response = app.head('/v1/offers/no-such-offer', headers=ADMIN,
                        status=404)
    assert response.body == b''


def test_head_keeps_policy(app, paged):
    # A project without a role reads no leases with GET; HEAD neither.
    headers = {'X-Project-Id': 'nobody', 'X-Roles': ''}
    got = app.get('/v1/leases?view=all', headers=headers, expect_errors=True)
    head = app.head('/v1/leases?view=all', headers=headers,
                    expect_errors=True)
    assert head.status_int == got.status_int


@pytest.mark.parametrize('path', ['/v1/offers/%FF%FE', '/v1/%C3'])
def test_path_that_is_not_utf8_is_400(app, path):
    response = app.get(path, headers=ADMIN, status=400)
    assert response.json['faultstring'] == \
        'The request path is not valid UTF-8.'
