"""Every endpoint and method, as every persona: the expected status.

The table below is the access model of esi-leap, one row per request and
one column per persona. Objects are made afresh for every cell:

* node-1 belongs to owner-project;
* the offer is owner-project's, restricted to lessee-project (so visible to
  it and to its sub-project child-project);
* the lease was claimed from that offer by lessee-project.

END_TIME_MATRIX does the same for every kind of end-time change, on leases
near now (so that [api] max_lease_time does not decide instead).
"""
import datetime

import pytest

from esi_leap.api import routes
from esi_leap.common import local_projects
from esi_leap.common import projects
from esi_leap.common import timeutils
from esi_leap.tests import conftest

PERSONAS = {
    #            project           roles
    'admin': ('admin-project', ['admin']),
    'owner': ('owner-project', ['esi_leap_owner']),
    'other_owner': ('other-owner-project', ['esi_leap_owner']),
    'lessee': ('lessee-project', ['esi_leap_lessee']),
    'sub_lessee': ('child-project', ['esi_leap_lessee']),
    'stranger': ('stranger-project', ['esi_leap_lessee']),
    'member': ('owner-project', ['member']),
    # Tokens without a project (domain- or system-scoped; in noauth no
    # X-Project-Id): admins see what admins see, others get 403.
    'admin_np': (None, ['admin']),
    'roles_np': (None, ['esi_leap_owner', 'esi_leap_lessee']),
}
COLUMNS = ('admin', 'owner', 'other_owner', 'lessee', 'sub_lessee',
           'stranger', 'member', 'admin_np', 'roles_np')

# Columns: method, path, then admin, owner, other_owner, lessee,
# sub_lessee, stranger, member, admin_np, roles_np. A caller that may not
# see an object gets 404 on every method, exactly as for a missing one.
MATRIX = [
    ('GET', '/v1/offers',         200, 200, 200, 200, 200, 200, 403, 200,
     403),
    ('GET', '/v1/offers/{offer}', 200, 200, 404, 200, 200, 404, 403, 200,
     403),
    ('POST', '/v1/offers',        201, 201, 403, 403, 403, 403, 403, 403,
     403),
    ('DELETE', '/v1/offers/{offer}', 200, 200, 404, 403, 403, 404, 403,
     200, 403),
    ('PATCH', '/v1/offers/{offer}', 200, 200, 404, 403, 403, 404, 403,
     200, 403),
    ('POST', '/v1/offers/{offer}/claim', 201, 201, 404, 201, 201, 404,
     403, 403, 403),
    ('GET', '/v1/leases',         200, 200, 200, 200, 200, 200, 403, 200,
     403),
    ('GET', '/v1/leases/{lease}', 200, 200, 404, 200, 404, 404, 404, 200,
     403),
    ('POST', '/v1/leases',        201, 201, 403, 403, 403, 403, 403, 403,
     403),
    # A shortening: see END_TIME_MATRIX for the other end-time changes.
    ('PATCH', '/v1/leases/{lease}', 200, 200, 404, 200, 404, 404, 404,
     200, 403),
    ('DELETE', '/v1/leases/{lease}', 200, 200, 404, 200, 404, 404, 404,
     200, 403),
    ('GET', '/v1/nodes',          200, 200, 200, 200, 200, 200, 403, 200,
     403),
    ('GET', '/v1/events',         200, 200, 200, 200, 200, 200, 403, 200,
     403),
    # The lease is in 2030: the lessee sees node-1 but does not hold it.
    ('POST', '/v1/console_auth_tokens', 201, 201, 404, 403, 404, 404, 403,
     201, 403),
    ('DELETE', '/v1/console_auth_tokens/node-1', 200, 200, 404, 403, 404,
     404, 403, 200, 403),
]

BODIES = {
    ('POST', '/v1/offers'): {'resource_uuid': 'node-1',
                             'start_time': '2031-01-01',
                             'end_time': '2031-02-01'},
    ('PATCH', '/v1/offers/{offer}'): {'end_time': '2030-01-20',
                                      'name': 'changed'},
    ('POST', '/v1/offers/{offer}/claim'): {'start_time': '2030-01-10',
                                           'end_time': '2030-01-11'},
    ('POST', '/v1/leases'): {'resource_uuid': 'node-1',
                             'project_id': 'lessee-project',
                             'start_time': '2031-01-01',
                             'end_time': '2031-01-02'},
    ('PATCH', '/v1/leases/{lease}'): {'end_time': '2030-01-01T12:00:00'},
    ('POST', '/v1/console_auth_tokens'): {'node_uuid_or_name': 'node-1',
                                          'token_ttl': '60'},
}


@pytest.fixture(scope='module')
def migrated_database(request, tmp_path_factory):
    """Policy does not depend on the database: SQLite is enough here."""
    return conftest.make_migrated_database(request, 'sqlite',
                                           tmp_path_factory)


class TreeDirectory(local_projects.ProjectDirectory):
    """child-project is a sub-project of lessee-project."""

    def lineage(self, project_id):
        if project_id == 'child-project':
            return ['child-project', 'lessee-project']
        return super().lineage(project_id)


def _cells():
    for method, path, *statuses in MATRIX:
        for persona, status in zip(COLUMNS, statuses):
            yield pytest.param(method, path, persona, status,
                               id='%s %s as %s' % (method, path, persona))


@pytest.fixture
def objects(owner, lessee, nodes):
    projects.set_directory(TreeDirectory())
    nodes.add('node-1', 'owner-project')
    offer = owner.post('/v1/offers', {'resource_uuid': 'node-1',
                                      'lessee_id': 'lessee-project',
                                      'start_time': '2030-01-01',
                                      'end_time': '2030-02-01'}).json
    lease = lessee.post('/v1/offers/%s/claim' % offer['uuid'], {
        'start_time': '2030-01-01', 'end_time': '2030-01-02'}).json
    return {'offer': offer['uuid'], 'lease': lease['uuid']}


# Routes of the route table whose persona-by-persona access is tested in
# the module named (their objects and bodies are their own).
TESTED_ELSEWHERE = {
    ('POST', '/v1/claims'): 'test_fleet_claims',
    ('GET', '/v1/quotas/{project}'): 'test_quotas (test_who_may)',
    ('PUT', '/v1/quotas/{project}'): 'test_quotas (test_who_may)',
    ('DELETE', '/v1/quotas/{project}'): 'test_quotas (test_who_may)',
    ('GET', '/v1/usage'): 'test_usage (test_scoped_like_lease_listings)',
}
# MATRIX paths name the objects; the table's name the parameters.
TEMPLATES = {'{offer}': '{offer_ident}', '{lease}': '{lease_ident}',
             'node-1': '{node_ident}'}


def _template(path):
    for concrete, template in TEMPLATES.items():
        path = path.replace(concrete, template)
    return path


def test_matrix_is_complete():
    assert all(len(row) == 2 + len(COLUMNS) for row in MATRIX)
    assert set(COLUMNS) == set(PERSONAS)


def test_matrix_covers_the_route_table():
    # A route added to esi_leap/api/routes.py needs a row here (or a
    # named module testing who may call it).
    covered = {(method, _template(path)) for method, path, *_ in MATRIX}
    assert not covered & set(TESTED_ELSEWHERE)
    assert covered | set(TESTED_ELSEWHERE) == {
        (route.method, route.path) for route in routes.guarded()}


@pytest.mark.parametrize('method,path,persona,status', list(_cells()))
def test_access(caller, objects, method, path, persona, status):
    project, roles = PERSONAS[persona]
    response = caller(project, *roles).request(
        method.lower(), path.format(**objects),
        body=BODIES.get((method, path)))
    assert response.status_int == status, response.text
    if status >= 400:
        assert response.json['faultstring']


# End-time changes (PATCH end_time), hours from now, on four leases of
# node-1: "claimed" from an offer to lessee-project, "direct" from
# owner-project to lessee-project, "parent" from owner-project to
# other-owner-project (owner role only), and "sub", a sub-lease of it from
# other-owner-project to child-project. Columns as in MATRIX.
END_TIME_LEASES = {'claimed': (1, 5), 'direct': (40, 45),
                   'parent': (50, 60), 'sub': (51, 55)}
END_TIME_MATRIX = [
    ('claimed', 6, 200, 403, 404, 200, 404, 404, 404, 200, 403),
    ('claimed', 4, 200, 200, 404, 200, 404, 404, 404, 200, 403),
    ('direct', 46, 200, 200, 404, 200, 404, 404, 404, 200, 403),
    ('direct', 44, 200, 200, 404, 200, 404, 404, 404, 200, 403),
    ('parent', 62, 200, 200, 403, 404, 404, 404, 404, 200, 403),
    ('parent', 58, 200, 200, 403, 404, 404, 404, 404, 200, 403),
    ('sub', 56, 200, 404, 200, 404, 200, 404, 404, 200, 403),
    ('sub', 54, 200, 404, 200, 404, 200, 404, 404, 200, 403),
]


def _hours(base, hours):
    return (base + datetime.timedelta(hours=hours)).isoformat()[:19]


@pytest.fixture
def end_time_leases(owner, lessee, caller, nodes):
    """The leases of END_TIME_LEASES: {kind: (uuid, end as sent)}."""
    projects.set_directory(TreeDirectory())
    nodes.add('node-1', 'owner-project')
    base = timeutils.utcnow().replace(microsecond=0)
    start, end = END_TIME_LEASES['claimed']
    offer = owner.post('/v1/offers', {
        'resource_uuid': 'node-1', 'lessee_id': 'lessee-project',
        'start_time': _hours(base, start), 'end_time': _hours(base, 30)})
    made = {'claimed': lessee.post(
        '/v1/offers/%s/claim' % offer.json['uuid'], {
            'start_time': _hours(base, start),
            'end_time': _hours(base, end)})}
    for kind, grantor, project in (
            ('direct', owner, 'lessee-project'),
            ('parent', owner, 'other-owner-project'),
            ('sub', caller('other-owner-project', 'esi_leap_owner'),
             'child-project')):
        start, end = END_TIME_LEASES[kind]
        made[kind] = grantor.post('/v1/leases', {
            'resource_uuid': 'node-1', 'project_id': project,
            'start_time': _hours(base, start),
            'end_time': _hours(base, end)})
    assert made['sub'].json['parent_lease_uuid'] == made['parent'].json[
        'uuid']
    return base, {kind: response.json['uuid']
                  for kind, response in made.items()}


def _end_time_cells():
    for kind, hours, *statuses in END_TIME_MATRIX:
        change = 'extend' if hours > END_TIME_LEASES[kind][1] else 'shorten'
        for persona, status in zip(COLUMNS, statuses):
            yield pytest.param(kind, hours, persona, status,
                               id='%s %s as %s' % (change, kind, persona))


def test_end_time_matrix_is_complete():
    assert all(len(row) == 2 + len(COLUMNS) for row in END_TIME_MATRIX)
    assert {row[0] for row in END_TIME_MATRIX} == set(END_TIME_LEASES)


@pytest.mark.parametrize('kind,hours,persona,status',
                         list(_end_time_cells()))
def test_end_time_access(caller, admin, end_time_leases, kind, hours,
                         persona, status):
    base, leases = end_time_leases
    project, roles = PERSONAS[persona]
    url = '/v1/leases/%s' % leases[kind]
    wanted = _hours(base, hours)
    response = caller(project, *roles).request('patch', url,
                                               body={'end_time': wanted})
    assert response.status_int == status, response.text
    stored = admin.get(url).json['end_time']
    if status == 200:
        assert response.json['end_time'] == stored == wanted
    else:
        assert response.json['faultstring']
        assert stored == _hours(base, END_TIME_LEASES[kind][1])
