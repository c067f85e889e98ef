"""Messages sent after the change that caused them, off the caller's path.

Versioned notifications and manager wake-ups leave from one background
thread per process, in the order they were handed over, so that neither an
API request nor a lease transition ever waits on the message bus (a slow
or unreachable broker included). Both are advisory: the events table keeps
the record, and the manager plans from the database and sweeps anyway.
"""
import atexit
import os
import queue
import threading
import time

from oslo_log import log

LOG = log.getLogger(__name__)

# Messages waiting at most; beyond that new ones are dropped (and counted
# in the log) rather than growing without bound while the bus is down.
MAX_PENDING = 10000
FLUSH_SECONDS = 5.0


class Outbox(object):
    """A FIFO of sends, drained by a daemon thread started on first use."""

    def __init__(self, max_pending=MAX_PENDING):
        self._max_pending = max_pending
        self._lock = threading.Lock()
        self._pid = None
        self._queue = None
        self._wake_queued = False
        self.dropped = 0

    def _ready_queue(self):
        """The queue of this process, with its sender thread running."""
        with self._lock:
            # NOTE(esi-leap): API workers are forked; a child gets neither
            # its parent's thread nor a safe copy of its queue's locks.
            if self._pid != os.getpid():
                self._pid = os.getpid()
                self._queue = queue.Queue(maxsize=self._max_pending)
                self._wake_queued = False
                threading.Thread(target=self._drain, args=(self._queue,),
                                 name='esi-leap-outbox', daemon=True).start()
            return self._queue

    def put(self, send, what):
        """Hand ``send()`` over to the sender thread; never blocks.

        ``what`` names the message in the log if sending fails or the
        outbox is full.
        """
        try:
            self._ready_queue().put_nowait((send, what))
        except queue.Full:
            self.dropped += 1
            if self.dropped % 1000 == 1:
                LOG.warning('Outbox full (%d messages waiting): dropped %s '
                            '(%d dropped so far)', self._max_pending, what,
                            self.dropped)

    def put_wake(self, send):
        """Like put(), but at most one wake-up waits at any time.

        A wake-up asks the managers to look at the database; one sent after
        several changes covers them all.
        """
        with self._lock:
            if self._wake_queued and self._pid == os.getpid():
                return
            self._wake_queued = True
        self.put(self._wake(send), 'manager wake-up')

    def _wake(self, send):
        def wake():
            self._wake_queued = False
            send()
        return wake

    def _drain(self, pending):
        while True:
            send, what = pending.get()
            try:
                send()
            except Exception as e:
                LOG.warning('Could not send %s: %s', what, e)
            finally:
                pending.task_done()

    def flush(self, timeout=FLUSH_SECONDS):
        """Wait until everything handed over was sent, up to ``timeout``.

        Returns whether the outbox is empty.
        """
        pending = self._queue
        if pending is None or self._pid != os.getpid():
            return True
        deadline = time.monotonic() + timeout
        while pending.unfinished_tasks:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True


OUTBOX = Outbox()
atexit.register(OUTBOX.flush)
