"""The manager as real processes: embedded in esi-leap-all, and as
esi-leap-manager woken over RabbitMQ by esi-leap-api."""
import contextlib
import datetime
import os
import threading
import time
import uuid

from oslo_config import cfg
import oslo_messaging as messaging
import pytest
import requests

from esi_leap.tests import clock
from esi_leap.tests.fixtures import nodes as nodes_fixture
from esi_leap.tests.fixtures import server as server_fixture
from esi_leap.tests import identities

RABBIT = os.environ.get('ESI_LEAP_TEST_RABBIT_URL',
                        'rabbit://guest:guest@127.0.0.1:5672/')
ADMIN = identities.noauth_headers('owner-project', 'admin')


def watch(url, lease_uuids, until, interval=0.05):
    """Poll leases; return {uuid: {status: first time seen}}."""
    seen = {u: {} for u in lease_uuids}
    while clock.utcnow() < until:
        for lease_uuid in lease_uuids:
            status = requests.get('%s/v1/leases/%s' % (url, lease_uuid),
                                  headers=ADMIN).json()['status']
            seen[lease_uuid].setdefault(status, clock.utcnow())
        if all('expired' in s for s in seen.values()):
            break
        time.sleep(interval)
    return seen


@pytest.fixture
def workdir(tmp_path):
    nodes = nodes_fixture.DummyNodes(str(tmp_path / 'nodes'))
    return tmp_path, nodes


def _config(tmp_path, nodes, port, extra):
    return server_fixture.write_config(
        str(tmp_path / 'esi-leap.conf'),
        'sqlite:///%s' % (tmp_path / 'esi-leap.sqlite'), nodes.directory,
        port, extra=extra)


def test_embedded_all_fulfils_and_expires_on_time(workdir):
    tmp_path, nodes = workdir
    port = server_fixture.free_port()
    conf = _config(tmp_path, nodes, port,
                   {'manager': {'sweep_interval': '600'}})
    server = server_fixture.Server(conf, port, program='esi-leap-all')
    server.dbsync()
    server.start()
    try:
        base = clock.utcnow() + datetime.timedelta(seconds=3)
        made = {}
        for i in range(6):
            nodes.add('node-%d' % i, 'owner-project')
            start = base + datetime.timedelta(seconds=0.4 * i)
            end = start + datetime.timedelta(seconds=2)
            lease = requests.post(server.url + '/v1/leases', headers=ADMIN,
                                  json={'resource_uuid': 'node-%d' % i,
                                        'project_id': 'lessee',
                                        'start_time': clock.iso(start),
                                        'end_time': clock.iso(end)})
            assert lease.status_code == 201, lease.text
            made[lease.json()['uuid']] = (start, end, 'node-%d' % i)
        seen = watch(server.url, list(made), base + datetime.timedelta(
            seconds=15))
    finally:
        server.stop()
    # SIGTERM stopped the embedded manager too (its run in progress
    # finished, its claims released), not only the API.
    assert server.process.returncode == 0
    with open(server.log_path) as log:
        assert 'esi-leap manager stopped' in log.read()
    lags = []
    for lease_uuid, (start, end, node) in made.items():
        assert 'active' in seen[lease_uuid], seen[lease_uuid]
        assert 'expired' in seen[lease_uuid], seen[lease_uuid]
        lags.append(((seen[lease_uuid]['active'] - start).total_seconds(),
                     (seen[lease_uuid]['expired'] - end).total_seconds()))
        assert 'lease_uuid' not in nodes.read(node)
    print('embedded fulfil/expire lags (s, incl. 50 ms polling): %s'
          % ', '.join('%.2f/%.2f' % lag for lag in lags))
    # Generous bound: the original polls every 60 s; timing is measured
    # in benchmarks/, not asserted tightly here.
    assert max(max(lag) for lag in lags) < 5


class _Endpoint(object):
    def __init__(self):
        self.received = []
        self.arrived = threading.Event()

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        self.received.append((publisher_id, event_type, payload))
        self.arrived.set()


@contextlib.contextmanager
def api_and_manager(tmp_path, nodes):
    """esi-leap-api and esi-leap-manager on RabbitMQ; yield (api, endpoint).

    The manager's sweep never comes: only the API's casts wake it. The
    _Endpoint receives the versioned notifications both send.
    """
    topic = 'esi_leap_test_%s' % uuid.uuid4().hex[:8]
    port = server_fixture.free_port()
    conf = _config(tmp_path, nodes, port, {
        'DEFAULT': {'transport_url': RABBIT},
        'manager': {'sweep_interval': '3600'},
        'notification': {'versioned_notifications_topics': topic}})
    api = server_fixture.Server(conf, port)
    api.dbsync()
    api.start()
    manager = server_fixture.Server(conf, None, program='esi-leap-manager',
                                    log_path=str(tmp_path / 'manager.log'))
    manager.start()

    conf_obj = cfg.ConfigOpts()
    transport = messaging.get_notification_transport(conf_obj, url=RABBIT)
    endpoint = _Endpoint()
    listener = messaging.get_notification_listener(
        transport, [messaging.Target(topic=topic)], [endpoint],
        executor='threading')
    listener.start()
    try:
        yield api, endpoint
    finally:
        listener.stop()
        listener.wait()
        transport.cleanup()
        manager.stop()
        api.stop()


def test_api_wakes_manager_over_rabbitmq(workdir):
    tmp_path, nodes = workdir
    nodes.add('node-1', 'owner-project')
    with api_and_manager(tmp_path, nodes) as (api, endpoint):
        time.sleep(1)  # the manager is now asleep with nothing due
        created = requests.post(api.url + '/v1/leases', headers=ADMIN, json={
            'resource_uuid': 'node-1', 'project_id': 'lessee'})
        assert created.status_code == 201, created.text
        lease_uuid = created.json()['uuid']
        deadline = time.monotonic() + 10
        status = None
        while time.monotonic() < deadline:
            status = requests.get('%s/v1/leases/%s' % (api.url, lease_uuid),
                                  headers=ADMIN).json()['status']
            if status == 'active':
                break
            time.sleep(0.1)
        assert status == 'active'
        assert nodes.read('node-1')['lease_uuid'] == lease_uuid
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any(
                e[1] == 'esi_leap.lease.fulfill.end'
                for e in endpoint.received):
            endpoint.arrived.wait(0.5)
            endpoint.arrived.clear()
        fulfilled = [e for e in endpoint.received
                     if e[1] == 'esi_leap.lease.fulfill.end']
        assert fulfilled, endpoint.received
        publisher, _, payload = fulfilled[0]
        assert publisher.startswith('esi-leap-manager.')
        assert payload['esi_leap_object.name'] == 'LeaseCRUDPayload'
        assert payload['esi_leap_object.data']['uuid'] == lease_uuid
        assert payload['esi_leap_object.data']['status'] == 'created'
