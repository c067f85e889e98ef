"""Searching offers and nodes on the server: ``property`` and time filters.

GET /v1/offers and GET /v1/nodes take repeated ``property`` expressions
over the node's public properties; GET /v1/offers takes ``available_for``
(with ``available_start_time``) and reads an ``available_end_time`` in
year 9999 (``esi offer list --now``) as "free now". Paging and sorting
keep working with them.
"""
import datetime
import urllib.parse

import pytest

from esi_leap.common import timeutils
from esi_leap.tests import clock
from esi_leap.tests.functional.helpers import fault

# node -> (resource class, public properties)
NODES = {
    'n-big': ('gpu', {'memory_mb': 131072, 'cpus': '64', 'arch': 'x86_64',
                      'rack': 'b10', 'gpu': True}),
    'n-mid': ('baremetal', {'memory_mb': 65536, 'cpus': 32,
                            'arch': 'x86_64', 'rack': 'b9'}),
    'n-small': ('baremetal', {'memory_mb': '8192', 'cpus': 8,
                              'arch': 'aarch64', 'rack': 'a1'}),
    'n-bare': ('baremetal', {'arch': 'x86_64'}),
}


# The API's form, to the second.
iso = clock.iso_seconds


def query(**params):
    """Query pairs: a list value repeats its key."""
    pairs = []
    for key, value in params.items():
        for one in value if isinstance(value, list) else [value]:
            pairs.append((key, one))
    return pairs


def listed(who, path, key, expect=200, **params):
    response = who.request('get', path, status=expect,
                           params=query(**params))
    if expect != 200:
        return response
    return [item['uuid'] for item in response.json[key]]


@pytest.fixture
def fleet(nodes, owner):
    """One offer per node of NODES; {node: offer uuid}."""
    offers = {}
    for node, (node_class, props) in NODES.items():
        nodes.add(node, 'owner-project', resource_class=node_class,
                  properties=dict(props, lease_uuid='managed'))
        offers[node] = owner.post('/v1/offers', {
            'resource_uuid': node, 'start_time': '2030-01-01',
            'end_time': '2030-02-01'}).json['uuid']
    return offers


def offer_nodes(owner, fleet, *expressions, **params):
    by_uuid = {uuid: node for node, uuid in fleet.items()}
    found = listed(owner, '/v1/offers', 'offers',
                   property=list(expressions), **params)
    return sorted(by_uuid[u] for u in found if u in by_uuid)


@pytest.mark.parametrize('expressions,expected', [
    (['memory_mb>=65536'], ['n-big', 'n-mid']),
    (['memory_mb>65536'], ['n-big']),
    (['memory_mb<=8192'], ['n-small']),            # '8192' is a number
    (['memory_mb<65536'], ['n-small']),
    (['memory_mb==65536.0'], ['n-mid']),
    (['memory_mb=8192'], ['n-small']),             # = is ==
    (['memory_mb!=65536'], ['n-bare', 'n-big', 'n-small']),  # missing: !=
    (['cpus>9'], ['n-big', 'n-mid']),              # 9 < 32 as numbers
    (['rack>b2'], ['n-mid']),                      # 'b10' < 'b2' as text
    (['rack<b2'], ['n-big', 'n-small']),
    (['rack>=b9', 'rack<=b9'], ['n-mid']),
    (['arch==x86_64'], ['n-bare', 'n-big', 'n-mid']),
    (['arch!=x86_64'], ['n-small']),
    (['arch==x86_64', 'memory_mb>=65536'], ['n-big', 'n-mid']),
    (['gpu==true'], ['n-big']),
    (['nothing==x'], []), (['nothing>1'], []),
    (['nothing!=x'], sorted(NODES)),
    (['lease_uuid==managed'], []),                 # not a public property
    ([' memory_mb >= 65536 '], []),                # key with a space: no
])
def test_offer_property_filters(owner, fleet, expressions, expected):
    if expressions == [' memory_mb >= 65536 ']:
        response = listed(owner, '/v1/offers', 'offers', expect=400,
                          property=expressions)
        assert 'Invalid property' in fault(response)
        return
    assert offer_nodes(owner, fleet, *expressions) == expected


def test_node_property_filters(owner, fleet):
    def names(*expressions):
        return sorted(listed(owner, '/v1/nodes', 'nodes',
                             property=list(expressions)))
    assert names('memory_mb>=65536') == ['n-big', 'n-mid']
    assert names('rack<b2', 'cpus<64') == ['n-small']
    assert names('arch=aarch64') == ['n-small']
    assert names('nothing!=1') == sorted(NODES)
    assert names('lease_uuid==managed') == []
    assert names() == sorted(NODES)


def test_filters_combine_with_class_and_status(owner, fleet, lessee):
    assert offer_nodes(owner, fleet, 'arch==x86_64',
                       resource_class='baremetal') == ['n-bare', 'n-mid']
    owner.delete('/v1/offers/%s' % fleet['n-mid'])
    assert offer_nodes(owner, fleet, 'memory_mb>=65536') == ['n-big']
    assert offer_nodes(owner, fleet, 'memory_mb>=65536',
                       status='deleted') == ['n-mid']


def test_lessees_see_only_their_offers(owner, lessee, fleet, nodes):
    nodes.add('n-private', 'owner-project', properties={'memory_mb': 1e6})
    private = owner.post('/v1/offers', {
        'resource_uuid': 'n-private', 'start_time': '2030-01-01',
        'end_time': '2030-02-01', 'lessee_id': 'someone-else'}).json
    seen = listed(lessee, '/v1/offers', 'offers', property='memory_mb>1000')
    assert private['uuid'] not in seen
    assert sorted(seen) == sorted([fleet['n-big'], fleet['n-mid'],
                                   fleet['n-small']])
    assert private['uuid'] in listed(owner, '/v1/offers', 'offers',
                                     property='memory_mb>1000')


@pytest.mark.parametrize('value,reason', [
    ('memory_mb', 'memory_mb is not <key><op><value>'),
    ('memory_mb~1', 'is not <key><op><value> with op one of == = != >= '
                    '<= > <'),
    ('=1', 'is not <key><op><value>'),
    ('a b==1', 'is not <key><op><value>'),
    ('k==x\ty', 'is not <key><op><value>'),
    ('k' * 129 + '==1', 'is not <key><op><value>'),
    ('k==' + 'x' * 253, 'Query parameter property is longer than 255 '
                        'characters.'),
])
@pytest.mark.parametrize('path', ['/v1/offers', '/v1/nodes'])
def test_invalid_expressions(owner, fleet, value, reason, path):
    response = listed(owner, path, None, expect=400,
                      property=['arch==x86_64', value])
    text = fault(response)
    assert text.startswith('Invalid property: ') or text == reason
    assert reason in text


@pytest.mark.parametrize('path', ['/v1/offers', '/v1/nodes'])
def test_too_many_expressions(owner, fleet, config, path):
    config(group='api', max_query_parameters=64)
    response = listed(owner, path, None, expect=400,
                      property=['k!=%d' % i for i in range(33)])
    assert fault(response) == (
        'Invalid property: at most 32 expressions are accepted.')
    assert listed(owner, path, 'offers' if 'offers' in path else 'nodes',
                  property=['k!=%d' % i for i in range(32)])


def _pages(who, path, key, **params):
    """Follow the next links; every link keeps the repeated filters."""
    pages = []
    body = who.request('get', path, status=200,
                       params=query(**params)).json
    pages.append([item['uuid'] for item in body[key]])
    while 'next' in body:
        url = urllib.parse.urlsplit(body['next'])
        pairs = urllib.parse.parse_qsl(url.query)
        assert sorted(v for k, v in pairs if k == 'property') == sorted(
            params.get('property', []))
        body = who.request('get', path, status=200, params=pairs).json
        pages.append([item['uuid'] for item in body[key]])
        assert len(pages) < 50
    return pages


@pytest.mark.parametrize('sort', [{}, {'sort_key': 'start_time',
                                       'sort_dir': 'desc'}])
def test_paging_with_filters(nodes, owner, sort):
    wanted = []
    for i in range(12):
        node = 'page-%d' % i
        nodes.add(node, 'owner-project', properties={'cpus': i})
        offer = owner.post('/v1/offers', {
            'resource_uuid': node, 'end_time': '2031-01-01',
            'start_time': '2030-01-%02d' % (i + 1)}).json
        if i % 3 != 0 and i < 10:
            wanted.append(offer['uuid'])
    expressions = ['cpus!=0', 'cpus!=3', 'cpus!=6', 'cpus!=9', 'cpus<10']
    whole = listed(owner, '/v1/offers', 'offers', property=expressions,
                   **sort)
    assert sorted(whole) == sorted(wanted)
    if sort:
        assert whole == list(reversed(wanted))
    for limit in ('1', '2', '4', '6'):
        pages = _pages(owner, '/v1/offers', 'offers', limit=limit,
                       property=expressions, **sort)
        assert [len(p) for p in pages[:-1]] == [int(limit)] * (
            len(pages) - 1)
        assert [u for p in pages for u in p] == whole
    node_pages = _pages(owner, '/v1/nodes', 'nodes', limit='2',
                        property=['cpus>=5'])
    assert [len(p) for p in node_pages[:-1]] == [2] * (len(node_pages) - 1)
    assert sorted(u for p in node_pages for u in p) == sorted(
        'page-%d' % i for i in range(5, 12))


# available_for and --now ----------------------------------------------------

def test_available_for(nodes, owner, lessee, config):
    config(group='manager', cleaning_buffer=0)
    made = {}
    for name, end in (('a-long', '2030-03-01'), ('a-short', '2030-01-02')):
        nodes.add(name, 'owner-project')
        made[name] = owner.post('/v1/offers', {
            'resource_uuid': name, 'start_time': '2030-01-01',
            'end_time': end}).json['uuid']
    lessee.post('/v1/offers/%s/claim' % made['a-long'], {
        'start_time': '2030-01-10', 'end_time': '2030-01-11'})

    def free(start, seconds):
        found = listed(owner, '/v1/offers', 'offers', available_for=seconds,
                       available_start_time=start)
        return sorted(n for n, u in made.items() if u in found)

    day = str(24 * 3600)
    assert free('2030-01-01', day) == ['a-long', 'a-short']
    assert free('2030-01-01', str(24 * 3600 + 1)) == ['a-long']
    assert free('2030-01-09', day) == ['a-long']
    assert free('2030-01-09T00:00:01', day) == []    # runs into the lease
    assert free('2030-01-11', str(49 * 24 * 3600)) == ['a-long']
    assert free('2030-01-11', str(49 * 24 * 3600 + 1)) == []
    config(group='manager', cleaning_buffer=3600)
    assert free('2030-01-11', '60') == []             # the node is cleaned
    assert free('2030-01-11T01:00:00', '60') == ['a-long']


def test_available_for_defaults_to_now_and_only_available(nodes, owner,
                                                          admin):
    now = timeutils.utcnow()
    nodes.add('a-now', 'owner-project')
    offer = owner.post('/v1/offers', {
        'resource_uuid': 'a-now',
        'end_time': iso(now + datetime.timedelta(hours=2))}).json['uuid']
    assert offer in listed(owner, '/v1/offers', 'offers',
                           available_for='3600')
    assert offer not in listed(owner, '/v1/offers', 'offers',
                               available_for=str(3 * 3600))
    # A start in the past counts from now.
    assert offer in listed(owner, '/v1/offers', 'offers',
                           available_for='3600',
                           available_start_time='2001-01-01')
    assert offer not in listed(owner, '/v1/offers', 'offers',
                               available_for='3600', status='error')
    assert offer in listed(owner, '/v1/offers', 'offers',
                           available_for='3600', status='any')
    owner.delete('/v1/offers/%s' % offer)
    assert offer not in listed(owner, '/v1/offers', 'offers',
                               available_for='3600', status='any')


@pytest.mark.parametrize('params,reason', [
    ({'available_for': '0'}, 'available_for must be an integer'),
    ({'available_for': '-5'}, 'available_for must be an integer'),
    ({'available_for': '1.5'}, 'available_for must be an integer'),
    ({'available_for': 'x' * 300},
     'Query parameter available_for is longer than 255 characters.'),
    ({'available_for': '316224001'}, 'available_for must be an integer'),
    ({'available_for': '\u0661'}, 'available_for must be an integer'),
    ({'available_for': '60', 'available_end_time': '2030-01-01'},
     'give available_end_time or available_for, not both'),
    ({'available_for': '60', 'available_start_time': 'soon'},
     'Invalid datetime for available_start_time'),
    ({'available_for': '316224000',
      'available_start_time': '9999-06-01'}, 'after the end of the calendar'),
    ({'available_end_time': '9999-12-31T00:00:00',
      'available_start_time': 'now'}, 'Invalid datetime'),
])
def test_availability_refusals(owner, params, reason):
    response = owner.get('/v1/offers', expect=400, **params)
    assert reason in fault(response)


def test_now_means_free_now(nodes, owner, lessee, config):
    """What ``esi offer list --now`` sends: a local now and year 9999."""
    config(group='manager', cleaning_buffer=0)
    now = timeutils.utcnow()
    made = {}
    for name, hours_ in (('t-2h', 2), ('t-30m', 0.5), ('t-open', None),
                         ('t-busy', 5)):
        nodes.add(name, 'owner-project')
        body = {'resource_uuid': name}
        if hours_ is not None:
            body['end_time'] = iso(now + datetime.timedelta(hours=hours_))
        made[name] = owner.post('/v1/offers', body).json['uuid']
    lessee.post('/v1/offers/%s/claim' % made['t-busy'], {
        'start_time': iso(now + datetime.timedelta(minutes=30)),
        'end_time': iso(now + datetime.timedelta(hours=1))})

    def now_list(**extra):
        found = listed(owner, '/v1/offers', 'offers',
                       available_start_time=iso(timeutils.utcnow()),
                       available_end_time='9999-12-31T00:00:00', **extra)
        return sorted(n for n, u in made.items() if u in found)

    assert now_list() == ['t-2h', 't-open']
    config(group='api', available_now_min_duration=60)
    assert now_list() == ['t-2h', 't-30m', 't-busy', 't-open']
    config(group='api', available_now_min_duration=3 * 3600)
    assert now_list() == ['t-open']
    # Without a start, from now.
    found = listed(owner, '/v1/offers', 'offers',
                   available_end_time='9999-12-31T00:00:00')
    assert sorted(n for n, u in made.items() if u in found) == ['t-open']
    # A far end before year 9999 keeps its meaning: free until then.
    found = listed(owner, '/v1/offers', 'offers',
                   available_start_time=iso(
                       timeutils.utcnow() + datetime.timedelta(minutes=1)),
                   available_end_time='9998-12-31T00:00:00')
    assert sorted(n for n, u in made.items() if u in found) == ['t-open']
