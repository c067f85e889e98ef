"""The esi-leap database interface.

Everything outside ``esi_leap.db`` reaches the database through the
functions below, and each says what it promises. Rows are returned as model
instances detached from any session unless a function says otherwise.

Unless a docstring says more, a function raises only what the database
layer raises: ``oslo_db.exception.DBError`` and its subclasses
(``DBConnectionError`` when the server cannot be reached,
``DBDeadlock`` when the server chose this transaction as a deadlock
victim). None of them leaves anything half-written: every function that
writes does so in one transaction.

The implementation is split by job under ``esi_leap.db.sqlalchemy``:
``engine`` (engine and sessions), ``reads``, ``booking_transactions``
(the one opener of a booking transaction, run with ``retry``), ``booking``
(the ResourceTransaction), ``node_batch`` and ``fleet`` (the many-node
transactions), ``locks`` and ``dialects`` (the lock statements) and
``manager`` (the manager's queries); see the contributor guide's map.
"""
from esi_leap.db.sqlalchemy import attestations as _attestations
from esi_leap.db.sqlalchemy import booking_transactions as _txns
from esi_leap.db.sqlalchemy import charsets as _charsets
from esi_leap.db.sqlalchemy import console_tokens as _console_tokens
from esi_leap.db.sqlalchemy import due_work as _due_work
from esi_leap.db.sqlalchemy import ending_events as _ending_events
from esi_leap.db.sqlalchemy import engine as _engine
from esi_leap.db.sqlalchemy import errors as _errors
from esi_leap.db.sqlalchemy import lease_notices as _lease_notices
from esi_leap.db.sqlalchemy import locks as _locks
from esi_leap.db.sqlalchemy import models as _models
from esi_leap.db.sqlalchemy import node_bookings as _node_bookings
from esi_leap.db.sqlalchemy import quotas as _quotas
from esi_leap.db.sqlalchemy import reads as _reads
from esi_leap.db.sqlalchemy import retry as _retry
from esi_leap.db.sqlalchemy import usage as _usage


# Length of the name, purpose, project id and resource uuid columns: the
# longest such text the API accepts.
TEXT_LENGTH = _models.TEXT_LENGTH


# Engine and sessions --------------------------------------------------

def get_engine():
    """Return the SQLAlchemy engine of [database] connection.

    The engine is created on first use; raises ``oslo_db`` errors only
    when [database] connection is malformed.
    """
    return _engine.get_engine()


def reset():
    """Dispose of the engine so the next use reads [database] afresh."""
    _engine.reset()


def ping():
    """Run ``SELECT 1`` on a pooled connection; raise if the database fails.

    Raises what the driver or oslo.db raises: the database is unreachable,
    refuses the connection or fails the statement.
    """
    _engine.ping()


def refused_connection(error):
    """Whether an error is the server refusing a new session (it is full).

    ``error`` is any exception (an oslo.db or SQLAlchemy one, or else).

    True for MySQL/MariaDB "too many connections" (also per account) and
    PostgreSQL's "too many connections/clients"; a client may retry later.
    """
    return _errors.refused_connection(error)


def unstorable_text(error):
    """What text the database could not store or compare, or None.

    ``error`` is any exception. For a string that a 3-byte (utf8mb3)
    MySQL/MariaDB database or connection cannot hold (a 4-byte character:
    emoji), or that PostgreSQL cannot hold (NUL), returns the column's
    name when the server names it, else ``'A value in the request'``;
    None otherwise.
    Nothing was written: the transaction is rolled back.
    """
    return _errors.unstorable_text(error)


def text_storage():
    """How a MySQL/MariaDB database keeps text; None on other databases.

    A charsets.TextStorage: the connection's and the database's character
    sets and every text column's (for esi-leap-status).
    """
    return _charsets.text_storage()


def reader():
    """Context manager: a session in a read-only transaction.

    For tests and tools; the service itself reads through the functions
    below.
    """
    return _engine.reader()


def one_read():
    """Context manager: the reads inside share one read-only transaction.

    Writes inside stay transactions of their own.
    """
    return _engine.one_read()


def writer():
    """Context manager: a session in a transaction committed on exit.

    An exception inside the block rolls everything back and propagates.
    """
    return _engine.writer()


# Reads ----------------------------------------------------------------

def offer_get(uuid):
    """Return the offer with ``uuid``, or None if there is none."""
    return _reads.offer_get(uuid)


def offers_by_name(name, visible_to=None):
    """Return the offers named ``name``, oldest first.

    With ``visible_to`` (an OfferVisibility), only those that project may
    see; None means no restriction.
    """
    return _reads.offers_by_name(name, visible_to)


def offer_list_with_windows(filters, blocking, ending_after):
    """Return (offers, windows): the offers matching an OfferFilters.

    Oldest first, as read-only rows (attribute access as on the model).

    ``windows`` maps the uuid of each available offer listed to the
    (start, end) of its leases in ``blocking`` that end after
    ``ending_after``, as lease_windows_by_offer(). Both come from one
    statement.
    """
    return _reads.offer_list_with_windows(filters, blocking, ending_after)


def offer_resources(filters):
    """Return the resources of every offer matching an OfferFilters.

    ``{resource_type: set of resource uuids}``, whatever the page: this is
    what a filter on node facts (a resource class) is decided on before a
    page is cut. One query.
    """
    return _reads.offer_resources(filters)


def lease_get(uuid):
    """Return the lease with ``uuid``, or None if there is none."""
    return _reads.lease_get(uuid)


def leases_by_name(name, party=None):
    """Return the leases named ``name``, oldest first.

    With ``party``, only those it holds or owns.
    """
    return _reads.leases_by_name(name, party)


def lease_list(filters):
    """Return the leases matching a LeaseFilters, oldest first.

    The rows are read-only (attribute access as on the model).
    """
    return _reads.lease_list(filters)


def lease_resources(filters):
    """Return the resources of every lease matching a LeaseFilters.

    ``{resource_type: set of resource uuids}``, whatever the page; one
    query.
    """
    return _reads.lease_resources(filters)


def lease_windows_by_offer(offer_uuids, statuses, ending_after):
    """Map offer uuid to the (start, end) windows of its leases.

    Only leases in ``statuses`` that end after ``ending_after`` count;
    windows are sorted by start; offers without any are absent. One query
    whatever the number of offers.
    """
    return _reads.lease_windows_by_offer(offer_uuids, statuses,
                                         ending_after)


def held_leases(resource_type, resource_uuid, project_id, statuses):
    """Return the top-level leases in ``statuses`` of one resource.

    Only those held by ``project_id``, by start time.
    """
    return _reads.held_leases(resource_type, resource_uuid, project_id,
                              statuses)


def event_list(filters):
    """Return the events matching an EventFilters, oldest first.

    The rows are read-only (attribute access as on the model).
    """
    return _reads.event_list(filters)


def node_bookings(resource_type, now):
    """Return the bookings of the nodes of ``resource_type``, by node uuid.

    ``{uuid: {'offers': [OfferBooking], 'future_leases': [LeaseBooking]}}``
    for every node with an open offer not yet ended (by start time; those
    started by ``now`` are current) or a lease yet to start; nodes with
    neither are absent. Each booking carries the project ids that decide
    who may see it. Two queries whatever the number of nodes.
    """
    return _node_bookings.node_bookings(resource_type, now)


def lease_parties(uuids):
    """Return {uuid: LeaseBooking(uuid, owner_id, project_id)} of leases.

    For the leases among ``uuids`` (uuids of no lease are absent), so that
    a view naming a lease beside another record can tell who may see it.
    """
    return _node_bookings.lease_parties(uuids)


# The booking transaction ----------------------------------------------

def resource_transaction(resource_type, resource_uuid):
    """Context manager: a ResourceTransaction holding the resource's lock.

    The row lock is the transaction's first statement, so every check made
    through the transaction sees every booking committed before it, and no
    other booking transaction on the resource runs until it ends. Commits
    on a normal exit, rolls back on an exception (which propagates).
    """
    return _txns.transaction('resource', resource_type=resource_type,
                             resource_uuid=resource_uuid)


def run_booking(resource_type, resource_uuid, body,
                attempts=_retry.BOOKING_ATTEMPTS):
    """Run ``body(txn)`` in a ResourceTransaction; return its result.

    ``body`` gets a fresh ResourceTransaction on every attempt and must do
    all its reads, checks and writes through it: it may run more than
    once. A transaction the database rolls back as a deadlock (a lost
    Galera certification, an InnoDB deadlock) is re-run after a short
    jittered pause, up to ``attempts`` times in all; then raises
    exception.BookingContended (409). Whatever ``body`` raises propagates
    after the rollback.
    """
    return _txns.run('resource', body, attempts,
                     resource_type=resource_type, resource_uuid=resource_uuid)


def run_offer_booking(offer_uuid, body, attempts=_retry.BOOKING_ATTEMPTS):
    """Run ``body(txn)`` under the lock of the node of an offer.

    As run_booking, except that the lock is taken straight from the offer's
    row (no read before the transaction) and that ``body`` gets None when
    no offer has the uuid ``offer_uuid``. ``txn.offer_for_claim`` must be
    the body's first call: the transaction learns its resource from it.
    Raises exception.BookingContended (409) after ``attempts`` deadlocks.
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
    record its event. ``body`` gets None (and nothing was written) when no
    offer has the uuid ``offer_uuid``. Re-run after a deadlock as
    run_booking; exception.BookingContended (409) after ``attempts`` of
    them.
    """
    return _txns.run('claim', body, attempts, offer_uuid=offer_uuid,
                     now=now, lease=lease)


def run_lease_booking(lease_uuid, body, attempts=_retry.BOOKING_ATTEMPTS):
    """Run ``body(txn)`` under the lock of the node of a lease.

    As run_offer_booking, for the lease whose uuid is ``lease_uuid``:
    ``body`` gets None when there is none, and ``txn.lease(lease_uuid)``
    must be its first call (the transaction learns its resource from it).
    Raises exception.BookingContended (409) after ``attempts`` deadlocks.
    """
    return _txns.run('lease', body, attempts, lease_uuid=lease_uuid)


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
    """Return at most ``limit`` open offers whose end time has passed."""
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
    """Return {pair: leases in ``statuses`` by start time} for many nodes.

    Read from the primary database in one query per 500 nodes; every pair
    of ``pairs`` is a key (with [] when it has no such lease).
    """
    return _due_work.live_leases_of(pairs, statuses)


def attestations_of(pairs):
    """{pair: the node's attested hand-over record} (nodes with one)."""
    with _engine.reader() as session:
        return _attestations.of_nodes(session, pairs)


def run_bookings(pairs, body, attempts=_retry.BOOKING_ATTEMPTS):
    """Run ``body(txn)`` holding the lock rows of all ``pairs``.

    ``txn`` is a ResourcesTransaction: leases(uuids) and offers(uuids)
    re-read rows for change ({uuid: row}, changes written at commit);
    add_event(**columns) (inserted together at the end),
    add_notices(lease_uuids, kind, due) (returns how many it decided:
    a lease's notice of a kind is decided once only),
    decide_ending_events(pairs, now) (the (lease_uuid, end_time) pairs
    whose ending event it decided: each is decided once only) and
    delete_tokens(pairs) write in the same transaction;
    open_quarantines(pairs) reads which of the nodes are quarantined
    (their last quarantine event is a start). The locks are
    taken in sorted order first, so two such transactions never deadlock
    on each other. Re-run after a deadlock as run_booking(); raises
    BookingContended (409) after ``attempts``.
    """
    return _txns.run('resources', body, attempts, pairs=pairs)


# Console auth tokens ----------------------------------------------------

def token_create(fields, now):
    """Store a new console token row and return it.

    ``fields`` are its columns (token_hash, resource_type, node_uuid,
    lease_uuid, user_id, project_id, expires).

    In the same transaction, the node's expired and unused tokens go.
    """
    return _console_tokens.token_create(fields, now)


def token_consume(token_hash, now):
    """Use the token with ``token_hash`` once; return its row or None.

    One conditional UPDATE: it succeeds for one caller only, for a token
    not used before, not expired, whose authorising lease (if any) holds
    the node at ``now``.
    """
    return _console_tokens.token_consume(token_hash, now)


def token_get(token_hash):
    """Return the token row with ``token_hash``, or None."""
    return _console_tokens.token_get(token_hash)


def token_delete(token_id):
    """Delete one token row; a no-op if it is gone already."""
    _console_tokens.token_delete(token_id)


def tokens_delete_node(resource_type, node_uuid):
    """Delete every token of a node; return how many there were."""
    return _console_tokens.tokens_delete_node(resource_type, node_uuid)


def tokens_state(token_ids, now):
    """Return {id: whether its session may go on} for existing tokens.

    Ids missing from the answer were revoked (their rows are gone); a
    session may go on while its authorising lease, if any, still holds
    the node. One query for any number of ids.
    """
    return _console_tokens.tokens_state(token_ids, now)


# The lease ending event -------------------------------------------------

def leases_to_announce(now, horizon, wanted, limit=500):
    """Leases whose ending event is due at ``now`` and not yet decided.

    Started leases in the ``wanted`` statuses ending in (now, horizon]
    with no event for their current end time: at most ``limit`` detached
    Lease rows, soonest end first; ended leases cost nothing.
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

    At most ``limit`` detached Lease rows, soonest end first; leases that
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
    """Every notice row of a lease, by kind."""
    return _lease_notices.notices_of(lease_uuid)


# Quotas -----------------------------------------------------------------

QUOTA_LIMIT_COLUMNS = _quotas.LIMIT_COLUMNS


def quota_override(project_id):
    """The project's quota override row (detached), or None."""
    return _quotas.get_override(project_id)


def quota_override_in(txn, project_id):
    """As quota_override(), read inside a booking transaction ``txn``."""
    return _quotas.override_in(txn.session, project_id)


def quota_set(project_id, limits):
    """Create or replace the project's override (one upsert)."""
    return _quotas.set_override(project_id, limits)


def quota_delete(project_id):
    """Delete the project's override; whether it had one."""
    return _quotas.delete_override(project_id)


def quota_lock_project(txn, project_id):
    """Take the project's lock row inside the booking transaction ``txn``."""
    _locks.lock_project(txn.session, project_id)


def quota_usage_in(txn, project_id, start, end, resource_class):
    """(open leases, peak nodes, peak nodes of the class) inside ``txn``."""
    return _quotas.usage_in(txn.session, project_id, start, end,
                            resource_class)


def quota_prefetched(txn, project_id):
    """What ``txn``'s own statements read of the project's quota, or None.

    A quotas.Prefetched: its ``override`` (ProjectQuota or None) and
    usage_for(start, end, resource_class) (usage read under the project's
    lock, or None) spare the quota check its queries. None when ``txn``
    read nothing of that project's quota.
    """
    seen = getattr(txn, 'quota', None)
    if seen is None or not seen.done or seen.project_id != project_id:
        return None
    return seen


def quota_usage_now(project_id, now):
    """(open leases, nodes held at ``now``, {class: nodes}) of a project."""
    return _quotas.usage_now(project_id, now)


# N-node claims ------------------------------------------------------------

def run_fleet_booking(pairs, project_id, body):
    """Run ``body(txn)`` with the locks of nodes ``pairs`` and a project.

    ``txn`` is a FleetTransaction: offers_for_claim() re-reads the
    offers (and the project's quota override) in one query, add_leases()
    writes the leases in one INSERT, add_event() buffers events written
    together before the commit; its for_offer() gives the transaction of
    one offer's claim. The locks are taken in one statement, nodes in
    sorted order and then the project's when its quota is checked
    (``project_id`` None: never). The body may run again after a
    deadlock; everything commits together or nothing does.
    """
    return _txns.run('fleet', body, pairs=pairs, project_id=project_id)


# Usage reports ------------------------------------------------------------

USAGE_GROUPS = tuple(_usage.GROUP_COLUMNS)


def usage_report(start, end, now, group_by, project_id=None, owner_id=None,
                 party_id=None):
    """Node seconds and lease counts per group of leases in [start, end).

    One aggregate query (see esi_leap.db.sqlalchemy.usage.report()).
    """
    return _usage.report(start, end, now, group_by, project_id=project_id,
                         owner_id=owner_id, party_id=party_id)
