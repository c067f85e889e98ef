"""Callers without a project, blank identities and hidden objects.

A caller with an esi-leap role but no project (a domain- or system-scoped
Keystone token; in noauth an absent, empty or blank X-Project-Id) sees what
admins see if it is an admin, and otherwise gets 403 ProjectRequired from
every route that needs a project. Objects a caller may not see answer 404
on every method, exactly like a missing one.
"""
import logging

import pytest
import sqlalchemy as sa

from esi_leap.db import api as db_api
from esi_leap.db.sqlalchemy import models
from esi_leap.tests.functional.helpers import fault

NODE = 'node-1'
NEEDS_PROJECT = 'This request needs a project'


@pytest.fixture
def booked(owner, lessee, nodes):
    """An offer of node-1 restricted to lessee-project, and its claim."""
    nodes.add(NODE, 'owner-project')
    offer = owner.post('/v1/offers', {'resource_uuid': NODE,
                                      'name': 'the-offer',
                                      'lessee_id': 'lessee-project',
                                      'start_time': '2030-01-01',
                                      'end_time': '2030-02-01'}).json
    lease = lessee.post('/v1/offers/%s/claim' % offer['uuid'], {
        'name': 'the-lease', 'start_time': '2030-01-01',
        'end_time': '2030-01-02'}).json
    return offer, lease


LIST_FILTERS = [
    {}, {'view': 'all'}, {'project_id': 'lessee-project'},
    {'owner_id': 'owner-project'}, {'status': 'any'},
    {'offer_uuid': '00000000-0000-0000-0000-000000000000'},
    {'resource_uuid': NODE}, {'resource_type': 'dummy_node'},
    {'resource_class': 'baremetal'}, {'purpose': 'x'},
    {'start_time': '2029-01-01', 'end_time': '2031-01-01'},
]


@pytest.mark.parametrize('project', [None, '', '   '])
@pytest.mark.parametrize('params', LIST_FILTERS)
def test_lease_list_without_project_is_refused(caller, booked, project,
                                               params):
    for roles in (('esi_leap_lessee',), ('esi_leap_owner',)):
        response = caller(project, *roles).get('/v1/leases', expect=403,
                                               **params)
        assert fault(response).startswith(NEEDS_PROJECT)


@pytest.mark.parametrize('path', ['/v1/events', '/v1/offers', '/v1/nodes',
                                  '/v1/events?last_event_id=0',
                                  '/v1/offers?status=any'])
def test_other_lists_without_project_are_refused(caller, booked, path):
    for project in (None, '', ' \t'):
        response = caller(project, 'esi_leap_owner', 'esi_leap_lessee').get(
            path, expect=403)
        assert fault(response).startswith(NEEDS_PROJECT)


def test_get_one_without_project_is_refused(caller, booked):
    offer, lease = booked
    nobody = caller(None, 'esi_leap_owner', 'esi_leap_lessee')
    for path in ('/v1/leases/%s' % lease['uuid'], '/v1/leases/the-lease',
                 '/v1/leases/missing', '/v1/offers/%s' % offer['uuid'],
                 '/v1/offers/the-offer', '/v1/offers/missing'):
        assert fault(nobody.get(path, expect=403)).startswith(NEEDS_PROJECT)


def test_changes_without_project_are_refused(caller, booked, nodes):
    offer, lease = booked
    nobody = caller('', 'esi_leap_owner', 'esi_leap_lessee')
    cases = [
        ('post', '/v1/offers', {'resource_uuid': NODE,
                                'start_time': '2031-01-01',
                                'end_time': '2031-02-01'}),
        ('post', '/v1/leases', {'resource_uuid': NODE,
                                'project_id': 'lessee-project',
                                'start_time': '2031-01-01',
                                'end_time': '2031-01-02'}),
        ('post', '/v1/offers/%s/claim' % offer['uuid'],
         {'start_time': '2030-01-10', 'end_time': '2030-01-11'}),
        ('delete', '/v1/offers/%s' % offer['uuid'], None),
        ('patch', '/v1/offers/%s' % offer['uuid'], {'name': 'x'}),
        ('delete', '/v1/leases/%s' % lease['uuid'], None),
        ('patch', '/v1/leases/%s' % lease['uuid'],
         {'end_time': '2030-01-03'}),
    ]
    for method, path, body in cases:
        response = nobody.request(method, path, body=body, status=403)
        assert fault(response).startswith(NEEDS_PROJECT), (method, path)
    with db_api.reader() as session:
        assert session.scalar(sa.select(sa.func.count(models.Lease.id))) == 1
        assert session.scalar(sa.select(sa.func.count(models.Offer.id))) == 1


def test_admin_creates_need_a_project_too(caller, booked):
    offer, _ = booked
    admin = caller(None, 'admin')
    for path, body in (
            ('/v1/offers', {'resource_uuid': NODE,
                            'start_time': '2031-01-01',
                            'end_time': '2031-02-01'}),
            ('/v1/offers/%s/claim' % offer['uuid'],
             {'start_time': '2030-01-10', 'end_time': '2030-01-11'})):
        response = admin.request('post', path, body=body, status=403)
        assert fault(response).startswith(NEEDS_PROJECT)


def test_admin_without_project_sees_what_admins_see(caller, booked, admin):
    offer, lease = booked
    admin_nowhere = caller(None, 'admin')
    assert [x['uuid'] for x in admin_nowhere.get(
        '/v1/leases').json['leases']] == [lease['uuid']]
    assert [x['uuid'] for x in admin_nowhere.get(
        '/v1/offers').json['offers']] == [offer['uuid']]
    assert admin_nowhere.get('/v1/events').json['events']
    assert admin_nowhere.get('/v1/leases/the-lease').json['uuid'] == \
        lease['uuid']
    assert admin_nowhere.get('/v1/offers/the-offer').json['uuid'] == \
        offer['uuid']
    assert admin_nowhere.get('/v1/nodes').json['nodes']


class TestHiddenIsMissing(object):
    """Hidden objects answer like missing ones, whatever the method."""

    @pytest.mark.parametrize('roles', [(), ('esi_leap_lessee',),
                                       ('esi_leap_owner',)])
    def test_stranger(self, caller, booked, roles):
        offer, lease = booked
        stranger = caller('stranger-project', *roles)
        for ident in (lease['uuid'], 'the-lease'):
            for method in ('get', 'delete'):
                response = stranger.request(
                    method, '/v1/leases/%s' % ident, status=404)
                assert fault(response) == (
                    'Lease with name or uuid %s not found.' % ident)
        for ident in (offer['uuid'], 'the-offer'):
            response = stranger.request('delete', '/v1/offers/%s' % ident,
                                        status=404)
            assert fault(response) == (
                'Offer with name or uuid %s not found.' % ident)
            response = stranger.request(
                'post', '/v1/offers/%s/claim' % ident,
                body={'start_time': '2030-01-10',
                      'end_time': '2030-01-11'})
            if ident == 'the-offer':
                assert offer['uuid'] not in response.text
            if roles == ('esi_leap_lessee',):
                assert response.status_int == 404
                assert fault(response) == (
                    'Offer with name or uuid %s not found.' % ident)

    def test_hidden_and_missing_look_alike(self, caller, booked):
        offer, lease = booked
        stranger = caller('stranger-project', 'esi_leap_lessee',
                          'esi_leap_owner')
        missing = '11111111-2222-3333-4444-555555555555'
        for path in ('/v1/leases/%s', '/v1/offers/%s',
                     '/v1/offers/%s/claim'):
            method = 'post' if path.endswith('claim') else 'delete'
            body = {} if method == 'post' else None
            hidden = stranger.request(method, path % (
                lease['uuid'] if 'leases' in path else offer['uuid']),
                body=body)
            absent = stranger.request(method, path % missing, body=body)
            assert hidden.status_int == absent.status_int == 404

    def test_visible_but_not_allowed_is_403(self, caller, booked, lessee):
        offer, _ = booked
        response = lessee.request('delete', '/v1/offers/%s' % offer['uuid'],
                                  status=403)
        assert fault(response) == 'Access was denied to offer %s.' % (
            offer['uuid'])


class TestBlankIdentities(object):

    @pytest.mark.parametrize('blank', ['', '   ', '\t'])
    def test_blank_project_ids_in_bodies(self, owner, nodes, blank):
        nodes.add(NODE, 'owner-project')
        response = owner.request('post', '/v1/leases', status=400, body={
            'resource_uuid': NODE, 'project_id': blank})
        assert fault(response) == 'project_id must not be empty or blank.'
        response = owner.request('post', '/v1/offers', status=400, body={
            'resource_uuid': NODE, 'lessee_id': blank})
        assert fault(response) == 'lessee_id must not be empty or blank.'
        with db_api.reader() as session:
            assert session.scalar(
                sa.select(sa.func.count(models.Lease.id))) == 0
            assert session.scalar(
                sa.select(sa.func.count(models.Offer.id))) == 0

    @pytest.mark.parametrize('param', ['project_id', 'owner_id'])
    def test_blank_filters(self, owner, admin, booked, param):
        for caller_ in (owner, admin):
            response = caller_.get('/v1/leases', expect=400, **{param: ' '})
            assert fault(response) == '%s must not be empty or blank.' % (
                param)
        response = owner.get('/v1/offers', expect=400, project_id='')
        assert fault(response) == 'project_id must not be empty or blank.'
        response = owner.get('/v1/events', expect=400,
                             lessee_or_owner_id='')
        assert 'lessee_or_owner_id must not be empty' in fault(response)


def test_log_lines_name_the_current_request(app, caller, booked):
    """oslo.log takes the thread's current context: it must be this one's."""
    from oslo_context import context as oslo_context
    from oslo_log import formatters

    first = caller('first-project', 'esi_leap_lessee')
    second = caller('second-project', 'esi_leap_lessee')
    second.headers['X-User-Id'] = 'second-user'
    first.get('/v1/leases')
    second.get('/v1/leases')
    current = oslo_context.get_current()
    assert current.project_id == 'second-project'
    formatter = formatters.ContextFormatter()
    record = logging.LogRecord('esi_leap', logging.INFO, __file__, 1,
                               'hello', None, None)
    line = formatter.format(record)
    assert current.request_id in line
    assert 'second-user second-project' in line
    assert 'first-project' not in line
