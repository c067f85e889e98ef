"""The stall watch: frozen time is counted, normal ticks are not."""
import os
import signal
import subprocess
import sys
import time

from esi_leap.tests.fixtures import stalls


def test_overlaps_count_beyond_the_tick(monkeypatch):
    monkeypatch.setattr(stalls, '_FREEZES', [(100.0, 110.0), (200.0, 201.0)])
    assert stalls.frozen(0, 50) == 0
    assert abs(stalls.frozen(105, 300) - (5 - stalls.TICK + 1 - stalls.TICK)
               ) < 1e-9
    assert abs(stalls.frozen(0, 300) - (11 - 2 * stalls.TICK)) < 1e-9
    # An overlap no longer than a tick is normal sleeping, not a freeze.
    assert stalls.frozen(109.99, 300) == 1 - stalls.TICK


def test_a_frozen_process_sees_its_freeze(tmp_path):
    # A child process stopped (SIGSTOP) for 1.5 s, as the host freezes the
    # whole machine, finds about 1.5 s of frozen time; running, none.
    script = (
        'import sys, time\n'
        'from esi_leap.tests.fixtures import stalls\n'
        'stalls.start(); began = time.time()\n'
        'print("ready", flush=True); sys.stdin.readline()\n'
        'time.sleep(0.3)\n'
        'print("%.3f %.3f" % (stalls.frozen(began), '
        'stalls.lag_since(began)), flush=True)\n')
    child = subprocess.Popen([sys.executable, '-c', script],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True)
    try:
        assert child.stdout.readline().strip() == 'ready'
        os.kill(child.pid, signal.SIGSTOP)
        time.sleep(1.5)
        os.kill(child.pid, signal.SIGCONT)
        child.stdin.write('\n')
        child.stdin.flush()
        frozen, lag = map(float, child.stdout.readline().split())
    finally:
        child.kill()
        child.wait()
    assert 1.2 < frozen < 2.5, frozen
    assert lag < 1.0, lag
