"""The lock statements: every upsert that takes resource_locks rows.

A booking serialises on the lock row of its node (and of its project,
when the project's quota is checked): one upsert both creates a missing
row and takes its row lock. Rows are always taken in one fixed order,
nodes sorted by (type, uuid) and the project (quotas.PROJECT_LOCK_TYPE
sorts after every node type) last, so two bookings never deadlock on
each other's locks.
"""
import sqlalchemy as sa

from esi_leap.common import timeutils
from esi_leap.db.sqlalchemy import dialects
from esi_leap.db.sqlalchemy import models
from esi_leap.db.sqlalchemy import quotas

_TABLE = models.ResourceLock.__table__
_COLUMNS = ['resource_type', 'resource_uuid', 'generation', 'created_at']


def _bump(dialect, statement):
    """Make an INSERT into resource_locks bump the generation on conflict.

    NOTE(esi-leap): one upsert both creates a missing lock row and takes
    the row lock (InnoDB: an exclusive record lock on the primary key;
    PostgreSQL: the row lock of ON CONFLICT DO UPDATE), so a booking
    never needs a separate insert attempt or a second try.
    """
    return dialects.upsert(dialect, statement,
                           ['resource_type', 'resource_uuid'],
                           {'generation': _TABLE.c.generation + 1})


def lock_values(resource_type, resource_uuid, now=None):
    """The values of a new lock row of (resource_type, resource_uuid)."""
    return dict(resource_type=resource_type, resource_uuid=resource_uuid,
                generation=0, created_at=now or timeutils.utcnow())


def rows_statement(dialect, rows):
    """One upsert taking the lock rows ``rows`` (lock_values()), in order."""
    return _bump(dialect, dialects.insert(dialect, _TABLE).values(rows))


def pairs_statement(dialect, pairs):
    """One statement creating and locking the lock rows of node ``pairs``.

    The rows are given sorted, and the databases lock them in that order.
    """
    return rows_statement(dialect, [lock_values(rtype, ruuid)
                                    for rtype, ruuid in sorted(pairs)])


def lock_project(session, project_id):
    """Take the project's lock row in ``session`` (created if missing)."""
    session.execute(rows_statement(
        session.bind.dialect.name,
        [lock_values(quotas.PROJECT_LOCK_TYPE, project_id)]))


def fleet_statement(dialect, pairs, project_id, now):
    """One upsert taking the lock rows of nodes ``pairs``, then a project's.

    The nodes sorted, the project (quotas.lock_row_select(): only when its
    quota is checked; parameter quota_defaults) last.
    """
    rows = [sa.select(sa.literal(rtype), sa.literal(ruuid), sa.literal(0),
                      sa.literal(now, _TABLE.c.created_at.type))
            for rtype, ruuid in sorted(set(pairs))]
    if project_id is not None:
        rows.append(quotas.lock_row_select(
            sa.literal(project_id, _TABLE.c.resource_uuid.type),
            sa.literal(now, _TABLE.c.created_at.type)))
    return _bump(dialect, dialects.insert(dialect, _TABLE).from_select(
        _COLUMNS, sa.union_all(*rows)))


def _build_statements(dialect):
    """The single-node lock upserts of ``dialect``, with bound parameters.

    'resource' locks (resource_type, resource_uuid); 'offer' locks the node
    of the offer whose uuid is ``offer_uuid`` and 'lease' that of the lease
    whose uuid is ``lease_uuid``: their source is that row, so they lock
    nothing (and affect no row) when there is no such row. 'claim' locks
    as 'offer', then the lock row of ``project`` when its quota is checked
    (quotas.lock_row_select(); parameter quota_defaults too). All take
    ``now`` as the created_at of a new lock row.
    """
    now = sa.bindparam('now', type_=_TABLE.c.created_at.type)
    statements = {'resource': _bump(
        dialect, dialects.insert(dialect, _TABLE).values(
            resource_type=sa.bindparam('resource_type'),
            resource_uuid=sa.bindparam('resource_uuid'), generation=0,
            created_at=now))}
    sources = {}
    for kind, source in (('offer', models.Offer.__table__),
                         ('lease', models.Lease.__table__)):
        sources[kind] = sa.select(
            source.c.resource_type, source.c.resource_uuid, sa.literal(0),
            now).where(source.c.uuid == sa.bindparam(kind + '_uuid'))
        statements[kind] = _bump(dialect, dialects.insert(
            dialect, _TABLE).from_select(_COLUMNS, sources[kind]))
    # NOTE(esi-leap): a claim's node and then, when its quota is checked,
    # its project: the rows are taken in the order of the UNION ALL, the
    # project (whose type sorts after the nodes') last.
    statements['claim'] = _bump(dialect, dialects.insert(
        dialect, _TABLE).from_select(_COLUMNS, sa.union_all(
            sources['offer'], quotas.lock_row_select(
                sa.bindparam('project', type_=_TABLE.c.resource_uuid.type),
                now))))
    return statements


# NOTE(esi-leap): built once per dialect: every booking starts with one,
# and building a statement costs more than running it on loopback.
_STATEMENTS = {}


def statement(dialect, kind):
    """The prepared lock upsert of ``kind``: see _build_statements()."""
    statements = _STATEMENTS.get(dialect)
    if statements is None:
        statements = _STATEMENTS[dialect] = _build_statements(dialect)
    return statements[kind]
