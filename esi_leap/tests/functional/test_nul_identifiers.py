"""NUL in an identifier is a 400 on every route and every database.

So is a path that is not UTF-8.

PostgreSQL cannot store or compare text holding NUL at all: before the
API refused it, ``DELETE /v1/leases/a%00b`` answered 500 there.
"""
import pytest

from esi_leap.db import api as db_api
from esi_leap.tests.functional.helpers import fault

# (method, path with {ident} where the identifier goes, body)
PATH_ROUTES = [
    ('get', '/v1/offers/{ident}', None),
    ('delete', '/v1/offers/{ident}', None),
    ('patch', '/v1/offers/{ident}', {'name': 'x'}),
    ('post', '/v1/offers/{ident}/claim', {}),
    ('get', '/v1/leases/{ident}', None),
    ('patch', '/v1/leases/{ident}', {'end_time': '2030-01-03'}),
    ('delete', '/v1/leases/{ident}', None),
    ('delete', '/v1/console_auth_tokens/{ident}', None),
]

# (list path, query parameter naming an identifier or a name)
QUERY_ROUTES = [
    ('/v1/offers', 'resource_uuid'),
    ('/v1/offers', 'project_id'),
    ('/v1/offers', 'marker'),
    ('/v1/leases', 'resource_uuid'),
    ('/v1/leases', 'project_id'),
    ('/v1/leases', 'owner_id'),
    ('/v1/leases', 'offer_uuid'),
    ('/v1/leases', 'marker'),
    ('/v1/nodes', 'resource_class'),
    ('/v1/events', 'resource_uuid'),
    ('/v1/events', 'lessee_or_owner_id'),
]

IDENTS = ['a%00b', '%00', 'lease%00', '%2500%00x']


@pytest.fixture
def objects(owner, nodes):
    nodes.add('node-1', 'owner-project')
    owner.post('/v1/offers', {'resource_uuid': 'node-1',
                              'name': 'a',
                              'start_time': '2030-01-01',
                              'end_time': '2030-01-02'})
    owner.post('/v1/leases', {'resource_uuid': 'node-1', 'name': 'a',
                              'project_id': 'owner-project',
                              'start_time': '2030-02-01',
                              'end_time': '2030-02-02'})


@pytest.mark.parametrize('ident', IDENTS)
@pytest.mark.parametrize('method,path,body', PATH_ROUTES)
def test_nul_in_a_path_identifier(admin, objects, method, path, body,
                                  ident):
    response = admin.request(method, path.format(ident=ident), body=body,
                             status=400)
    assert 'NUL' in fault(response)


@pytest.mark.parametrize('path,param', QUERY_ROUTES)
def test_nul_in_a_query_value(admin, objects, path, param):
    response = admin.request('get', '%s?%s=a%%00b' % (path, param),
                             status=400)
    assert 'NUL' in fault(response)


def test_nul_in_a_body_identifier(admin, objects):
    response = admin.request('post', '/v1/leases', body={
        'resource_uuid': 'node-1\x00', 'project_id': 'owner-project'},
        status=400)
    assert 'NUL' in fault(response)


@pytest.mark.parametrize('method,path,body', PATH_ROUTES)
def test_names_without_nul_still_reach_the_database(admin, objects, method,
                                                    path, body):
    # The same routes with a plain unknown name answer from the database.
    response = admin.request(method, path.format(ident='a-b'), body=body)
    assert response.status_int in (404, 409), response.text


@pytest.mark.parametrize('ident', ['a%FFb', 'a%ED%A0%80b', 'a%C0%80b'])
@pytest.mark.parametrize('method,path,body', PATH_ROUTES)
def test_invalid_utf8_in_a_path_identifier(admin, objects, method, path,
                                           body, ident):
    # Overlong NUL, a lone surrogate, a stray byte: none is UTF-8.
    response = admin.request(method, path.format(ident=ident), body=body,
                             status=400)
    assert fault(response) == 'The request path is not valid UTF-8.'


def test_a_database_refusing_nul_is_recognised(database):
    # Behind the guard, a NUL that reached the database anyway would be
    # the client's 400 too (api.expose maps it), never a 500.
    try:
        found = db_api.leases_by_name('a\x00b')
    except Exception as error:
        assert database.backend == 'postgresql', error
        assert db_api.unstorable_text(error) == 'A value in the request'
    else:
        assert database.backend != 'postgresql'
        assert list(found) == []
