"""What a new user sees when esi-leap-all starts: no warnings.

esi-leap-all runs as tools/run-embedded.sh runs it (SQLite, noauth, dummy
nodes, API, manager and console proxy in one process), with Python's
default warning filters (no PYTHONWARNINGS), and its stderr must hold no
warning and no traceback: nothing a user cannot act on.
"""
import os
import re
import signal
import subprocess
import sys
import time

import requests

from esi_leap.tests.fixtures import server as server_fixture

WARNING = re.compile(r'warn|traceback|deprecat', re.I)


def _config(tmp_path, port):
    nodes = tmp_path / 'nodes'
    nodes.mkdir()
    (nodes / '1').write_text('{"project_owner_id": "admin"}')
    return server_fixture.write_ini(str(tmp_path / 'esi-leap.conf'), {
        'DEFAULT': {'auth_strategy': 'noauth', 'noauth_acknowledged':
                    'true'},
        'database': {'connection': 'sqlite:///%s' % (
            tmp_path / 'esi-leap.sqlite')},
        'api': {'host_ip': '127.0.0.1', 'port': str(port),
                'default_resource_type': 'dummy_node'},
        'dummy_node': {'dummy_node_dir': str(nodes)},
        'noauth': {'project_id': 'admin', 'user_id': 'admin',
                   'roles': 'admin'},
        'serialconsoleproxy': {
            'port': str(server_fixture.free_port()),
            'host_address': '127.0.0.1'},
    })


def _bin(name):
    return os.path.join(os.path.dirname(sys.executable), name)


def _wait_until_up(process, url, out_path):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, open(out_path).read()
        with open(out_path, 'rb') as f:
            started = server_fixture.MANAGER_STARTED.search(f.read())
        try:
            if started and requests.get(url + '/v1/offers', timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError('esi-leap-all did not start: %s'
                         % open(out_path).read())


def test_esi_leap_all_starts_without_warnings(tmp_path):
    port = server_fixture.free_port()
    conf = _config(tmp_path, port)
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONWARNINGS'}
    for command in (['esi-leap-dbsync', '--config-file', conf, 'upgrade'],
                    ['esi-leap-all', '--config-file', conf]):
        out_path = str(tmp_path / (command[0] + '.out'))
        err_path = str(tmp_path / (command[0] + '.err'))
        with open(out_path, 'wb') as out, open(err_path, 'wb') as err:
            process = subprocess.Popen(
                [_bin(command[0])] + command[1:], stdout=out, stderr=err,
                stdin=subprocess.DEVNULL, env=env, start_new_session=True)
        try:
            if command[0] == 'esi-leap-all':
                _wait_until_up(process, 'http://127.0.0.1:%d' % port,
                               out_path)
            else:
                assert process.wait(timeout=120) == 0
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
        with open(err_path) as f:
            stderr = f.read()
        assert not WARNING.search(stderr), '%s stderr:\n%s' % (
            command[0], stderr)
        with open(out_path) as f:
            stdout = f.read()
        assert not re.search(r'warning|traceback', stdout, re.I), stdout
