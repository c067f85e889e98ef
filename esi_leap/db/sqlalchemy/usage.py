"""The usage report: node time of leases in a period, in one statement.

A lease's time is what the manager really gave: from its fulfill_time
to its expire_time (or ``now`` while it has none), clipped to the
period. Leases that never started count nothing. Everything is summed by
the database, grouped by the columns asked for.
"""
import sqlalchemy as sa

from esi_leap.db.sqlalchemy import engine
from esi_leap.db.sqlalchemy import models

# What a group_by key groups by: lease columns.
GROUP_COLUMNS = {
    'project': ('project_id',),
    'owner': ('owner_id',),
    'resource_class': ('resource_class',),
    'resource': ('resource_type', 'resource_uuid'),
}


def _later(dialect, a, b):
    if dialect == 'sqlite':
        return sa.func.max(a, b)
    return sa.func.greatest(a, b)


def _earlier(dialect, a, b):
    if dialect == 'sqlite':
        return sa.func.min(a, b)
    return sa.func.least(a, b)


def _seconds_sum(dialect, low, high):
    """The sum over the rows of the seconds from ``low`` to ``high``."""
    if dialect == 'postgresql':
        return sa.func.sum(sa.func.extract('epoch', high - low))
    if dialect == 'mysql':
        # NOTE(esi-leap): summed in microseconds, divided once.
        return sa.func.sum(sa.func.timestampdiff(
            sa.text('MICROSECOND'), low, high)) / 1000000.0
    return sa.func.sum(
        (sa.func.julianday(high) - sa.func.julianday(low)) * 86400.0)


def _statement(dialect, columns):
    """The report's statement, grouped by lease ``columns``.

    Its parameters are start and cap (the period's end, or now if earlier).

    NOTE(esi-leap): a lease takes time in the period exactly when it
    started before the cap and ended (if it did) after both the period's
    start and its own start: plain column comparisons, so the database
    computes the clipped times only for the rows that count.
    """
    lease = models.Lease
    stamp = lease.start_time.type
    start = sa.bindparam('start', type_=stamp)
    cap = sa.bindparam('cap', type_=stamp)
    low = _later(dialect, lease.fulfill_time, start)
    high = _earlier(dialect, sa.func.coalesce(lease.expire_time, cap), cap)
    keys = [getattr(lease, c) for c in columns]
    return sa.select(
        *keys, _seconds_sum(dialect, low, high), sa.func.count()
    ).where(lease.fulfill_time < cap,
            sa.or_(lease.expire_time.is_(None),
                   sa.and_(lease.expire_time > start,
                           lease.expire_time > lease.fulfill_time))
            ).group_by(*keys).order_by(*keys)


def report(start, end, now, group_by, project_id=None, owner_id=None,
           party_id=None):
    """Node seconds and lease counts of leases in [start, end).

    ``group_by`` is a list of GROUP_COLUMNS keys. ``project_id``,
    ``owner_id`` and ``party_id`` (granted or holds) narrow the leases
    as in a lease list. Returns [(group values..., seconds, leases)],
    one row per group, from one aggregate query.
    """
    columns = [c for key in group_by for c in GROUP_COLUMNS[key]]
    if start >= min(end, now):
        return []
    lease = models.Lease
    with engine.reader() as session:
        statement = _statement(session.bind.dialect.name, columns)
        if project_id is not None:
            statement = statement.where(lease.project_id == project_id)
        if owner_id is not None:
            statement = statement.where(lease.owner_id == owner_id)
        if party_id is not None:
            statement = statement.where(sa.or_(lease.project_id == party_id,
                                               lease.owner_id == party_id))
        rows = session.execute(statement, {
            'start': start, 'cap': min(end, now)}).all()
    return [tuple(row[:-2]) + (float(row[-2] or 0), int(row[-1]))
            for row in rows]
