"""The contract's booking transactions: run a body under lock rows.

Part of the database contract (see esi_leap.db.api, which names every
function here). Each run_* function opens a transaction whose first
statement takes the lock rows of what it names, hands ``body`` the
transaction object (whose methods esi_leap.db.transactions documents) and
commits on a normal return: everything ``body`` wrote commits together,
or nothing does. ``body`` may run more than once (a deadlock re-runs it),
so it must change nothing outside the transaction. Whatever ``body``
raises propagates after the rollback.
"""
from esi_leap.db.sqlalchemy import booking_transactions as _txns
from esi_leap.db.sqlalchemy import locks as _locks
from esi_leap.db.sqlalchemy import quotas as _quotas
from esi_leap.db.sqlalchemy import retry as _retry


def resource_transaction(resource_type, resource_uuid):
    """Context manager: a ResourceTransaction holding the node's lock.

    The row lock is the transaction's first statement, so every check made
    through the transaction sees every booking committed before it, and no
    other booking transaction on the node runs until it ends. Commits on a
    normal exit, rolls back on an exception (which propagates). Not
    re-run after a deadlock: use run_booking() for that.
    """
    return _txns.transaction('resource', resource_type=resource_type,
                             resource_uuid=resource_uuid)


def run_booking(resource_type, resource_uuid, body,
                attempts=_retry.BOOKING_ATTEMPTS):
    """Run ``body(txn)`` in a ResourceTransaction of one node.

    A transaction the database rolls back as a deadlock (a lost Galera
    certification, an InnoDB deadlock) is re-run, ``body`` included, with
    a fresh transaction after a short pause (jittered after the first),
    up to ``attempts`` times in all.

    :returns: what ``body`` returns.
    :raises: exception.BookingContended (409) after ``attempts``
        deadlocks; whatever ``body`` raises, after the rollback.
    """
    return _txns.run('resource', body, attempts,
                     resource_type=resource_type, resource_uuid=resource_uuid)


def run_offer_booking(offer_uuid, body, attempts=_retry.BOOKING_ATTEMPTS):
    """Run ``body(txn)`` under the lock of the node of an offer.

    As run_booking(), except that the lock is taken straight from the
    offer's row (no read before the transaction): ``txn`` learns its node
    from ``txn.offer_for_claim()``, which must be the body's first call.

    :returns: what ``body`` returns.
    :raises: exception.OfferNotFound (naming ``offer_uuid``) before
        ``body`` runs, nothing locked, when no offer has that uuid;
        otherwise as run_booking().
    """
    return _txns.run('offer', body, attempts, offer_uuid=offer_uuid)


def run_claim_booking(offer_uuid, now, lease, body,
                      attempts=_retry.BOOKING_ATTEMPTS):
    """Write a claim's lease, lock the offer's node, then run ``body``.

    ``lease`` holds the Lease columns the claimant gives (uuid, name,
    project_id, purpose, start_time, end_time, status, properties; ``now``
    is its created_at); the owner, the node and the parent lease are
    copied from the offer's row. Then the node's lock is taken and
    ``body(txn)`` runs: it must check the claim with
    ``txn.offer_for_claim(..., exclude=lease['uuid'])`` as its first call,
    raise when the claim may not stand (which rolls everything back), and
    record its event. Re-run after a deadlock as run_booking().

    :returns: what ``body`` returns.
    :raises: exception.OfferNotFound (naming ``offer_uuid``) before
        ``body`` runs, nothing written, when no offer has that uuid;
        otherwise as run_booking().
    """
    return _txns.run('claim', body, attempts, offer_uuid=offer_uuid,
                     now=now, lease=lease)


def run_lease_booking(lease_uuid, body, attempts=_retry.BOOKING_ATTEMPTS):
    """Run ``body(txn)`` under the lock of the node of a lease.

    As run_offer_booking(), for the lease whose uuid is ``lease_uuid``:
    ``txn.lease(lease_uuid)`` must be the body's first call (the
    transaction learns its node from it).

    :returns: what ``body`` returns.
    :raises: exception.LeaseNotFound (naming ``lease_uuid``) before
        ``body`` runs, nothing locked, when no lease has that uuid;
        otherwise as run_booking().
    """
    return _txns.run('lease', body, attempts, lease_uuid=lease_uuid)


def run_bookings(pairs, body, attempts=_retry.BOOKING_ATTEMPTS):
    """Run ``body(txn)`` holding the lock rows of all nodes ``pairs``.

    ``txn`` is a transactions.ResourcesTransaction. The locks are taken in
    sorted order first, so two such transactions never deadlock on each
    other. Re-run after a deadlock as run_booking().

    :returns: what ``body`` returns.
    :raises: as run_booking().
    """
    return _txns.run('resources', body, attempts, pairs=pairs)


def run_fleet_booking(pairs, project_id, body):
    """Run ``body(txn)`` with the locks of nodes ``pairs`` and a project.

    ``txn`` is a transactions.FleetTransaction. The locks are taken in one
    statement, nodes in sorted order and then the project's when its quota
    is checked (``project_id`` None: never). Re-run after a deadlock as
    run_booking().

    :returns: what ``body`` returns.
    :raises: as run_booking().
    """
    return _txns.run('fleet', body, pairs=pairs, project_id=project_id)


# Quotas checked inside a booking transaction ---------------------------

def quota_override_in(txn, project_id):
    """As api_accounts.quota_override(), read inside the transaction ``txn``.

    ``txn`` is any booking transaction.
    """
    return _quotas.override_in(txn.session, project_id)


def quota_lock_project(txn, project_id):
    """Take the project's lock row inside the booking transaction ``txn``."""
    _locks.lock_project(txn.session, project_id)


def quota_usage_in(txn, project_id, start, end, resource_class):
    """(open leases, peak nodes, peak nodes of the class) inside ``txn``."""
    return _quotas.usage_in(txn.session, project_id, start, end,
                            resource_class)


def quota_prefetched(txn, project_id):
    """What ``txn``'s own statements read of the project's quota, or None.

    A quotas.Prefetched: its ``override`` (a record or None) and
    usage_for(start, end, resource_class) (usage read under the project's
    lock, or None) spare the quota check its queries. None when ``txn``
    read nothing of that project's quota.
    """
    seen = getattr(txn, 'quota', None)
    if seen is None or not seen.done or seen.project_id != project_id:
        return None
    return seen
