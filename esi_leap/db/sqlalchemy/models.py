"""SQLAlchemy models of esi-leap's tables.

The alembic migrations build exactly this schema; a functional test compares
the two on SQLite, MariaDB and PostgreSQL.
"""
from oslo_utils import uuidutils
import sqlalchemy as sa
from sqlalchemy import orm

from esi_leap.common import timeutils
from esi_leap.db.sqlalchemy import types


# Length of the name, purpose, project id and resource uuid columns: what
# the API accepts for those fields.
TEXT_LENGTH = 255


class Base(orm.DeclarativeBase):
    """Declarative base: every table has created_at and updated_at."""

    created_at = sa.Column(types.UTCDateTime, default=timeutils.utcnow)
    updated_at = sa.Column(types.UTCDateTime, onupdate=timeutils.utcnow)


class Offer(Base):
    """A window of time in which an owner lends a node."""

    __tablename__ = 'offers'
    __table_args__ = (
        # NOTE(esi-leap): the overlap checks of bookings read these down
        # to the window (migration 0005), from the index alone.
        sa.Index('offers_resource_window_idx', 'resource_type',
                 'resource_uuid', 'status', 'end_time', 'start_time'),
        sa.Index('offers_project_id_idx', 'project_id'),
        sa.Index('offers_lessee_id_idx', 'lessee_id'),
        sa.Index('offers_status_end_idx', 'status', 'end_time'),
        sa.Index('offers_parent_lease_idx', 'parent_lease_uuid'),
        sa.Index('offers_name_idx', 'name'),
        sa.Index('offers_start_end_idx', 'start_time', 'end_time'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    uuid = sa.Column(sa.String(36), nullable=False, unique=True,
                     default=uuidutils.generate_uuid)
    name = sa.Column(sa.String(255), nullable=True)
    project_id = sa.Column(sa.String(255), nullable=False)
    lessee_id = sa.Column(sa.String(255), nullable=True)
    resource_type = sa.Column(sa.String(36), nullable=False)
    resource_uuid = sa.Column(sa.String(255), nullable=False)
    start_time = sa.Column(types.UTCDateTime, nullable=False)
    end_time = sa.Column(types.UTCDateTime, nullable=False)
    status = sa.Column(sa.String(15), nullable=False)
    properties = sa.Column(types.JSONDict, nullable=True)
    parent_lease_uuid = sa.Column(sa.String(36), nullable=True)
    # The node's class when the offer was made: it picks the cleaning
    # buffer (migration 0006; NULL on older rows).
    resource_class = sa.Column(sa.String(255), nullable=True)


class Lease(Base):
    """A project's booking of a node for a window of time."""

    __tablename__ = 'leases'
    __table_args__ = (
        sa.Index('leases_resource_window_idx', 'resource_type',
                 'resource_uuid', 'status', 'end_time', 'start_time'),
        sa.Index('leases_offer_window_idx', 'offer_uuid', 'status',
                 'end_time', 'start_time'),
        sa.Index('leases_parent_lease_idx', 'parent_lease_uuid'),
        sa.Index('leases_project_id_idx', 'project_id'),
        sa.Index('leases_owner_id_idx', 'owner_id'),
        sa.Index('leases_status_start_idx', 'status', 'start_time'),
        sa.Index('leases_status_end_idx', 'status', 'end_time'),
        sa.Index('leases_name_idx', 'name'),
        sa.Index('leases_start_end_idx', 'start_time', 'end_time'),
        sa.Index('leases_status_attempt_idx', 'status', 'next_attempt_at'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    uuid = sa.Column(sa.String(36), nullable=False, unique=True,
                     default=uuidutils.generate_uuid)
    name = sa.Column(sa.String(255), nullable=True)
    project_id = sa.Column(sa.String(255), nullable=False)
    owner_id = sa.Column(sa.String(255), nullable=False)
    purpose = sa.Column(sa.String(255), nullable=True)
    resource_type = sa.Column(sa.String(36), nullable=False)
    resource_uuid = sa.Column(sa.String(255), nullable=False)
    start_time = sa.Column(types.UTCDateTime, nullable=False)
    end_time = sa.Column(types.UTCDateTime, nullable=False)
    fulfill_time = sa.Column(types.UTCDateTime, nullable=True)
    expire_time = sa.Column(types.UTCDateTime, nullable=True)
    status = sa.Column(sa.String(15), nullable=False)
    properties = sa.Column(types.JSONDict, nullable=True)
    offer_uuid = sa.Column(sa.String(36), nullable=True)
    parent_lease_uuid = sa.Column(sa.String(36), nullable=True)
    # The manager's bookkeeping for retries of a failed transition.
    attempts = sa.Column(sa.Integer, nullable=False, default=0)
    next_attempt_at = sa.Column(types.UTCDateTime, nullable=True)
    status_reason = sa.Column(sa.Text, nullable=True)
    # The node's class when the lease was made (copied from the offer of a
    # claim): it picks the cleaning buffer (migration 0006).
    resource_class = sa.Column(sa.String(255), nullable=True)


class Event(Base):
    """A lifecycle event of an offer or a lease."""

    __tablename__ = 'events'
    __table_args__ = (
        sa.Index('events_type_idx', 'event_type'),
        sa.Index('events_time_idx', 'event_time'),
        sa.Index('events_resource_idx', 'resource_type', 'resource_uuid'),
        sa.Index('events_lessee_id_idx', 'lessee_id'),
        sa.Index('events_owner_id_idx', 'owner_id'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    event_type = sa.Column(sa.String(255), nullable=False)
    event_time = sa.Column(types.UTCDateTime, nullable=False)
    object_type = sa.Column(sa.String(36), nullable=True)
    object_uuid = sa.Column(sa.String(36), nullable=True)
    resource_type = sa.Column(sa.String(36), nullable=True)
    resource_uuid = sa.Column(sa.String(255), nullable=True)
    lessee_id = sa.Column(sa.String(255), nullable=True)
    owner_id = sa.Column(sa.String(255), nullable=True)
    # The end times a lease event is about (0011): the new and previous
    # end of an end-time change, the announced end of an ending event.
    end_time = sa.Column(types.UTCDateTime, nullable=True)
    previous_end_time = sa.Column(types.UTCDateTime, nullable=True)


class ConsoleAuthToken(Base):
    """A serial console token of a node: only its SHA-256 is kept.

    Usable once (``consumed_at`` is set by the connection that uses it),
    before ``expires``, and only while ``lease_uuid`` (when set) is the
    lease holding the node. The row lives on while its session does:
    deleting it revokes the token and ends that session.
    """

    __tablename__ = 'console_auth_tokens'
    __table_args__ = (
        sa.Index('console_auth_tokens_node_idx', 'resource_type',
                 'node_uuid'),
        sa.Index('console_auth_tokens_expires_idx', 'expires'),
        sa.Index('console_auth_tokens_lease_idx', 'lease_uuid'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    token_hash = sa.Column(sa.String(64), nullable=False, unique=True)
    resource_type = sa.Column(sa.String(36), nullable=False)
    node_uuid = sa.Column(sa.String(255), nullable=False)
    lease_uuid = sa.Column(sa.String(36), nullable=True)
    user_id = sa.Column(sa.String(255), nullable=True)
    project_id = sa.Column(sa.String(255), nullable=True)
    expires = sa.Column(types.UTCDateTime, nullable=False)
    consumed_at = sa.Column(types.UTCDateTime, nullable=True)


class ResourceLock(Base):
    """One row per bookable resource; bookings lock it for their check.

    NOTE(esi-leap): every transaction that books or cancels time on a
    resource first updates this row. The database holds that row lock until
    commit, so overlap checks and inserts on one resource are serialised
    across every API worker and manager on every host.
    """

    __tablename__ = 'resource_locks'

    resource_type = sa.Column(sa.String(36), primary_key=True)
    resource_uuid = sa.Column(sa.String(255), primary_key=True)
    generation = sa.Column(sa.Integer, nullable=False, default=0)
    # Which manager works on the resource's node, and until when its claim
    # holds if it is not renewed (a crashed manager's claim lapses).
    claimed_by = sa.Column(sa.String(255), nullable=True)
    claimed_until = sa.Column(types.UTCDateTime, nullable=True)


class LeaseNotice(Base):
    """An e-mail notice of a lease: one row per lease and kind, ever.

    NOTE(esi-leap): the unique (lease_uuid, kind) constraint is what makes
    a notice exactly-once: whichever manager decides first inserts the row,
    every later decision finds it there. Sent and failed rows are kept.
    """

    __tablename__ = 'lease_notices'
    __table_args__ = (
        sa.UniqueConstraint('lease_uuid', 'kind',
                            name='lease_notices_lease_kind_uc'),
        sa.Index('lease_notices_status_attempt_idx',
                 'status', 'next_attempt_at'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    lease_uuid = sa.Column(sa.String(36), nullable=False)
    kind = sa.Column(sa.String(15), nullable=False)
    status = sa.Column(sa.String(15), nullable=False)
    attempts = sa.Column(sa.Integer, nullable=False, default=0)
    next_attempt_at = sa.Column(types.UTCDateTime, nullable=True)
    last_error = sa.Column(sa.Text, nullable=True)
    recipients = sa.Column(sa.Text, nullable=True)
    sent_at = sa.Column(types.UTCDateTime, nullable=True)


class LeaseEndingEvent(Base):
    """The "lease ending" event of one lease and end time, once decided.

    NOTE(esi-leap): the unique (lease_uuid, end_time) constraint makes the
    event exactly-once per end time: whichever manager decides first
    inserts the row, every later decision finds it. A lease whose end
    moves has no row for its new end, so it gets the event again with no
    bookkeeping by whoever moved it.
    """

    __tablename__ = 'lease_ending_events'
    __table_args__ = (
        sa.UniqueConstraint('lease_uuid', 'end_time',
                            name='lease_ending_events_lease_end_uc'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    lease_uuid = sa.Column(sa.String(36), nullable=False)
    end_time = sa.Column(types.UTCDateTime, nullable=False)


class NodeAttestation(Base):
    """The attested hand-over of one node: the last gate and its verdict.

    One row per node, replaced by every gate: which lease's hand-over it
    gates, since when (a gate's timeout and freshness count from it), and
    its status (attesting, pass, fail, error) with the provider's event id.
    """

    __tablename__ = 'node_attestations'
    __table_args__ = (
        sa.UniqueConstraint('resource_type', 'resource_uuid',
                            name='node_attestations_node_uc'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    resource_type = sa.Column(sa.String(36), nullable=False)
    resource_uuid = sa.Column(sa.String(255), nullable=False)
    lease_uuid = sa.Column(sa.String(36), nullable=False)
    status = sa.Column(sa.String(15), nullable=False)
    started_at = sa.Column(types.UTCDateTime, nullable=False)
    event_id = sa.Column(sa.String(255), nullable=True)


class ProjectQuota(Base):
    """An admin's override of a lessee project's [quota] defaults.

    A NULL limit is the [quota] default; -1 is unlimited (migration 0009).
    """

    __tablename__ = 'project_quotas'

    project_id = sa.Column(sa.String(255), primary_key=True)
    max_nodes = sa.Column(sa.Integer, nullable=True)
    max_leases = sa.Column(sa.Integer, nullable=True)
    max_nodes_by_resource_class = sa.Column(types.JSONDict, nullable=True)
