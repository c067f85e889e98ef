"""The console proxy end to end: real processes, real websocket clients.

esi-leap-api issues tokens, esi-leap-serial-console-proxy serves them, and
the nodes' consoles are a real socat, a TCP server in this process, or a
simulated BMC speaking IPMI Serial-over-LAN in its own process. Clients
are the websockets library's own client.
"""
import base64
import os
import socket
import time
import urllib.parse

import pytest
import requests
from websockets import exceptions as ws_exc
from websockets.sync import client as ws_client

from esi_leap.tests.fixtures import consoles
from esi_leap.tests.fixtures import databases
from esi_leap.tests.fixtures import nodes as nodes_fixture
from esi_leap.tests.fixtures import server as server_fixture

OWNER = consoles.OWNER
HOLDER = consoles.HOLDER
SUB = ('child-project', 'esi_leap_lessee')
ALLOWED_ORIGIN = 'https://dashboard.example.org'


@pytest.fixture(scope='module', params=databases.selected_backends())
def deployment(request, tmp_path_factory):
    deployment = consoles.Deployment(
        str(tmp_path_factory.mktemp('console')), request.param,
        allowed_origins=ALLOWED_ORIGIN)
    try:
        yield deployment.start()
    finally:
        deployment.stop()


@pytest.fixture(scope='module')
def echo(deployment):
    """A real socat echoing every connection (cat)."""
    socat = consoles.Socat('EXEC:cat')
    deployment.others.append(socat)
    return socat


_COUNT = [0]


@pytest.fixture
def node(deployment, echo):
    """A fresh dummy node of owner-project on the socat echo console."""
    _COUNT[0] += 1
    name = 'console-node-%d' % _COUNT[0]
    deployment.nodes.add(name, OWNER[0],
                         console={'type': 'socat', 'url': echo.url})
    return name


def connect(url, **kwargs):
    return ws_client.connect(url, open_timeout=15, close_timeout=5,
                             **kwargs)


def read_until(ws, wanted, timeout=15):
    """Read messages until ``wanted`` has appeared; return all read."""
    deadline = time.monotonic() + timeout
    seen = b'' if isinstance(wanted, bytes) else ''
    while wanted not in seen:
        seen += ws.recv(timeout=max(deadline - time.monotonic(), 0.01))
    return seen


def closed_with(ws, timeout=15):
    """Wait for the server to close; return (code, reason)."""
    deadline = time.monotonic() + timeout
    with pytest.raises(ws_exc.ConnectionClosed) as info:
        while True:
            ws.recv(timeout=max(deadline - time.monotonic(), 0.01))
    assert info.value.rcvd is not None, 'closed without a close frame'
    return info.value.rcvd.code, info.value.rcvd.reason


def refused(url, **kwargs):
    """Open ``url`` expecting the handshake refused; return (status, body)."""
    with pytest.raises(ws_exc.InvalidStatus) as info:
        connect(url, **kwargs)
    response = info.value.response
    return response.status_code, response.body.decode()


def test_tcp_console_both_ways_and_single_use(deployment, node):
    token = deployment.token(node)
    with connect(token['access_url']) as ws:
        ws.send('hello console\r')
        assert 'hello console\r' in read_until(ws, 'hello console\r')
        ws.send(b'\x01\x02 bytes too')
        assert 'bytes too' in read_until(ws, 'bytes too')
    status, body = refused(token['access_url'])
    assert status == 403
    assert 'already used' in body or 'unknown or was revoked' in body


def test_binary_subprotocol_gives_raw_bytes(deployment, node):
    token = deployment.token(node)
    with connect(token['access_url'], subprotocols=['binary']) as ws:
        assert ws.subprotocol == 'binary'
        ws.send(b'\xff\xferaw\r')
        assert b'\xff\xferaw\r' in read_until(ws, b'raw\r')


def test_two_viewers_share_one_backend_session(deployment):
    tcp = consoles.TcpConsole(banner=b'')
    try:
        deployment.nodes.add('shared-node', OWNER[0],
                             console={'type': 'socat', 'url': tcp.url})
        first = deployment.token('shared-node')
        second = deployment.token('shared-node')
        with connect(first['access_url']) as one, \
                connect(second['access_url']) as two:
            one.send('from one\r')
            assert 'from one' in read_until(one, 'from one')
            assert 'from one' in read_until(two, 'from one')
            two.send('from two\r')
            assert 'from two' in read_until(one, 'from two')
            assert 'from two' in read_until(two, 'from two')
        assert tcp.connections == 1
        assert bytes(tcp.received) == b'from one\rfrom two\r'
    finally:
        tcp.stop()


@pytest.mark.parametrize('suffix,words', [
    ('/', 'open the access_url'),
    ('/?token=', 'open the access_url'),
    ('/other?token=%s', 'open the access_url'),
    ('/?token=%s&token=%s', 'open the access_url'),
    ('/?token=not-a-token', 'missing or malformed'),
    ('/?token=' + 'A' * 43, 'unknown or was revoked'),
])
def test_bad_tokens_are_refused(deployment, node, suffix, words):
    token = deployment.token(node)['token']
    url = deployment.proxy.url + suffix.replace('%s', token)
    status, body = refused(url)
    assert status == 403 and words in body


def test_expiry_is_checked_at_use(deployment, node):
    token = deployment.token(node, ttl='1')
    # The token lives one second: wait past it.
    time.sleep(1.5)
    status, body = refused(token['access_url'])
    assert (status, 'expired' in body) == (403, True)


def test_origin(deployment, node):
    status, body = refused(deployment.token(node)['access_url'],
                           origin='https://evil.example.org')
    assert (status, body) == (403, 'Origin not allowed.\n')
    status, _ = refused(deployment.token(node)['access_url'],
                        additional_headers=[('Origin', ALLOWED_ORIGIN),
                                            ('Origin', ALLOWED_ORIGIN)])
    assert status == 403
    for origin in (ALLOWED_ORIGIN, 'http://127.0.0.1:%d'
                   % deployment.proxy_port):
        with connect(deployment.token(node)['access_url'],
                     origin=origin) as ws:
            ws.send('ok\r')
            read_until(ws, 'ok\r')


def test_revoking_closes_open_sessions(deployment, node):
    with connect(deployment.token(node)['access_url']) as ws:
        ws.send('x\r')
        read_until(ws, 'x\r')
        response = deployment.call('DELETE', '/v1/console_auth_tokens/'
                                   + node, OWNER)
        assert response.status_code == 200 and response.json() is None
        code, reason = closed_with(ws)
    assert (code, reason) == (4002, 'the console tokens of this node were '
                              'revoked')


def test_lease_end_cuts_the_session(deployment, node):
    deployment.lease(node, HOLDER[0], seconds=3)
    token = deployment.token(node, who=HOLDER)
    with connect(token['access_url']) as ws:
        ws.send('before the end\r')
        read_until(ws, 'before the end')
        code, reason = closed_with(ws, timeout=20)
    assert (code, reason) == (4001, 'the lease that authorised this '
                              'console ended')


def test_sub_lessee_holds_the_console_and_its_parent_does_not(
        deployment, node):
    deployment.lease(node, HOLDER[0], seconds=3600)
    parent_token = deployment.token(node, who=HOLDER)
    with connect(parent_token['access_url']) as parent_ws:
        parent_ws.send('parent\r')
        read_until(parent_ws, 'parent\r')
        deployment.lease(node, SUB[0], seconds=600)
        code, _ = closed_with(parent_ws)
        assert code == 4001
    response = deployment.call('POST', '/v1/console_auth_tokens', HOLDER,
                               json={'node_uuid_or_name': node})
    assert response.status_code == 403
    assert 'holding the node now' in response.json()['faultstring']
    with connect(deployment.token(node, who=SUB)['access_url']) as ws:
        ws.send('child\r')
        assert 'child' in read_until(ws, 'child\r')


def test_backend_closing_ends_the_session(deployment):
    bye = consoles.Socat('SYSTEM:echo goodbye', fork=True)
    try:
        deployment.nodes.add('bye-node', OWNER[0],
                             console={'type': 'socat', 'url': bye.url})
        with connect(deployment.token('bye-node')['access_url']) as ws:
            assert 'goodbye' in read_until(ws, 'goodbye')
            code, reason = closed_with(ws)
        assert (code, reason) == (1000, 'the console closed the connection')
    finally:
        bye.stop()


@pytest.mark.parametrize('console,words', [
    (None, 'has no "console" of type socat or ipmi'),
    ({'type': 'socat', 'url': 'http://x'}, 'not tcp://host:port'),
    ({'type': 'ipmi', 'address': '127.0.0.1'}, 'missing or invalid'),
    ({'type': 'socat', 'url': 'tcp://127.0.0.1:1'}, 'cannot connect'),
])
def test_unusable_consoles_close_with_a_reason(deployment, console, words):
    _COUNT[0] += 1
    name = 'bad-console-%d' % _COUNT[0]
    extra = {'console': console} if console else {}
    deployment.nodes.add(name, OWNER[0], **extra)
    with connect(deployment.token(name)['access_url']) as ws:
        code, reason = closed_with(ws)
    assert code == 1011 and words in reason, reason
    assert '127.0.0.1' not in reason, reason


def proxy_log(deployment):
    with open(deployment.proxy.log_path, errors='replace') as f:
        return f.read()


def test_console_address_stays_in_the_log(deployment):
    port = server_fixture.free_port()  # nothing listens there
    deployment.nodes.add('closed-port-node', OWNER[0], console={
        'type': 'socat', 'url': 'tcp://127.0.0.1:%d' % port})
    with connect(deployment.token('closed-port-node')['access_url']) as ws:
        code, reason = closed_with(ws)
    assert code == 1011 and 'cannot connect to its console' in reason
    assert '127.0.0.1' not in reason and str(port) not in reason, reason
    assert 'cannot connect to 127.0.0.1:%d' % port in proxy_log(deployment)


def test_ipmi_sol_through_a_simulated_bmc(deployment):
    bmc = consoles.SimulatedBmc(deployment.workdir)
    deployment.others.append(bmc)
    deployment.nodes.add('bmc-node', OWNER[0], console=bmc.console())
    with connect(deployment.token('bmc-node')['access_url']) as ws:
        ws.send('hi\r')
        seen = read_until(ws, 'bmc<<\r>>')
        assert seen == 'bmc<<h>>bmc<<i>>bmc<<\r>>'
    assert bmc.typed() == b'hi\r'


def test_bmc_unreachable_closes_with_a_reason(deployment):
    silent = consoles._free_udp_port()
    deployment.nodes.add('dead-bmc-node', OWNER[0], console={
        'type': 'ipmi', 'address': '127.0.0.1', 'port': silent,
        'username': 'admin', 'password': 'password'})
    with connect(deployment.token('dead-bmc-node')['access_url']) as ws:
        code, reason = closed_with(ws, timeout=30)
    assert code == 1011
    assert 'BMC' in reason and 'password' not in reason, reason
    assert '127.0.0.1' not in reason and str(silent) not in reason, reason
    assert 'BMC at 127.0.0.1:%d' % silent in proxy_log(deployment)


def test_idle_sessions_end(deployment, node):
    port = server_fixture.free_port()
    config = deployment.write_config('idle.conf', port, timeout='1')
    proxy = consoles.Proxy(config, port).start()
    deployment.others.append(proxy)
    token = deployment.token(node)['token']
    with connect('%s/?token=%s' % (proxy.url, token)) as ws:
        code, reason = closed_with(ws)
    assert (code, reason) == (4000, 'idle for more than 1 seconds')


def test_esi_leap_all_serves_consoles_too(tmp_path, echo):
    nodes = nodes_fixture.DummyNodes(str(tmp_path / 'nodes'))
    nodes.add('all-node', OWNER[0],
              console={'type': 'socat', 'url': echo.url})
    api_port = server_fixture.free_port()
    proxy_port = server_fixture.free_port()
    config = server_fixture.write_config(
        str(tmp_path / 'all.conf'), 'sqlite:///%s' % (tmp_path / 'all.db'),
        nodes.directory, api_port, extra={'serialconsoleproxy': {
            'port': str(proxy_port),
            'public_url': 'ws://127.0.0.1:%d' % proxy_port}})
    server = server_fixture.Server(config, api_port, program='esi-leap-all')
    server.dbsync()
    server.start()
    try:
        consoles.wait_for_port(proxy_port, server.process,
                               what='esi-leap-all')
        response = requests.post(
            server.url + '/v1/console_auth_tokens',
            json={'node_uuid_or_name': 'all-node'},
            headers={'X-Project-Id': OWNER[0], 'X-Roles': OWNER[1]})
        assert response.status_code == 201, response.text
        with connect(response.json()['access_url']) as ws:
            ws.send('all in one\r')
            assert 'all in one' in read_until(ws, 'all in one\r')
    finally:
        server.stop()


def test_viewers_beyond_max_viewers_are_refused(deployment, node):
    port = server_fixture.free_port()
    config = deployment.write_config('one-viewer.conf', port,
                                     max_viewers='1')
    proxy = consoles.Proxy(config, port).start()
    deployment.others.append(proxy)
    first, second = (deployment.token(node)['token'] for _ in range(2))
    with connect('%s/?token=%s' % (proxy.url, first)) as one:
        one.send('first\r')
        read_until(one, 'first\r')
        with connect('%s/?token=%s' % (proxy.url, second)) as two:
            code, reason = closed_with(two)
        assert (code, reason) == (1013, 'this console already has 1 '
                                  'viewers')
        one.send('still here\r')
        read_until(one, 'still here\r')


def test_plain_get_leaves_the_token_usable(deployment, node):
    token = deployment.token(node)
    http_url = 'http' + token['access_url'][len('ws'):]
    response = requests.get(http_url, timeout=15)
    assert response.status_code == 426
    # A handshake without its key is no handshake either.
    response = requests.get(http_url, timeout=15, headers={
        'Connection': 'Upgrade', 'Upgrade': 'websocket',
        'Sec-WebSocket-Version': '13'})
    assert response.status_code == 400
    with connect(token['access_url']) as ws:
        ws.send('still usable\r')
        read_until(ws, 'still usable\r')
    status, body = refused(token['access_url'])
    assert status == 403
    assert 'already used' in body or 'unknown or was revoked' in body


def stalled_viewer(access_url):
    """Open a websocket by hand on a raw socket that is never read again.

    Returns the socket once the 101 answer has been read (byte by byte,
    so that nothing after it is taken off the wire).
    """
    parts = urllib.parse.urlsplit(access_url)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((parts.hostname, parts.port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(('GET /?%s HTTP/1.1\r\nHost: %s\r\n'
                  'Upgrade: websocket\r\nConnection: Upgrade\r\n'
                  'Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n'
                  '\r\n' % (parts.query, parts.netloc, key)).encode())
    answer = b''
    sock.settimeout(15)
    while not answer.endswith(b'\r\n\r\n'):
        answer += sock.recv(1)
    assert answer.startswith(b'HTTP/1.1 101'), answer
    return sock


def echo_within(ws, marker, seconds):
    """Type ``marker`` and read the stream until it comes back.

    Fails if it does not within ``seconds`` (the bound a viewer that
    reads must be served within while another stalls).
    """
    ws.send(marker)
    seen = b''
    deadline = time.monotonic() + seconds
    while marker not in seen:
        left = deadline - time.monotonic()
        assert left > 0, 'no echo of %r within %s s' % (marker, seconds)
        seen = seen[-len(marker):] + ws.recv(timeout=left)


def eof_within(sock, seconds):
    """Read ``sock`` until the proxy closed it; False if it did not."""
    sock.settimeout(1)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if not sock.recv(1 << 20):
                return True
        except socket.timeout:
            continue
        except OSError:
            return True
    return False


def test_a_stalled_viewer_holds_no_other(deployment):
    flood = consoles.FloodConsole()
    deployment.others.append(flood)
    deployment.nodes.add('flood-node', OWNER[0],
                         console={'type': 'socat', 'url': flood.url})
    with connect(deployment.access_url('flood-node'),
                 subprotocols=['binary']) as reader:
        echo_within(reader, b'<first>', 10)
        stalled = stalled_viewer(deployment.access_url('flood-node'))
        try:
            # Long enough for the stalled viewer's buffers and backlog to
            # fill many times over; the reader is answered all along.
            deadline = time.monotonic() + 8
            count = 0
            while time.monotonic() < deadline:
                count += 1
                echo_within(reader, b'<%d>' % count, 10)
            # NOTE(esi-leap): the kernel's send buffer towards the stalled
            # viewer (up to 4 MiB on loopback) fills before its backlog
            # does; on a loaded machine the flood is slower, so allow time.
            assert eof_within(stalled, 60), 'the stalled viewer stayed'
        finally:
            stalled.close()
        echo_within(reader, b'<last>', 10)
    assert 'dropping a viewer that reads too slowly' in proxy_log(deployment)
