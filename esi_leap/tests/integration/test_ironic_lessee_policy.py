"""The Ironic policy the admin guide tells an ESI site to set, on Ironic 39.

Ironic in keystone mode (test_keystone_ironic's Cloud). With Ironic's
defaults, the admin of a node's lessee project runs manual clean steps and
service steps on it; with the override of doc/source/admin/handback.rst
(read from the page itself, so the test checks what operators copy) the
same requests are refused, while the owner's members keep them.
"""
import os
import time

import pytest
import requests

from esi_leap.tests.integration import test_keystone_ironic as kit

pytestmark = pytest.mark.slow

GUIDE = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir,
                     os.pardir, 'doc', 'source', 'admin', 'handback.rst')
CLEAN = {'target': 'clean',
         'clean_steps': [{'interface': 'bios', 'step': 'factory_reset'}]}
SERVICE = {'target': 'service',
           'service_steps': [{'interface': 'vendor',
                              'step': 'log_passthrough'}]}

cloud = kit.cloud


def documented_override():
    """The policy.yaml lines the admin guide gives, as written there."""
    with open(GUIDE) as f:
        lines = [line.strip() for line in f if line.strip().startswith(
            '"baremetal:node:set_provision_state:')]
    assert [line.split('"')[1] for line in lines] == [
        'baremetal:node:set_provision_state:clean_steps',
        'baremetal:node:set_provision_state:service_steps']
    return '\n'.join(lines) + '\n'


def steps_as(cloud, token, node, body):
    """PUT a provision state change with steps, with ``token``."""
    return requests.put(
        '%s/v1/nodes/%s/states/provision' % (cloud.ironic.url, node),
        json=body, timeout=30,
        headers=dict(kit.IRONIC_HEADERS, **{'X-Auth-Token': token}))


@pytest.fixture
def lessee_admin(cloud):
    """A token of an admin of the lessee project (Keystone role admin)."""
    ks = cloud.keystone
    user = ks.ensure_user('lessee-admin', 'pw-lessee-admin',
                          cloud.projects['lessee'])
    ks.grant(user, 'admin', cloud.projects['lessee'])
    return ks.token('lessee-admin', 'pw-lessee-admin',
                    project_id=cloud.projects['lessee'])


@pytest.fixture
def policy_file(cloud):
    """Ironic's policy.yaml (Ironic reloads it when it changes)."""
    path = os.path.join(cloud.ironic.workdir, 'policy.yaml')
    yield path
    with open(path, 'w') as f:
        f.write('{}\n')


def leased_node(cloud):
    """A node of the owner, leased to the lessee project, manageable."""
    ironic = cloud.ironic
    node, = ironic.create_nodes(1, cloud.projects['owner'], prefix='policy',
                                bios_interface='fake',
                                vendor_interface='fake')
    ironic.patch_node(node, [{'op': 'add', 'path': '/lessee',
                              'value': cloud.projects['lessee']}])
    ironic.set_provision_state(node, 'manage', 'manageable')
    return node


def test_lessee_admin_runs_steps_by_default_not_with_the_override(
        cloud, lessee_admin, policy_file):
    ironic = cloud.ironic
    node = leased_node(cloud)
    # Ironic 39's defaults: the lessee's admin runs manual clean steps...
    answer = steps_as(cloud, lessee_admin, node, CLEAN)
    assert answer.status_code == 202, answer.text
    ironic.wait_provision_state(node, 'manageable')
    ironic.set_provision_state(node, 'provide', 'available')
    ironic.deploy(node)
    # ... and service steps on the deployed node.
    answer = steps_as(cloud, lessee_admin, node, SERVICE)
    assert answer.status_code == 202, answer.text
    ironic.wait_provision_state(node, 'active')

    with open(policy_file, 'w') as f:
        f.write(documented_override())
    # NOTE(esi-leap): Ironic checks the step rules before the provision
    # state: on an active node a clean request passing them is refused
    # with 400 (wrong state), failing them with 403. So the reload of the
    # policy file is waited for without starting anything.
    deadline = time.monotonic() + 30
    while True:
        answer = steps_as(cloud, lessee_admin, node, CLEAN)
        if answer.status_code == 403:
            break
        assert answer.status_code == 400, answer.text
        assert time.monotonic() < deadline, 'policy not reloaded'
        time.sleep(0.2)
    assert steps_as(cloud, lessee_admin, node, SERVICE).status_code == 403
    assert ironic.get_node(node)['provision_state'] == 'active'
    # The owner's members keep both (the owner's own maintenance).
    owner = cloud.token('owner')
    answer = steps_as(cloud, owner, node, SERVICE)
    assert answer.status_code == 202, answer.text
    ironic.wait_provision_state(node, 'active')
    ironic.set_provision_state(node, 'deleted', 'available')
    ironic.set_provision_state(node, 'manage', 'manageable')
    assert steps_as(cloud, lessee_admin, node, CLEAN).status_code == 403
    answer = steps_as(cloud, owner, node, CLEAN)
    assert answer.status_code == 202, answer.text
    ironic.wait_provision_state(node, 'manageable')
