"""Add the attested hand-over's record of each node.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa

from esi_leap.db.sqlalchemy import types

revision = '0008'
down_revision = '0007'


def upgrade():
    op.create_table(
        'node_attestations',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('resource_type', sa.String(36), nullable=False),
        sa.Column('resource_uuid', sa.String(255), nullable=False),
        sa.Column('lease_uuid', sa.String(36), nullable=False),
        sa.Column('status', sa.String(15), nullable=False),
        sa.Column('started_at', types.UTCDateTime, nullable=False),
        sa.Column('event_id', sa.String(255), nullable=True),
        sa.Column('created_at', types.UTCDateTime, nullable=True),
        sa.Column('updated_at', types.UTCDateTime, nullable=True),
        sa.UniqueConstraint('resource_type', 'resource_uuid',
                            name='node_attestations_node_uc'),
    )
