"""Pagination of every list: limit, marker, sort_key, sort_dir, next."""
import urllib.parse

import pytest

from esi_leap.common import exception
from esi_leap import resource_types
from esi_leap.tests.functional.helpers import fault

N = 5


@pytest.fixture
def booked(nodes, owner, lessee):
    """N nodes, one offer each, one lease claimed from each offer."""
    offers = []
    for i in range(N):
        nodes.add('page-node-%d' % i, 'owner-project')
        offer = owner.post('/v1/offers', {
            'resource_uuid': 'page-node-%d' % i,
            'start_time': '2090-01-%02d' % (i + 1),
            'end_time': '2090-03-01'}).json
        offers.append(offer)
        lessee.post('/v1/offers/%s/claim' % offer['uuid'], {
            'start_time': '2090-02-01', 'end_time': '2090-02-02'})
    return offers


def _follow(who, path, key, **params):
    """Read a list page by page through its next links; return the pages."""
    pages = []
    body = who.get(path, **params).json
    pages.append(body[key])
    while 'next' in body:
        url = urllib.parse.urlsplit(body['next'])
        assert url.path == path
        query = dict(urllib.parse.parse_qsl(url.query))
        assert len(pages) <= N
        body = who.get(path, **query).json
        pages.append(body[key])
    return pages


LISTS = [
    ('/v1/offers', 'offers', 'uuid', {}),
    ('/v1/leases', 'leases', 'uuid', {'view': 'all'}),
    ('/v1/events', 'events', 'id', {}),
    ('/v1/nodes', 'nodes', 'uuid', {}),
]


@pytest.mark.parametrize('path,key,ident,extra', LISTS)
def test_pages_cover_the_whole_list_once(booked, admin, path, key, ident,
                                         extra):
    whole = admin.get(path, **extra).json
    assert 'next' not in whole      # no limit: everything, as before
    everything = [item[ident] for item in whole[key]]
    assert len(everything) >= N
    pages = _follow(admin, path, key, limit='2', **extra)
    assert [len(p) for p in pages[:-1]] == [2] * (len(pages) - 1)
    assert 1 <= len(pages[-1]) <= 2
    paged = [item[ident] for page in pages for item in page]
    assert sorted(paged, key=str) == sorted(everything, key=str)
    assert len(set(map(str, paged))) == len(paged)


@pytest.mark.parametrize('path,key,ident,extra', LISTS)
def test_next_link_keeps_the_filters(booked, admin, path, key, ident,
                                     extra):
    body = admin.get(path, limit='1', **extra).json
    query = dict(urllib.parse.parse_qsl(
        urllib.parse.urlsplit(body['next']).query))
    assert query['limit'] == '1'
    assert query['marker'] == str(body[key][0][ident])
    for name, value in extra.items():
        assert query[name] == value


@pytest.mark.parametrize('path,key,sort_key,extra', [
    ('/v1/offers', 'offers', 'start_time', {}),
    ('/v1/leases', 'leases', 'created_at', {'view': 'all'}),
    ('/v1/events', 'events', 'id', {}),
    ('/v1/events', 'events', 'event_time', {}),
    ('/v1/leases', 'leases', 'end_time', {'view': 'all'}),
    ('/v1/nodes', 'nodes', 'uuid', {}),
])
def test_sort_dir_reverses(booked, admin, path, key, sort_key, extra):
    def order(direction, **params):
        pages = _follow(admin, path, key, sort_key=sort_key,
                        sort_dir=direction, **dict(extra, **params))
        return [str(item.get('uuid', item.get('id')))
                for page in pages for item in page]
    ascending = order('asc')
    assert order('desc') == list(reversed(ascending))
    assert order('desc', limit='2') == list(reversed(ascending))


def test_offers_sorted_by_start_time(booked, admin):
    starts = [o['start_time'] for o in admin.get(
        '/v1/offers', sort_key='start_time', sort_dir='desc').json['offers']]
    assert starts == sorted(starts, reverse=True)


@pytest.fixture
def busy(nodes, owner, lessee):
    """Three offers: two with three leases and a cancelled one, one bare.

    Returns {offer uuid: number of availabilities it shows}.
    """
    shown = {}
    for i, days in enumerate(((10, 20, 32), (), (5, 15, 25))):
        nodes.add('busy-node-%d' % i, 'owner-project')
        offer = owner.post('/v1/offers', {
            'resource_uuid': 'busy-node-%d' % i,
            'start_time': '2090-01-01', 'end_time': '2090-03-01'}).json
        for day in days:
            start = '2090-%02d-%02d' % (1 + day // 31, 1 + day % 31)
            lessee.post('/v1/offers/%s/claim' % offer['uuid'], {
                'start_time': start, 'end_time': start + 'T12:00:00'})
        if days:
            cancelled = lessee.post(
                '/v1/offers/%s/claim' % offer['uuid'],
                {'start_time': '2090-02-20',
                 'end_time': '2090-02-21'}).json
            lessee.delete('/v1/leases/%s' % cancelled['uuid'])
        shown[offer['uuid']] = len(days) + 1
    return shown


@pytest.mark.parametrize('sort_key', ['created_at', 'start_time', 'uuid',
                                      'status'])
@pytest.mark.parametrize('sort_dir', ['asc', 'desc'])
def test_offer_pages_show_every_availability_once(busy, admin, sort_key,
                                                  sort_dir):
    params = dict(sort_key=sort_key, sort_dir=sort_dir)
    whole = admin.get('/v1/offers', **params).json['offers']
    assert {o['uuid']: len(o['availabilities']) for o in whole} == busy
    for limit in ('1', '2'):
        pages = _follow(admin, '/v1/offers', 'offers', limit=limit,
                        **params)
        assert [o for page in pages for o in page] == whole
    bare = [o for o in whole if busy[o['uuid']] == 1][0]
    assert bare['availabilities'] == [[bare['start_time'],
                                       bare['end_time']]]


def test_limit_is_cut_to_max_limit(booked, admin, config):
    config(group='api', max_limit=3)
    body = admin.get('/v1/offers', limit='100').json
    assert len(body['offers']) == 3 and 'next' in body
    assert len(admin.get('/v1/offers').json['offers']) == N


@pytest.mark.parametrize('params,message', [
    ({'limit': '0'}, 'limit must be a positive integer'),
    ({'limit': '-3'}, 'limit must be a positive integer'),
    ({'limit': 'many'}, 'limit must be a positive integer'),
    ({'limit': '1e3'}, 'limit must be a positive integer'),
    ({'sort_key': 'properties'}, 'sort_key must be one of'),
    ({'sort_dir': 'up'}, 'sort_dir must be asc or desc'),
    ({'marker': 'x' * 300}, 'marker is longer than 255 characters'),
    ({'marker': ''}, 'marker must be 1 to 255 characters'),
])
@pytest.mark.parametrize('path', ['/v1/offers', '/v1/leases', '/v1/nodes',
                                  '/v1/events'])
def test_bad_paging_values_are_400(admin, path, params, message):
    response = admin.request('get', path, params=params, status=400)
    assert message in fault(response)
    assert response.json['faultcode'] == 'Client'


@pytest.mark.parametrize('path', ['/v1/offers', '/v1/leases', '/v1/nodes'])
def test_unknown_marker_is_400(admin, path):
    response = admin.request(
        'get', path, status=400,
        params={'marker': '00000000-0000-4000-8000-000000000000'})
    assert 'Invalid marker' in fault(response)


def test_event_marker_must_be_an_id(admin):
    for bad in ('abc', '\u00b2', '1' * 19):
        response = admin.request('get', '/v1/events',
                                 params={'marker': bad}, status=400)
        assert 'marker must be an event id' in fault(response)
    response = admin.request('get', '/v1/events',
                             params={'marker': '999999'}, status=400)
    assert 'Invalid marker' in fault(response)


def test_marker_the_caller_cannot_list_is_unknown(booked, admin, caller):
    hidden = admin.get('/v1/leases', view='all').json['leases'][0]['uuid']
    stranger = caller('stranger-project', 'esi_leap_lessee')
    response = stranger.request('get', '/v1/leases', status=400,
                                params={'marker': hidden})
    assert 'Invalid marker' in fault(response)


@pytest.fixture
def two_classes(nodes, owner, lessee):
    """Six nodes, gpu and cpu in turn, one offer and one lease on each.

    Returns the uuids of the gpu offers and of the gpu leases, oldest
    first.
    """
    gpu_offers, gpu_leases = [], []
    for i in range(6):
        resource_class = 'gpu' if i % 2 == 0 else 'cpu'
        nodes.add('class-node-%d' % i, 'owner-project',
                  resource_class=resource_class)
        offer = owner.post('/v1/offers', {
            'resource_uuid': 'class-node-%d' % i,
            'start_time': '2090-01-01', 'end_time': '2090-03-01'}).json
        lease = lessee.post('/v1/offers/%s/claim' % offer['uuid'], {
            'start_time': '2090-02-01', 'end_time': '2090-02-02'}).json
        if resource_class == 'gpu':
            gpu_offers.append(offer['uuid'])
            gpu_leases.append(lease['uuid'])
    return gpu_offers, gpu_leases


@pytest.mark.parametrize('path,key,extra,which', [
    ('/v1/offers', 'offers', {}, 0),
    ('/v1/leases', 'leases', {'view': 'all'}, 1),
])
def test_resource_class_is_applied_before_paging(two_classes, admin, path,
                                                 key, extra, which):
    # Every page is full until the last, and the pages hold exactly the
    # rows of that class: the class is not filtered out of a page after
    # it was cut.
    pages = _follow(admin, path, key, limit='1', resource_class='gpu',
                    **extra)
    assert [len(page) for page in pages] == [1, 1, 1]
    assert [item['uuid'] for page in pages for item in page] == \
        two_classes[which]
    assert {item['resource_class'] for page in pages for item in page} == \
        {'gpu'}
    whole = admin.get(path, resource_class='gpu', **extra).json
    assert 'next' not in whole
    assert [item['uuid'] for item in whole[key]] == two_classes[which]
    assert admin.get(path, resource_class='fpga', **extra).json[key] == []


@pytest.mark.parametrize('path,key,extra', [
    ('/v1/offers', 'offers', {}),
    ('/v1/leases', 'leases', {'view': 'all'}),
])
def test_marker_of_another_class_is_unknown(two_classes, admin, path, key,
                                            extra):
    cpu = [item['uuid'] for item in admin.get(
        path, resource_class='cpu', **extra).json[key]]
    response = admin.request('get', path, status=400, params=dict(
        extra, resource_class='gpu', marker=cpu[0]))
    assert 'Invalid marker' in fault(response)


@pytest.mark.parametrize('path,key,extra', [
    ('/v1/offers', 'offers', {}),
    ('/v1/leases', 'leases', {'view': 'all'}),
])
def test_backend_down_lists_without_node_facts(two_classes, admin,
                                               monkeypatch, path, key,
                                               extra):
    # NOTE: the rows stay readable with empty node fields; no node can
    # then be shown to be of a class, so a class filter finds nothing.
    def down(uuids):
        raise exception.BackendUnavailable(service='Ironic',
                                           reason='connection refused')
    monkeypatch.setattr(resource_types.get('dummy_node'), 'get_many', down)
    listed = admin.get(path, **extra).json[key]
    assert len(listed) == 6
    assert {(item['resource'], item['resource_class']) for item in listed} \
        == {('', '')}
    assert admin.get(path, resource_class='gpu', **extra).json[key] == []
