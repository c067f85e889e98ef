"""The one opener of a booking transaction, and its run with retries.

transaction(kind, **keys) opens a writer session whose first statement
takes the lock rows of what ``kind`` names, and yields the transaction
object that works under them:

- 'resource' (resource_type, resource_uuid): one node; a
  resource_transaction.ResourceTransaction that knows its node.
- 'offer' (offer_uuid) and 'lease' (lease_uuid): the node of that row,
  locked straight from it (no read before the transaction); a
  ResourceTransaction that learns its node when it re-reads the row
  (offer_for_claim() or lease()).
- 'claim' (offer_uuid, now, lease): a claim of one offer; see _claim().

When no offer or lease has the uuid of an 'offer', 'claim' or 'lease'
transaction, the opener raises exception.OfferNotFound (naming the uuid)
or exception.LeaseNotFound (naming the uuid) with nothing written or
locked, before any body runs.
- 'resources' (pairs): many nodes; a node_batch.ResourcesTransaction.
- 'fleet' (pairs, project_id): an N-node claim; a fleet.FleetTransaction.

Everything done through it commits together on a normal exit, or not at
all. run() runs a body in one, re-run after a deadlock (retry.run()).
"""
import contextlib

from esi_leap.common import exception
from esi_leap.common import timeutils
from esi_leap.db.sqlalchemy import booking_queries as queries
from esi_leap.db.sqlalchemy import engine
from esi_leap.db.sqlalchemy import fleet
from esi_leap.db.sqlalchemy import locks
from esi_leap.db.sqlalchemy import node_batch
from esi_leap.db.sqlalchemy import quotas
from esi_leap.db.sqlalchemy import resource_transaction
from esi_leap.db.sqlalchemy import retry


def _node(session, kind, **keys):
    """Lock one node (kind 'resource', 'offer' or 'lease'); see above."""
    locked = session.execute(
        locks.statement(session.bind.dialect.name, kind),
        dict(keys, now=timeutils.utcnow())).rowcount
    if kind == 'resource':
        return resource_transaction.ResourceTransaction(
            session, keys['resource_type'], keys['resource_uuid'])
    if not locked:
        raise _missing(kind, keys)
    return resource_transaction.ResourceTransaction(session, None, None)


def _claim(session, kind, offer_uuid, now, lease):
    """Write a claim's lease, then lock the offer's node (and project).

    The claim's lease (``lease``: Lease columns uuid, name, project_id,
    purpose, start_time, end_time, status, properties; the rest come from
    the offer's row, and ``now`` is its created_at) is written first, then
    the node's lock is taken: the body must then check, with
    offer_for_claim(..., exclude=the lease's uuid), that the claim may
    stand, and raise if not (everything is then rolled back). Raises
    exception.OfferNotFound, with nothing written or locked, when no offer
    has that uuid.

    NOTE(esi-leap): the row written before the lock is invisible to every
    other transaction until the commit (READ COMMITTED), and every check
    of a booking on the node runs after that node's lock; so the lock need
    not cover the INSERT of the lease. The event is still written under
    the lock, after the check and just before the commit: event ids are
    what pollers of /v1/events page by, and an id handed out long before
    its commit could be passed over by a poller that already saw a later
    one.

    The lock statement takes the lock of the claimant's project too (last)
    when its quota is checked, and offer_for_claim() then reads the
    project's quota override and usage with the offer (the transaction's
    ``quota``, a quotas.Prefetched): the quota check sends nothing of its
    own.
    """
    dialect = session.bind.dialect.name
    written = session.execute(queries.CLAIM_INSERTS[dialect == 'postgresql'],
                              dict(lease, offer_uuid=offer_uuid, now=now))
    claimed_id = queries.claimed_id(written, dialect)
    if claimed_id is None:
        raise _missing(kind, {'offer_uuid': offer_uuid})
    project = lease['project_id']
    locked = session.execute(locks.statement(dialect, 'claim'), {
        'offer_uuid': offer_uuid, 'now': now, 'project': project,
        'quota_defaults': quotas.defaults_limited()}).rowcount
    return resource_transaction.ResourceTransaction(
        session, None, None, claimed_id=claimed_id or None,
        quota=quotas.Prefetched(project, lease['start_time'],
                                lease['end_time'],
                                quotas.took_project(dialect, locked)))


def _missing(kind, keys):
    """The NotFound of an 'offer', 'claim' or 'lease' row not there."""
    if kind == 'lease':
        return exception.LeaseNotFound(lease_id=keys['lease_uuid'])
    return exception.OfferNotFound(offer_uuid=keys['offer_uuid'])


def _resources(session, kind, pairs):
    return node_batch.lock(session, pairs)


def _fleet(session, kind, pairs, project_id):
    return fleet.lock(session, pairs, project_id)


_OPENERS = {'resource': _node, 'offer': _node, 'lease': _node,
            'claim': _claim, 'resources': _resources, 'fleet': _fleet}


@contextlib.contextmanager
def transaction(kind, **keys):
    """Yield the transaction holding the locks of what ``kind`` names.

    ``kind`` and ``keys`` as in this module's docstring. What the
    transaction buffers (events of several nodes) is written just before
    the commit.
    """
    with engine.writer() as session:
        txn = _OPENERS[kind](session, kind, **keys)
        yield txn
        txn.finish()


def _what(kind, keys):
    """(type, name) of a booking, for the retry's log line and 409."""
    if kind == 'resource':
        return keys['resource_type'], keys['resource_uuid']
    if kind in ('resources', 'fleet'):
        return '(several)', '%d nodes' % len(set(keys['pairs']))
    if kind == 'lease':
        return 'lease', keys['lease_uuid']
    return 'offer', keys['offer_uuid']


def run(kind, body, attempts=retry.BOOKING_ATTEMPTS, **keys):
    """Run ``body(txn)`` in transaction(kind, **keys); return its result.

    ``body`` gets a fresh transaction on every attempt and must do all its
    reads, checks and writes through it (it may run more than once, so it
    must not change anything outside the transaction). A transaction the
    database rolls back as a deadlock is re-run (retry.run()); then
    exception.BookingContended (409).
    """
    return retry.run(lambda: transaction(kind, **keys), body,
                     _what(kind, keys), attempts)
