"""Helpers shared by the API functional tests."""
import contextlib
import threading

import sqlalchemy as sa

from esi_leap.db import api as db_api
from esi_leap.db.sqlalchemy import models
from esi_leap.notifications import emitter
from esi_leap import resource_types


def fault(response):
    """Return the faultstring of a JSON error response, checking its shape."""
    assert response.content_type == 'application/json'
    body = response.json
    assert set(body) == {'faultcode', 'faultstring', 'debuginfo'}
    assert body['debuginfo'] is None
    return body['faultstring']


def lease_to_holder(owner, node='node-1'):
    """Have ``owner`` lease ``node`` to holder-project, made active.

    For 2030-01-01 to 2030-01-20; returns the lease as the API shows it.
    """
    lease = owner.post('/v1/leases', {
        'resource_uuid': node, 'project_id': 'holder-project',
        'start_time': '2030-01-01', 'end_time': '2030-01-20'}).json
    set_lease_status(lease['uuid'], 'active')
    return lease


def spy_notifications(monkeypatch, config, pick):
    """Keep ``pick(entry)`` of every notification sent; returns the list.

    An entry is (level, event type, payload) as the Recorder hands it to
    the sender, taken in order once sent; the transport is the fake one.
    """
    config(transport_url='fake://')
    found = []
    send = emitter.Recorder.send

    def spy_send(recorder, nodes=None):
        pending = list(recorder.pending)
        send(recorder, nodes)
        found.extend(pick(entry) for entry in pending)
    monkeypatch.setattr(emitter.Recorder, 'send', spy_send)
    return found


def set_lease_status(uuid, status):
    """Change a lease's status directly, as the manager would."""
    with db_api.writer() as session:
        session.execute(sa.update(models.Lease)
                        .where(models.Lease.uuid == uuid)
                        .values(status=status))


@contextlib.contextmanager
def lock_statements():
    """Collect the statements that take nodes' lock rows, while inside.

    Every booking or manager transaction starts with one (one per
    sql.CHUNK nodes), so their number is the number of transactions.
    """
    seen = []

    def listener(conn, cursor, statement, parameters, context, many):
        if statement.lstrip().upper().startswith('INSERT') and \
                'resource_locks' in statement:
            seen.append(statement)
    engine = db_api.get_engine()
    sa.event.listen(engine, 'before_cursor_execute', listener)
    try:
        yield seen
    finally:
        sa.event.remove(engine, 'before_cursor_execute', listener)


def count_node_reads(monkeypatch):
    """Count the dummy backend's node reads: returns the running list."""
    backend = resource_types.get('dummy_node')
    reads = []
    get, get_many = backend.get, backend.get_many

    def counted_get(uuid):
        reads.append(uuid)
        return get(uuid)

    def counted_get_many(uuids):
        reads.extend(uuids)
        return get_many(uuids)
    monkeypatch.setattr(backend, 'get', counted_get)
    monkeypatch.setattr(backend, 'get_many', counted_get_many)
    return reads


@contextlib.contextmanager
def checkouts():
    """Count the connections checked out of the pool while inside."""
    seen = []
    engine = db_api.get_engine()

    def listener(dbapi_connection, record, proxy):
        seen.append(record)
    sa.event.listen(engine, 'checkout', listener)
    try:
        yield seen
    finally:
        sa.event.remove(engine, 'checkout', listener)


def together(workers, instants, step):
    """Run ``step(worker, instant)`` for the workers side by side.

    Each worker has its thread; a barrier releases them together at each
    instant. Returns the exceptions the workers raised (empty when all
    went well).
    """
    barrier = threading.Barrier(len(workers))
    errors = []

    def run(worker):
        try:
            for instant in instants:
                barrier.wait(30)
                step(worker, instant)
        except Exception as e:  # reported by the caller
            errors.append(e)
    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return errors
