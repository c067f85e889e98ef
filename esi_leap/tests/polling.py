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


def until_equal(read, wanted, timeout, interval=0.1):
    """Call ``read()`` until it returns ``wanted`` or ``timeout`` passes.

    Returns the last value read: ``wanted`` if it came in time.
    """
    last = []

    def reached():
        last.append(read())
        return last[-1] == wanted
    poll(reached, timeout, interval)
    return last[-1]
