"""A lessee ends its lease now through PATCH end_time, with real processes.

esi-leap-api and esi-leap-manager share a database and RabbitMQ; the
manager's sweep never comes, so only the API's cast after the PATCH can
make it act. The lease's update notification, as sent on the bus, carries
the previous and new end times; the manager then ends the lease and takes
the node back, as at any end.
"""
import datetime
import time

import requests

from esi_leap.tests import identities
from esi_leap.tests.integration import test_manager_processes as processes
from esi_leap.tests import polling

OWNER = identities.noauth_headers('owner-project', 'esi_leap_owner')
LESSEE = identities.noauth_headers('lessee-project', 'esi_leap_lessee')
workdir = processes.workdir


def status_of(api, lease_uuid):
    return requests.get('%s/v1/leases/%s' % (api.url, lease_uuid),
                        headers=LESSEE, timeout=30).json()['status']


def wait_for_status(api, lease_uuid, wanted, seconds=30):
    """Poll the lease until it has status ``wanted``; return its status."""
    return polling.until_equal(lambda: status_of(api, lease_uuid), wanted,
                               seconds)


def wait_for_event(endpoint, event_type, seconds=30):
    """The notifications of ``event_type`` received within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = [e for e in endpoint.received if e[1] == event_type]
        if found:
            return found
        endpoint.arrived.wait(0.5)
        endpoint.arrived.clear()
    return []


def test_lessee_ends_its_lease_now(workdir):
    tmp_path, nodes = workdir
    nodes.add('node-1', 'owner-project')
    with processes.api_and_manager(tmp_path, nodes) as (api, endpoint):
        created = requests.post(api.url + '/v1/leases', headers=OWNER, json={
            'resource_uuid': 'node-1', 'project_id': 'lessee-project'},
            timeout=30)
        assert created.status_code == 201, created.text
        lease = created.json()
        assert wait_for_status(api, lease['uuid'], 'active') == 'active'
        assert nodes.read('node-1')['project_id'] == 'lessee-project'
        time.sleep(1)  # the manager now sleeps until the lease's end

        asked = datetime.datetime.now(datetime.timezone.utc) - \
            datetime.timedelta(days=2)
        before = datetime.datetime.now(datetime.timezone.utc)
        moved = requests.patch(
            '%s/v1/leases/%s' % (api.url, lease['uuid']), headers=LESSEE,
            json={'end_time': asked.replace(tzinfo=None).isoformat()},
            timeout=30)
        assert moved.status_code == 200, moved.text
        stored = datetime.datetime.fromisoformat(
            moved.json()['end_time']).replace(tzinfo=datetime.timezone.utc)
        # Stored as the moment of the change, never the past time asked.
        assert before - datetime.timedelta(seconds=1) <= stored
        assert stored <= datetime.datetime.now(datetime.timezone.utc)

        assert wait_for_status(api, lease['uuid'], 'expired') == 'expired'
        assert 'project_id' not in nodes.read('node-1')
        assert 'lease_uuid' not in nodes.read('node-1')
        [(_, _, update)] = wait_for_event(endpoint,
                                          'esi_leap.lease.update.end')
        data = update['esi_leap_object.data']
        assert data['uuid'] == lease['uuid']
        assert data['previous_end_time'] == lease['end_time']
        assert data['end_time'] == moved.json()['end_time']
        assert wait_for_event(endpoint, 'esi_leap.lease.delete.end')
