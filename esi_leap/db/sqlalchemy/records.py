"""The shapes of the rows the DB layer hands out: read-only named tuples.

Lists read only the columns their callers show (the *Row types); one
row looked up or written is a *Record* of every column (the manager and
the booking checks read its bookkeeping too). record() turns a model
instance into its record.
"""
import collections

from esi_leap.db.sqlalchemy import models

# NOTE(esi-leap): lists read only the columns their callers use (views,
# availabilities, console checks): every column of every row costs driver
# and type-processing time, and ids and bookkeeping are never shown.
OFFER_COLUMNS = tuple(
    c for c in models.Offer.__table__.columns
    if c.key not in ('id', 'created_at', 'updated_at'))
LEASE_COLUMNS = tuple(
    c for c in models.Lease.__table__.columns
    if c.key not in ('id', 'created_at', 'updated_at', 'attempts',
                     'next_attempt_at'))

EVENT_COLUMNS = tuple(models.Event.__table__.columns)

OfferRow = collections.namedtuple('OfferRow',
                                  [c.key for c in OFFER_COLUMNS])
LeaseRow = collections.namedtuple('LeaseRow',
                                  [c.key for c in LEASE_COLUMNS])
EventRow = collections.namedtuple('EventRow',
                                  [c.key for c in EVENT_COLUMNS])

# One offer or lease looked up by uuid or name: every column (the manager
# and the booking checks read its bookkeeping too).
OFFER_RECORD = tuple(models.Offer.__table__.columns)
LEASE_RECORD = tuple(models.Lease.__table__.columns)
OfferRecord = collections.namedtuple('OfferRecord',
                                     [c.key for c in OFFER_RECORD])
LeaseRecord = collections.namedtuple('LeaseRecord',
                                     [c.key for c in LEASE_RECORD])


def _record_type(model):
    """A named tuple of every column of ``model``: its read-only record."""
    return collections.namedtuple(
        model.__name__ + 'Record', [c.key for c in model.__table__.columns])


_RECORDS = {model.__table__.name: _record_type(model) for model in (
    models.ConsoleAuthToken, models.LeaseNotice, models.NodeAttestation,
    models.ProjectQuota)}
_RECORDS.update(offers=OfferRecord, leases=LeaseRecord)


def record(row):
    """The read-only record of a model instance (None for None).

    Every column's current value; nothing done to the record reaches the
    database.
    """
    if row is None:
        return None
    make = _RECORDS[row.__table__.name]
    return make._make([getattr(row, key) for key in make._fields])


def rows(result, row_type):
    """All rows of a driver ``result`` as ``row_type`` tuples.

    NOTE(esi-leap): Connection.execute() skips the ORM's execution and
    loading layers, which cost per row, for statements that select only
    columns anyway; and a named tuple's fields are read about ten times
    faster than a SQLAlchemy Row's attributes, which a view reads
    twenty times a row.
    """
    make = row_type._make
    return [make(row) for row in result]
