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
import concurrent.futures
import datetime
import os
import random
import threading

import pytest
import requests
import sqlalchemy as sa

from esi_leap.tests import clock
from esi_leap.tests.fixtures import databases
from esi_leap.tests.fixtures import nodes as nodes_fixture
from esi_leap.tests.fixtures import running
from esi_leap.tests.fixtures import server as server_fixture

pytestmark = pytest.mark.slow

BACKENDS = ('mysql', 'mysqlclient', 'postgresql')
ROUNDS = 5
CONCURRENCY = 16
WORKERS = 4
OWNER = 'owner-project'
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)

ADMIN_HEADERS = {'X-Project-Id': 'admin-project', 'X-Roles': 'admin',
                 'X-User-Id': 'admin'}
OWNER_HEADERS = {'X-Project-Id': OWNER, 'X-Roles': 'esi_leap_owner',
                 'X-User-Id': 'owner'}


def lessee_headers(index):
    """Return the noauth headers of lessee project number ``index``."""
    return {'X-Project-Id': 'lessee-%d' % index,
            'X-Roles': 'esi_leap_lessee', 'X-User-Id': 'lessee-%d' % index}


def message_time(value):
    """Format a naive UTC datetime as esi-leap's error messages do."""
    return str(value)


def overlaps(a, b):
    """Whether the half-open windows ``a`` and ``b`` overlap."""
    return a[0] < b[1] and b[0] < a[1]


def naive(value):
    """Return a datetime from the database as naive UTC."""
    if value.tzinfo is not None:
        value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return value


def in_parallel(functions):
    """Call the functions in threads; re-raise the first exception."""
    with concurrent.futures.ThreadPoolExecutor() as pool:
        for future in [pool.submit(f) for f in functions]:
            future.result()


class Deployment(object):
    """Two API servers on one database, and a direct view of its tables."""

    def __init__(self, backend, workdir):
        self.backend = backend
        self.workdir = workdir
        self.database = None
        self.servers = []
        self.engine = None
        self.nodes = nodes_fixture.DummyNodes(os.path.join(workdir, 'nodes'))

    def start(self):
        """Create the database, build its schema and start both servers."""
        self.database = databases.ThrowawayDatabase(
            self.backend, self.workdir).create()
        for host in ('host-a', 'host-b'):
            port = server_fixture.free_port()
            config = server_fixture.write_config(
                os.path.join(self.workdir, '%s.conf' % host),
                self.database.url, self.nodes.directory, port,
                workers=WORKERS)
            self.servers.append(server_fixture.Server(config, port))
        self.servers[0].dbsync()
        in_parallel(server.start for server in self.servers)
        self.engine = sa.create_engine(self.database.url)
        return self

    def stop(self):
        """Stop the servers (by PID) and drop the database."""
        try:
            in_parallel(server.stop for server in self.servers)
        finally:
            if self.engine is not None:
                self.engine.dispose()
            if self.database is not None:
                self.database.drop()

    def url(self, index):
        """Return the base URL of server ``index`` modulo the servers."""
        return self.servers[index % len(self.servers)].url

    def post(self, path, body, headers, index=0):
        """Send one POST outside a race; return the response."""
        return requests.post(self.url(index) + path, json=body,
                             headers=headers, timeout=60)

    def race(self, calls):
        """Send ``calls`` at once; return their responses in order.

        Each call is (path, body, headers). Call ``i`` goes to server
        ``i % 2`` on its own warmed-up connection; a barrier releases all
        requests together.
        """
        barrier = threading.Barrier(len(calls))

        def send(index):
            path, body, headers = calls[index]
            base = self.url(index)
            with requests.Session() as session:
                session.get(base + '/', timeout=30)
                barrier.wait(timeout=30)
                return session.post(base + path, json=body,
                                    headers=headers, timeout=60)

        with concurrent.futures.ThreadPoolExecutor(len(calls)) as pool:
            return list(pool.map(send, range(len(calls))))

    def rows(self, node):
        """Read the node's live offers and leases straight from SQL."""
        with self.engine.connect() as conn:
            offers = conn.execute(sa.text(
                "SELECT uuid, start_time, end_time, status, "
                "parent_lease_uuid FROM offers WHERE resource_uuid = :node "
                "AND status IN ('available', 'error')"),
                {'node': node}).all()
            leases = conn.execute(sa.text(
                "SELECT uuid, start_time, end_time, status, offer_uuid, "
                "parent_lease_uuid FROM leases WHERE resource_uuid = :node "
                "AND status NOT IN ('deleted', 'wait cancel', 'expired')"),
                {'node': node}).all()
        offers = {r.uuid: (naive(r.start_time), naive(r.end_time))
                  for r in offers}
        leases = {r.uuid: ((naive(r.start_time), naive(r.end_time)),
                           r.offer_uuid) for r in leases}
        return offers, leases

    def api_leases(self, node):
        """Return {uuid: lease view} of the node's leases, as the admin."""
        response = requests.get(
            self.url(0) + '/v1/leases', headers=ADMIN_HEADERS, timeout=60,
            params={'view': 'all', 'status': 'any', 'resource_uuid': node})
        assert response.status_code == 200, response.text
        return {lease['uuid']: lease for lease in response.json()['leases']}


@pytest.fixture(scope='module', params=BACKENDS)
def deployment(request, tmp_path_factory):
    """A two-server deployment on a throwaway database of the backend."""
    if request.param not in databases.selected_backends():
        pytest.skip('%s not in ESI_LEAP_TEST_BACKENDS' % request.param)
    workdir = str(tmp_path_factory.mktemp(request.param))
    with running.running(Deployment(request.param, workdir)) as deployment:
        yield deployment


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
