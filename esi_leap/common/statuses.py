"""Offer and lease status strings (with the original's spaces) and sets."""

AVAILABLE = 'available'
ACTIVE = 'active'
CREATED = 'created'
DELETED = 'deleted'
ERROR = 'error'
EXPIRED = 'expired'
WAIT_CANCEL = 'wait cancel'
WAIT_EXPIRE = 'wait expire'
WAIT_FULFILL = 'wait fulfill'

OFFER_STATUSES = (AVAILABLE, DELETED, ERROR, EXPIRED)
LEASE_STATUSES = (ACTIVE, CREATED, DELETED, ERROR, EXPIRED, WAIT_CANCEL,
                  WAIT_EXPIRE, WAIT_FULFILL)

# What offer list and lease list show when no status is asked for.
OFFER_DEFAULT_LIST = (AVAILABLE, ERROR)
LEASE_DEFAULT_LIST = (CREATED, ACTIVE, ERROR, WAIT_CANCEL, WAIT_EXPIRE,
                      WAIT_FULFILL)

# What DELETE accepts.
OFFER_CAN_DELETE = (AVAILABLE, ERROR)
LEASE_CAN_DELETE = (ACTIVE, CREATED, ERROR, WAIT_FULFILL)

# NOTE(esi-leap): one set of statuses decides both whether a new booking
# conflicts and which windows `availabilities` reports as taken, so the two
# can never disagree (the original used different sets). A lease that has
# not ended, including one whose start or end the manager is still
# carrying out, or one in error that may still hold the node, keeps its
# window; a lease being cancelled gives it back.
LEASE_BLOCKING = (CREATED, ACTIVE, WAIT_FULFILL, WAIT_EXPIRE, ERROR)
OFFER_BLOCKING = (AVAILABLE, ERROR)

# Leases that are not over: every status but the two final ones. While an
# offer has one of these, its start time cannot change.
LEASE_NOT_FINAL = (ACTIVE, CREATED, ERROR, WAIT_CANCEL, WAIT_EXPIRE,
                   WAIT_FULFILL)
# What PATCH /v1/offers changes.
OFFER_CAN_UPDATE = (AVAILABLE,)

# Leases whose parties may see the node's console (and are told 403, not
# 404, when they do not hold it now).
CONSOLE_PARTY = LEASE_NOT_FINAL

# Leases that may still become or be the node's holder: the parent of a
# sub-offer or sub-lease must be one of these.
LEASE_CAN_PARENT = (CREATED, ACTIVE)

# An offer the manager still has to expire once its end time has passed.
OFFER_OPEN = (AVAILABLE, ERROR)

# The manager's sets. A lease it may still have to start (or retry
# starting); one it may still have to end; one waiting to retry a step.
MANAGER_FULFIL_DUE = (CREATED, WAIT_FULFILL)
MANAGER_END_DUE = (CREATED, ACTIVE, WAIT_FULFILL, WAIT_EXPIRE)
MANAGER_RETRYING = (WAIT_FULFILL, WAIT_EXPIRE, WAIT_CANCEL)
# Leases that get the "lease ending" event before their end: those that
# hold, or are about to hold, their node (not ended, cancelled or failed).
MANAGER_ENDING_DUE = (CREATED, ACTIVE, WAIT_FULFILL)
# Those of them whose event goes before the run's node work (see scheduler).
MANAGER_ENDING_EARLY = (ACTIVE,)
# Leases that may hold their node now, or should be taken off it; and those
# of them that may be the node's holder.
MANAGER_LIVE = (CREATED, ACTIVE, WAIT_FULFILL, WAIT_EXPIRE, WAIT_CANCEL)
MANAGER_CAN_HOLD = (CREATED, ACTIVE, WAIT_FULFILL)

# What the nodes API reports: a node's current or future offer, and its
# leases yet to start.
NODE_OFFER_SHOWN = AVAILABLE
NODE_FUTURE_LEASE = CREATED
# Leases that hold their node now (see common.holding): what console
# tokens and the drift sweep check against.
HOLDING = (ACTIVE,)


# Lease e-mail notices: their kinds, and where each one is.
NOTICE_STARTED = 'started'
NOTICE_ENDING = 'ending'
# To the owner: the node a lease waits for is quarantined.
NOTICE_QUARANTINE = 'quarantine'
NOTICE_KINDS = (NOTICE_STARTED, NOTICE_ENDING, NOTICE_QUARANTINE)
# Lease statuses in which no notice is worth sending any more.
NOTICE_LEASE_OVER = (EXPIRED, DELETED, WAIT_CANCEL, WAIT_EXPIRE)

# The attested hand-over's record of a node (node_attestations.status).
ATTEST_RUNNING = 'attesting'
ATTEST_PASS = 'pass'
ATTEST_FAIL = 'fail'
ATTEST_ERROR = 'error'
ATTEST_STATUSES = (ATTEST_RUNNING, ATTEST_PASS, ATTEST_FAIL, ATTEST_ERROR)
# A gate still refusing its lease: failed, or attesting again after that.
ATTEST_REFUSING = (ATTEST_FAIL, ATTEST_RUNNING)
NOTICE_PENDING = 'pending'
NOTICE_SENT = 'sent'
NOTICE_FAILED = 'failed'


def attempt_ready(next_attempt_at, now):
    """Whether a lease's next manager attempt is due at ``now``.

    A lease with no retry time set is always ready.
    """
    return next_attempt_at is None or next_attempt_at <= now


def attempt_ready_sql(next_attempt_at, now):
    """The SQL form of attempt_ready(), on a SQLAlchemy column.

    Kept next to the Python form so that the two can never disagree.
    """
    return next_attempt_at.is_(None) | (next_attempt_at <= now)


# Leases a lessee project's quotas count: those that hold or will hold
# their node (the booking conflict set: a lease being cancelled does not).
QUOTA_COUNTED = LEASE_BLOCKING
