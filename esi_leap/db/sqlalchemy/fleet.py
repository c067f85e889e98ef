"""The transaction of an N-node claim: many nodes, and a project, locked.

Every chosen node's lock row, then the project's (when its quota counts),
is taken by one statement in a fixed order: nodes sorted by (type, uuid),
the project last, the order single bookings take them in too. Two N-node
claims that share nodes therefore never deadlock on each other. The
statements after the locks do not grow with the number of nodes: one
query reads every offer, one INSERT writes every lease, one every event.
"""
from esi_leap.common import timeutils
from esi_leap.db.sqlalchemy import booking_queries as queries
from esi_leap.db.sqlalchemy import event_rows as _event_rows
from esi_leap.db.sqlalchemy import locks
from esi_leap.db.sqlalchemy import models
from esi_leap.db.sqlalchemy import quotas
from esi_leap.db.sqlalchemy import records
from esi_leap.db.sqlalchemy import resource_transaction
from esi_leap.db.sqlalchemy import rows as _rows
from esi_leap.db import transactions


class FleetTransaction(_event_rows.Buffered,
                       transactions.FleetTransaction):
    """The nodes and project locked by lock(), in one session.

    Each lease of the N-node claim is checked as a claim of its offer
    would be, but the offers are read by one query (offers_for_claim()),
    the leases written by one INSERT (add_leases()) and their events by
    one more (finish()). for_offer() gives the ResourceTransaction of one
    offer, for the checks that read more (a sub-offer's parent lease).
    ``quota`` is what the transaction read of the claimant's quota (a
    quotas.Prefetched).
    """

    def __init__(self, session, quota):
        super().__init__(session)
        self.quota = quota

    def for_offer(self):
        """A ResourceTransaction in this session.

        It learns its node from the offer or lease it reads.
        """
        return resource_transaction.ResourceTransaction(
            self.session, None, None)

    def offers_for_claim(self, offer_uuids, start, pivot, statuses):
        """Re-read offers with all a claim of each must check; one query.

        {uuid: (offer, neighbours)} as offer_for_claim() of a
        ResourceTransaction (no lease excluded) for each offer of
        ``offer_uuids`` there is. The claimant's quota override comes
        with them (``quota``).
        """
        quota = self.quota
        params = queries.claim_check_params(
            start, pivot, statuses, offer_uuids=sorted(set(offer_uuids)),
            project=quota and quota.project_id)
        rows = self.session.connection().execute(
            queries.CLAIMS_CHECK, params).all()
        if rows and quota is not None:
            self.quota = quota.read(rows[0][-4:])
        return dict((offer.uuid, (offer, near)) for offer, near in
                    map(queries.claim_row, rows))

    def add_leases(self, leases):
        """Insert new leases (dicts of Lease columns) at once; return them.

        Their records come back filled in (uuid, id, created_at), in order.
        """
        return [records.record(row) for row in _rows.insert_rows(
            self.session, [models.Lease(**fields) for fields in leases])]


def lock(session, pairs, project_id):
    """A FleetTransaction in ``session`` holding the locks of nodes ``pairs``.

    The project ``project_id``'s lock is taken too (unless None), by the
    same first statement, when its quota is checked (see
    quotas.counted_gate()).
    """
    dialect = session.bind.dialect.name
    taken = session.execute(
        locks.fleet_statement(dialect, pairs, project_id, timeutils.utcnow()),
        {'quota_defaults': quotas.defaults_limited()}).rowcount
    return FleetTransaction(session, None if project_id is None else
                            quotas.Prefetched(project_id, None, None,
                                              quotas.took_project(
                                                  dialect, taken,
                                                  len(set(pairs)))))
