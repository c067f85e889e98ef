"""The hand-back at a lease end, on a real Ironic that really cleans.

Ironic 39 with fake hardware runs once for the module with automated
cleaning on and a one-second automated clean step (fixtures.ironic
CLEANING), so that undeploy and provide really pass through ``cleaning``.
esi-leap-api and esi-leap-manager run on MariaDB as in
test_ironic_manager (whose Deployment this module uses). Each test takes
fresh nodes, lets a first lease (LESSEE) end and a second one (THIRD)
wait for the node, and watches the node in Ironic all along (a Watcher):
from the lessee's side (what each tenant's lessee field gave it access
to, the waiting lease's status and reason) and the operator's (Ironic's
states, the events, the repair of a quarantined node).
"""
import datetime
import json
import os
import socket
import threading
import time

import kombu
import pytest

from esi_leap.tests.fixtures import ironic as ironic_fixture
from esi_leap.tests.fixtures import server as server_fixture
from esi_leap.tests.integration import test_ironic_manager as itest

pytestmark = pytest.mark.slow

LESSEE, THIRD = itest.LESSEE, itest.THIRD
OWNER_HEADERS = itest.OWNER_HEADERS
LESSEE_HEADERS, THIRD_HEADERS = itest.LESSEE_HEADERS, itest.THIRD_HEADERS
utcnow, wait_for = itest.utcnow, itest.wait_for
# This module's own RPC queue and notification topic, so that it can run
# beside test_ironic_manager (on the same RabbitMQ) without crosstalk.
MANAGER_HOST = 'esi-leap-handback-itest'
NOTIFICATION_TOPIC = 'esi_leap_handback_itest_notifications'
# Longest a hand-back with cleaning takes here (about 4 s for one
# cleaning; more for manual steps), with headroom for a busy machine.
CLEANED_WITHIN = 40
# States in which a node still holds a tenant's deployment or is cleaned.
NOT_READY = ('active', 'deleting', 'cleaning', 'clean wait', 'deploying',
             'service wait', 'service failed', 'servicing', 'manageable',
             'clean failed', 'verifying')


class Watcher(object):
    """Polls one Ironic node in a thread; keeps what it saw, in order."""

    def __init__(self, ironic, node):
        self.ironic, self.node = ironic, node
        self.seen = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(10)

    def _run(self):
        while not self._stop.is_set():
            try:
                found = self.ironic.get_node(self.node)
            except Exception:
                # Ironic restarted by the test: nothing to see meanwhile.
                time.sleep(0.2)
                continue
            self.seen.append((found.get('lessee'), found['provision_state'],
                              found.get('target_provision_state'),
                              bool(found.get('maintenance'))))
            time.sleep(0.03)

    def states_of(self, lessee):
        """The provision states seen while ``lessee`` was the lessee."""
        return {state for who, state, _, _ in self.seen if who == lessee}

    def states(self):
        """Every provision state seen."""
        return {state for _, state, _, _ in self.seen}


class CleaningDeployment(itest.Deployment):
    """The API and a manager in front of the cleaning Ironic.

    ``ironic_options`` and ``manager_options`` are added to the processes'
    [ironic] and [manager] sections (rewritten by restart_managers()).
    """

    ironic_options = {}
    manager_options = {}

    def config(self, name, port):
        path = os.path.join(self.workdir, '%s.conf' % name)
        return server_fixture.write_config(
            path, self.database.url, os.path.join(self.workdir, 'nodes'),
            port, extra=self._extra())

    def _extra(self):
        return {
            'DEFAULT': {'transport_url': itest.TRANSPORT_URL,
                        'host': MANAGER_HOST},
            'notification': {
                'versioned_notifications_topics': NOTIFICATION_TOPIC},
            'api': {'default_resource_type': 'ironic_node'},
            'ironic': dict({'auth_type': 'none',
                            'endpoint_override': self.ironic.url},
                           **self.ironic_options),
            'manager': dict({'sweep_interval': str(itest.SWEEP_INTERVAL),
                             'retry_initial_delay': '0.5',
                             'retry_max_delay': '2',
                             'busy_recheck_delay': '0.5',
                             'claim_ttl': str(itest.CLAIM_TTL)},
                            **self.manager_options),
        }

    def restart_managers(self, **ironic_options):
        """Restart every manager with other [ironic] options."""
        self.ironic_options = ironic_options
        for index, manager in enumerate(self.managers):
            manager.stop()
            self.config('manager-%d' % index, None)
            manager.start()


# One cleaning Ironic for the module (fails if not installed).
ironic = ironic_fixture.module_fixture(options=ironic_fixture.CLEANING)


@pytest.fixture(scope='module')
def deployment(mysql_selected, tmp_path_factory, ironic, rabbitmq):
    """esi-leap on MariaDB in front of the cleaning Ironic."""
    deployment = CleaningDeployment(str(tmp_path_factory.mktemp('esi')),
                                    ironic)
    try:
        yield deployment.setup()
    finally:
        deployment.teardown()


mysql_selected = itest.mysql_selected


@pytest.fixture(scope='module')
def rabbitmq():
    """RabbitMQ (as test_ironic_manager's); this module's queues go after."""
    try:
        socket.create_connection(itest.RABBIT, timeout=5).close()
    except OSError as e:
        pytest.fail('RabbitMQ is not reachable (%s)' % e, pytrace=False)
    yield itest.TRANSPORT_URL
    with kombu.Connection('amqp://guest:guest@127.0.0.1:5672//') as conn:
        channel = conn.channel()
        for queue in ('%s.info' % NOTIFICATION_TOPIC,
                      '%s.error' % NOTIFICATION_TOPIC,
                      '%s.warning' % NOTIFICATION_TOPIC,
                      'esi_leap.manager.%s' % MANAGER_HOST):
            try:
                channel.queue_delete(queue)
            except Exception:
                channel = conn.channel()


# Notifications read from RabbitMQ so far: (event type, payload data).
NOTIFIED = []


def notified(event_type, lease):
    """The payload data of ``event_type`` notifications about ``lease``.

    Reads what the manager has published to this module's topic
    (queue ``<topic>.info``) since the last call.
    """
    with kombu.Connection('amqp://guest:guest@127.0.0.1:5672//') as conn:
        channel = conn.channel()
        while True:
            # No declaration: the queue is the manager's (oslo.messaging).
            message = channel.basic_get('%s.info' % NOTIFICATION_TOPIC,
                                        no_ack=True)
            if message is None:
                break
            body = json.loads(message.body)
            if 'oslo.message' in body:
                body = json.loads(body['oslo.message'])
            NOTIFIED.append((body.get('event_type'), body.get(
                'payload', {}).get('esi_leap_object.data', {})))
    return [data for kind, data in NOTIFIED
            if kind == event_type and data.get('uuid') == lease['uuid']]


# After a fault test, Ironic and the managers run again.
revive = itest.revive


def available_node(ironic, **fields):
    """A fresh node of the owner, made available (cleaned once)."""
    node, = ironic.create_nodes(1, itest.OWNER, bios_interface='fake',
                                **fields)
    ironic.make_available(node)
    return node


def back_to_back(deployment, node, length=4):
    """A first lease (LESSEE) from soon, then a second (THIRD) after it.

    Returns (first, second, end of the first).
    """
    offer = deployment.offer(node)
    # NOTE(esi-leap): at least 5 s, so that a manager slowed by a loaded
    # machine still hands the node to the first lease before it ends.
    start = utcnow() + datetime.timedelta(seconds=1)
    end = start + datetime.timedelta(seconds=max(length, 5))
    first = deployment.claim(offer, LESSEE_HEADERS, start, end)
    second = deployment.claim(offer, THIRD_HEADERS, end,
                              end + datetime.timedelta(hours=1))
    wait_for(lambda: itest.holds(deployment.ironic.get_node(node), LESSEE,
                                 first['uuid']),
             20, 'node taken by the first lease')
    return first, second, end


def handed_to(deployment, node, lease, project=THIRD,
              timeout=CLEANED_WITHIN):
    """Wait until ``lease`` holds ``node`` and is active; return the node."""
    found = wait_for(lambda: itest.holds(deployment.ironic.get_node(node),
                                         project, lease['uuid']),
                     timeout, 'node handed to lease %s' % lease['uuid'],
                     interval=0.1)
    deployment.wait_status(lease['uuid'], 'active', 5)
    return found


def assert_clean_hand_over(watcher, deployment, first, second):
    """What every hand-back shows: nobody saw what they should not."""
    # The next tenant never sees the node deployed, cleaning or failed.
    assert watcher.states_of(THIRD) <= {'available'}, watcher.states_of(
        THIRD)
    # The ex-tenant is out before Ironic undeploys or cleans the node.
    assert not watcher.states_of(LESSEE) & {'deleting', 'cleaning'}
    assert deployment.events(first).count('esi_leap.lease.delete.end') == 1
    assert deployment.events(second).count(
        'esi_leap.lease.fulfill.end') == 1


def test_deployed_node_is_undeployed_and_cleaned_first(deployment, ironic):
    """Deployed: lessee off, undeploy, cleaning, then the next tenant."""
    node = available_node(ironic)
    with Watcher(ironic, node) as watcher:
        first, second, end = back_to_back(deployment, node)
        ironic.deploy(node, {'image_source': 'http://127.0.0.1/x'})
        # While the first lease waits for cleaning, the second says why.
        wait_for(lambda: ironic.get_node(node)['provision_state']
                 == 'cleaning', 20, 'node cleaning after the end')
        status, reason = deployment.lease_row(second['uuid'])
        assert status in ('created', 'wait fulfill')
        handed_to(deployment, node, second)
    assert {'active', 'deleting', 'cleaning'} <= watcher.states()
    assert_clean_hand_over(watcher, deployment, first, second)
    found = ironic.get_node(node)
    assert found['provision_state'] == 'available'
    assert found['instance_info'] == {}
    assert 'esi_leap_handback' not in found['properties']
    # The end notification says how the hand-back went, and how long.
    end, = wait_for(lambda: notified('esi_leap.lease.delete.end', first),
                    10, 'the end notification of the first lease')
    assert end['handback']['outcome'] == 'undeployed'
    assert end['handback']['seconds'] > 0
    history = ironic.request('GET', '/v1/nodes/%s/history' % node,
                             expect=200).json()['history']
    assert any('Automated Cleaning completed' in (h.get('event') or '')
               for h in history), history


def test_service_wait_is_undeployed_and_cleaned(deployment, ironic):
    """A lessee's service wait: undeployed and cleaned before anyone else.

    Ironic refuses every change to a node in service wait and cannot
    abort fake hardware's service step: the undeploy comes first and the
    lessee goes at the first moment Ironic accepts it.
    """
    node = available_node(ironic)
    with Watcher(ironic, node) as watcher:
        first, second, end = back_to_back(deployment, node, length=5)
        ironic.deploy(node)
        ironic.request('PUT', '/v1/nodes/%s/states/provision' % node,
                       json={'target': 'service', 'service_steps': [
                           {'interface': 'vendor',
                            'step': 'trigger_servicewait'}]}, expect=202)
        wait_for(lambda: ironic.get_node(node)['provision_state']
                 == 'service wait', 15, 'node in service wait')
        assert itest.epoch(end) > time.time(), 'service steps too slow'
        handed_to(deployment, node, second)
    assert {'service wait', 'deleting', 'cleaning'} <= watcher.states()
    assert watcher.states_of(THIRD) <= {'available'}
    assert deployment.events(first).count('esi_leap.lease.delete.end') == 1
    assert deployment.events(second).count(
        'esi_leap.lease.fulfill.end') == 1


def test_never_deployed_node_is_cleaned(deployment, ironic):
    """clean_on_lease_end (default): manage, provide, then hand over."""
    node = available_node(ironic)
    with Watcher(ironic, node) as watcher:
        first, second, _ = back_to_back(deployment, node, length=2)
        handed_to(deployment, node, second)
    assert {'manageable', 'cleaning'} <= watcher.states()
    assert_clean_hand_over(watcher, deployment, first, second)
    end, = wait_for(lambda: notified('esi_leap.lease.delete.end', first),
                    10, 'the end notification of the first lease')
    assert end['handback']['outcome'] == 'cleaned'


def test_manageable_node_is_provided(deployment, ironic):
    """A node the tenant left manageable is cleaned (provide) first."""
    node = available_node(ironic)
    with Watcher(ironic, node) as watcher:
        first, second, _ = back_to_back(deployment, node)
        ironic.set_provision_state(node, 'manage', 'manageable')
        handed_to(deployment, node, second)
    assert 'cleaning' in watcher.states()
    assert_clean_hand_over(watcher, deployment, first, second)


def repair(ironic, node):
    """Repair a failed node: manage, provide, maintenance off."""
    found = ironic.get_node(node)
    if found['provision_state'] != 'manageable':
        if found['provision_state'] != 'available':
            ironic.set_provision_state(node, 'manage', 'manageable')
    if ironic.get_node(node)['provision_state'] == 'manageable':
        ironic.set_provision_state(node, 'provide', 'available')
    ironic.request('DELETE', '/v1/nodes/%s/maintenance' % node,
                   expect=202)


def quarantined(deployment, lease):
    """Wait until ``lease`` waits with a quarantine reason; return it."""
    def reason():
        status, why = deployment.lease_row(lease['uuid'])
        return status == 'wait fulfill' and why and \
            why.startswith('quarantined: ') and why
    return wait_for(reason, CLEANED_WITHIN, 'lease %s waiting on a '
                    'quarantined node' % lease['uuid'], interval=0.2)


def node_events(deployment, lease, headers=None):
    """The esi_leap.node.* event types of the node of ``lease``."""
    found = deployment.call('GET', '/v1/events?resource_uuid=%s'
                            % lease['resource_uuid'],
                            headers or itest.ADMIN, 200)['events']
    return [e['event_type'] for e in found
            if e['event_type'].startswith('esi_leap.node.')]


def test_failed_cleaning_quarantines_until_repaired(deployment, ironic):
    """A failing manual clean step: quarantine, reason, event, release."""
    bad = '[{"interface": "bios", "step": "apply_configuration", ' \
          '"args": {"settings": "x"}}]'
    node = available_node(ironic, extra={'esi_leap_clean_steps': bad})
    with Watcher(ironic, node) as watcher:
        first, second, _ = back_to_back(deployment, node, length=2)
        reason = quarantined(deployment, second)
        found = ironic.get_node(node)
        assert found['provision_state'] == 'clean failed'
        assert found['maintenance'] is True
        assert found['lessee'] is None
        assert 'failed cleaning' in reason
        # The first lease is over: its tenant is out of the node.
        deployment.wait_status(first['uuid'], 'expired', 5)
        end, = wait_for(lambda: notified('esi_leap.lease.delete.end',
                                         first), 10, 'the end notification')
        assert end['handback']['outcome'] == 'quarantined'
        # The waiting lessee sees why, and the event.
        shown = deployment.call('GET', '/v1/leases/%s' % second['uuid'],
                                THIRD_HEADERS, 200)
        assert shown['status_reason'] == reason
        assert 'esi_leap.node.quarantine.start' in node_events(
            deployment, second, THIRD_HEADERS)
        # Nothing changes until an operator repairs the node.
        time.sleep(2)
        assert itest.is_clear(ironic.get_node(node)) is False
        assert deployment.lease_row(second['uuid'])[0] == 'wait fulfill'
        ironic.patch_node(node, [{'op': 'remove',
                                  'path': '/extra/esi_leap_clean_steps'}])
        repair(ironic, node)
        handed_to(deployment, node, second)
    assert watcher.states_of(THIRD) <= {'available'}
    events = node_events(deployment, second)
    assert events.count('esi_leap.node.quarantine.start') == 1, events
    assert events.count('esi_leap.node.quarantine.end') == 1, events


def test_enroll_node_is_quarantined_until_provided(deployment, ironic):
    """enroll: Ironic cannot clean it; kept back until an operator acts.

    Lent as it is to its first tenant (only with [ironic]
    require_available_for_handover off); at the end the lessee goes, the
    node stays in enroll (esi-leap does not manage it by itself) and the
    next lease waits, saying why. Managed by an operator: provided
    (cleaned) by the resumed hand-back, and handed over; the quarantine
    ends once, though the waiting lease's reason changed on the way.
    """
    deployment.restart_managers(require_available_for_handover='false')
    try:
        node, = ironic.create_nodes(1, itest.OWNER, bios_interface='fake')
        assert ironic.get_node(node)['provision_state'] == 'enroll'
        with Watcher(ironic, node) as watcher:
            first, second, _ = back_to_back(deployment, node, length=2)
            reason = quarantined(deployment, second)
            assert reason.endswith(' is in enroll: Ironic cannot clean it '
                                   'before an operator manages it')
            found = ironic.get_node(node)
            assert found['provision_state'] == 'enroll'
            assert found['lessee'] is None
            deployment.wait_status(first['uuid'], 'expired', 5)
            assert 'esi_leap.node.quarantine.start' in node_events(
                deployment, second, THIRD_HEADERS)
            ironic.request('PUT', '/v1/nodes/%s/states/provision' % node,
                           json={'target': 'manage'}, expect=202)
            handed_to(deployment, node, second)
        assert watcher.states_of(THIRD) <= {'available'}
        assert 'cleaning' in watcher.states_of(None)
        events = node_events(deployment, second)
        assert events.count('esi_leap.node.quarantine.start') == 1, events
        assert events.count('esi_leap.node.quarantine.end') == 1, events
        assert events[-1] == 'esi_leap.node.quarantine.end', events
    finally:
        deployment.restart_managers()


def test_first_tenant_gets_only_an_available_node(deployment, ironic):
    """The readiness gate before the first hand-over too.

    A node never made available (enroll) is not handed to its first
    lease: the lease waits, quarantined, saying why; once the operator
    manages and provides it (Ironic cleans it), the lease gets it and the
    quarantine ends, once.
    """
    node, = ironic.create_nodes(1, itest.OWNER, bios_interface='fake')
    offer = deployment.offer(node)
    start = utcnow() + datetime.timedelta(seconds=1)
    with Watcher(ironic, node) as watcher:
        lease = deployment.claim(offer, THIRD_HEADERS, start,
                                 start + datetime.timedelta(hours=1))
        reason = quarantined(deployment, lease)
        assert reason.endswith(' is enroll, not available'), reason
        assert node_events(deployment, lease, THIRD_HEADERS) == [
            'esi_leap.node.quarantine.start']
        ironic.make_available(node)
        handed_to(deployment, node, lease)
    assert watcher.states_of(THIRD) == {'available'}
    assert deployment.events(lease).count('esi_leap.lease.fulfill.end') == 1
    assert node_events(deployment, lease) == [
        'esi_leap.node.quarantine.start', 'esi_leap.node.quarantine.end']


def test_maintenance_during_a_lease(deployment, ironic):
    """Maintenance set during a lease: quarantined, then cleaned."""
    node = available_node(ironic)
    with Watcher(ironic, node) as watcher:
        first, second, _ = back_to_back(deployment, node, length=2)
        ironic.request('PUT', '/v1/nodes/%s/maintenance' % node,
                       json={'reason': 'fan failure'}, expect=202)
        reason = quarantined(deployment, second)
        assert 'maintenance' in reason
        assert ironic.get_node(node)['lessee'] is None
        ironic.request('DELETE', '/v1/nodes/%s/maintenance' % node,
                       expect=202)
        handed_to(deployment, node, second)
    # Never cleaned during the lease: cleaned after the repair.
    assert 'cleaning' in watcher.states()
    assert watcher.states_of(THIRD) <= {'available'}


def test_clean_on_lease_end_off_hands_straight_over(deployment, ironic):
    """clean_on_lease_end = false: a never-deployed node goes at once."""
    deployment.restart_managers(clean_on_lease_end='false')
    try:
        node = available_node(ironic)
        with Watcher(ironic, node) as watcher:
            first, second, end = back_to_back(deployment, node, length=2)
            handed_to(deployment, node, second, timeout=10)
        assert watcher.states() == {'available'}
        assert_clean_hand_over(watcher, deployment, first, second)
    finally:
        deployment.restart_managers()


def test_ironic_restarted_mid_cleaning(deployment, ironic, revive):
    """Ironic restarts while it cleans: never handed over half-cleaned."""
    node = available_node(ironic)
    with Watcher(ironic, node) as watcher:
        first, second, _ = back_to_back(deployment, node)
        ironic.deploy(node)
        wait_for(lambda: ironic.get_node(node)['provision_state']
                 == 'cleaning', 20, 'node cleaning after the end',
                 interval=0.02)
        ironic.restart()
        found = ironic.get_node(node)
        print('after the restart: %s, maintenance %s, %s'
              % (found['provision_state'], found['maintenance'],
                 found.get('last_error')))
        if found['provision_state'] == 'clean failed':
            reason = quarantined(deployment, second)
            print('quarantined: %s' % reason)
            repair(ironic, node)
        handed_to(deployment, node, second)
    assert watcher.states_of(THIRD) <= {'available'}
    assert_clean_hand_over(watcher, deployment, first, second)


def test_manager_killed_between_steps(deployment, ironic, revive):
    """SIGKILL after the lessee went: the next manager resumes."""
    node = available_node(ironic)
    manager = deployment.managers[0]
    with Watcher(ironic, node) as watcher:
        first, second, _ = back_to_back(deployment, node)
        ironic.deploy(node)
        wait_for(lambda: ironic.get_node(node)['lessee'] is None, 20,
                 'lessee cleared at the end', interval=0.01)
        manager.kill()
        print('at SIGKILL: %s' % ironic.get_node(node)['provision_state'])
        manager.start()
        handed_to(deployment, node, second,
                  timeout=CLEANED_WITHIN + itest.CLAIM_TTL)
    assert_clean_hand_over(watcher, deployment, first, second)


def test_two_managers_hand_back_once(deployment, ironic):
    """Two managers: one hand-back, one start, no lessee set early."""
    second_manager = deployment.start_manager()
    try:
        nodes = [available_node(ironic) for _ in range(2)]
        watchers = [Watcher(ironic, node).__enter__() for node in nodes]
        try:
            pairs = [back_to_back(deployment, node) for node in nodes]
            for node in nodes:
                ironic.deploy(node)
            for node, (first, second, _) in zip(nodes, pairs):
                handed_to(deployment, node, second)
        finally:
            for watcher in watchers:
                watcher.__exit__()
        for watcher, (first, second, _) in zip(watchers, pairs):
            assert_clean_hand_over(watcher, deployment, first, second)
    finally:
        second_manager.stop()
        deployment.managers.remove(second_manager)


def test_invalid_clean_steps_quarantine(deployment, ironic):
    """A node's clean steps that are not a list of steps: quarantined."""
    node = available_node(ironic, extra={'esi_leap_clean_steps': '{oops'})
    first, second, _ = back_to_back(deployment, node, length=2)
    reason = quarantined(deployment, second)
    assert 'its clean steps are invalid: not valid JSON' in reason
    assert ironic.get_node(node)['lessee'] is None
    ironic.patch_node(node, [{'op': 'replace',
                              'path': '/extra/esi_leap_clean_steps',
                              'value': []}])
    handed_to(deployment, node, second)
    assert ironic.get_node(node)['provision_state'] == 'available'
