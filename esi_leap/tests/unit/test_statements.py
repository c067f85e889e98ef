"""The list statements kept per filter shape (db/sqlalchemy/statements)."""
import datetime

import pytest
import sqlalchemy as sa

from esi_leap.common import exception
from esi_leap.db.sqlalchemy import statements
from esi_leap.objects import filters

UTC = datetime.timezone.utc
T0 = datetime.datetime(2030, 1, 1, tzinfo=UTC)


def test_shape_depends_on_which_filters_are_set_not_their_values():
    a = filters.LeaseFilters(statuses=('created',), project_id='p1')
    b = filters.LeaseFilters(statuses=('active', 'created'),
                             project_id='p2')
    assert statements.shape(a) == statements.shape(b)
    c = filters.LeaseFilters(statuses=('created',), owner_id='p1')
    assert statements.shape(a) != statements.shape(c)
    assert statements.shape(a) != statements.shape(
        filters.OfferFilters(statuses=('created',), project_id='p1'))


@pytest.mark.parametrize('other', [
    filters.Page(limit=2, sort_key='uuid', sort_dir='desc'),
    filters.Page(limit=2, sort_key='start_time'),
    filters.Page(sort_key='uuid'),
    filters.Page(limit=2, marker='m', sort_key='uuid'),
    None,
])
def test_shape_tells_pages_apart_by_order_limit_and_marker(other):
    page = filters.Page(limit=2, sort_key='uuid')
    same = filters.Page(limit=50, sort_key='uuid')
    assert statements.shape(filters.OfferFilters(page=page)) == \
        statements.shape(filters.OfferFilters(page=same))
    assert statements.shape(filters.OfferFilters(page=page)) != \
        statements.shape(filters.OfferFilters(page=other))


def test_shape_keeps_resource_types_and_whether_each_has_nodes():
    def shaped(resources):
        return statements.shape(filters.OfferFilters(resources=resources))
    assert shaped({'dummy_node': {'a'}}) == shaped({'dummy_node': {'b', 'c'}})
    assert shaped({'dummy_node': {'a'}}) != shaped({'ironic_node': {'a'}})
    assert shaped({'dummy_node': {'a'}}) != shaped({'dummy_node': set()})
    assert shaped({}) != shaped(None)


def test_values_bind_every_set_field_under_its_name():
    visibility = filters.OfferVisibility('p', ['p', 'parent'])
    bound = statements.values(filters.OfferFilters(
        statuses=('available',), project_id='owner', start_time=T0,
        end_time=T0, resources={'b_type': {'y', 'x'}, 'a_type': {'z'},
                                'empty': set()},
        visibility=visibility, page=filters.Page(limit=5, marker='m')))
    assert bound == {
        'statuses': ['available'], 'project_id': 'owner',
        'start_time': T0, 'end_time': T0,
        'blocking_lease_statuses': [],
        'resource_type_0': 'a_type', 'resource_uuids_0': ['z'],
        'resource_type_1': 'b_type', 'resource_uuids_1': ['x', 'y'],
        'visible_project_id': 'p', 'visible_lessee_ids': ['p', 'parent'],
        'page_limit': 6}


def test_built_builds_once_per_key_and_starts_again_when_full(
        monkeypatch):
    monkeypatch.setattr(statements, '_BUILT', {})
    monkeypatch.setattr(statements, '_MAX_SHAPES', 3)
    calls = []

    def build(name):
        def make():
            calls.append(name)
            return sa.select(sa.literal(name))
        return make
    first = statements.built('a', build('a'))
    assert statements.built('a', build('again')) is first
    statements.built('b', build('b'))
    statements.built('c', build('c'))
    assert calls == ['a', 'b', 'c']
    statements.built('d', build('d'))       # full: starts again
    assert statements._BUILT.keys() == {'d'}
    assert statements.built('a', build('a2')) is not first
    assert calls == ['a', 'b', 'c', 'd', 'a2']


def _rows_table():
    metadata = sa.MetaData()
    table = sa.Table('rows', metadata,
                     sa.Column('id', sa.Integer, primary_key=True),
                     sa.Column('uuid', sa.String(36)),
                     sa.Column('rank', sa.Integer))
    engine = sa.create_engine('sqlite://')
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(table.insert(), [
            {'id': i, 'uuid': 'u%d' % i, 'rank': i % 3}
            for i in range(1, 8)])
    return engine, table


@pytest.mark.parametrize('sort_dir', ['asc', 'desc'])
@pytest.mark.parametrize('sort_key', [None, 'rank'])
def test_one_statement_serves_every_later_page(sort_key, sort_dir):
    engine, table = _rows_table()
    query = sa.select(table.c.uuid)

    def page(**kw):
        return filters.Page(sort_key=sort_key, sort_dir=sort_dir, **kw)
    first = statements.paginate(query, table.c, page(limit=1))
    later_page = page(limit=1, marker='set for each page')
    later = statements.paginate(query, table.c, later_page)
    lookup = statements.marker_lookup(query, table.c, later_page,
                                      table.c.uuid)
    with engine.connect() as connection:
        whole = [r.uuid for r in connection.execute(
            statements.paginate(query, table.c, page()))]
        rows = [r.uuid for r in connection.execute(first,
                                                   {'page_limit': 2})]
        paged = rows[:1]
        while len(rows) == 2:
            later_page.marker = paged[-1]
            bound = {'page_limit': 2}
            statements.find_marker(connection, lookup, bound, later_page)
            rows = [r.uuid for r in connection.execute(later, bound)]
            paged.extend(rows[:1])
    assert len(whole) == 7 and paged == whole
    if sort_key == 'rank':      # ties of the sort key broken by id
        expected = sorted(range(1, 8), key=lambda i: (i % 3, i),
                          reverse=sort_dir == 'desc')
        assert whole == ['u%d' % i for i in expected]


def test_a_marker_outside_the_list_is_not_found():
    engine, table = _rows_table()
    page = filters.Page(marker='u3')
    query = sa.select(table.c.uuid).where(table.c.rank != 0)
    lookup = statements.marker_lookup(query, table.c, page, table.c.uuid)
    with engine.connect() as connection:
        with pytest.raises(exception.MarkerNotFound):
            statements.find_marker(connection, lookup, {}, page)
        page.marker = 'u4'
        bound = {}
        statements.find_marker(connection, lookup, bound, page)
        assert bound['marker_id'] == 4
