"""esi-leap-api's forked workers: replaced when they die, stopped by SIGTERM.

The real esi-leap-api with [api] api_workers = 2 on SQLite.
"""
import os
import signal
import subprocess

import pytest
import requests

from esi_leap.tests.fixtures import server as server_fixture
from esi_leap.tests import polling


@pytest.fixture
def api(tmp_path):
    with server_fixture.sqlite_api(str(tmp_path), workers=2) as server:
        yield server


def _workers(pid):
    out = subprocess.run(['ps', '-o', 'pid=', '--ppid', str(pid)],
                         capture_output=True, text=True).stdout
    return sorted(int(p) for p in out.split())


def _wait_for(condition, timeout=30):
    assert polling.poll(condition, timeout), 'timed out'


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
