"""The outbox: sends leave in order, off the caller's thread, never raise."""
import threading

from esi_leap.common import outbox as outbox_mod


def test_sends_leave_in_order_from_another_thread():
    box = outbox_mod.Outbox()
    sent = []
    caller = threading.current_thread()
    for i in range(50):
        box.put(lambda i=i: sent.append((i, threading.current_thread())),
                'message %d' % i)
    assert box.flush(5)
    assert [i for i, _ in sent] == list(range(50))
    assert all(thread is not caller for _, thread in sent)


def test_a_failing_send_is_logged_and_the_rest_still_leave(caplog):
    box = outbox_mod.Outbox()
    sent = []

    def broken():
        raise ConnectionError('broker gone')
    box.put(broken, 'notification esi_leap.lease.create.end')
    box.put(lambda: sent.append(1), 'second')
    assert box.flush(5)
    assert sent == [1]
    assert 'Could not send notification esi_leap.lease.create.end: ' \
        'broker gone' in caplog.text


def test_a_hanging_bus_never_blocks_the_caller():
    box = outbox_mod.Outbox(max_pending=3)
    release = threading.Event()
    box.put(release.wait, 'hanging')
    for i in range(10):      # returns at once, the queue being full
        box.put(lambda: None, 'extra %d' % i)
    assert box.dropped >= 6
    assert not box.flush(0.05)
    release.set()
    assert box.flush(5)


def test_one_wake_up_waits_at_a_time():
    box = outbox_mod.Outbox()
    release = threading.Event()
    wakes = []
    box.put(release.wait, 'hanging')
    for _ in range(20):
        box.put_wake(lambda: wakes.append(1))
    release.set()
    assert box.flush(5)
    assert wakes == [1]
    box.put_wake(lambda: wakes.append(2))   # a later change wakes again
    assert box.flush(5)
    assert wakes == [1, 2]


def test_a_forked_child_gets_its_own_sender(monkeypatch):
    box = outbox_mod.Outbox()
    box.put(lambda: None, 'parent')
    assert box.flush(5)
    parent_queue = box._queue
    monkeypatch.setattr(outbox_mod.os, 'getpid', lambda: -1)
    sent = []
    box.put(lambda: sent.append(1), 'child')
    assert box._queue is not parent_queue
    assert box.flush(5)
    assert sent == [1]


def test_flush_of_an_unused_outbox_is_immediate():
    assert outbox_mod.Outbox().flush(0)
