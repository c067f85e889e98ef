"""The lease manager against a real Ironic, woken over a real RabbitMQ.

Ironic 39 (API and conductor in one process, noauth, fake hardware,
SQLite) runs once for the module on a loopback port, from the virtualenv
that tools/run-tests.sh installs (``ESI_LEAP_IRONIC_VENV``); the tests
fail, and do not skip, when it is missing. esi-leap-api and
esi-leap-manager run as separate processes on a throwaway MariaDB database
and talk over RabbitMQ (127.0.0.1:5672, guest/guest): the API's wake-up
casts are what make a cancel take effect at once.

Each test drives esi-leap through its REST API with noauth identity
headers, and watches the nodes in Ironic: a lease start sets the node's
``lessee`` and ``properties/lease_uuid``, a lease end or cancel scrubs the
node and clears them. The fault tests stop Ironic around a lease start or
end, kill the manager with SIGKILL while leases are due, and run two
managers at once; the events API then shows that every transition
happened exactly once.
"""
from concurrent import futures
import contextlib
import datetime
import os
import socket
import time

import pytest
import requests
import sqlalchemy as sa

from esi_leap.tests import clock
from esi_leap.tests.fixtures import databases
from esi_leap.tests.fixtures import ironic as ironic_fixture
from esi_leap.tests.fixtures import server as server_fixture
from esi_leap.tests.fixtures import stalls
from esi_leap.tests import identities

pytestmark = pytest.mark.slow

RABBIT = ('127.0.0.1', 5672)
TRANSPORT_URL = 'rabbit://guest:guest@127.0.0.1:5672/'
# A topic of this module's own, whose queues are deleted afterwards.
NOTIFICATION_TOPIC = 'esi_leap_ironic_itest_notifications'
# [DEFAULT] host of this module's processes: their RPC server's queue.
MANAGER_HOST = 'esi-leap-ironic-itest'
# How late a node may change after a lease's start or end, in seconds:
# about 0.5 s is usual (two Ironic calls, a few database transactions);
# the rest is headroom for a busy two-core machine.
MAX_LAG = 1.5
SWEEP_INTERVAL = 5
CLAIM_TTL = 10

OWNER = 'owner-project'
LESSEE = 'lessee-project'
THIRD = 'third-project'
ADMIN = identities.noauth_headers('admin-project', 'admin')
OWNER_HEADERS = identities.noauth_headers(OWNER, 'esi_leap_owner')
LESSEE_HEADERS = identities.noauth_headers(LESSEE, 'esi_leap_lessee')
# A lessee that may also offer and lease on what it holds (sub-leasing).
HOLDER_HEADERS = {'X-Project-Id': LESSEE,
                  'X-Roles': 'esi_leap_owner,esi_leap_lessee'}
THIRD_HEADERS = {'X-Project-Id': THIRD, 'X-Roles': 'esi_leap_lessee'}

LAGS = []
# Timing checks leave out the time the whole machine was frozen.
stalls.start()


# Times here are naive UTC, as the API shows them.
utcnow, iso = clock.naive_utcnow, clock.iso


def epoch(value):
    """Return the POSIX time of a naive UTC datetime."""
    return value.replace(tzinfo=datetime.timezone.utc).timestamp()


def wait_for(predicate, timeout, what, interval=0.05):
    """Poll ``predicate`` until it returns a true value; return it.

    Fails the test with ``what`` after ``timeout`` seconds in which the
    machine was not frozen (stalls.frozen).
    """
    began = time.time()
    while True:
        value = predicate()
        if value:
            return value
        if stalls.lag_since(began) > timeout:
            pytest.fail('%s: not within %ss' % (what, timeout))
        time.sleep(interval)


def sleep_until(moment):
    """Sleep until the naive UTC datetime ``moment``."""
    delay = epoch(moment) - time.time()
    if delay > 0:
        time.sleep(delay)


def record_lag(what, lag):
    """Remember and print one measured lag."""
    LAGS.append((what, lag))
    print('lag %-40s %6.3f s' % (what, lag))


def holds(node, project, lease_uuid):
    """Whether an Ironic node dict carries ``project`` and ``lease_uuid``."""
    return (node.get('lessee') == project
            and (node.get('properties') or {}).get('lease_uuid')
            == lease_uuid)


def is_clear(node):
    """Whether an Ironic node dict carries no lessee and no lease."""
    return not node.get('lessee') and \
        'lease_uuid' not in (node.get('properties') or {})


def cleared(ironic, uuid):
    """Return Ironic's node ``uuid`` if it is clear, else None."""
    node = ironic.get_node(uuid)
    return node if is_clear(node) else None


class Deployment(object):
    """esi-leap-api and esi-leap-manager(s) on a MariaDB database."""

    def __init__(self, workdir, ironic):
        self.workdir = workdir
        self.ironic = ironic
        self.database = databases.ThrowawayDatabase('mysql', workdir)
        self.api = None
        self.managers = []
        self.engine = None
        self.http = requests.Session()

    def config(self, name, port):
        """Write the config file of one esi-leap process."""
        return server_fixture.write_config(
            os.path.join(self.workdir, '%s.conf' % name),
            self.database.url, os.path.join(self.workdir, 'nodes'), port,
            extra={
                'DEFAULT': {'transport_url': TRANSPORT_URL,
                            'host': MANAGER_HOST},
                'api': {'default_resource_type': 'ironic_node'},
                # NOTE(esi-leap): most nodes here stay in enroll, which
                # Ironic cannot clean: with cleaning on they would be
                # quarantined at their lease end (test_ironic_handback).
                'ironic': {'auth_type': 'none',
                           'endpoint_override': self.ironic.url,
                           'scrub_extra_keys': 'lessee_key',
                           'clean_on_lease_end': 'false'},
                'manager': {'sweep_interval': str(SWEEP_INTERVAL),
                            'retry_initial_delay': '1',
                            'retry_max_delay': '3',
                            'claim_ttl': str(CLAIM_TTL)},
                'notification': {
                    'versioned_notifications_topics': NOTIFICATION_TOPIC},
            })

    def setup(self):
        """Create the database and start the API and one manager."""
        self.database.create()
        port = server_fixture.free_port()
        self.api = server_fixture.Server(self.config('api', port), port)
        self.api.dbsync()
        self.engine = sa.create_engine(self.database.url)
        self.api.start()
        self.start_manager()
        self.warm_up()
        return self

    def warm_up(self):
        """Run one lease through, so timed tests pay no first-use cost.

        The first lease a process handles loads the ironic_node type and
        openstacksdk, which takes a second or so on a busy machine.
        """
        # Available: an enroll node is never handed over.
        node, = self.ironic.create_nodes(1, OWNER, prefix='warm-up',
                                         available=True)
        lease = self.call('POST', '/v1/leases', OWNER_HEADERS, 201, {
            'resource_uuid': node, 'project_id': LESSEE,
            'end_time': iso(utcnow() + datetime.timedelta(hours=1))})
        wait_for(lambda: holds(self.ironic.get_node(node), LESSEE,
                               lease['uuid']),
                 SWEEP_INTERVAL + 10, 'warm-up lease on its node')
        self.cancel(lease['uuid'], headers=OWNER_HEADERS)
        wait_for(lambda: is_clear(self.ironic.get_node(node)),
                 SWEEP_INTERVAL + 10, 'warm-up node taken back')

    def start_manager(self):
        """Start one more esi-leap-manager process; return it."""
        name = 'manager-%d' % len(self.managers)
        manager = server_fixture.Server(self.config(name, None), None,
                                        program='esi-leap-manager')
        self.managers.append(manager)
        return manager.start()

    def teardown(self):
        """Stop every process (by PID) and drop the database."""
        try:
            for process in self.managers + [self.api]:
                if process is not None:
                    process.stop()
        finally:
            if self.engine is not None:
                self.engine.dispose()
            self.database.drop()

    # REST calls to esi-leap.

    def call(self, method, path, headers, expect, json=None):
        """Send a request to the API; check the status; return the body."""
        response = self.http.request(method, self.api.url + path,
                                     headers=headers, json=json, timeout=30)
        assert response.status_code == expect, '%s %s -> %s %s' % (
            method, path, response.status_code, response.text)
        return response.json() if response.content else None

    def offer(self, node, headers=OWNER_HEADERS, **fields):
        """Offer ``node``; return the offer."""
        return self.call('POST', '/v1/offers', headers, 201,
                         dict(resource_uuid=node, **fields))

    def claim(self, offer, headers, start, end):
        """Claim ``offer`` for [start, end); return the lease."""
        return self.call('POST', '/v1/offers/%s/claim' % offer['uuid'],
                         headers, 201, {'start_time': iso(start),
                                        'end_time': iso(end)})

    def lease_of(self, node, start, end, headers=LESSEE_HEADERS):
        """Offer ``node`` as its owner and claim it; return the lease."""
        return self.claim(self.offer(node), headers, start, end)

    @contextlib.contextmanager
    def managers_paused(self):
        """Freeze every manager for the block; let them run again after."""
        for manager in self.managers:
            manager.pause()
        try:
            yield
        finally:
            for manager in self.managers:
                manager.resume()

    def lease(self, uuid):
        """Return lease ``uuid`` as an admin sees it."""
        return self.call('GET', '/v1/leases/%s' % uuid, ADMIN, 200)

    def cancel(self, uuid, headers=LESSEE_HEADERS):
        """Cancel lease ``uuid``."""
        self.call('DELETE', '/v1/leases/%s' % uuid, headers, 200)

    def event_times(self, lease):
        """Return (event type, POSIX time) of ``lease``, oldest first."""
        found = self.call('GET', '/v1/events?resource_uuid=%s'
                          % lease['resource_uuid'], ADMIN, 200)['events']
        return [(e['event_type'],
                 epoch(datetime.datetime.fromisoformat(e['event_time'])))
                for e in found if e['object_uuid'] == lease['uuid']]

    def events(self, lease):
        """Return the event types of ``lease``, oldest first."""
        return [event_type for event_type, _ in self.event_times(lease)]

    # The database, for what the API cannot show while Ironic is down.

    def lease_row(self, uuid):
        """Return (status, status_reason) of lease ``uuid`` in the DB."""
        with self.engine.connect() as conn:
            return tuple(conn.execute(sa.text(
                'SELECT status, status_reason FROM leases '
                'WHERE uuid = :uuid'), {'uuid': uuid}).one())

    def wait_status(self, uuid, status, timeout):
        """Wait until lease ``uuid`` has ``status`` in the database."""
        return wait_for(lambda: self.lease_row(uuid)[0] == status, timeout,
                        'lease %s %s' % (uuid, status), interval=0.1)


# A real Ironic for the module; fails if it is not installed.
ironic = ironic_fixture.module_fixture()


@pytest.fixture(scope='module')
def rabbitmq():
    """RabbitMQ on 127.0.0.1:5672; its test queues are deleted after."""
    try:
        socket.create_connection(RABBIT, timeout=5).close()
    except OSError as e:
        pytest.fail('RabbitMQ is not reachable at %s:%d (%s); these tests '
                    'need it with the guest account.' % (RABBIT + (e,)),
                    pytrace=False)
    yield TRANSPORT_URL
    import kombu
    with kombu.Connection('amqp://guest:guest@127.0.0.1:5672//') as conn:
        channel = conn.channel()
        for queue in ('%s.info' % NOTIFICATION_TOPIC,
                      '%s.error' % NOTIFICATION_TOPIC,
                      'esi_leap.manager.%s' % MANAGER_HOST):
            try:
                channel.queue_delete(queue)
            except Exception:
                channel = conn.channel()


@pytest.fixture(scope='module')
def mysql_selected():
    """Skip the module when ESI_LEAP_TEST_BACKENDS leaves MariaDB out."""
    if 'mysql' not in databases.selected_backends():
        pytest.skip('mysql not in ESI_LEAP_TEST_BACKENDS')


@pytest.fixture(scope='module')
def deployment(mysql_selected, tmp_path_factory, ironic, rabbitmq):
    """The API and a manager on MariaDB, in front of the module's Ironic."""
    deployment = Deployment(str(tmp_path_factory.mktemp('esi')), ironic)
    try:
        yield deployment.setup()
    finally:
        deployment.teardown()
        if LAGS:
            print('\nmeasured lags: %s' % ', '.join(
                '%s %.3fs' % (what, lag) for what, lag in LAGS))


@pytest.fixture
def revive(deployment, ironic):
    """After a fault test, restart Ironic and the managers if down."""
    yield
    if not ironic.running():
        ironic.start()
    for manager in deployment.managers:
        if not manager.running():
            manager.start()


def test_lease_sets_and_clears_the_node_on_time(deployment, ironic):
    """(a) The node carries the lease exactly during its window."""
    node, = ironic.create_nodes(1, OWNER, available=True)
    start = utcnow() + datetime.timedelta(seconds=3)
    end = start + datetime.timedelta(seconds=6)
    lease = deployment.lease_of(node, start, end)
    assert lease['status'] == 'created'

    sleep_until(start - datetime.timedelta(seconds=0.3))
    assert is_clear(ironic.get_node(node))
    assert deployment.lease(lease['uuid'])['status'] == 'created'

    wait_for(lambda: holds(ironic.get_node(node), LESSEE, lease['uuid']),
             5, 'node taken by the lease')
    lag = stalls.lag_since(epoch(start))
    record_lag('start -> node lessee set', lag)
    assert lag < MAX_LAG
    # The manager records the start right after it changed the node.
    deployment.wait_status(lease['uuid'], 'active', 2)

    sleep_until(end - datetime.timedelta(seconds=0.3))
    assert holds(ironic.get_node(node), LESSEE, lease['uuid'])
    wait_for(lambda: is_clear(ironic.get_node(node)), 5,
             'node taken back at the lease end')
    lag = stalls.lag_since(epoch(end))
    record_lag('end -> node lessee cleared', lag)
    assert lag < MAX_LAG
    deployment.wait_status(lease['uuid'], 'expired', 2)
    shown = deployment.lease(lease['uuid'])
    assert shown['status'] == 'expired'
    assert shown['fulfill_time'] and shown['expire_time']
    assert deployment.events(lease) == [
        'esi_leap.lease.create.end',
        'esi_leap.lease.fulfill.start', 'esi_leap.lease.fulfill.end',
        'esi_leap.lease.ending.end',
        'esi_leap.lease.delete.start', 'esi_leap.lease.delete.end']


def test_cancel_of_an_active_lease_clears_the_node(deployment, ironic):
    """(b) DELETE of an active lease takes the node back at once.

    Nothing else is due, so only the API's cast over RabbitMQ can make
    the manager act before its next sweep. The node is not deployed: the
    lessee's console, instance_info and configured extra keys go.
    """
    node, = ironic.create_nodes(1, OWNER, available=True,
                                extra={'owner_key': 'kept'})
    start = utcnow() + datetime.timedelta(seconds=1)
    lease = deployment.lease_of(node, start,
                                start + datetime.timedelta(hours=1))
    wait_for(lambda: holds(ironic.get_node(node), LESSEE, lease['uuid']),
             5, 'node taken by the lease')
    deployment.wait_status(lease['uuid'], 'active', 5)
    ironic.set_console(node, True)
    ironic.patch_node(node, [
        {'op': 'add', 'path': '/instance_info',
         'value': {'image_source': 'http://127.0.0.1/lessee-image'}},
        {'op': 'add', 'path': '/extra/lessee_key', 'value': 'scrubbed'}])

    cancelled = time.time()
    deployment.cancel(lease['uuid'])
    found = wait_for(lambda: cleared(ironic, node), SWEEP_INTERVAL + 5,
                     'node taken back after the cancel')
    lag = stalls.lag_since(cancelled)
    assert found['console_enabled'] is False
    assert found['instance_info'] == {}
    assert found['extra'] == {'owner_key': 'kept'}
    assert found['provision_state'] == 'available'
    deployment.wait_status(lease['uuid'], 'deleted', 5)
    # The API records one delete.start (wait cancel), the manager another
    # when it starts on the node.
    times = deployment.event_times(lease)
    assert [t for t, _ in times[-3:]] == [
        'esi_leap.lease.delete.start', 'esi_leap.lease.delete.start',
        'esi_leap.lease.delete.end']
    wake = stalls.elapsed(cancelled, times[-2][1])
    record_lag('cancel -> manager at work (wake cast)', wake)
    record_lag('cancel -> node scrubbed, lessee cleared', lag)
    assert wake < MAX_LAG, 'the wake-up cast did not reach the manager'
    # Turning the console off locks the node in Ironic for a moment: the
    # PATCH that follows is retried by openstacksdk on 409.
    assert lag < MAX_LAG + 2


def test_sub_lease_hands_the_node_back(deployment, ironic):
    """(c) A sub-lease holds the node, then gives it back to its parent."""
    node, = ironic.create_nodes(1, OWNER, available=True)
    now = utcnow()
    parent = deployment.lease_of(node, now + datetime.timedelta(seconds=1),
                                 now + datetime.timedelta(hours=1),
                                 headers=HOLDER_HEADERS)
    wait_for(lambda: holds(ironic.get_node(node), LESSEE, parent['uuid']),
             5, 'node taken by the parent lease')

    sub_offer = deployment.offer(node, headers=HOLDER_HEADERS)
    assert sub_offer['parent_lease_uuid'] == parent['uuid']
    start = utcnow() + datetime.timedelta(seconds=2)
    end = start + datetime.timedelta(seconds=4)
    child = deployment.claim(sub_offer, THIRD_HEADERS, start, end)
    # NOTE(esi-leap): the sub-lessee may not read its lessor's lease, so
    # its view of the child leaves the parent out; an admin sees it.
    assert child['parent_lease_uuid'] is None
    assert deployment.lease(child['uuid'])['parent_lease_uuid'] == \
        parent['uuid']

    wait_for(lambda: holds(ironic.get_node(node), THIRD, child['uuid']),
             5, 'node taken by the sub-lease')
    record_lag('sub-lease start -> node lessee set',
               time.time() - epoch(start))
    deployment.wait_status(child['uuid'], 'active', 2)
    assert deployment.lease(parent['uuid'])['status'] == 'active'

    wait_for(lambda: holds(ironic.get_node(node), LESSEE, parent['uuid']),
             5, 'node handed back to the parent lease')
    lag = stalls.lag_since(epoch(end))
    record_lag('sub-lease end -> parent lessee back', lag)
    assert lag < MAX_LAG
    deployment.wait_status(child['uuid'], 'expired', 2)
    assert deployment.lease(parent['uuid'])['status'] == 'active'
    assert deployment.events(parent).count(
        'esi_leap.lease.fulfill.end') == 1

    deployment.cancel(parent['uuid'], headers=HOLDER_HEADERS)
    wait_for(lambda: is_clear(ironic.get_node(node)), 5,
             'node taken back after the cancel of the parent')
    deployment.wait_status(parent['uuid'], 'deleted', 5)


def test_deployed_node_is_undeployed_at_the_end(deployment, ironic):
    """(d) A node deployed during the lease is undeployed and scrubbed."""
    node, = ironic.create_nodes(1, OWNER, available=True)
    start = utcnow() + datetime.timedelta(seconds=1)
    end = start + datetime.timedelta(seconds=5)
    lease = deployment.lease_of(node, start, end)
    wait_for(lambda: holds(ironic.get_node(node), LESSEE, lease['uuid']),
             5, 'node taken by the lease')

    deployed = ironic.deploy(node, {'image_source': 'http://127.0.0.1/x',
                                    'lessee_data': 'lessee-only'})
    assert deployed['provision_state'] == 'active'
    assert deployed['instance_info']['lessee_data'] == 'lessee-only'
    assert epoch(end) - time.time() > 0.5, 'deploy took too long'

    def scrubbed():
        found = ironic.get_node(node)
        return (found['provision_state'] == 'available'
                and found['target_provision_state'] is None
                and is_clear(found) and found)
    found = wait_for(scrubbed, 15, 'node undeployed and scrubbed')
    record_lag('end -> deployed node undeployed, cleared',
               time.time() - epoch(end))
    assert found['instance_info'] == {}
    deployment.wait_status(lease['uuid'], 'expired', 5)
    types = deployment.events(lease)
    print('events of the deployed lease: %s' % ', '.join(
        t.replace('esi_leap.lease.', '') for t in types))
    assert types.count('esi_leap.lease.delete.end') == 1


def test_drift_is_repaired_by_the_sweep(deployment, ironic):
    """(e) A lessee cleared by hand in Ironic is put back by the sweep."""
    node, = ironic.create_nodes(1, OWNER, available=True)
    start = utcnow() + datetime.timedelta(seconds=1)
    lease = deployment.lease_of(node, start,
                                start + datetime.timedelta(hours=1))
    wait_for(lambda: holds(ironic.get_node(node), LESSEE, lease['uuid']),
             5, 'node taken by the lease')
    deployment.wait_status(lease['uuid'], 'active', 5)

    ironic.patch_node(node, [{'op': 'remove', 'path': '/lessee'}])
    drifted = time.time()
    assert ironic.get_node(node)['lessee'] is None
    wait_for(lambda: holds(ironic.get_node(node), LESSEE, lease['uuid']),
             SWEEP_INTERVAL * 2 + 2, 'lessee put back by the sweep',
             interval=0.2)
    record_lag('drift -> repaired by the sweep', time.time() - drifted)
    assert deployment.lease(lease['uuid'])['status'] == 'active'
    assert deployment.events(lease).count(
        'esi_leap.lease.fulfill.end') == 1

    deployment.cancel(lease['uuid'])
    wait_for(lambda: is_clear(ironic.get_node(node)), 5,
             'node taken back after the cancel')


def _events_include(deployment, lease, event_type):
    return event_type in deployment.events(lease)


def test_ironic_outage_at_start_and_end(deployment, ironic, revive):
    """(f) Ironic down at a lease's start, then its end: it catches up."""
    node, = ironic.create_nodes(1, OWNER, available=True)
    # NOTE(esi-leap): the managers are frozen while Ironic stops, so that
    # however long the stop takes on a busy machine, no manager can reach
    # the start (or the end) before Ironic is gone.
    with deployment.managers_paused():
        start = utcnow() + datetime.timedelta(seconds=2)
        lease = deployment.lease_of(node, start,
                                    start + datetime.timedelta(hours=1))
        ironic.stop()
        sleep_until(start)

    wait_for(lambda: _events_include(deployment, lease,
                                     'esi_leap.lease.fulfill.error'),
             10, 'fulfill.error event')
    status, reason = deployment.lease_row(lease['uuid'])
    assert status == 'wait fulfill'
    assert 'Ironic is unavailable' in reason
    # NOTE(esi-leap): the lease views read the node from Ironic, so the
    # API cannot show the lease (nor its status_reason) meanwhile.
    shown = requests.get(deployment.api.url + '/v1/leases/%s'
                         % lease['uuid'], headers=ADMIN, timeout=30)
    print('while Ironic is down: GET /v1/leases/<uuid> -> %s'
          % shown.status_code)

    ironic.start()
    back = time.time()
    wait_for(lambda: holds(ironic.get_node(node), LESSEE, lease['uuid']),
             10, 'node taken by the lease after Ironic came back')
    record_lag('Ironic back -> node lessee set', time.time() - back)
    deployment.wait_status(lease['uuid'], 'active', 2)
    shown = deployment.lease(lease['uuid'])
    assert shown['status'] == 'active'
    assert shown['status_reason'] is None
    assert deployment.events(lease).count(
        'esi_leap.lease.fulfill.end') == 1

    # The same at the end: move the end close, then take Ironic away.
    with deployment.managers_paused():
        end = utcnow() + datetime.timedelta(seconds=2)
        deployment.call('PATCH', '/v1/leases/%s' % lease['uuid'], ADMIN,
                        200, {'end_time': iso(end)})
        ironic.stop()
        sleep_until(end)
    wait_for(lambda: _events_include(deployment, lease,
                                     'esi_leap.lease.delete.error'),
             10, 'delete.error event')
    status, reason = deployment.lease_row(lease['uuid'])
    assert status == 'wait expire'
    assert 'Ironic is unavailable' in reason

    ironic.start()
    back = time.time()
    wait_for(lambda: is_clear(ironic.get_node(node)), 10,
             'node taken back after Ironic came back')
    record_lag('Ironic back -> node lessee cleared', time.time() - back)
    deployment.wait_status(lease['uuid'], 'expired', 5)
    types = deployment.events(lease)
    assert types.count('esi_leap.lease.fulfill.end') == 1
    assert types.count('esi_leap.lease.delete.end') == 1


def _start_leases(deployment, ironic, count, length):
    """Lease ``count`` new nodes, all from the same start, soon."""
    nodes = ironic.create_nodes(count, OWNER, available=True)
    offers = [deployment.offer(node) for node in nodes]
    # Every claim must be in before the start: allow for a busy machine.
    start = utcnow() + datetime.timedelta(seconds=2 + 0.3 * count)
    end = start + length
    with futures.ThreadPoolExecutor(4) as pool:
        leases = list(pool.map(
            lambda offer: deployment.claim(offer, LESSEE_HEADERS, start,
                                           end), offers))
    assert time.time() < epoch(start), 'the claims took too long'
    return nodes, leases, start, end


def _nodes_of(ironic, owner=OWNER):
    return {node['uuid']: node for node in ironic.request(
        'GET', '/v1/nodes?owner=%s&fields=uuid,lessee,properties' % owner,
        expect=200).json()['nodes']}


def test_manager_killed_while_leases_are_due(deployment, ironic, revive):
    """(g) SIGKILL mid-work: a new manager finishes, nothing twice."""
    count = 10
    nodes, leases, start, _ = _start_leases(
        deployment, ironic, count, datetime.timedelta(hours=1))
    manager = deployment.managers[0]
    sleep_until(start)

    def any_taken():
        found = _nodes_of(ironic)
        return any(found[uuid].get('lessee') for uuid in nodes)
    wait_for(any_taken, 5, 'first node taken', interval=0.01)
    manager.kill()
    killed = time.time()
    held = sum(1 for uuid, node in _nodes_of(ironic).items()
               if uuid in nodes and node.get('lessee'))
    active = sum(1 for lease in leases
                 if deployment.lease_row(lease['uuid'])[0] == 'active')
    print('at SIGKILL: %d of %d nodes taken, %d leases active'
          % (held, count, active))

    manager.start()
    by_node = {lease['resource_uuid']: lease for lease in leases}

    def all_held():
        found = _nodes_of(ironic)
        return all(holds(found[uuid], LESSEE, by_node[uuid]['uuid'])
                   for uuid in nodes)
    wait_for(all_held, CLAIM_TTL + SWEEP_INTERVAL + 10,
             'every node taken after the restart', interval=0.2)
    # A node the killed manager had already set may still wait for its
    # lapsed claim before the lease is recorded active.
    for lease in leases:
        deployment.wait_status(lease['uuid'], 'active',
                               CLAIM_TTL + SWEEP_INTERVAL + 10)
    record_lag('SIGKILL -> all %d leases active' % count,
               time.time() - killed)
    for lease in leases:
        assert deployment.events(lease).count(
            'esi_leap.lease.fulfill.end') == 1, lease['uuid']

    for lease in leases:
        deployment.cancel(lease['uuid'])
    wait_for(lambda: all(is_clear(_nodes_of(ironic)[uuid])
                         for uuid in nodes), 10,
             'every node taken back after the cancels', interval=0.2)
    for lease in leases:
        deployment.wait_status(lease['uuid'], 'deleted', 5)
        assert deployment.events(lease).count(
            'esi_leap.lease.delete.end') == 1, lease['uuid']


def test_two_managers_act_once(deployment, ironic):
    """(h) Two managers on one database: each transition happens once."""
    second = deployment.start_manager()
    try:
        count = 8
        nodes, leases, start, end = _start_leases(
            deployment, ironic, count, datetime.timedelta(seconds=4))
        sleep_until(start)
        by_node = {lease['resource_uuid']: lease for lease in leases}
        wait_for(lambda: all(
            holds(node, LESSEE, by_node[uuid]['uuid'])
            for uuid, node in _nodes_of(ironic).items() if uuid in by_node),
            4, 'every node taken at the start', interval=0.1)
        record_lag('start -> %d nodes taken by 2 managers' % count,
                   time.time() - epoch(start))
        sleep_until(end)
        wait_for(lambda: all(is_clear(_nodes_of(ironic)[uuid])
                             for uuid in nodes), 10,
                 'every node taken back at the end', interval=0.2)
        record_lag('end -> %d nodes cleared by 2 managers' % count,
                   time.time() - epoch(end))
        for lease in leases:
            deployment.wait_status(lease['uuid'], 'expired', 5)
            types = deployment.events(lease)
            assert types.count('esi_leap.lease.fulfill.end') == 1, types
            assert types.count('esi_leap.lease.delete.end') == 1, types
    finally:
        second.stop()
        deployment.managers.remove(second)


def _drain_notifications():
    """Every notification waiting in the module's info queue, decoded."""
    import json

    import pika
    connection = pika.BlockingConnection(pika.ConnectionParameters(
        RABBIT[0], RABBIT[1], '/', pika.PlainCredentials('guest', 'guest')))
    try:
        channel = connection.channel()
        messages = []
        while True:
            method, _, body = channel.basic_get(
                '%s.info' % NOTIFICATION_TOPIC, auto_ack=True)
            if method is None:
                return messages
            messages.append(json.loads(json.loads(body)['oslo.message']))
    finally:
        connection.close()


def test_notifications_carry_the_ironic_node(deployment, ironic):
    """(i) Lease notifications name the Ironic node and its states."""
    node, = ironic.create_nodes(1, OWNER, prefix='notified',
                                available=True,
                                properties={'cpu_arch': 'x86_64'})
    start = utcnow() + datetime.timedelta(seconds=1)
    lease = deployment.lease_of(node, start,
                                start + datetime.timedelta(hours=1))
    deployment.wait_status(lease['uuid'], 'active', SWEEP_INTERVAL + 10)
    deployment.cancel(lease['uuid'])
    deployment.wait_status(lease['uuid'], 'deleted', SWEEP_INTERVAL + 10)
    seen = {}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and \
            'esi_leap.lease.delete.end' not in seen:
        for message in _drain_notifications():
            data = message['payload']['esi_leap_object.data']
            if data['uuid'] in (lease['uuid'], lease['offer_uuid']):
                seen.setdefault(message['event_type'], data)
        time.sleep(0.2)
    shown = ironic.get_node(node)
    for event_type in ('esi_leap.offer.create.end',
                       'esi_leap.lease.create.end',
                       'esi_leap.lease.fulfill.end',
                       'esi_leap.lease.delete.end'):
        data = seen[event_type]
        assert data['node_uuid'] == node, event_type
        assert data['node_name'] == shown['name'], event_type
        assert data['node_properties'] == {'cpu_arch': 'x86_64'}, event_type
        assert data['node_provision_state'] == shown['provision_state']
        assert data['node_power_state'] == shown['power_state']
