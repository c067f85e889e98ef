"""Concurrent bookings of one node through real multi-worker servers.

Two esi-leap-api processes (each a parent process with forked
workers) listen on two loopback ports and share one throwaway MariaDB or
PostgreSQL database, like two API hosts. Many client threads, released
together by a barrier, book the same dummy node at once, alternating
between the two servers. Whatever the interleaving, the database must
accept at most one of any two overlapping bookings, reject the others with
409 and the right message, and hold no two overlapping live bookings
afterwards.
"""
import datetime
import random

import pytest

from esi_leap.tests import clock
from esi_leap.tests.fixtures import two_servers
from esi_leap.tests import identities

pytestmark = pytest.mark.slow

BACKENDS = ('mysql', 'mysqlclient', 'postgresql')
ROUNDS = 5
CONCURRENCY = 16
WORKERS = two_servers.WORKERS
OWNER = 'owner-project'
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)

ADMIN_HEADERS = identities.ADMIN_HEADERS
OWNER_HEADERS = identities.noauth_headers(OWNER, 'esi_leap_owner',
                                          user_id='owner')


def lessee_headers(index):
    """Return the noauth headers of lessee project number ``index``."""
    return identities.noauth_headers('lessee-%d' % index, 'esi_leap_lessee',
                                     user_id='lessee-%d' % index)


def message_time(value):
    """Format a naive UTC datetime as esi-leap's error messages do."""
    return str(value)


def overlaps(a, b):
    """Whether the half-open windows ``a`` and ``b`` overlap."""
    return a[0] < b[1] and b[0] < a[1]


# The deployment of every storm module: two servers on one database.
Deployment = two_servers.Deployment
deployment = two_servers.deployment_fixture(BACKENDS)


def fault(response):
    """Return the faultstring of an error response."""
    return response.json().get('faultstring')


def describe(responses):
    """Summarise responses for an assertion message."""
    return '; '.join('%s %s' % (r.status_code, r.text[:200])
                     for r in responses)


def assert_no_overlap(deployment, node):
    """The node's live bookings, read by SQL, never overlap.

    Top-level offers and direct leases must be pairwise disjoint; a lease
    claimed from an offer must lie inside it and be disjoint from the
    other leases of that offer.
    """
    offers, leases = deployment.rows(node)
    top = [('offer', u, w) for u, w in offers.items()]
    top += [('lease', u, w) for u, (w, offer) in leases.items()
            if offer is None]
    for i, a in enumerate(top):
        for b in top[i + 1:]:
            assert not overlaps(a[2], b[2]), (
                'double booking of %s: %s and %s' % (node, a, b))
    claimed = sorted((offer, w, u) for u, (w, offer) in leases.items()
                     if offer is not None)
    for i, (offer, window, uuid) in enumerate(claimed):
        assert offer in offers, 'lease %s of a dead offer' % uuid
        outer = offers[offer]
        assert outer[0] <= window[0] and window[1] <= outer[1], uuid
        for other_offer, other, other_uuid in claimed[i + 1:]:
            if other_offer == offer:
                assert not overlaps(window, other), (
                    'double booking of offer %s: %s %s and %s %s'
                    % (offer, uuid, window, other_uuid, other))
    return offers, leases


def create_offer(deployment, node, start, end):
    """Have the owner offer ``node`` for [start, end); return its uuid."""
    response = deployment.post('/v1/offers', {
        'resource_uuid': node, 'start_time': clock.iso(start),
        'end_time': clock.iso(end)}, OWNER_HEADERS)
    assert response.status_code == 201, response.text
    return response.json()['uuid']


def test_claims_of_one_window(deployment):
    """(a) Many lessees claim the same window of one offer at once."""
    node = deployment.nodes.add('node-a', OWNER)
    base = datetime.datetime(2030, 1, 1)
    winners = set()
    for round_ in range(ROUNDS):
        day = base + round_ * DAY
        offer = create_offer(deployment, node, day, day + DAY)
        start, end = day + 2 * HOUR, day + 5 * HOUR
        body = {'start_time': clock.iso(start), 'end_time': clock.iso(end)}
        responses = deployment.race(
            [('/v1/offers/%s/claim' % offer, body, lessee_headers(i))
             for i in range(CONCURRENCY)])
        created = [r for r in responses if r.status_code == 201]
        assert len(created) == 1, describe(responses)
        expected = ('Offer %s has no availabilities at given time range '
                    '%s, %s.' % (offer, message_time(start),
                                 message_time(end)))
        for response in responses:
            if response.status_code != 201:
                assert response.status_code == 409, describe([response])
                assert fault(response) == expected
        lease = created[0].json()
        assert lease['offer_uuid'] == offer
        assert (lease['start_time'], lease['end_time']) == (clock.iso(start),
                                                            clock.iso(end))
        winners.add(lease['uuid'])

    offers, leases = assert_no_overlap(deployment, node)
    assert set(leases) == winners
    shown = deployment.api_leases(node)
    assert {u for u, lease in shown.items()
            if lease['status'] != 'deleted'} == winners


def test_claims_of_staggered_windows(deployment):
    """(b) Claims of partly overlapping windows: only a disjoint set wins.

    Claim ``i`` starts ``i`` hours into the offer and lasts 1 to 4 hours,
    so it overlaps some of its neighbours. The accepted claims must be
    pairwise disjoint, and every rejected claim must overlap one of them.
    """
    node = deployment.nodes.add('node-b', OWNER)
    base = datetime.datetime(2031, 1, 1)
    rng = random.Random(20310101)
    winners = {}
    for round_ in range(ROUNDS):
        day = base + round_ * DAY
        offer = create_offer(deployment, node, day, day + DAY)
        windows = []
        for i in range(CONCURRENCY):
            start = day + i * HOUR
            windows.append((start, start + rng.randint(1, 4) * HOUR))
        responses = deployment.race(
            [('/v1/offers/%s/claim' % offer,
              {'start_time': clock.iso(s), 'end_time': clock.iso(e)},
              lessee_headers(i))
             for i, (s, e) in enumerate(windows)])
        accepted = [w for w, r in zip(windows, responses)
                    if r.status_code == 201]
        rejected = [(w, r) for w, r in zip(windows, responses)
                    if r.status_code != 201]
        assert accepted, describe(responses)
        for i, a in enumerate(accepted):
            for b in accepted[i + 1:]:
                assert not overlaps(a, b), (
                    'both %s and %s accepted: %s'
                    % (a, b, describe(responses)))
        for window, response in rejected:
            assert response.status_code == 409, describe([response])
            assert fault(response) == (
                'Offer %s has no availabilities at given time range '
                '%s, %s.' % (offer, message_time(window[0]),
                             message_time(window[1])))
            assert any(overlaps(window, a) for a in accepted), (
                '%s rejected though it overlaps no accepted claim %s'
                % (window, accepted))
        for window, response in zip(windows, responses):
            if response.status_code == 201:
                lease = response.json()
                assert (lease['start_time'], lease['end_time']) == (
                    clock.iso(window[0]), clock.iso(window[1]))
                winners[lease['uuid']] = window

    offers, leases = assert_no_overlap(deployment, node)
    assert {u: w for u, (w, _offer) in leases.items()} == winners
    shown = deployment.api_leases(node)
    assert {u for u, lease in shown.items()
            if lease['status'] != 'deleted'} == set(winners)


def test_direct_leases_race_offers(deployment):
    """(c) Direct leases and offers of one node race for one window.

    Half the requests lease the node directly, half offer it; their
    windows differ but all contain the same two hours, so they pairwise
    overlap and exactly one of them may win.
    """
    node = deployment.nodes.add('node-c', OWNER)
    base = datetime.datetime(2032, 1, 1, 12)
    rng = random.Random(20320101)
    conflict = 'Time conflict for dummy_node %s.' % node
    won = {'lease': {}, 'offer': {}}
    for round_ in range(ROUNDS):
        middle = base + round_ * DAY
        calls, kinds = [], []
        for i in range(CONCURRENCY):
            start = middle - rng.randint(1, 6) * HOUR
            end = middle + rng.randint(1, 6) * HOUR
            body = {'resource_uuid': node, 'start_time': clock.iso(start),
                    'end_time': clock.iso(end)}
            if i % 4 < 2:
                kinds.append(('lease', (start, end)))
                body['project_id'] = 'lessee-%d' % i
                calls.append(('/v1/leases', body, OWNER_HEADERS))
            else:
                kinds.append(('offer', (start, end)))
                calls.append(('/v1/offers', body, OWNER_HEADERS))
        responses = deployment.race(calls)
        created = [(k, r) for k, r in zip(kinds, responses)
                   if r.status_code == 201]
        assert len(created) == 1, describe(responses)
        for response in responses:
            if response.status_code != 201:
                assert response.status_code == 409, describe([response])
                assert fault(response).startswith(conflict)
        (kind, window), response = created[0]
        booking = response.json()
        assert (booking['start_time'], booking['end_time']) == (
            clock.iso(window[0]), clock.iso(window[1]))
        won[kind][booking['uuid']] = window

    offers, leases = assert_no_overlap(deployment, node)
    assert offers == won['offer']
    assert {u: w for u, (w, _offer) in leases.items()} == won['lease']
    shown = deployment.api_leases(node)
    assert {u for u, lease in shown.items()
            if lease['status'] != 'deleted'} == set(won['lease'])
