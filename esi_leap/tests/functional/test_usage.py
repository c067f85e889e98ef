"""GET /v1/usage against a reference computed here from the same leases."""
import collections
import csv
import datetime
import io
import random

import pytest

from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.db.sqlalchemy import models
from esi_leap.tests.functional.helpers import fault

UTC = datetime.timezone.utc
T0 = datetime.datetime(2025, 1, 1, tzinfo=UTC)
PROJECTS = ('lessee-project', 'p2', 'p3')
OWNERS = ('owner-project', 'o2')
CLASSES = ('baremetal', 'gpu', None)
STATUSES = ('active', 'expired', 'deleted', 'created', 'error',
            'wait expire', 'wait cancel')


def make_leases(count, seed):
    """Random leases in early 2025; some never started, some still running.

    Some span the edges of the reported periods, some are cancelled
    (deleted after they started), some are sub-leases.
    """
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        start = T0 + datetime.timedelta(seconds=rng.randrange(0, 90 * 86400),
                                        microseconds=rng.randrange(10 ** 6))
        length = datetime.timedelta(seconds=rng.randrange(60, 20 * 86400))
        status = rng.choice(STATUSES)
        fulfill = None if status == 'created' or rng.random() < 0.1 \
            else start + datetime.timedelta(seconds=rng.randrange(0, 300))
        expire = None
        if fulfill is not None and status in ('expired', 'deleted'):
            expire = fulfill + length
        rows.append(models.Lease(
            uuid='%08d-0000-0000-0000-000000000000' % i,
            project_id=rng.choice(PROJECTS), owner_id=rng.choice(OWNERS),
            resource_type='dummy_node', resource_uuid='n%d' % (i % 7),
            resource_class=rng.choice(CLASSES), start_time=start,
            end_time=start + length, status=status, fulfill_time=fulfill,
            expire_time=expire, properties={},
            parent_lease_uuid=rows[-1].uuid if rows and i % 5 == 0
            else None))
    with db_api.writer() as session:
        session.add_all(rows)
    return [dict(project_id=r.project_id, owner_id=r.owner_id,
                 resource_type=r.resource_type,
                 resource_uuid=r.resource_uuid,
                 resource_class=r.resource_class, fulfill=r.fulfill_time,
                 expire=r.expire_time) for r in rows]


def reference(rows, start, end, now, fields, party=None):
    """{group tuple: [seconds, leases]} by the documented rule."""
    found = collections.defaultdict(lambda: [0.0, 0])
    for row in rows:
        if party is not None and party not in (row['project_id'],
                                               row['owner_id']):
            continue
        if row['fulfill'] is None:
            continue
        low = max(row['fulfill'], start)
        high = min(row['expire'] or now, end, now)
        if high <= low:
            continue
        group = found[tuple(row[f] for f in fields)]
        group[0] += (high - low).total_seconds()
        group[1] += 1
    return dict(found)


def as_groups(body, fields):
    return {tuple(r[f] for f in fields): [r['node_seconds'], r['leases']]
            for r in body['usage']}


def assert_close(got, want):
    assert set(got) == set(want)
    for key in want:
        assert got[key][1] == want[key][1], key
        assert got[key][0] == pytest.approx(want[key][0], abs=0.01), key


PERIOD = {'start_time': '2025-02-01T00:00:00',
          'end_time': '2025-03-01T00:00:00'}
START = datetime.datetime(2025, 2, 1, tzinfo=UTC)
END = datetime.datetime(2025, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize('group_by,fields', [
    ('project', ('project_id',)),
    ('owner', ('owner_id',)),
    ('resource_class', ('resource_class',)),
    ('resource', ('resource_type', 'resource_uuid')),
    ('project,resource_class', ('project_id', 'resource_class')),
    (None, ()),
])
def test_admin_report_matches_reference(admin, group_by, fields):
    rows = make_leases(300, seed=7)
    params = dict(PERIOD, view='all')
    if group_by:
        params['group_by'] = group_by
    body = admin.get('/v1/usage', **params).json
    want = reference(rows, START, END, timeutils.utcnow(), fields)
    assert_close(as_groups(body, fields), want)
    assert body['total']['leases'] == sum(v[1] for v in want.values())
    assert body['total']['node_hours'] == pytest.approx(
        sum(v[0] for v in want.values()) / 3600, abs=1e-4)
    assert body['group_by'] == (group_by.split(',') if group_by else [])


def test_scoped_like_lease_listings(lessee, owner, admin):
    rows = make_leases(200, seed=11)
    now = timeutils.utcnow()
    for caller, party in ((lessee, 'lessee-project'),
                          (owner, 'owner-project')):
        body = caller.get('/v1/usage', group_by='project',
                          **PERIOD).json
        assert_close(as_groups(body, ('project_id',)),
                     reference(rows, START, END, now, ('project_id',),
                               party=party))
    response = lessee.get('/v1/usage', expect=403, view='all', **PERIOD)
    assert 'esi_leap:lease:lease_admin' in fault(response)
    lessee.get('/v1/usage', expect=403, project_id='p2', **PERIOD)


def test_running_leases_count_up_to_now(admin):
    rows = make_leases(100, seed=3)
    start = datetime.datetime(2025, 3, 15, tzinfo=UTC)
    before = timeutils.utcnow()
    body = admin.get('/v1/usage', view='all', start_time='2025-03-15',
                     end_time='2100-01-01').json
    after = timeutils.utcnow()
    far = datetime.datetime(2100, 1, 1, tzinfo=UTC)
    low = reference(rows, start, far, before, ())[()][0]
    high = reference(rows, start, far, after, ())[()][0]
    assert low - 0.01 <= body['total']['node_seconds'] <= high + 0.01
    assert body['total']['node_seconds'] > 0


def test_csv(admin):
    rows = make_leases(150, seed=5)
    response = admin.app.get('/v1/usage', params=dict(
        PERIOD, view='all', group_by='project,owner'),
        headers=dict(admin.headers, Accept='text/csv'))
    assert response.content_type == 'text/csv'
    table = list(csv.DictReader(io.StringIO(response.text)))
    assert list(table[0]) == ['project_id', 'owner_id', 'node_seconds',
                              'node_hours', 'leases']
    got = {(r['project_id'], r['owner_id']): [float(r['node_seconds']),
                                              int(r['leases'])]
           for r in table}
    assert_close(got, reference(rows, START, END, timeutils.utcnow(),
                                ('project_id', 'owner_id')))


def test_csv_cells_never_run_as_formulas(admin):
    with db_api.writer() as session:
        session.add(models.Lease(
            uuid='99999999-0000-0000-0000-000000000000',
            project_id='=HYPERLINK("x")', owner_id='o',
            resource_type='dummy_node', resource_uuid='n', start_time=START,
            end_time=END, status='active', fulfill_time=START,
            properties={}))
    response = admin.app.get('/v1/usage', params=dict(
        PERIOD, view='all', group_by='project'),
        headers=dict(admin.headers, Accept='text/csv'))
    table = list(csv.DictReader(io.StringIO(response.text)))
    assert table[0]['project_id'] == '\'=HYPERLINK("x")'


def test_errors_stay_json_when_csv_is_asked(admin):
    response = admin.app.get('/v1/usage', params={'group_by': 'project'},
                             headers=dict(admin.headers, Accept='text/csv'),
                             expect_errors=True)
    assert response.status_int == 400
    assert 'start_time' in fault(response)


@pytest.mark.parametrize('params,message', [
    ({}, 'Invalid input for field/attribute start_time.'),
    ({'start_time': 'yesterday'}, 'Invalid datetime for start_time'),
    ({'start_time': '2025-02-01', 'end_time': '2025-01-01'},
     'Invalid end_time: it must be after start_time.'),
    ({'start_time': '2025-02-01', 'group_by': 'project,day'},
     'Invalid group_by: day is not one of'),
    ({'start_time': '2025-02-01', 'view': 'some'}, 'view'),
])
def test_bad_input(admin, params, message):
    response = admin.get('/v1/usage', expect=400, **params)
    assert message in fault(response)
