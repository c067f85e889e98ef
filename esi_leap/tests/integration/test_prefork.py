"""esi-leap-api's forked workers: replaced when they die, stopped by SIGTERM.

The real esi-leap-api with [api] api_workers = 2 on SQLite.
"""
import os
import signal
import subprocess
import time

import pytest
import requests

from esi_leap.tests.fixtures import databases
from esi_leap.tests.fixtures import server as server_fixture


@pytest.fixture
def api(tmp_path):
    workdir = str(tmp_path)
    database = databases.ThrowawayDatabase('sqlite', workdir).create()
    port = server_fixture.free_port()
    config = server_fixture.write_config(
        os.path.join(workdir, 'esi-leap.conf'), database.url,
        os.path.join(workdir, 'nodes'), port, workers=2)
    server = server_fixture.Server(config, port)
    server.dbsync()
    server.start()
    try:
        yield server
    finally:
        server.stop()
        database.drop()


def _workers(pid):
    out = subprocess.run(['ps', '-o', 'pid=', '--ppid', str(pid)],
                         capture_output=True, text=True).stdout
    return sorted(int(p) for p in out.split())


def _wait_for(condition, timeout=30):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, 'timed out'
        time.sleep(0.1)


def test_a_worker_killed_right_after_start_is_replaced(api):
    # Killed within seconds of its start, a worker that did start is
    # replaced; the server does not take it for one that failed to start.
    first = _workers(api.process.pid)
    assert len(first) == 2, first
    os.kill(first[0], signal.SIGKILL)
    _wait_for(lambda: len(set(_workers(api.process.pid)) - {first[0]}) == 2)
    for _ in range(20):
        assert requests.get(api.url + '/v1/offers',
                            timeout=10).status_code == 200
    assert api.running()
    with open(api.log_path) as log:
        assert 'failed to start' not in log.read()


def test_sigterm_stops_every_worker_and_exits_0(api):
    workers = _workers(api.process.pid)
    os.kill(api.process.pid, signal.SIGTERM)
    assert api.process.wait(timeout=30) == 0
    for pid in workers:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
