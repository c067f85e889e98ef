"""The transaction of an N-node claim: many nodes, and a project, locked.

Every chosen node's lock row, then the project's (when its quota counts),
is taken by one statement in a fixed order: nodes sorted by (type, uuid),
the project last, the order single bookings take them in too. Two N-node
claims that share nodes therefore never deadlock on each other.
"""
import contextlib

from esi_leap.common import timeutils
from esi_leap.db.sqlalchemy import booking
from esi_leap.db.sqlalchemy import engine
from esi_leap.db.sqlalchemy import quotas


class FleetTransaction(object):
    """The nodes and project locked by fleet_transaction(), one session.

    for_offer() gives the ResourceTransaction through which the single
    claim of one offer runs, so that each lease of the N-node claim is
    checked and written exactly as a claim of its offer would be.
    """

    def __init__(self, session):
        self.session = session

    def for_offer(self):
        """A ResourceTransaction in this session.

        It learns its node from the offer it reads (offer_for_claim()).
        """
        return booking.ResourceTransaction(self.session, None, None)


def _lock_rows(pairs, project_id, now):
    rows = [dict(resource_type=rtype, resource_uuid=ruuid, generation=0,
                 created_at=now) for rtype, ruuid in sorted(set(pairs))]
    if project_id is not None:
        rows.append(quotas.lock_values(project_id, now))
    return rows


@contextlib.contextmanager
def fleet_transaction(pairs, project_id=None):
    """Yield a FleetTransaction holding the locks of nodes ``pairs``.

    The project ``project_id``'s lock (unless None) is taken too, by the
    same first statement.
    """
    with engine.writer() as session:
        session.execute(quotas.locks_statement(
            session.bind.dialect.name,
            _lock_rows(pairs, project_id, timeutils.utcnow())))
        yield FleetTransaction(session)


def run_fleet_booking(pairs, project_id, body,
                      attempts=booking.BOOKING_ATTEMPTS):
    """Run ``body(txn)`` in a fleet_transaction(); return its result.

    As booking.run_booking(): the body runs again from the start when the
    database rolls the transaction back as a deadlock (at most
    ``attempts`` times, then BookingContended).
    """
    # NOTE(esi-leap): the retry loop is the one every booking uses.
    return booking._retrying(
        lambda: fleet_transaction(pairs, project_id), body,
        ('(several)', '%d nodes' % len(set(pairs))), attempts)
