"""The manager's loop thread: passes, wake-ups, failures and stopping."""
import threading

from esi_leap.manager import loop


class Counting(loop.Loop):
    thread_name = 'counting'

    def __init__(self, fail_first=False):
        super(Counting, self).__init__()
        self.passes = 0
        self.fail_first = fail_first
        self.changed = threading.Condition()

    def _pass(self):
        with self.changed:
            self.passes += 1
            self.changed.notify_all()
        if self.fail_first and self.passes == 1:
            raise RuntimeError('first pass fails')
        return 3600.0

    def wait_for(self, passes):
        with self.changed:
            assert self.changed.wait_for(lambda: self.passes >= passes, 5)


def test_a_wake_runs_a_pass_before_the_due_time():
    looping = Counting()
    looping.start()
    try:
        looping.wait_for(1)
        looping.wake()
        looping.wait_for(2)
        assert looping.passes == 2
    finally:
        looping.stop(timeout=5)
    assert not looping._thread.is_alive()
    assert looping.stopping


def test_a_failing_pass_is_tried_again_shortly(config):
    config(group='manager', sweep_interval=1)
    looping = Counting(fail_first=True)
    looping.start()
    try:
        # Not an hour later: after the sweep interval.
        looping.wait_for(2)
        assert looping.passes == 2
    finally:
        looping.stop(timeout=5)
