"""Every route refuses a caller with no role, and errors are JSON."""
import pytest

from esi_leap.db import api as db_api
from esi_leap.tests.functional.helpers import fault

# (method, path, body); {offer} and {lease} are filled in.
ROUTES = [
    ('get', '/v1/offers', None),
    ('get', '/v1/offers/{offer}', None),
    ('post', '/v1/offers', {'resource_uuid': 'node-1'}),
    ('patch', '/v1/offers/{offer}', {'name': 'x'}),
    ('delete', '/v1/offers/{offer}', None),
    ('post', '/v1/offers/{offer}/claim', {}),
    ('get', '/v1/leases', None),
    ('get', '/v1/leases/{lease}', None),
    ('post', '/v1/leases', {'resource_uuid': 'node-1', 'project_id': 'p'}),
    ('patch', '/v1/leases/{lease}', {'end_time': '2030-01-03'}),
    ('delete', '/v1/leases/{lease}', None),
]


@pytest.fixture
def objects(owner, nodes):
    nodes.add('node-1', 'owner-project')
    offer = owner.post('/v1/offers', {'resource_uuid': 'node-1',
                                      'start_time': '2030-01-01',
                                      'end_time': '2030-01-02'}).json
    lease = owner.post('/v1/leases', {'resource_uuid': 'node-1',
                                      'project_id': 'owner-project',
                                      'start_time': '2030-02-01',
                                      'end_time': '2030-02-02'}).json
    return {'offer': offer['uuid'], 'lease': lease['uuid']}


@pytest.mark.parametrize('method,path,body', ROUTES)
@pytest.mark.parametrize('project', ['owner-project', 'stranger'])
def test_no_role_is_refused(caller, objects, owner, method, path, body,
                            project):
    url = path.format(**objects)
    response = caller(project).request(method, url, body=body)
    # A caller with no role is refused, or (for objects it cannot see)
    # told they do not exist; never served.
    assert response.status_int in (403, 404), response.text
    assert fault(response).startswith(('Access was denied to',
                                       'Offer with name', 'Lease with name'))
    shown = owner.get('/v1/offers/%s' % objects['offer']).json
    assert (shown['status'], shown['name']) == ('available', None)
    assert owner.get('/v1/leases/%s' % objects['lease']).json[
        'status'] == 'created'


def test_noauth_default_identity(app, config, nodes):
    # No identity header at all: the [noauth] identity, with its roles.
    config(group='noauth', project_id='p1', roles=[])
    response = app.get('/v1/offers', expect_errors=True)
    assert response.status_int == 403
    config(group='noauth', roles=['esi_leap_lessee'])
    assert app.get('/v1/offers').json == {'offers': []}


@pytest.mark.parametrize('method,path,status,text', [
    ('get', '/v1/nothing', 404, 'The resource could not be found.'),
    ('get', '/v2', 404, 'The resource could not be found.'),
    ('put', '/v1/offers', 405,
     'The method PUT is not allowed for this resource.'),
    ('patch', '/v1/offers', 405,
     'The method PATCH is not allowed for this resource.'),
])
def test_routing_errors_are_json(admin, method, path, status, text):
    response = admin.request(method, path, status=status)
    assert fault(response) == text


def test_unexpected_errors_do_not_leak(admin, monkeypatch):
    def broken(*args):
        raise RuntimeError('SELECT secret FROM offers /etc/esi-leap')
    monkeypatch.setattr(db_api, 'offer_list_with_windows', broken)
    response = admin.request('get', '/v1/offers', status=500)
    text = fault(response)
    assert 'secret' not in text and 'Traceback' not in response.text
    assert response.json['faultcode'] == 'Server'


def test_version_documents(app, config):
    root = app.get('/').json
    assert root['default_version']['id'] == 'v1'
    assert root['versions'][0]['links'][0]['href'] == 'http://localhost/v1'
    for path in ('/v1', '/v1/'):
        response = app.get(path, status=300)
        assert response.json == {'versions': [{
            'id': 'v1.0', 'status': 'CURRENT',
            'links': [{'href': 'http://localhost/v1', 'rel': 'self'}]}]}
