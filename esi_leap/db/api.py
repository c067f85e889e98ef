"""The esi-leap database contract.

Everything outside ``esi_leap.db`` reaches the database through the names
of this module, and each says what it promises (``:returns:``) and what
it raises beyond the rule below (``:raises:``). The functions are
documented where they are written, by concern:

- here: the engine, sessions and the reading of database errors;
- api_reads: offers, leases, events and node bookings;
- api_booking: the booking transactions (run_booking() and its kin) and
  the quota reads made inside one; the methods of the transaction objects
  they hand their body are the contract of esi_leap.db.transactions;
- api_manager: the manager's due work, ending events and e-mail notices;
- api_accounts: console tokens, quota overrides and usage reports.

Rows come out as read-only records (named tuples, attribute access as on
the model): nothing done to them reaches the database. The only rows that
are written when changed are the *attached* rows some transaction methods
return, and those say so (esi_leap.db.transactions).

Unless a docstring says more, a function raises only what the database
layer raises: ``oslo_db.exception.DBError`` and its subclasses
(``DBConnectionError`` when the server cannot be reached,
``DBDeadlock`` when the server chose this transaction as a deadlock
victim). None of them leaves anything half-written: every function that
writes does so in one transaction.

The implementation is split by job under ``esi_leap.db.sqlalchemy``; see
the contributor guide's map.
"""
from esi_leap.db import api_accounts as _accounts
from esi_leap.db import api_booking as _booking
from esi_leap.db import api_manager as _manager
from esi_leap.db import api_reads as _reads
from esi_leap.db.sqlalchemy import charsets as _charsets
from esi_leap.db.sqlalchemy import engine as _engine
from esi_leap.db.sqlalchemy import errors as _errors
from esi_leap.db.sqlalchemy import models as _models


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


# The contract by concern, each documented in its module ----------------

# Reads (api_reads)
offer_get = _reads.offer_get
offers_by_name = _reads.offers_by_name
offer_list_with_windows = _reads.offer_list_with_windows
offer_resources = _reads.offer_resources
lease_get = _reads.lease_get
leases_by_name = _reads.leases_by_name
lease_list = _reads.lease_list
lease_resources = _reads.lease_resources
lease_windows_by_offer = _reads.lease_windows_by_offer
held_leases = _reads.held_leases
event_list = _reads.event_list
node_bookings = _reads.node_bookings
lease_parties = _reads.lease_parties

# Booking transactions (api_booking)
resource_transaction = _booking.resource_transaction
run_booking = _booking.run_booking
run_offer_booking = _booking.run_offer_booking
run_claim_booking = _booking.run_claim_booking
run_lease_booking = _booking.run_lease_booking
run_bookings = _booking.run_bookings
run_fleet_booking = _booking.run_fleet_booking
quota_override_in = _booking.quota_override_in
quota_lock_project = _booking.quota_lock_project
quota_usage_in = _booking.quota_usage_in
quota_prefetched = _booking.quota_prefetched

# The manager (api_manager)
due_resources = _manager.due_resources
next_due = _manager.next_due
ended_offers = _manager.ended_offers
held_resources = _manager.held_resources
claim_resources = _manager.claim_resources
release_resources = _manager.release_resources
live_leases_of = _manager.live_leases_of
attestations_of = _manager.attestations_of
leases_to_announce = _manager.leases_to_announce
next_announced_end = _manager.next_announced_end
ending_events_of = _manager.ending_events_of
leases_to_warn = _manager.leases_to_warn
next_warning_end = _manager.next_warning_end
due_notices = _manager.due_notices
next_notice_attempt = _manager.next_notice_attempt
claim_notice = _manager.claim_notice
finish_notice = _manager.finish_notice
notices_of = _manager.notices_of

# Console tokens, quotas and usage (api_accounts)
token_create = _accounts.token_create
token_consume = _accounts.token_consume
token_get = _accounts.token_get
token_delete = _accounts.token_delete
tokens_delete_node = _accounts.tokens_delete_node
tokens_state = _accounts.tokens_state
QUOTA_LIMIT_COLUMNS = _accounts.QUOTA_LIMIT_COLUMNS
quota_override = _accounts.quota_override
quota_set = _accounts.quota_set
quota_delete = _accounts.quota_delete
quota_usage_now = _accounts.quota_usage_now
USAGE_GROUPS = _accounts.USAGE_GROUPS
usage_report = _accounts.usage_report
