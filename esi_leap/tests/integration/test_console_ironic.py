"""A console through a real Ironic: ipmi hardware type, ipmitool-socat.

Ironic 39 (from the virtualenv tools/run-tests.sh installs) drives a node
of the ``ipmi`` hardware type whose BMC is the simulated BMC of
``esi_leap.tests.fixtures.bmc`` (ipmitool with cipher suite 3). Enabling
the node's console makes Ironic's conductor run Debian's ``socat``
bridging a loopback TCP port to ``ipmitool ... sol activate``; the
esi-leap console proxy reads that endpoint from Ironic and bridges a
websocket client to it, so typed bytes travel websocket -> proxy -> socat
-> ipmitool -> IPMI SOL -> BMC, and the BMC's answer comes back.
"""
import os
import time

import pytest

from esi_leap.tests.fixtures import consoles
from esi_leap.tests.fixtures import ironic as ironic_fixture
from esi_leap.tests.fixtures import server as server_fixture
from esi_leap.tests.integration import test_console_proxy as proxy_tests

pytestmark = pytest.mark.slow
OWNER = consoles.OWNER


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp('console-ironic'))
    problem = ironic_fixture.venv_problem(ironic_fixture.venv_path())
    if problem is not None:
        pytest.fail('Ironic is needed: %s (tools/run-tests.sh installs it)'
                    % problem, pytrace=False)
    started = []
    try:
        bmc = consoles.SimulatedBmc(workdir)
        started.append(bmc)
        ironic = ironic_fixture.Ironic(
            os.path.join(workdir, 'ironic'),
            interfaces=ironic_fixture.IPMI_CONSOLES)
        os.makedirs(ironic.workdir)
        started.append(ironic.start())
        deployment = consoles.Deployment(workdir, 'sqlite', extra={
            'api': {'default_resource_type': 'ironic_node'},
            'ironic': {'auth_type': 'none',
                       'endpoint_override': ironic.url}},
            backend_timeout='10')
        started.append(deployment.start())
        yield bmc, ironic, deployment
    finally:
        for thing in reversed(started):
            thing.stop()


def _ipmi_node(ironic, bmc, console_interface):
    body = {'name': 'ipmi-%s' % os.urandom(3).hex(), 'driver': 'ipmi',
            'resource_class': 'baremetal',
            'console_interface': console_interface,
            'power_interface': 'ipmitool',
            'management_interface': 'ipmitool',
            'driver_info': {
                'ipmi_address': '127.0.0.1', 'ipmi_port': bmc.port,
                'ipmi_username': 'admin', 'ipmi_password': 'password',
                'ipmi_cipher_suite': 3, 'ipmi_protocol_version': '2.0',
                'ipmi_terminal_port': server_fixture.free_port()}}
    uuid = ironic.request('POST', '/v1/nodes', json=body,
                          expect=201).json()['uuid']
    ironic.patch_node(uuid, [{'op': 'add', 'path': '/owner',
                              'value': OWNER[0]}])
    return uuid


def test_socat_console_of_an_ipmi_node(setup):
    bmc, ironic, deployment = setup
    node = _ipmi_node(ironic, bmc, 'ipmitool-socat')
    ironic.set_console(node, True)
    token = deployment.token(node)
    assert token['node_uuid'] == node
    with proxy_tests.connect(token['access_url']) as ws:
        deadline = time.monotonic() + 30
        seen = ''
        # ipmitool may still be logging in: type until the BMC answers.
        while 'bmc<<' not in seen and time.monotonic() < deadline:
            ws.send('k')
            try:
                seen += ws.recv(timeout=1)
            except TimeoutError:
                pass
        seen += proxy_tests.read_until(ws, 'bmc<<k>>')
    assert 'bmc<<k>>' in seen
    assert b'k' in bmc.typed()


@pytest.mark.parametrize('console_interface,enable,words', [
    ('ipmitool-socat', False, 'console is disabled in Ironic'),
    ('no-console', False, 'hides its BMC password'),
])
def test_unusable_ironic_consoles_are_refused_with_a_reason(
        setup, console_interface, enable, words):
    bmc, ironic, deployment = setup
    node = _ipmi_node(ironic, bmc, console_interface)
    with proxy_tests.connect(deployment.access_url(node)) as ws:
        code, reason = proxy_tests.closed_with(ws)
    assert code == 1011 and words in reason, reason


def test_sol_straight_to_the_bmc_of_an_ironic_node(setup):
    """The ipmi backend: the password read from Ironic's driver_info.

    Ironic shows the password only to callers passing its show_password
    rule; the operator grants it to esi-leap's service user (here, with
    noauth, to every caller).
    """
    _, ironic, deployment = setup
    # NOTE(esi-leap): a BMC of its own: the first test's BMC has its one
    # SOL slot taken by the socat console Ironic still runs.
    bmc = consoles.SimulatedBmc(deployment.workdir)
    deployment.others.append(bmc)
    node = _ipmi_node(ironic, bmc, 'no-console')
    policy = os.path.join(ironic.workdir, 'policy.yaml')
    with open(policy, 'w') as f:
        f.write('"show_password": "@"\n')
    try:
        deadline = time.monotonic() + 30
        while ironic.get_node(node)['driver_info'].get(
                'ipmi_password') != 'password':
            assert time.monotonic() < deadline, 'policy not reloaded'
            time.sleep(0.2)
        with proxy_tests.connect(deployment.access_url(node)) as ws:
            ws.send('sol\r')
            seen = proxy_tests.read_until(ws, 'bmc<<\r>>')
        assert 'bmc<<s>>bmc<<o>>bmc<<l>>' in seen
        assert b'sol\r' in bmc.typed()
    finally:
        os.unlink(policy)


def test_ironic_down_closes_with_a_reason_and_no_details(setup):
    bmc, ironic, deployment = setup
    node = _ipmi_node(ironic, bmc, 'ipmitool-socat')
    url = deployment.access_url(node)
    ironic.stop()
    try:
        with proxy_tests.connect(url) as ws:
            code, reason = proxy_tests.closed_with(ws, timeout=60)
    finally:
        ironic.start()
    assert (code, reason) == (1011, 'the node service is unavailable now; '
                              'try again later')
