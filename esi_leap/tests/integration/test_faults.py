"""Fault injection with real processes: the database, RabbitMQ, workers.

Every test runs real esi-leap-api (2 worker processes) and
esi-leap-manager processes on one throwaway MariaDB database of the
machine's server. The database "goes away" through a TCP proxy the test
cuts (new connections refused, open ones dropped) and restores; RabbitMQ is
unreachable because transport_url names a port nothing listens on; workers
and servers get real signals. After every fault the database must hold no
half-written booking: every offer and lease has the event written in its
own transaction, and no two live bookings of a node overlap.
"""
import collections
import concurrent.futures
import datetime
import os
import signal
import subprocess
import threading
import time
import urllib.parse

import pytest
import requests
import sqlalchemy as sa

from esi_leap.tests import clock
from esi_leap.tests.fixtures import databases
from esi_leap.tests.fixtures import nodes as nodes_fixture
from esi_leap.tests.fixtures import proxy as proxy_fixture
from esi_leap.tests.fixtures import server as server_fixture
from esi_leap.tests.integration import test_concurrency as storm

pytestmark = pytest.mark.slow

HOUR = datetime.timedelta(hours=1)
OWNER = storm.OWNER_HEADERS
ADMIN = storm.ADMIN_HEADERS
UNAVAILABLE = 'The database is unavailable; retry later.'


class Site(object):
    """A throwaway MariaDB database, its node directory, and servers."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.database = databases.ThrowawayDatabase('mysql', workdir)
        self.nodes = nodes_fixture.DummyNodes(os.path.join(workdir, 'nodes'))
        self.started = []
        self.proxies = []
        self.engine = None
        self._count = 0

    def setup(self):
        self.database.create()
        self.server(start=False).dbsync()
        self.engine = sa.create_engine(self.database.url)
        return self

    def proxy(self):
        """A TcpProxy in front of the MariaDB server; its database URL."""
        url = urllib.parse.urlsplit(self.database.url)
        proxy = proxy_fixture.TcpProxy(url.hostname, url.port or 3306)
        self.proxies.append(proxy.start())
        netloc = '%s@127.0.0.1:%d' % (url.username, proxy.port)
        return proxy, urllib.parse.urlunsplit(url._replace(netloc=netloc))

    def server(self, program='esi-leap-api', database_url=None, extra=None,
               start=True):
        """Configure (and start) a server of ``program``."""
        self._count += 1
        port = None if program == 'esi-leap-manager' else \
            server_fixture.free_port()
        sections = {'manager': {'sweep_interval': '1'}}
        for section, values in (extra or {}).items():
            sections.setdefault(section, {}).update(values)
        config = server_fixture.write_config(
            os.path.join(self.workdir, 'server-%d.conf' % self._count),
            database_url or self.database.url, self.nodes.directory, port,
            workers=2, extra=sections)
        server = server_fixture.Server(config, port, program=program)
        if start:
            self.started.append(server.start())
        return server

    def teardown(self):
        for server in self.started:
            server.stop()
        for proxy in self.proxies:
            proxy.stop()
        if self.engine is not None:
            self.engine.dispose()
        self.database.drop()

    def scalar(self, sql, **params):
        with self.engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()


@pytest.fixture(scope='module')
def site(tmp_path_factory):
    if 'mysql' not in databases.selected_backends():
        pytest.skip('mysql not in ESI_LEAP_TEST_BACKENDS')
    site = Site(str(tmp_path_factory.mktemp('faults')))
    try:
        yield site.setup()
    finally:
        site.teardown()


def assert_whole(site):
    """No half-written booking: each row has its creation event."""
    for table, kind in (('offers', 'offer'), ('leases', 'lease')):
        orphans = site.scalar(
            'SELECT COUNT(*) FROM %s o WHERE NOT EXISTS (SELECT 1 FROM '
            'events e WHERE e.object_uuid = o.uuid AND e.event_type = '
            "'esi_leap.%s.create.end')" % (table, kind))
        assert orphans == 0, '%d %s without their event' % (orphans, table)
        ghosts = site.scalar(
            "SELECT COUNT(*) FROM events e WHERE e.event_type = "
            "'esi_leap.%s.create.end' AND NOT EXISTS (SELECT 1 FROM %s o "
            'WHERE o.uuid = e.object_uuid)' % (kind, table))
        assert ghosts == 0, '%d events of %s never written' % (ghosts,
                                                               table)


def assert_no_overlap(site, node):
    view = storm.Deployment('mysql', site.workdir)
    view.engine = site.engine
    return storm.assert_no_overlap(view, node)


def offer(url, node, start, end):
    response = requests.post(url + '/v1/offers', headers=OWNER, timeout=30,
                             json={'resource_uuid': node,
                                   'start_time': clock.iso(start),
                                   'end_time': clock.iso(end)})
    assert response.status_code == 201, response.text
    return response.json()['uuid']


class Storm(object):
    """Threads claiming windows of one offer until stopped."""

    def __init__(self, url, offer_uuid, base, threads=6):
        self.url, self.offer, self.base = url, offer_uuid, base
        self.threads = threads
        self.outcomes = collections.Counter()
        self.faults = []
        self.won = {}
        self._stop = threading.Event()
        self._pool = None
        self._next = 0
        self._lock = threading.Lock()

    def _window(self):
        with self._lock:
            self._next += 1
            slot = self._next // 2  # two claims race for every window
        start = self.base + slot * HOUR
        return start, start + HOUR

    def _claim(self, index):
        session = requests.Session()
        while not self._stop.is_set():
            start, end = self._window()
            try:
                response = session.post(
                    '%s/v1/offers/%s/claim' % (self.url, self.offer),
                    headers=storm.lessee_headers(index), timeout=30,
                    json={'start_time': clock.iso(start),
                          'end_time': clock.iso(end)})
            except (requests.ConnectionError,
                    requests.exceptions.ChunkedEncodingError):
                # NOTE(esi-leap): a worker killed between the headers and
                # the body of its answer cuts the response off; the
                # booking may exist all the same (checked after).
                self.outcomes['connection error'] += 1
                session = requests.Session()
                continue
            self._note(response)

    def _note(self, response):
        self.outcomes[response.status_code] += 1
        if response.status_code == 201:
            self.won[response.json()['uuid']] = response.json()
        elif response.status_code >= 400:
            body = response.json()
            assert set(body) == {'faultcode', 'faultstring', 'debuginfo'}
            self.faults.append((response.status_code, body['faultstring']))

    def __enter__(self):
        self._pool = concurrent.futures.ThreadPoolExecutor(self.threads)
        self._futures = [self._pool.submit(self._claim, i)
                         for i in range(self.threads)]
        return self

    def wait_for(self, requests_done, timeout=60):
        deadline = time.monotonic() + timeout
        while sum(self.outcomes.values()) < requests_done:
            assert time.monotonic() < deadline, self.outcomes
            time.sleep(0.05)

    def __exit__(self, *exc):
        self._stop.set()
        for future in self._futures:
            future.result()
        self._pool.shutdown()


def wait_until_ok(call, timeout=60):
    """Call until it answers below 500; return (response, seconds)."""
    began = time.monotonic()
    while True:
        try:
            response = call()
            if response.status_code < 500:
                return response, time.monotonic() - began
        except requests.ConnectionError:
            pass
        assert time.monotonic() - began < timeout, 'no recovery'
        time.sleep(0.2)


def test_database_lost_during_requests_and_back(site):
    """(a) 503 JSON while the database is gone; recovery without restart."""
    proxy, url = site.proxy()
    api = site.server(database_url=url)
    node = site.nodes.add('fault-db', 'owner-project')
    base = datetime.datetime(2040, 1, 1)
    offer_uuid = offer(api.url, node, base, base + 1000 * HOUR)
    pid = api.process.pid
    with Storm(api.url, offer_uuid, base) as claims:
        claims.wait_for(20)
        proxy.cut()
        claims.wait_for(sum(claims.outcomes.values()) + 30)
    timed = []
    for path in ('/v1/offers', '/v1/leases', '/v1/offers/%s' % offer_uuid):
        began = time.monotonic()
        down = requests.get(api.url + path, headers=ADMIN, timeout=30)
        timed.append(time.monotonic() - began)
        assert down.status_code == 503, down.text
    answered_in = max(timed)
    proxy.restore()
    back, recovered_in = wait_until_ok(lambda: requests.get(
        api.url + '/v1/offers', headers=ADMIN, timeout=30))
    with Storm(api.url, offer_uuid, base + 500 * HOUR) as after:
        after.wait_for(20)
    assert set(after.outcomes) <= {201, 409}, after.outcomes
    claims.won.update(after.won)
    assert down.status_code == 503, down.text
    assert down.json() == {'faultcode': 'Server', 'faultstring': UNAVAILABLE,
                           'debuginfo': None}
    assert back.status_code == 200 and api.process.pid == pid
    assert api.running()
    assert set(claims.outcomes) <= {201, 409, 503}, claims.outcomes
    assert claims.outcomes[503] > 0
    assert {f for f in claims.faults if f[0] == 503} == {(503, UNAVAILABLE)}
    assert_whole(site)
    offers, leases = assert_no_overlap(site, node)
    assert set(claims.won) <= set(leases)
    print('\ndatabase cut: claims %s, after restore %s; GETs while down '
          'answered 503 in at most %.2f s; recovered %.2f s after '
          'restore; %d leases answered 201, '
          '%d in the database' % (dict(claims.outcomes),
                                  dict(after.outcomes), answered_in,
                                  recovered_in, len(claims.won),
                                  len(leases)))


def _workers(master_pid):
    out = subprocess.run(['ps', '-o', 'pid=', '--ppid', str(master_pid)],
                         capture_output=True, text=True).stdout
    return [int(pid) for pid in out.split()]


def test_worker_killed_in_claim_storm(site):
    """(c) SIGKILL one API worker mid-storm: the other keeps serving."""
    api = site.server()
    node = site.nodes.add('fault-kill', 'owner-project')
    base = datetime.datetime(2041, 1, 1)
    offer_uuid = offer(api.url, node, base, base + 1000 * HOUR)
    victims = _workers(api.process.pid)
    assert len(victims) == 2, victims
    with Storm(api.url, offer_uuid, base, threads=8) as claims:
        claims.wait_for(30)
        os.kill(victims[0], signal.SIGKILL)
        after_kill = sum(claims.outcomes.values())
        claims.wait_for(after_kill + 60)
    assert set(claims.outcomes) <= {201, 409, 'connection error'}, \
        claims.outcomes
    assert claims.outcomes[201] > 0 and claims.outcomes[409] > 0
    assert api.running()
    assert requests.get(api.url + '/v1/leases', headers=ADMIN,
                        timeout=30).status_code == 200
    assert_whole(site)
    offers, leases = assert_no_overlap(site, node)
    assert set(claims.won) <= set(leases)
    print('\nworker SIGKILL mid-storm: %s; %d leases answered 201, %d in '
          'the database' % (dict(claims.outcomes), len(claims.won),
                            len(leases)))


def _lock_waiters(site):
    return site.scalar(
        "SELECT COUNT(*) FROM information_schema.processlist WHERE db = "
        ":db AND info LIKE '%%resource_locks%%' AND info NOT LIKE "
        "'%%processlist%%'",
        db=site.database.name)


def test_sigterm_drains_in_flight_requests(site):
    """(d) SIGTERM: requests already being served complete."""
    api = site.server()
    node = site.nodes.add('fault-term', 'owner-project')
    base = datetime.datetime(2042, 1, 1)
    offer_uuid = offer(api.url, node, base, base + 100 * HOUR)
    body = {'start_time': clock.iso(base), 'end_time': clock.iso(
        base + HOUR)}
    with site.engine.connect() as holder:
        # Hold the node's lock row so that both claims wait inside their
        # booking transaction, in flight, when SIGTERM arrives.
        holder.execute(sa.text(
            'SELECT generation FROM resource_locks WHERE resource_uuid = '
            ':node FOR UPDATE'), {'node': node})
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            futures = [pool.submit(
                requests.post, '%s/v1/offers/%s/claim' % (api.url,
                                                          offer_uuid),
                headers=storm.lessee_headers(i), json=body, timeout=60)
                for i in range(2)]
            deadline = time.monotonic() + 30
            while _lock_waiters(site) < 2:
                assert time.monotonic() < deadline, 'claims never waited'
                time.sleep(0.05)
            os.kill(api.process.pid, signal.SIGTERM)
            time.sleep(1)  # the server is draining, not answering at once
            assert not futures[0].done() and not futures[1].done()
            holder.rollback()
            statuses = sorted(f.result().status_code for f in futures)
    assert statuses == [201, 409]
    assert api.process.wait(timeout=30) == 0
    with pytest.raises(requests.ConnectionError):
        requests.get(api.url + '/', timeout=5)
    assert_whole(site)
    assert_no_overlap(site, node)


def _lease(url, node, start, end):
    response = requests.post(url + '/v1/leases', headers=OWNER, timeout=30,
                             json={'resource_uuid': node,
                                   'project_id': 'lessee-x',
                                   'start_time': clock.iso(start),
                                   'end_time': clock.iso(end)})
    assert response.status_code == 201, response.text
    return response.json()['uuid']


def _statuses(url, uuids):
    return {u: requests.get('%s/v1/leases/%s' % (url, u), headers=ADMIN,
                            timeout=30).json()['status'] for u in uuids}


def _wait_active(url, uuids, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        seen = _statuses(url, uuids)
        if set(seen.values()) == {'active'}:
            return seen
        assert time.monotonic() < deadline, seen
        time.sleep(0.2)


def test_rabbitmq_unreachable(site):
    """(b) No RabbitMQ: bookings succeed, the manager's sweep catches up."""
    dead = 'rabbit://guest:guest@127.0.0.1:%d/' % server_fixture.free_port()
    extra = {'DEFAULT': {'transport_url': dead}}
    api = site.server(extra=extra)
    site.server(program='esi-leap-manager', extra=extra)
    start = clock.naive_utcnow()
    uuids = []
    for i in range(4):
        node = site.nodes.add('fault-rabbit-%d' % i, 'owner-project')
        uuids.append(_lease(api.url, node, start, start + HOUR))
    seen = _wait_active(api.url, uuids)
    for i, lease_uuid in enumerate(uuids):
        assert site.nodes.read('fault-rabbit-%d' % i).get(
            'lease_uuid') == lease_uuid
    assert_whole(site)
    print('\nRabbitMQ unreachable: %d leases created (201) and all %s'
          % (len(uuids), set(seen.values())))


def test_manager_loses_database_mid_batch(site):
    """(e) The manager's database goes away mid-batch; it resumes."""
    proxy, url = site.proxy()
    api = site.server()
    site.server(program='esi-leap-manager', database_url=url)
    now = clock.naive_utcnow()
    uuids = []
    for i in range(30):
        node = site.nodes.add('fault-manager-%d' % i, 'owner-project')
        # Starts spread over 3 s, so the cut falls inside the batch.
        start = now + datetime.timedelta(seconds=1 + 0.1 * i)
        uuids.append(_lease(api.url, node, start, start + HOUR))
    deadline = time.monotonic() + 60
    while 'active' not in _statuses(api.url, uuids[:3]).values():
        assert time.monotonic() < deadline, 'manager never started work'
        time.sleep(0.05)
    proxy.cut()
    during = collections.Counter(_statuses(api.url, uuids).values())
    time.sleep(3)  # the manager runs into the outage for a while
    proxy.restore()
    seen = _wait_active(api.url, uuids)
    assert_whole(site)
    print('\nmanager database cut mid-batch: at the cut %s; after restore '
          'all %s' % (dict(during), set(seen.values())))
