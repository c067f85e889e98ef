"""Every route of the route table refuses a caller with no role; errors
are JSON."""
import pytest

from esi_leap.api import routes
from esi_leap.db import api as db_api
from esi_leap.tests.functional.helpers import fault

# A body for each route that takes one (a caller with no role is refused
# before it is read); every other route is called with none.
BODIES = {
    ('POST', '/v1/offers'): {'resource_uuid': 'node-1'},
    ('PATCH', '/v1/offers/{offer_ident}'): {'name': 'x'},
    ('POST', '/v1/offers/{offer_ident}/claim'): {},
    ('POST', '/v1/leases'): {'resource_uuid': 'node-1', 'project_id': 'p'},
    ('PATCH', '/v1/leases/{lease_ident}'): {'end_time': '2030-01-03'},
    ('POST', '/v1/console_auth_tokens'): {'node_uuid_or_name': 'node-1'},
    ('POST', '/v1/claims'): {'resource_class': 'baremetal', 'count': 1},
    ('PUT', '/v1/quotas/{project}'): {'max_nodes': 1},
}


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
    return {'offer_ident': offer['uuid'], 'lease_ident': lease['uuid'],
            'node_ident': 'node-1', 'project': 'owner-project'}


@pytest.mark.parametrize('route', routes.guarded(),
                         ids=lambda route: route.method + route.path)
@pytest.mark.parametrize('project', ['owner-project', 'stranger'])
def test_no_role_is_refused(caller, objects, owner, route, project):
    # Every guarded route of the table: a new route is tested here as
    # soon as it is declared in esi_leap/api/routes.py.
    url = route.path.format(**objects)
    response = caller(project).request(
        route.method.lower(), url,
        body=BODIES.get((route.method, route.path)))
    # A caller with no role is refused, or (for objects it cannot see)
    # told they do not exist; never served.
    assert response.status_int in (403, 404), response.text
    assert fault(response).startswith(('Access was denied to',
                                       'Offer with name', 'Lease with name'))
    shown = owner.get('/v1/offers/%s' % objects['offer_ident']).json
    assert (shown['status'], shown['name']) == ('available', None)
    assert owner.get('/v1/leases/%s' % objects['lease_ident']).json[
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


def test_bodies_are_for_routes_of_the_table():
    declared = {(route.method, route.path) for route in routes.ROUTES}
    assert set(BODIES) <= declared
