"""The many-node transaction: the manager's outcomes of many nodes at once.

A ResourcesTransaction holds the lock rows of all its nodes, taken first
in sorted order (so two of these never deadlock on each other, and a
booking on one node waits for at most one of them).
"""
from oslo_db import exception as db_exc
import sqlalchemy as sa

from esi_leap.common import statuses
from esi_leap.db.sqlalchemy import attestations as _attestations
from esi_leap.db.sqlalchemy import dialects
from esi_leap.db.sqlalchemy import ending_events as _ending_events
from esi_leap.db.sqlalchemy import event_rows as _event_rows
from esi_leap.db.sqlalchemy import locks
from esi_leap.db.sqlalchemy import models
from esi_leap.db.sqlalchemy import quarantines as _quarantines
from esi_leap.db.sqlalchemy import sql
from esi_leap.db import transactions


class ResourcesTransaction(_event_rows.Buffered,
                           transactions.ResourcesTransaction):
    """Changes on several resources, under all their locks at once.

    The manager records the outcomes of many nodes in one of these; only
    lock() creates one. Everything commits together or
    not at all.
    """

    def __init__(self, session, pairs):
        super().__init__(session)
        self.pairs = pairs

    def _by_uuid(self, model, uuids):
        """Re-read rows of ``model`` by uuid: {uuid: row}, one query a chunk.

        Uuids with no row are absent from the answer.
        """
        found = {}
        for part in sql.slices(sorted(set(uuids))):
            found.update((row.uuid, row) for row in self.session.scalars(
                sa.select(model).where(model.uuid.in_(part))))
        return found

    def leases(self, uuids):
        """Re-read leases by uuid inside the transaction: {uuid: lease}.

        Changes made to the returned rows are written at commit.
        """
        return self._by_uuid(models.Lease, uuids)

    def offers(self, uuids):
        """Re-read offers by uuid inside the transaction: {uuid: offer}.

        Changes made to the returned rows are written at commit.
        """
        return self._by_uuid(models.Offer, uuids)

    def save_attestation(self, pair, lease_uuid, status, started_at,
                         event_id, now):
        """Write the node's attested hand-over record (see attestations)."""
        _attestations.save(self.session, pair, lease_uuid, status,
                           started_at, event_id, now)

    def add_notices(self, lease_uuids, kind, due):
        """Decide a ``kind`` notice for each lease, once only (see notices).

        Leases that already have a notice of that kind are skipped.
        Returns how many notices this call decided (rows it inserted).
        """
        # NOTE(esi-leap): one multi-row INSERT per chunk, not executemany:
        # the row count of a single statement is the number of rows it
        # inserted on every backend (an executemany's may be -1).
        statement = dialects.insert_or_ignore(
            self.session.bind.dialect.name, models.LeaseNotice.__table__)
        inserted = 0
        for part in sql.slices(sorted(set(lease_uuids))):
            rows = [dict(lease_uuid=uuid, kind=kind,
                         status=statuses.NOTICE_PENDING, attempts=0,
                         next_attempt_at=due, created_at=due)
                    for uuid in part]
            inserted += self.session.execute(
                statement.values(rows)).rowcount
        return inserted

    def decide_ending_events(self, wanted, now):
        """Decide the ending event of each (lease_uuid, end_time), once only.

        Returns the pairs of ``wanted`` this call decided (inserted rows
        for); pairs decided before, by this manager or another, are left
        out. The caller holds the lock rows of the leases' nodes, which
        serialise the deciders: the rows found are those decided, and one
        multi-row INSERT per chunk writes the others.
        """
        found = _ending_events.decided(self.session, wanted)
        new = [pair for pair in dict.fromkeys(wanted) if pair not in found]
        statement = dialects.insert_or_ignore(
            self.session.bind.dialect.name, models.LeaseEndingEvent.__table__)
        inserted = 0
        for part in sql.slices(new):
            inserted += self.session.execute(statement.values([
                dict(lease_uuid=uuid, end_time=end, created_at=now)
                for uuid, end in part])).rowcount
        if inserted != len(new):
            # NOTE(esi-leap): the unique key skipped a row decided
            # meanwhile after all: which one is unknown, so nothing of
            # this transaction may stand (the next run decides afresh).
            raise db_exc.DBDuplicateEntry(
                columns=['lease_uuid', 'end_time'])
        return new

    def open_quarantines(self, pairs):
        """The nodes of ``pairs`` quarantined now (see quarantines)."""
        return _quarantines.open_of(self.session, pairs)

    def delete_tokens(self, pairs):
        """Delete every console token of the nodes of ``pairs``."""
        token = models.ConsoleAuthToken
        for rtype, uuids in sql.chunks(pairs):
            self.session.execute(sa.delete(token).where(
                token.resource_type == rtype, token.node_uuid.in_(uuids)))


def lock(session, pairs):
    """A ResourcesTransaction in ``session`` holding the locks of ``pairs``.

    The locks are taken first, in sorted order, at most sql.CHUNK rows per
    statement.
    """
    pairs = sorted(set(pairs))
    dialect = session.bind.dialect.name
    for part in sql.slices(pairs):
        session.execute(locks.pairs_statement(dialect, part))
    return ResourcesTransaction(session, pairs)
