"""Hostile input on the fleet routes: N-node claims, quotas and usage.

The same matrix as ``test_hostile_input`` applies to ``POST /v1/claims``,
``PUT /v1/quotas/<project>`` and the query of ``GET /v1/usage``: a clear
4xx JSON fault that names the problem, never a 5xx or Python internals,
and nothing written.
"""
import pytest
import sqlalchemy as sa

from esi_leap.db import api as db_api
from esi_leap.db.sqlalchemy import models
from esi_leap.tests.functional.test_hostile_input import assert_client_fault
from esi_leap.tests.functional.test_hostile_input import raw

# (caller fixture, method, path) of every fleet route with a body.
BODY_ROUTES = [('lessee', 'POST', '/v1/claims'),
               ('admin', 'PUT', '/v1/quotas/lessee-project')]


def written():
    """Rows of the tables these routes write."""
    with db_api.reader() as session:
        return tuple(session.scalar(sa.select(sa.func.count()).select_from(
            table)) for table in (models.Lease, models.ProjectQuota))


@pytest.fixture
def callers(admin, lessee):
    return {'admin': admin, 'lessee': lessee}


@pytest.fixture
def pool(owner, nodes):
    for n in range(2):
        nodes.add('fleet-%d' % n, 'owner-project')
        owner.post('/v1/offers', {'resource_uuid': 'fleet-%d' % n,
                                  'start_time': '2030-01-01',
                                  'end_time': '2030-02-01'})


@pytest.mark.parametrize('who,method,path', BODY_ROUTES)
@pytest.mark.parametrize('body', ['[]', '1', '"s"', 'true', 'null', '',
                                  '{"count": 1', '{"count": NaN}',
                                  '{"count": Infinity}',
                                  '{"count": 1, "count": 2}',
                                  '[' * 10000 + ']' * 10000,
                                  '{"a": ' * 5000 + '1' + '}' * 5000,
                                  '{"count": 1}\x00',
                                  '\ufeff{"count": 1}'])
def test_malformed_bodies(app, callers, pool, who, method, path, body):
    before = written()
    response = raw(app, callers[who], method, path, body)
    assert_client_fault(response)
    assert written() == before


@pytest.mark.parametrize('body', [
    {'count': 0}, {'count': -1}, {'count': 10 ** 30}, {'count': 1.5},
    {'count': '2'}, {'count': True}, {'count': None}, {},
    {'count': 1, 'unknown': 1},
    {'count': 1, 'start_time': 'tomorrow'},
    {'count': 1, 'start_time': '2030-01-02', 'end_time': '2030-01-01'},
    {'count': 1, 'start_time': '2030-01-01T00:00:00\x00'},
    {'count': 1, 'resource_class': 'x' * 100000},
    {'count': 1, 'resource_class': 'bare\u202emetal'},
    {'count': 1, 'properties': ['memory_mb>=x' * 1000]},
    {'count': 1, 'properties': 'memory_mb>=1'},
    {'count': 1, 'properties': ['no operator']},
    {'count': 1, 'properties': ['k>=1'] * 1000},
    {'count': 1, 'locality': {'a': 'b'}},
])
def test_claim_fields(app, lessee, pool, body):
    before = written()
    response = lessee.request('post', '/v1/claims', body=body)
    # NOTE(esi-leap): a body over [api] max_request_body_size is refused
    # whole (413) before it is parsed.
    assert_client_fault(response, 413 if response.status_int == 413
                        else 400)
    assert written() == before


@pytest.mark.parametrize('body', [
    {'max_nodes': -2}, {'max_nodes': 10 ** 30}, {'max_nodes': 1.5},
    {'max_nodes': '5'}, {'max_nodes': True}, {'max_leases': -2},
    {'unknown': 1}, {'max_nodes': 1, 'project_id': 'other'},
    {'max_nodes_by_resource_class': {'x' * 10000: 1}},
    {'max_nodes_by_resource_class': {'gpu': -5}},
    {'max_nodes_by_resource_class': {'gpu\x00': 1}},
    {'max_nodes_by_resource_class': ['gpu']},
])
def test_quota_fields(app, admin, body):
    before = written()
    response = admin.request('put', '/v1/quotas/lessee-project', body=body)
    assert_client_fault(response)
    assert written() == before


@pytest.mark.parametrize('project', ['a%00b', 'a%E2%80%AEb', 'x' * 300,
                                     'a%0Ab', 'a%1Bb', '%FF'])
def test_quota_project_identifiers(app, admin, project):
    before = written()
    response = admin.request('put', '/v1/quotas/%s' % project,
                             body={'max_nodes': 1})
    assert response.status_int in (400, 404), response.text
    assert_client_fault(response, response.status_int)
    assert written() == before


@pytest.mark.parametrize('query', [
    'start_time=tomorrow', 'start_time=2030-01-01T00:00:00%00',
    'start_time=2030-01-02&end_time=2030-01-01',
    'start_time=2030-01-01 EST', 'group_by=nothing',
    'group_by=project&group_by=' + 'x' * 300,
    'group_by=%E2%80%AEproject', 'unknown=1',
    'start_time=' + '9' * 5000,
    '&'.join(['group_by=project'] * 100),
])
def test_usage_queries(app, admin, query):
    response = app.get('/v1/usage?' + query, headers=admin.headers,
                       expect_errors=True)
    assert response.status_int in (400, 414), response.text
    assert_client_fault(response, response.status_int)
