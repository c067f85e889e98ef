"""Hostile and careless input: always a clear 4xx JSON fault, never a 5xx.

Bodies are bounded and parsed strictly before anything reads them; fields
are bounded like their columns; what is stored and served is strict JSON.
"""
import datetime
import json
import logging

import pytest
import sqlalchemy as sa

from esi_leap.api import routes
from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.db.sqlalchemy import models
from esi_leap.tests.functional.helpers import fault

NODE = 'node-1'
POSTS = ['/v1/offers', '/v1/leases', '/v1/offers/{offer}/claim']
# Every route that takes a body: (method, path).
BODY_ROUTES = [('POST', path) for path in POSTS] + [
    ('PATCH', '/v1/offers/{offer}')]
# The other routes of the route table that take a body, and the module
# that sends them hostile bodies.
BODIES_TESTED_ELSEWHERE = {
    ('PATCH', '/v1/leases/{lease_ident}'): 'here (test_deep_nesting)',
    ('POST', '/v1/console_auth_tokens'): 'test_console_tokens_api',
    ('POST', '/v1/claims'): 'test_hostile_fleet_routes',
    ('PUT', '/v1/quotas/{project}'): 'test_hostile_fleet_routes',
}


def test_every_route_with_a_body_is_covered():
    # A route added to esi_leap/api/routes.py with a body needs a place
    # here (or a named module) that sends it hostile bodies.
    here = {(method, path.replace('{offer}', '{offer_ident}'))
            for method, path in BODY_ROUTES}
    assert here | set(BODIES_TESTED_ELSEWHERE) == {
        (route.method, route.path) for route in routes.ROUTES
        if route.method in ('POST', 'PUT', 'PATCH')}


@pytest.fixture
def offer(owner, nodes):
    nodes.add(NODE, 'owner-project')
    return owner.post('/v1/offers', {'resource_uuid': NODE,
                                     'start_time': '2030-01-01',
                                     'end_time': '2030-02-01'}).json


def raw(app, caller, method, path, body, content_type='application/json',
        extra_headers=None):
    """Send ``body`` (bytes or str) exactly as given."""
    headers = dict(caller.headers)
    if content_type is not None:
        headers['Content-Type'] = content_type
    headers.update(extra_headers or {})
    if isinstance(body, str):
        body = body.encode('utf-8', 'surrogatepass')
    return app.request(path, method=method, body=body, headers=headers,
                       expect_errors=True)


def rows():
    with db_api.reader() as session:
        return (session.scalar(sa.select(sa.func.count(models.Offer.id))),
                session.scalar(sa.select(sa.func.count(models.Lease.id))))


def assert_client_fault(response, status=400):
    assert response.status_int == status, response.text
    text = fault(response)
    for internal in ("<class", '__init__', 'Traceback', 'positional'):
        assert internal not in text
    return text


class TestBodies(object):

    @pytest.mark.parametrize('body', ['[]', '1', '"s"', 'true', 'null',
                                      '[{"resource_uuid": "node-1"}]',
                                      '1.5'])
    @pytest.mark.parametrize('method,path', BODY_ROUTES)
    def test_non_object_bodies(self, app, owner, offer, body, method, path):
        before = rows()
        response = raw(app, owner, method, path.format(offer=offer['uuid']),
                       body)
        assert assert_client_fault(response) == (
            'The request body must be a JSON object.')
        assert rows() == before
        assert owner.get('/v1/offers/%s' % offer['uuid']).json == offer

    @pytest.mark.parametrize('method,path', BODY_ROUTES + [
        ('PATCH', '/v1/leases/x')])
    def test_deep_nesting(self, app, owner, offer, method, path):
        for body in ('[' * 10000 + ']' * 10000,
                     '{"properties": ' + '{"a": ' * 5000 + '1' +
                     '}' * 5001):
            response = raw(app, owner, method,
                           path.format(offer=offer['uuid']), body)
            assert 'nested deeper than' in assert_client_fault(response)

    @pytest.mark.parametrize('constant', ['NaN', 'Infinity', '-Infinity',
                                          '1e999', '-1e999'])
    def test_non_finite_numbers(self, app, owner, offer, constant):
        for method, path in BODY_ROUTES:
            body = '{"resource_uuid": "node-1", "project_id": "p", ' \
                   '"properties": {"x": %s}}' % constant
            response = raw(app, owner, method,
                           path.format(offer=offer['uuid']), body)
            assert 'not valid JSON' in assert_client_fault(response)
        assert rows() == (1, 0)

    @pytest.mark.parametrize('field', ['name', 'purpose', 'project_id',
                                       'resource_uuid', 'lessee_id'])
    def test_lone_surrogates_and_nul(self, app, owner, offer, field):
        for value in ('\\ud800', 'a\\udfffb', 'x\\u0000y'):
            for method, path in BODY_ROUTES:
                body = {'resource_uuid': NODE, 'project_id': 'p'}
                body.pop(field, None)
                text = json.dumps(body)[:-1] + ', "%s": "%s"}' % (
                    field, value)
                response = raw(app, owner, method,
                               path.format(offer=offer['uuid']), text)
                assert assert_client_fault(response).startswith(
                    'Strings in the request body may not contain')
        assert rows() == (1, 0)
        assert owner.get('/v1/offers/%s' % offer['uuid']).json == offer

    def test_invalid_utf8_and_duplicate_keys(self, app, owner, offer):
        response = raw(app, owner, 'POST', '/v1/leases',
                       b'{"name": "\xff"}')
        assert 'not valid UTF-8' in assert_client_fault(response)
        response = raw(app, owner, 'POST', '/v1/leases',
                       '{"project_id": "a", "project_id": "b"}')
        assert 'duplicate key' in assert_client_fault(response)

    def test_body_size(self, app, owner, offer, config):
        config(group='api', max_request_body_bytes=2048)
        big = json.dumps({'resource_uuid': NODE, 'project_id': 'p',
                          'purpose': 'x' * 3000})
        response = raw(app, owner, 'POST', '/v1/leases', big)
        assert assert_client_fault(response, 413) == (
            'The request body is larger than 2048 bytes.')
        # A body larger than its Content-Length claims is cut there; one
        # sent without a length is read only up to the limit.
        response = raw(app, owner, 'POST', '/v1/leases', big,
                       extra_headers={'Transfer-Encoding': 'chunked'})
        assert response.status_int in (400, 413)
        assert rows() == (1, 0)

    @pytest.mark.parametrize('content_type', [
        'application/JSON', 'Application/Json; charset=UTF-8',
        'application/json;charset=utf-8'])
    def test_content_type_is_case_insensitive(self, app, owner, offer,
                                              content_type):
        response = raw(app, owner, 'POST', '/v1/leases', json.dumps({
            'resource_uuid': NODE, 'project_id': 'p',
            'start_time': '2031-01-01', 'end_time': '2031-01-02'}),
            content_type=content_type)
        assert response.status_int == 201, response.text

    @pytest.mark.parametrize('content_type', [
        'text/plain', 'application/x-www-form-urlencoded',
        'application/json; charset=latin-1', None])
    def test_other_content_types(self, app, owner, offer, content_type):
        response = raw(app, owner, 'POST', '/v1/leases', json.dumps({
            'resource_uuid': NODE, 'project_id': 'p'}),
            content_type=content_type)
        assert_client_fault(response, 415)
        assert rows() == (1, 0)

    def test_wsme_type_errors_are_plain_words(self, app, owner, offer):
        response = owner.request('post', '/v1/leases', status=400, body={
            'resource_uuid': NODE, 'project_id': 5})
        assert assert_client_fault(response) == (
            'Invalid project_id: expected a string, got an integer.')
        response = owner.request('post', '/v1/offers', status=400, body={
            'resource_uuid': NODE, 'name': ['x']})
        assert assert_client_fault(response) == (
            'Invalid name: expected a string, got a JSON array.')


class TestLimits(object):

    @pytest.mark.parametrize('field', ['name', 'purpose', 'project_id',
                                       'resource_uuid'])
    def test_lease_strings_fit_their_columns(self, owner, offer, field):
        body = {'resource_uuid': NODE, 'project_id': 'p',
                'start_time': '2031-01-01', 'end_time': '2031-01-02'}
        body[field] = 'x' * 256
        response = owner.request('post', '/v1/leases', status=400,
                                 body=body)
        assert assert_client_fault(response) == (
            '%s is longer than 255 characters.' % field)
        body[field] = 'x' * 255 if field != 'resource_uuid' else NODE
        owner.post('/v1/leases', body)

    def test_offer_and_claim_strings(self, owner, lessee, offer):
        response = owner.request('post', '/v1/offers', status=400, body={
            'resource_uuid': NODE, 'lessee_id': 'l' * 256})
        assert 'lessee_id is longer than 255' in assert_client_fault(
            response)
        response = lessee.request(
            'post', '/v1/offers/%s/claim' % offer['uuid'], status=400,
            body={'purpose': 'p' * 256})
        assert 'purpose is longer than 255' in assert_client_fault(response)
        response = lessee.request(
            'post', '/v1/offers/%s/claim' % offer['uuid'], status=413,
            body={'purpose': 'p' * 1000000})
        assert assert_client_fault(response, 413)

    def test_properties_size_and_depth(self, owner, offer, config):
        config(group='api', max_properties_bytes=100,
               max_properties_depth=3)
        for props, text in (
                ({'x': 'y' * 100}, 'at most 100 are accepted'),
                ({'a': {'b': {'c': {}}}}, 'nested deeper than 3 levels')):
            for path, extra in (('/v1/offers', {}),
                                ('/v1/leases', {'project_id': 'p'})):
                response = owner.request('post', path, status=400, body=dict(
                    extra, resource_uuid=NODE, properties=props))
                assert text in assert_client_fault(response)
        owner.post('/v1/leases', {'resource_uuid': NODE, 'project_id': 'p',
                                  'start_time': '2031-01-01',
                                  'end_time': '2031-01-02',
                                  'properties': {'a': {'b': [1]}}})

    def test_query_parameters(self, owner, offer, config, app):
        config(group='api', max_query_parameters=5)
        response = owner.request('get', '/v1/leases?' + '&'.join(
            'purpose=%d' % i for i in range(6)))
        assert assert_client_fault(response) == (
            'Too many query parameters: at most 5.')
        for query in ('purpose=' + 'x' * 256, 'purpose=a%00b',
                      'purpose=%ff', '__body__=%7B%7D'):
            response = owner.request('get', '/v1/leases?' + query)
            assert_client_fault(response)


class TestValues(object):

    def test_far_future_start_without_end(self, owner, lessee, offer,
                                          nodes):
        nodes.add('node-2', 'owner-project')
        nodes.add('node-3', 'owner-project')
        lease = owner.post('/v1/leases', {
            'resource_uuid': 'node-2', 'project_id': 'p',
            'start_time': '9999-12-30T00:00:00'}).json
        assert lease['end_time'] == '9999-12-31T23:59:59.999999'
        late = owner.post('/v1/offers', {
            'resource_uuid': 'node-3', 'start_time': '9999-12-31T23:00:00',
            'end_time': '9999-12-31T23:30:00'}).json
        response = lessee.request(
            'post', '/v1/offers/%s/claim' % late['uuid'], status=201,
            body={'start_time': '9999-12-31T23:10:00'})
        assert response.json['end_time'] == '9999-12-31T23:30:00'

    @pytest.mark.parametrize('value', ['-1', '9223372036854775808',
                                       '1' * 40, '1.5', '\u0661', ' 1',
                                       '1_000', '0x10', ''])
    def test_last_event_id(self, owner, value):
        response = owner.get('/v1/events', expect=400, last_event_id=value)
        assert 'last_event_id must be an integer' in assert_client_fault(
            response)

    def test_largest_event_id(self, owner):
        owner.get('/v1/events', last_event_id='9223372036854775807')

    @pytest.mark.parametrize('value', ['2030', '-1', '2030-01-01 EST',
                                       '2030-01-01T00:00:00 UTC+5',
                                       '2030-01-01\x00', '\u0662030-01-01'])
    def test_times_are_iso_only(self, owner, offer, value):
        for field in ('start_time', 'end_time'):
            response = owner.request('post', '/v1/leases', status=400, body={
                'resource_uuid': NODE, 'project_id': 'p', field: value})
            expected = 'NUL' if '\x00' in value else (
                'Invalid datetime for %s' % field)
            assert expected in assert_client_fault(response)
        response = owner.get('/v1/leases', expect=400, start_time=value,
                             end_time='2031-01-01')
        assert ('NUL' if '\x00' in value else
                'Invalid datetime for start_time') in fault(response)

    def test_view_must_be_known(self, owner, admin):
        for caller_ in (owner, admin):
            response = caller_.get('/v1/leases', expect=400, view='bogus')
            assert fault(response) == 'Invalid view bogus. Valid views: all.'


class TestResourceTypes(object):

    def test_unknown_type_is_not_logged_raw(self, owner, offer, caplog):
        forged = 'x\n2030-01-01 00:00:00 CRITICAL forged line\r'
        with caplog.at_level(logging.DEBUG):
            response = owner.request('post', '/v1/leases', status=400,
                                     body={'resource_uuid': NODE,
                                           'project_id': 'p',
                                           'resource_type': forged})
            owner.get('/v1/leases', expect=400, resource_type=forged[:40])
        assert assert_client_fault(response) == (
            '%r resource type unknown.' % forged)
        for record in caplog.records:
            assert 'forged line' not in record.getMessage().replace(
                '\\n', ' ') or '\n' not in record.getMessage()

    def test_ironic_without_configuration(self, owner, admin, nodes):
        for caller_ in (owner, admin):
            response = caller_.request('post', '/v1/offers', status=400,
                                       body={'resource_uuid': NODE,
                                             'resource_type': 'ironic_node'})
            assert assert_client_fault(response) == (
                'ironic_node resources are not available on this '
                'deployment.')


class TestOutput(object):

    def test_stored_non_finite_numbers_are_never_served(self, owner, offer,
                                                        app):
        # The column type refuses to store NaN; older rows might hold it.
        with db_api.writer() as session:
            session.execute(sa.text(
                "UPDATE offers SET properties = '{\"x\": NaN}'"))
        response = owner.request('get', '/v1/offers')
        assert response.status_int == 200
        assert response.json['offers'][0]['properties'] == {'x': None}
        assert 'NaN' not in response.text
        json.loads(response.text, parse_constant=lambda c: 1 / 0)
        assert response.content_type == 'application/json'


class TestRouting(object):

    @pytest.fixture
    def lease(self, owner, offer):
        return owner.post('/v1/leases', {'resource_uuid': NODE,
                                         'project_id': 'p',
                                         'start_time': '2031-01-01',
                                         'end_time': '2031-01-02'}).json

    @pytest.mark.parametrize('method', ['post', 'put', 'patch', 'delete'])
    @pytest.mark.parametrize('path', ['/', '/v1', '/v1/'])
    def test_root_and_v1_answer_only_get_and_head(self, owner, method,
                                                  path):
        response = owner.request(method, path, body={} if method in (
            'post', 'put', 'patch') else None)
        assert response.status_int == 405
        assert 'not allowed' in fault(response)

    def test_extra_path_segments(self, admin, lease, offer):
        before = admin.get('/v1/leases/%s' % lease['uuid']).json
        for method, path, body in (
                ('patch', '/v1/leases/%s/anything', {'end_time':
                                                     '2031-01-05'}),
                ('delete', '/v1/leases/%s/x', None),
                ('get', '/v1/leases/%s/x/y', None),
                ('post', '/v1/leases/%s', {}),
                ('delete', '/v1/offers/%s/x', None),
                ('patch', '/v1/offers/%s/x', {'name': 'x'}),
                ('patch', '/v1/offers/%s/claim', {'name': 'x'}),
                ('post', '/v1/offers/%s/claim/x', {})):
            ident = offer['uuid'] if 'offers' in path else lease['uuid']
            response = admin.request(method, path % ident, body=body)
            assert response.status_int in (404, 405), (method, path)
            assert fault(response)
        assert admin.get('/v1/leases/%s' % lease['uuid']).json == before
        assert admin.get('/v1/offers/%s' % offer['uuid']).json[
            'status'] == 'available'

    def test_idents_only_from_the_path(self, app, owner, lease, offer):
        response = raw(app, owner, 'DELETE', '/v1/offers',
                       json.dumps({'offer_ident': offer['uuid']}))
        assert_client_fault(response, 405)
        response = owner.request(
            'delete', '/v1/offers?offer_ident=%s' % offer['uuid'])
        assert_client_fault(response, 400)
        response = owner.request(
            'post', '/v1/offers/%s/claim?offer_ident=other' % offer['uuid'],
            body={})
        assert assert_client_fault(response) == (
            'Invalid input: offer_ident may only be given in the path')
        assert owner.get('/v1/offers/%s' % offer['uuid']).json[
            'status'] == 'available'

    def test_get_parameters_only_from_the_query(self, app, owner, admin,
                                                lease):
        other = admin.post('/v1/leases', {'resource_uuid': NODE,
                                          'project_id': 'q',
                                          'start_time': '2032-01-01',
                                          'end_time': '2032-01-02'}).json
        response = raw(app, admin, 'GET', '/v1/leases',
                       json.dumps({'view': 'all'}))
        assert response.status_int == 200
        assert other['uuid'] in response.text  # admin-project granted it
        response = raw(app, owner, 'GET', '/v1/leases',
                       json.dumps({'project_id': 'q', 'view': 'bogus'}))
        assert response.status_int == 200
        assert [x['uuid'] for x in response.json['leases']] == [
            lease['uuid']]


def test_dummy_node_files_keep_their_mode(owner, nodes, config):
    import os
    import stat

    from esi_leap import resource_types

    nodes.add(NODE, 'owner-project')
    path = os.path.join(nodes.directory, NODE)
    for mode in (0o644, 0o664, 0o600):
        os.chmod(path, mode)
        resource_types.get('dummy_node').set_lease(NODE, 'lease-1', 'p')
        assert stat.S_IMODE(os.stat(path).st_mode) == mode
        resource_types.get('dummy_node').remove_lease(NODE, 'lease-1')
        assert stat.S_IMODE(os.stat(path).st_mode) == mode


PROJECT_FIELDS = [
    ('POST', '/v1/offers', 'lessee_id'),
    ('PATCH', '/v1/offers/{offer}', 'lessee_id'),
    ('POST', '/v1/leases', 'project_id'),
    ('GET', '/v1/offers', 'project_id'),
    ('GET', '/v1/leases', 'project_id'),
    ('GET', '/v1/leases', 'owner_id'),
    ('GET', '/v1/nodes', 'owner'),
    ('GET', '/v1/nodes', 'lessee'),
    ('GET', '/v1/events', 'lessee_or_owner_id'),
]


def _send_project_field(app, admin, offer, method, path, field, value):
    """POST a new object, or PATCH the offer, with ``field`` = value."""
    body = {field: value}
    if method == 'POST':
        body.update(resource_uuid=NODE, start_time='2030-01-02',
                    end_time='2030-01-03')
    return raw(app, admin, method, path.format(offer=offer['uuid']),
               json.dumps(body))


@pytest.mark.parametrize('value', [
    'owner-project\nFORGED line', 'a\rb', 'esc\x1b[31m', 'nul\x00',
    'del\x7f', 'c1\x85', 'rtl\u202eabc', 'isolate\u2066x', 'ls\u2028x',
    'tab\tx'])
@pytest.mark.parametrize('method,path,field', PROJECT_FIELDS)
def test_project_ids_with_control_characters(app, admin, offer, method,
                                             path, field, value):
    before = rows()
    if method != 'GET':
        response = _send_project_field(app, admin, offer, method, path,
                                       field, value)
    else:
        response = app.get(path, params={field: value},
                           headers=admin.headers, expect_errors=True)
    text = assert_client_fault(response)
    if '\x00' in value:
        # Refused with any other request holding NUL, before any field.
        assert 'NUL' in text
    else:
        assert text.startswith('Invalid %s: a project id or name cannot '
                               'contain the control character' % field), text
    assert '\n' not in text and value not in text
    assert rows() == before
    assert admin.get('/v1/offers/%s' % offer['uuid']).json == offer


@pytest.mark.parametrize('method,path,field', PROJECT_FIELDS)
def test_project_ids_longer_than_their_column(app, admin, offer, method,
                                              path, field):
    value = 'p' * 256
    if method != 'GET':
        response = _send_project_field(app, admin, offer, method, path,
                                       field, value)
    else:
        response = app.get(path, params={field: value},
                           headers=admin.headers, expect_errors=True)
    text = assert_client_fault(response)
    assert text.endswith('%s is longer than 255 characters.' % field), text


@pytest.mark.parametrize('header,value', [
    ('X-Project-Id', 'p\x1b[2Jq'), ('X-Project-Id', 'p\u202eq'),
    ('X-Project-Id', 'p\x85q'), ('X-Project-Id', 'p' * 256),
    ('X-User-Id', 'u\x07'), ('X-User-Id', 'u\u2066')])
def test_noauth_identity_headers_that_could_forge_log_lines(app, header,
                                                            value):
    headers = {'X-Project-Id': 'owner-project', 'X-Roles': 'esi_leap_owner',
               header: value.encode('utf-8').decode('latin-1')}
    response = app.get('/v1/offers', headers=headers, expect_errors=True)
    assert assert_client_fault(response) == (
        'Invalid %s header: at most 255 characters, no control '
        'characters.' % header)


def test_noauth_identity_headers_in_utf8_are_fine(app):
    # 'ł' is C5 82 in UTF-8: read as latin-1, its second byte would look
    # like a C1 control.
    response = app.get('/v1/offers', headers={
        'X-Project-Id': 'projekt-ł'.encode('utf-8').decode('latin-1'),
        'X-Roles': 'esi_leap_owner'})
    assert response.status_int == 200


class TestLeasePatch(object):
    """PATCH /v1/leases/<id> as the lessee, who may now change end times."""

    @pytest.fixture
    def lease(self, owner, offer):
        start = timeutils.utcnow().replace(microsecond=0) + \
            datetime.timedelta(hours=1)
        return owner.post('/v1/leases', {
            'resource_uuid': NODE, 'project_id': 'lessee-project',
            'start_time': start.isoformat(),
            'end_time': (start + datetime.timedelta(hours=5)).isoformat(),
        }).json

    def _unchanged(self, owner, lease):
        assert owner.get('/v1/leases/%s' % lease['uuid']).json == lease

    @pytest.mark.parametrize('value,text', [
        (None, 'Invalid datetime for end_time'),
        (5, 'Invalid datetime for end_time'),
        (1.5, 'Invalid datetime for end_time'),
        (True, 'Invalid datetime for end_time'),
        ([], 'Invalid datetime for end_time'),
        ({'a': 1}, 'Invalid datetime for end_time'),
        ('', 'Invalid datetime for end_time'),
        ('x' * 5000, 'Invalid datetime for end_time'),
        ('2031-02-30', 'Invalid datetime for end_time'),
        ('2031-01-02T25:00', 'Invalid datetime for end_time'),
        ('2031-01-02 EST', 'Invalid datetime for end_time'),
        ('10000-01-01', 'Invalid datetime for end_time'),
        ('9999-12-31T23:59:59-01:00', 'Invalid datetime for end_time'),
        ('0001-01-01T00:00:00+01:00', 'Invalid datetime for end_time'),
        ('2031-01-02\x00', 'NUL'),
        ('\u0662031-01-02', 'Invalid datetime for end_time'),
    ])
    def test_bad_end_times(self, owner, lessee, lease, value, text):
        response = lessee.request('patch', '/v1/leases/%s' % lease['uuid'],
                                  body={'end_time': value})
        assert text in assert_client_fault(response)
        self._unchanged(owner, lease)

    @pytest.mark.parametrize('body', [
        {}, {'start_time': '2031-01-01'}, {'END_TIME': '2031-01-01'},
        {'end_time ': '2031-01-01'}, {'status': 'expired'},
        {'end_time': '2031-01-01', 'project_id': 'stranger'},
        {'end_time': '2031-01-01', 'resource_uuid': 'node-2'},
        {'end_time': '2031-01-01', 'end': None},
    ])
    def test_other_fields(self, owner, lessee, lease, body):
        response = lessee.request('patch', '/v1/leases/%s' % lease['uuid'],
                                  body=body)
        assert assert_client_fault(response) == (
            'Only the end_time field may be updated')
        self._unchanged(owner, lease)

    @pytest.mark.parametrize('body', ['[]', 'null', '"2031-01-01"', '1',
                                      '[{"end_time": "2031-01-01"}]', ''])
    def test_non_object_bodies(self, app, owner, lessee, lease, body):
        response = raw(app, lessee, 'PATCH', '/v1/leases/%s' % lease['uuid'],
                       body)
        assert_client_fault(response)
        self._unchanged(owner, lease)

    def test_duplicate_keys_and_query(self, app, owner, lessee, lease):
        url = '/v1/leases/%s' % lease['uuid']
        response = raw(app, lessee, 'PATCH', url,
                       '{"end_time": "2031-01-01", "end_time": "2031-01-02"}')
        assert 'duplicate key' in assert_client_fault(response)
        response = raw(app, lessee, 'PATCH', url + '?end_time=2031-01-01',
                       '{}')
        assert_client_fault(response)
        self._unchanged(owner, lease)

    def test_unknown_lease_is_not_echoed_raw(self, lessee, offer):
        response = lessee.request('patch', '/v1/leases/%0A%1B[31mX',
                                  body={'end_time': '2031-01-01'})
        assert '\x1b' not in assert_client_fault(response, 404)


SEARCH_QUERIES = [
    ([('property', 'memory_mb')], 'Invalid property: memory_mb is not '
                                  '<key><op><value>'),
    ([('property', 'k==a\nFORGED line')], 'Invalid property: '),
    ([('property', 'k==a\x1b[31m')], 'Invalid property: '),
    ([('property', 'k==\u202eabc')], 'Invalid property: '),
    ([('property', 'k\u2028==1')], 'Invalid property: '),
    ([('property', 'k==a\x00')], 'NUL'),
    ([('property', 'k==' + 'x' * 300)],
     'Query parameter property is longer than 255 characters.'),
    ([('property', 'k!=%d' % i) for i in range(33)],
     'Too many query parameters: at most 32.'),
] + [
    ([('available_for', v)], 'available_for must be an integer')
    for v in ('-1', '0', '1e9', '0x10', ' 1', '9' * 11, '\u0661', '')
] + [
    ([('available_for', '60'), ('available_end_time', '2030-01-01')],
     'give available_end_time or available_for, not both'),
    ([('available_for', '60'), ('available_start_time', '2030-13-01')],
     'Invalid datetime for available_start_time'),
]


@pytest.mark.parametrize('path,params,reason', [
    (path, params, reason) for params, reason in SEARCH_QUERIES
    for path in ('/v1/offers', '/v1/nodes')
    # available_for is a filter of offers only
    if path == '/v1/offers' or params[0][0] == 'property'])
def test_search_parameters(app, owner, offer, path, params, reason, caplog):
    with caplog.at_level(logging.DEBUG):
        response = app.get(path, params=params, headers=owner.headers,
                           expect_errors=True)
    text = assert_client_fault(response)
    assert reason in text
    assert '\n' not in text and '\x1b' not in text and '\u202e' not in text
    for record in caplog.records:
        assert '\nFORGED' not in record.getMessage()
