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

# Leases that may still become or be the node's holder: the parent of a
# sub-offer or sub-lease must be one of these.
LEASE_CAN_PARENT = (CREATED, ACTIVE)

# Lease e-mail notices: their kinds, and where each one is.
NOTICE_STARTED = 'started'
NOTICE_ENDING = 'ending'
NOTICE_KINDS = (NOTICE_STARTED, NOTICE_ENDING)
NOTICE_PENDING = 'pending'
NOTICE_SENT = 'sent'
NOTICE_FAILED = 'failed'
