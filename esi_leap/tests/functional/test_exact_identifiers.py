"""Identifiers and names compare exactly, in every database.

Python compares node uuids, names and project ids exactly; so must the
database. MariaDB's default collation (utf8mb4_general_ci) ignores case,
accents and trailing spaces: migration 0006 makes text exact there.
"""
import datetime
from urllib import parse

import pytest
import sqlalchemy as sa

from esi_leap.common import statuses
from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.db.sqlalchemy import models

# Names a case-, accent- or trailing-space-blind database takes for one.
ALIKE = ['Cs-node', 'cs-node', 'cs-nöde', 'cs-node ']


def _iso(value):
    return timeutils.isoformat(value)


def _window(after=0):
    """One hour from now, or from ``after`` hours from now."""
    start = timeutils.utcnow() + datetime.timedelta(hours=after)
    return {'start_time': _iso(start),
            'end_time': _iso(start + datetime.timedelta(hours=1))}


@pytest.fixture
def alike_nodes(nodes):
    for name in ALIKE:
        nodes.add(name, 'owner-project')
    return ALIKE


def _lock_rows():
    with db_api.reader() as session:
        return sorted(session.scalars(
            sa.select(models.ResourceLock.resource_uuid)))


def test_nodes_whose_names_differ_only_in_case_are_apart(
        alike_nodes, owner, nodes, scheduler):
    leases = {}
    for i, name in enumerate(alike_nodes):
        # The same window on each: no conflict, they are different nodes.
        leases[name] = owner.post('/v1/leases', dict(
            _window(), resource_uuid=name, project_id='lessee-%d' % i)).json
        assert leases[name]['resource_uuid'] == name
    scheduler.run_once()
    for i, name in enumerate(alike_nodes):
        assert db_api.lease_get(leases[name]['uuid']).status == \
            statuses.ACTIVE
        data = nodes.read(name)
        assert (data['lease_uuid'], data['project_id']) == (
            leases[name]['uuid'], 'lessee-%d' % i)
    assert _lock_rows() == sorted(alike_nodes)

    scheduler.run_once(now=timeutils.utcnow() + datetime.timedelta(hours=2))
    for name in alike_nodes:
        assert db_api.lease_get(leases[name]['uuid']).status == \
            statuses.EXPIRED
        assert 'lease_uuid' not in nodes.read(name)


def test_names_differing_in_case_are_not_duplicates(alike_nodes, owner,
                                                    admin):
    made = {}
    for name in alike_nodes:
        made[name] = owner.post('/v1/offers', dict(
            _window(), resource_uuid=name, name=name)).json['uuid']
    for name in alike_nodes:
        assert owner.get('/v1/offers/%s' % parse.quote(name)).json[
            'uuid'] == made[name]
        found = owner.get('/v1/offers', resource_uuid=name).json['offers']
        assert [offer['uuid'] for offer in found] == [made[name]]
    leases = {}
    for name in alike_nodes:
        leases[name] = admin.post('/v1/leases', dict(
            _window(after=2), resource_uuid=name, name=name,
            project_id='lessee-project')).json['uuid']
    for name in alike_nodes:
        assert admin.get('/v1/leases/%s' % parse.quote(name)).json[
            'uuid'] == leases[name]
        found = admin.get('/v1/leases', resource_uuid=name).json['leases']
        assert [lease['uuid'] for lease in found] == [leases[name]]


def test_project_filters_are_exact(owner, admin, nodes):
    nodes.add('node-1', 'owner-project')
    nodes.add('node-2', 'owner-project')
    upper = admin.post('/v1/leases', dict(
        _window(), resource_uuid='node-1',
        project_id='Lessee-A')).json['uuid']
    lower = admin.post('/v1/leases', dict(
        _window(), resource_uuid='node-2',
        project_id='lessee-a')).json['uuid']
    for project, uuid in (('Lessee-A', upper), ('lessee-a', lower)):
        found = admin.get('/v1/leases', project_id=project,
                          view='all').json['leases']
        assert [lease['uuid'] for lease in found] == [uuid]
    assert admin.get('/v1/leases', project_id='lessee-A',
                     view='all').json['leases'] == []
