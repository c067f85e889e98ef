"""Create the whole esi-leap schema.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa

from esi_leap.db.sqlalchemy import types

revision = '0001'
down_revision = None


def _timestamps():
    return [sa.Column('created_at', types.UTCDateTime, nullable=True),
            sa.Column('updated_at', types.UTCDateTime, nullable=True)]


def upgrade():
    op.create_table(
        'offers',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255), nullable=True),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('lessee_id', sa.String(255), nullable=True),
        sa.Column('resource_type', sa.String(36), nullable=False),
        sa.Column('resource_uuid', sa.String(255), nullable=False),
        sa.Column('start_time', types.UTCDateTime, nullable=False),
        sa.Column('end_time', types.UTCDateTime, nullable=False),
        sa.Column('status', sa.String(15), nullable=False),
        sa.Column('properties', types.JSONDict, nullable=True),
        sa.Column('parent_lease_uuid', sa.String(36), nullable=True),
        *_timestamps(),
        sa.UniqueConstraint('uuid'),
    )
    op.create_index('offers_resource_status_idx', 'offers',
                    ['resource_type', 'resource_uuid', 'status'])
    op.create_index('offers_project_id_idx', 'offers', ['project_id'])
    op.create_index('offers_lessee_id_idx', 'offers', ['lessee_id'])
    op.create_index('offers_status_end_idx', 'offers',
                    ['status', 'end_time'])
    op.create_index('offers_parent_lease_idx', 'offers',
                    ['parent_lease_uuid'])
    op.create_index('offers_name_idx', 'offers', ['name'])
    op.create_index('offers_start_end_idx', 'offers',
                    ['start_time', 'end_time'])

    op.create_table(
        'leases',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255), nullable=True),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('owner_id', sa.String(255), nullable=False),
        sa.Column('purpose', sa.String(255), nullable=True),
        sa.Column('resource_type', sa.String(36), nullable=False),
        sa.Column('resource_uuid', sa.String(255), nullable=False),
        sa.Column('start_time', types.UTCDateTime, nullable=False),
        sa.Column('end_time', types.UTCDateTime, nullable=False),
        sa.Column('fulfill_time', types.UTCDateTime, nullable=True),
        sa.Column('expire_time', types.UTCDateTime, nullable=True),
        sa.Column('status', sa.String(15), nullable=False),
        sa.Column('properties', types.JSONDict, nullable=True),
        sa.Column('offer_uuid', sa.String(36), nullable=True),
        sa.Column('parent_lease_uuid', sa.String(36), nullable=True),
        *_timestamps(),
        sa.UniqueConstraint('uuid'),
    )
    op.create_index('leases_resource_status_idx', 'leases',
                    ['resource_type', 'resource_uuid', 'status'])
    op.create_index('leases_offer_status_idx', 'leases',
                    ['offer_uuid', 'status'])
    op.create_index('leases_parent_lease_idx', 'leases',
                    ['parent_lease_uuid'])
    op.create_index('leases_project_id_idx', 'leases', ['project_id'])
    op.create_index('leases_owner_id_idx', 'leases', ['owner_id'])
    op.create_index('leases_status_start_idx', 'leases',
                    ['status', 'start_time'])
    op.create_index('leases_status_end_idx', 'leases',
                    ['status', 'end_time'])
    op.create_index('leases_name_idx', 'leases', ['name'])
    op.create_index('leases_start_end_idx', 'leases',
                    ['start_time', 'end_time'])

    op.create_table(
        'events',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('event_type', sa.String(255), nullable=False),
        sa.Column('event_time', types.UTCDateTime, nullable=False),
        sa.Column('object_type', sa.String(36), nullable=True),
        sa.Column('object_uuid', sa.String(36), nullable=True),
        sa.Column('resource_type', sa.String(36), nullable=True),
        sa.Column('resource_uuid', sa.String(255), nullable=True),
        sa.Column('lessee_id', sa.String(255), nullable=True),
        sa.Column('owner_id', sa.String(255), nullable=True),
        *_timestamps(),
    )
    op.create_index('events_type_idx', 'events', ['event_type'])
    op.create_index('events_time_idx', 'events', ['event_time'])
    op.create_index('events_resource_idx', 'events',
                    ['resource_type', 'resource_uuid'])
    op.create_index('events_lessee_id_idx', 'events', ['lessee_id'])
    op.create_index('events_owner_id_idx', 'events', ['owner_id'])

    op.create_table(
        'console_auth_tokens',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('node_uuid', sa.String(255), nullable=False),
        sa.Column('token_hash', sa.String(255), nullable=False),
        sa.Column('expires', types.UTCDateTime, nullable=False),
        *_timestamps(),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_index('console_auth_tokens_node_uuid_idx',
                    'console_auth_tokens', ['node_uuid'])
    op.create_index('console_auth_tokens_expires_idx',
                    'console_auth_tokens', ['expires'])

    op.create_table(
        'resource_locks',
        sa.Column('resource_type', sa.String(36), primary_key=True),
        sa.Column('resource_uuid', sa.String(255), primary_key=True),
        sa.Column('generation', sa.Integer, nullable=False),
        *_timestamps(),
    )
