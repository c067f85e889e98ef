"""Waiting in tests for something another process or thread does."""
import time


def poll(check, timeout, interval=0.1):
    """Call ``check()`` until it returns a true value or ``timeout`` passes.

    Returns the last value ``check()`` returned: true if it came in time,
    false otherwise (it is called at least once, and once more at the
    deadline). ``timeout`` and ``interval`` are in seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(min(interval, max(0.0, deadline - time.monotonic())))
