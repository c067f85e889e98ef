"""Helpers shared by the API functional tests."""
import contextlib
import threading

import sqlalchemy as sa

from esi_leap.db import api as db_api
from esi_leap.db.sqlalchemy import models
from esi_leap import resource_types


def fault(response):
    """Return the faultstring of a JSON error response, checking its shape."""
    assert response.content_type == 'application/json'
    body = response.json
    assert set(body) == {'faultcode', 'faultstring', 'debuginfo'}
    assert body['debuginfo'] is None
    return body['faultstring']


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
