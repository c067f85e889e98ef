"""New Offer and Lease rows: filled in, then inserted with Core.

NOTE(esi-leap): a Core INSERT instead of session.add() + flush() skips
the ORM unit of work, the costliest part of a booking.
"""
from oslo_utils import uuidutils
import sqlalchemy as sa

from esi_leap.common import timeutils
from esi_leap.db.sqlalchemy import models


def insert_row(session, row):
    """Insert a new Offer or Lease row (one INSERT); return it.

    The row is filled in (uuid, created_at, id) but not attached to the
    session: later changes to it are not written.
    """
    # NOTE(esi-leap): the values go as parameters of a prebuilt INSERT:
    # its compiled form is cached per set of columns given.
    result = session.execute(_INSERTS[row.__table__.name], filled(row))
    # NOTE(esi-leap): the new id comes with the INSERT (lastrowid, or
    # RETURNING on PostgreSQL), no query of its own; notifications
    # carry it.
    row.id = result.inserted_primary_key[0]
    return row


def insert_rows(session, rows):
    """Insert new rows of one table (Offer or Lease objects) at once.

    One multi-row INSERT; each row is filled in as by
    insert_row(), its id included. Returns ``rows``.
    """
    if not rows:
        return rows
    table = rows[0].__table__
    values = [filled(row) for row in rows]
    keys = sorted(set().union(*values))
    statement = table.insert().values(
        [{key: value.get(key) for key in keys} for value in values])
    # NOTE(esi-leap): PostgreSQL, MariaDB and SQLite hand the ids back
    # with RETURNING; elsewhere they are read back by uuid.
    if session.bind.dialect.insert_returning:
        ids = dict(session.execute(statement.returning(
            table.c.uuid, table.c.id)).all())
    else:
        session.execute(statement)
        ids = dict(session.execute(sa.select(table.c.uuid, table.c.id).where(
            table.c.uuid.in_([row.uuid for row in rows]))).all())
    for row in rows:
        row.id = ids[row.uuid]
    return rows


def filled(row):
    """Fill in a new row's uuid, created_at and scalar defaults.

    Returns the column values to insert ({column key: value}, Nones left
    out).
    """
    if row.uuid is None:
        row.uuid = uuidutils.generate_uuid()
    if row.created_at is None:
        row.created_at = timeutils.utcnow()
    values = {}
    for column in row.__table__.columns:
        value = getattr(row, column.key)
        if value is None and column.default is not None and \
                column.default.is_scalar:
            value = column.default.arg
            setattr(row, column.key, value)
        if value is not None:
            values[column.key] = value
    return values


_INSERTS = {'offers': models.Offer.__table__.insert(),
            'leases': models.Lease.__table__.insert()}
