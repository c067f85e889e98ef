"""The manager's loop threads: a pass, then a pause until the next is due.

A Loop runs its pass in a background thread, then pauses until the next
due instant the pass gave, until woken, or until stopped; a failing pass
is logged and tried again shortly. The scheduler and the e-mail notifier
are Loops: each says only what a pass does and how it pauses.
"""
import threading

from oslo_config import cfg
from oslo_log import log

CONF = cfg.CONF
LOG = log.getLogger(__name__)

# Most seconds before a failed pass is tried again.
RETRY_FAILED = 5.0


class Loop(object):
    """A background thread running _pass() until stopped.

    Subclasses give _pass() (one pass; returns the seconds until the
    next is due) and may give _pause() (how to wait meanwhile).
    ``thread_name`` names the thread; ``failed`` is logged when a pass raises.
    """

    thread_name = 'loop'
    failed = 'Loop pass failed; trying again shortly'

    def __init__(self):
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = None

    @property
    def stopping(self):
        """Whether stop() was called."""
        return self._stop.is_set()

    def wake(self):
        """Look for due work now rather than at the next planned time."""
        self._wake.set()

    def start(self):
        """Run the loop in a background thread."""
        self._thread = threading.Thread(target=self.run, name=self.thread_name,
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout=30):
        """Stop the loop; wait up to ``timeout`` s for its pass to end."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run(self):
        """Loop until stopped; a failing pass is logged and retried."""
        while not self._stop.is_set():
            self._wake.clear()
            try:
                delay = self._pass()
            except Exception:
                LOG.exception(self.failed)
                delay = min(RETRY_FAILED, CONF.manager.sweep_interval)
            self._pause(delay)

    def _pass(self):
        """One pass; return the seconds until the next one is due."""
        raise NotImplementedError()

    def _pause(self, delay):
        """Wait ``delay`` seconds, or until woken or stopped."""
        if delay > 0:
            self._wake.wait(delay)
