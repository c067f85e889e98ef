"""The server's search against a reference filter written here.

Random nodes with random public properties, one offer each, random claims
of them and a random cleaning buffer; then random ``property`` expressions
and a random ``available_for`` window. Through the API, on every database
backend: the offers listed (whole, and page by page with a random limit
and sort direction) are exactly those the test's own statement of the
rules keeps.
"""
import datetime
import itertools
import math
import urllib.parse

import hypothesis
from hypothesis import strategies as st
import pytest

from esi_leap.tests import clock

T0 = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
HOURS = 48
_BATCHES = itertools.count()

KEYS = ('cpus', 'zone', 'disk')
VALUES = st.one_of(st.integers(-2, 12),
                   st.sampled_from(['a', 'b', 'a1', '10', '9', 'x86', '']))
OPS = ('==', '=', '!=', '>=', '<=', '>', '<')


def at(hour):
    return T0 + datetime.timedelta(hours=hour)


# The API's form, to the second.
iso = clock.iso_seconds


def _number(value):
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def reference_match(properties, key, op, value):
    """The rule as the documentation states it."""
    if key not in properties:
        return op == '!='
    have = properties[key]
    left, right = _number(have), _number(value)
    if left is None or right is None:
        left, right = str(have), value
    op = '==' if op == '=' else op
    return {'==': left == right, '!=': left != right, '>=': left >= right,
            '<=': left <= right, '>': left > right, '<': left < right}[op]


def reference_free(offer, taken, start, end, buffer):
    """Free from ``start`` to ``end``: inside the offer, clear of leases."""
    return offer[0] <= start and end <= offer[1] and not any(
        t_start < end + buffer and start < t_end + buffer
        for t_start, t_end in taken)


node_specs = st.lists(
    st.tuples(st.dictionaries(st.sampled_from(KEYS), VALUES, min_size=1,
                              max_size=3),
              st.integers(0, 8), st.integers(4, 30)),
    min_size=2, max_size=6)
claim_specs = st.lists(st.tuples(st.integers(0, 5), st.integers(0, 30),
                                 st.integers(1, 6)), max_size=8)


def expressions_near(specs):
    """Expressions on the keys and, mostly, the values the nodes have."""
    seen = sorted({str(v) for props, _, _ in specs for v in props.values()})
    values = st.sampled_from(seen + ['a', '10', '-1', 'x86'])
    return st.lists(st.tuples(st.sampled_from(KEYS + ('absent',)),
                              st.sampled_from(OPS), values), max_size=2)


def windows_near(specs, claims):
    """(start hour, hours): mostly starting where a booking ends."""
    edges = sorted({s + n + k for _, s, n in claims for k in (-1, 0, 1, 2)} |
                   {s for _, s, _ in specs} | {0})
    return st.tuples(st.one_of(st.sampled_from(edges), st.integers(0, 24)),
                     st.integers(1, 12))


@pytest.fixture
def lessee2(caller):
    return caller('lessee-project', 'esi_leap_lessee')


# NOTE(esi-leap): no shrinking: each example makes real offers and claims,
# and shrinking one takes minutes; a failure is reported as found.
@hypothesis.settings(max_examples=40, deadline=None, database=None,
                     phases=[hypothesis.Phase.explicit,
                             hypothesis.Phase.generate],
                     suppress_health_check=[
                         hypothesis.HealthCheck.function_scoped_fixture,
                         hypothesis.HealthCheck.too_slow])
@hypothesis.given(specs=node_specs, claims=claim_specs,
                  buffer_hours=st.integers(0, 2), limit=st.integers(1, 4),
                  desc=st.booleans(), data=st.data())
def test_search_agrees_with_the_reference(config, nodes, owner, lessee2,
                                          specs, claims, buffer_hours, limit,
                                          desc, data):
    config(group='manager', cleaning_buffer=buffer_hours * 3600)
    buffer = datetime.timedelta(hours=buffer_hours)
    batch = 'b%d' % next(_BATCHES)
    offers = []
    for i, (properties, start, length) in enumerate(specs):
        node = nodes.add('%s-%d' % (batch, i), 'owner-project',
                         properties=dict(properties, batch=batch))
        uuid = owner.post('/v1/offers', {
            'resource_uuid': node, 'start_time': iso(at(start)),
            'end_time': iso(at(start + length))}).json['uuid']
        offers.append((uuid, properties, (at(start), at(start + length)),
                       []))
    for index, start, length in claims:
        uuid, _, _, taken = offers[index % len(offers)]
        response = lessee2.request(
            'post', '/v1/offers/%s/claim' % uuid, body={
                'start_time': iso(at(start)),
                'end_time': iso(at(start + length))})
        assert response.status_int in (201, 409), response.text
        if response.status_int == 201:
            taken.append((at(start), at(start + length)))

    expressions = data.draw(expressions_near(specs))
    window = data.draw(windows_near(specs, claims))
    by_properties = [o[0] for o in offers if all(
        reference_match(o[1], key, op, value)
        for key, op, value in expressions)]
    start, seconds = at(window[0]), window[1] * 3600
    end = start + datetime.timedelta(seconds=seconds)
    free = [o[0] for o in offers
            if reference_free(o[2], o[3], start, end, buffer)]
    by_batch = [('property', 'batch==' + batch)]
    by_expressions = [('property', key + op + value)
                      for key, op, value in expressions]
    by_window = [('available_start_time', iso(start)),
                 ('available_for', str(seconds))]
    order = [o[0] for o in offers]
    for params, expected in (
            (by_batch + by_expressions, by_properties),
            (by_batch + by_window, free),
            (by_expressions + by_window + by_batch,
             [u for u in by_properties if u in free])):
        _check(owner, params, expected, limit, desc, order)


def _check(who, params, expected, limit, desc, order):
    """The list, whole and paged, holds ``expected`` (in ``order``)."""
    whole = [o['uuid'] for o in who.request(
        'get', '/v1/offers', status=200, params=params).json['offers']]
    assert sorted(whole) == sorted(expected)
    pages = _pages(who, params + [('limit', str(limit)),
                                  ('sort_key', 'resource_uuid'),
                                  ('sort_dir', 'desc' if desc else 'asc')])
    assert all(len(p) == limit for p in pages[:-1])
    assert [u for p in pages for u in p] == sorted(
        expected, key=order.index, reverse=desc)


def _pages(who, params):
    pages = []
    body = who.request('get', '/v1/offers', status=200, params=params).json
    pages.append([o['uuid'] for o in body['offers']])
    while 'next' in body:
        query = urllib.parse.parse_qsl(
            urllib.parse.urlsplit(body['next']).query)
        body = who.request('get', '/v1/offers', status=200,
                           params=query).json
        pages.append([o['uuid'] for o in body['offers']])
        assert len(pages) <= 10
    return pages
