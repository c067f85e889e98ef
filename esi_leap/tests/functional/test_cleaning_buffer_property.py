"""One definition of "free": random bookings against the advertised windows.

For random buffers, node classes and claims of one offer (through the API,
on every database backend): every refused claim conflicts with a booking
already made once the buffer is counted, no two accepted claims do, every
window the offer advertises can be claimed whole and is listed by the
available_start/end_time filter, and a window one minute longer (where
the offer goes on) is refused. Likewise for random offers and direct
leases made on a node by its owner.
"""
import datetime
import itertools

import hypothesis
from hypothesis import strategies as st
import pytest

from esi_leap.common import timeutils
from esi_leap.tests import clock

T0 = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
HOURS = 48
MINUTE = datetime.timedelta(minutes=1)
_NODES = itertools.count()


def hours(n):
    return T0 + datetime.timedelta(hours=n)


# The API's form, to the second.
iso = clock.iso_seconds


def parse(text):
    return timeutils.parse(text, 'time')


def conflicts(start, end, taken, buffer):
    """The test's own statement of the rule, independent of the code's."""
    return any(start < t_end + buffer and t_start < end + buffer
               for t_start, t_end in taken)


claims = st.lists(st.tuples(st.integers(0, HOURS - 1),
                            st.one_of(st.none(), st.integers(1, 10))),
                  min_size=1, max_size=12)


@pytest.fixture
def lessees(caller):
    return [caller('lessee-%d' % i, 'esi_leap_lessee') for i in range(2)]


@hypothesis.settings(max_examples=25, deadline=None, database=None,
                     suppress_health_check=[
                         hypothesis.HealthCheck.function_scoped_fixture,
                         hypothesis.HealthCheck.too_slow])
@hypothesis.given(default_hours=st.integers(0, 3),
                  gpu_hours=st.integers(0, 3),
                  gpu=st.booleans(), wanted=claims)
def test_advertised_windows_and_refusals_agree(config, nodes, owner, lessees,
                                               default_hours, gpu_hours, gpu,
                                               wanted):
    config(group='manager', cleaning_buffer=default_hours * 3600,
           cleaning_buffer_by_resource_class={'gpu': gpu_hours * 3600})
    buffer = datetime.timedelta(hours=gpu_hours if gpu else default_hours)
    node = nodes.add('prop-%d' % next(_NODES), 'owner-project',
                     resource_class='gpu' if gpu else 'baremetal')
    offer = owner.post('/v1/offers', {
        'resource_uuid': node, 'start_time': iso(hours(0)),
        'end_time': iso(hours(HOURS))}).json
    taken = []
    for i, (start_hour, length) in enumerate(wanted):
        taken.extend(_try_claim(lessees[i % 2], offer, start_hour, length,
                                taken, buffer))
    windows = [(parse(s), parse(e)) for s, e in owner.get(
        '/v1/offers/%s' % offer['uuid']).json['availabilities']]
    for start, end in windows:
        assert not conflicts(start, end, taken, buffer)
        listed = owner.get('/v1/offers', resource_uuid=node,
                           available_start_time=iso(start),
                           available_end_time=iso(end)).json['offers']
        assert [o['uuid'] for o in listed] == [offer['uuid']]
        if end < hours(HOURS):
            assert conflicts(start, end + MINUTE, taken, buffer)
            _claim(lessees[0], offer, start, end + MINUTE, status=409)
    for start, end in windows:
        _claim(lessees[1], offer, start, end)


def _claim(caller, offer, start, end=None, status=None):
    body = {'start_time': iso(start)}
    if end is not None:
        body['end_time'] = iso(end)
    return caller.request('post', '/v1/offers/%s/claim' % offer['uuid'],
                          body=body, status=status)


def _try_claim(caller, offer, start_hour, length, taken, buffer):
    """Claim; check the answer against ``taken``; the window booked if any.

    ``length`` None claims without an end (the server picks it).
    """
    start = hours(start_hour)
    end = None if length is None else min(hours(start_hour + length),
                                          hours(HOURS))
    response = _claim(caller, offer, start, end)
    if response.status_int == 201:
        booked = (parse(response.json['start_time']),
                  parse(response.json['end_time']))
        assert booked[0] == start
        assert end is None or booked[1] == end
        assert not conflicts(booked[0], booked[1], taken, buffer)
        return [booked]
    if end is not None:
        assert response.status_int == 409, response.text
        assert conflicts(start, end, taken, buffer)
        if not conflicts(start, end, taken, datetime.timedelta(0)):
            assert 'cleaning buffer' in response.json['faultstring']
        return []
    # Without an end, a claim is refused when its start is taken: inside
    # a booking or its buffers (400 only when, with no buffer, a booking
    # starts right there and leaves it no time at all).
    assert response.status_int in (409, 400), response.text
    assert conflicts(start, start + MINUTE, taken, buffer) or \
        any(t_start - buffer <= start for t_start, _ in taken
            if t_start >= start)
    return []


bookings = st.lists(st.tuples(st.booleans(), st.integers(0, HOURS - 1),
                              st.integers(1, 10)),
                    min_size=1, max_size=10)


@hypothesis.settings(max_examples=20, deadline=None, database=None,
                     suppress_health_check=[
                         hypothesis.HealthCheck.function_scoped_fixture,
                         hypothesis.HealthCheck.too_slow])
@hypothesis.given(buffer_hours=st.integers(0, 3), wanted=bookings)
def test_offers_and_direct_leases_refused_only_on_conflict(
        config, nodes, owner, buffer_hours, wanted):
    config(group='manager', cleaning_buffer=buffer_hours * 3600)
    buffer = datetime.timedelta(hours=buffer_hours)
    node = nodes.add('prop-%d' % next(_NODES), 'owner-project')
    taken = []
    for is_offer, start_hour, length in wanted:
        start, end = hours(start_hour), hours(start_hour + length)
        body = {'resource_uuid': node, 'start_time': iso(start),
                'end_time': iso(end)}
        if not is_offer:
            body['project_id'] = 'lessee-project'
        response = owner.request(
            'post', '/v1/offers' if is_offer else '/v1/leases', body=body)
        if response.status_int == 201:
            assert not conflicts(start, end, taken, buffer)
            taken.append((start, end))
        else:
            assert response.status_int == 409, response.text
            assert conflicts(start, end, taken, buffer)
            if not conflicts(start, end, taken, datetime.timedelta(0)):
                assert 'cleaning buffer' in response.json['faultstring']
