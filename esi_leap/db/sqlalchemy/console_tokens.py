"""Console token rows: issuing, consuming once, revoking, checking.

Every decision about a token is one statement or one transaction, so two
proxies (or two clients racing with one token) can never both use it.
"""
import sqlalchemy as sa
from sqlalchemy import orm

from esi_leap.common import holding
from esi_leap.db.sqlalchemy import engine
from esi_leap.db.sqlalchemy import models
from esi_leap.db.sqlalchemy import records

_TOKEN = models.ConsoleAuthToken


def lease_holds(lease_uuid_column, now):
    """SQL: the lease named by the column holds its node at ``now``.

    The one rule, common.holding.holder_sql().
    """
    lease, parent, child = (orm.aliased(models.Lease) for _ in range(3))
    return sa.exists(sa.select(lease.id).where(
        lease.uuid == lease_uuid_column,
        holding.holder_sql(lease, parent, child, now)))


def token_create(fields, now):
    """Store a new token row (ConsoleAuthToken columns); return its record.

    Drops the node's expired, unused tokens in the same transaction.
    """
    row = _TOKEN(**fields)
    with engine.writer() as session:
        session.execute(sa.delete(_TOKEN).where(
            _TOKEN.resource_type == row.resource_type,
            _TOKEN.node_uuid == row.node_uuid,
            _TOKEN.consumed_at.is_(None), _TOKEN.expires <= now))
        session.add(row)
        session.flush()
        return records.record(row)


def token_consume(token_hash, now):
    """Use the token with ``token_hash`` once; return its record or None.

    One conditional UPDATE: it succeeds only for a token not used before,
    not expired, whose authorising lease (if any) holds the node now.
    """
    usable = sa.and_(
        _TOKEN.token_hash == token_hash, _TOKEN.consumed_at.is_(None),
        _TOKEN.expires > now,
        sa.or_(_TOKEN.lease_uuid.is_(None),
               lease_holds(_TOKEN.lease_uuid, now)))
    with engine.writer() as session:
        result = session.execute(
            sa.update(_TOKEN).where(usable).values(consumed_at=now)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            return None
        return records.record(session.scalars(sa.select(_TOKEN).where(
            _TOKEN.token_hash == token_hash)).first())


def token_get(token_hash):
    """Return the token record with ``token_hash``, or None."""
    with engine.reader() as session:
        return records.record(session.scalars(sa.select(_TOKEN).where(
            _TOKEN.token_hash == token_hash)).first())


def tokens_delete_node(resource_type, node_uuid):
    """Delete every token of a node; return how many there were."""
    with engine.writer() as session:
        return session.execute(sa.delete(_TOKEN).where(
            _TOKEN.resource_type == resource_type,
            _TOKEN.node_uuid == node_uuid)).rowcount


def token_delete(token_id):
    """Delete one token row (its session is over)."""
    with engine.writer() as session:
        session.execute(sa.delete(_TOKEN).where(_TOKEN.id == token_id))


def tokens_state(token_ids, now):
    """Return {id: whether its session may go on} for existing tokens.

    A session may go on while its token row exists (ids missing from the
    answer were revoked) and its authorising lease, if any, still holds
    the node. One query for any number of ids.
    """
    if not token_ids:
        return {}
    holds = sa.case((sa.or_(_TOKEN.lease_uuid.is_(None),
                            lease_holds(_TOKEN.lease_uuid, now)), 1),
                    else_=0)
    query = sa.select(_TOKEN.id, holds).where(
        _TOKEN.id.in_(list(token_ids)))
    with engine.reader() as session:
        return {token_id: bool(valid)
                for token_id, valid in session.execute(query)}
