"""The contract's queries for the manager: due work, notices, events.

Part of the database contract (see esi_leap.db.api, which names every
function here). Each runs in a transaction of its own and raises only
what the database layer raises.
"""
from esi_leap.db.sqlalchemy import attestations as _attestations
from esi_leap.db.sqlalchemy import due_work as _due_work
from esi_leap.db.sqlalchemy import ending_events as _ending_events
from esi_leap.db.sqlalchemy import engine as _engine
from esi_leap.db.sqlalchemy import lease_notices as _lease_notices


# The manager ------------------------------------------------------------

def due_resources(now):
    """Return the sorted (resource_type, resource_uuid) pairs with work due.

    Work is due for a lease that should start, end or be retried by
    ``now``. The cost does not grow with the number of finished leases.
    """
    return _due_work.due_resources(now)


def next_due(now):
    """Return the earliest instant after ``now`` when work is due, or None.

    Counts lease starts and ends, retry times, and open offers' ends.
    """
    return _due_work.next_due(now)


def ended_offers(now, limit=500):
    """Return at most ``limit`` open offers whose end time has passed.

    Offer records, earliest end first.
    """
    return _due_work.ended_offers(now, limit)


def held_resources():
    """Return what every node with an active lease should carry.

    Tuples of (resource_type, resource_uuid, lease uuid, lessee project,
    parent lease uuid).
    """
    return _due_work.held_resources()


def claim_resources(pairs, owner, now, ttl):
    """Claim many nodes at once for ``owner``; return the pairs it won.

    A node is won when it is free, already ``owner``'s, or its claim
    lapsed; the claims last until ``now + ttl`` unless released. One
    transaction of a few statements per 500 nodes; two managers never
    both win a node. The won pairs come sorted; the others are held by
    another manager's unexpired claim.
    """
    return _due_work.claim_resources(pairs, owner, now, ttl)


def release_resources(pairs, owner):
    """Give up ``owner``'s claims on many nodes, in one transaction."""
    _due_work.release_resources(pairs, owner)


def live_leases_of(pairs, statuses):
    """Return {pair: Lease records in ``statuses``, by start} of many nodes.

    Read from the primary database in one query per 500 nodes; every pair
    of ``pairs`` is a key (with [] when it has no such lease).
    """
    return _due_work.live_leases_of(pairs, statuses)


def attestations_of(pairs):
    """{pair: the node's attested hand-over record} (nodes with one)."""
    with _engine.reader() as session:
        return _attestations.of_nodes(session, pairs)


# The lease ending event -------------------------------------------------

def leases_to_announce(now, horizon, wanted, limit=500):
    """Leases whose ending event is due at ``now`` and not yet decided.

    Started leases in the ``wanted`` statuses ending in (now, horizon]
    with no event for their current end time: at most ``limit`` Lease
    records, soonest end first; ended leases cost nothing.
    """
    return _ending_events.leases_to_announce(now, horizon, wanted, limit)


def next_announced_end(after):
    """Earliest end after ``after`` of a lease that may get the event."""
    return _ending_events.next_announced_end(after)


def ending_events_of(lease_uuid):
    """The end times whose ending event of a lease was decided, sorted."""
    return _ending_events.ending_events_of(lease_uuid)


# Lease e-mail notices ---------------------------------------------------

def leases_to_warn(now, horizon, limit=500):
    """Active leases ending in (now, horizon] without an ending notice.

    At most ``limit`` Lease records, soonest end first; leases that
    have ended cost nothing.
    """
    return _lease_notices.leases_to_warn(now, horizon, limit)


def next_warning_end(after):
    """Earliest end after ``after`` of an active lease, or None."""
    return _lease_notices.next_warning_end(after)


def due_notices(now, limit=100):
    """Pending notices whose next attempt is due by ``now``, oldest first."""
    return _lease_notices.due_notices(now, limit)


def next_notice_attempt(now):
    """The earliest pending notice attempt after ``now``, or None."""
    return _lease_notices.next_notice_attempt(now)


def claim_notice(notice_id, now, until):
    """Claim a due pending notice for one attempt, until ``until``.

    Of several managers exactly one gets True; the attempt is counted at
    once.
    """
    return _lease_notices.claim_notice(notice_id, now, until)


def finish_notice(notice_id, claimed_until, **values):
    """Record the outcome of a claimed attempt (status, error, ...).

    Only while the claim still holds; returns whether it was written.
    """
    return _lease_notices.finish_notice(notice_id, claimed_until, **values)


def notices_of(lease_uuid):
    """Every notice of a lease, by kind: {kind: LeaseNotice record}."""
    return _lease_notices.notices_of(lease_uuid)
