"""Add lease e-mail notices.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

from esi_leap.db.sqlalchemy import types

revision = '0004'
down_revision = '0003'


def upgrade():
    op.create_table(
        'lease_notices',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('lease_uuid', sa.String(36), nullable=False),
        sa.Column('kind', sa.String(15), nullable=False),
        sa.Column('status', sa.String(15), nullable=False),
        sa.Column('attempts', sa.Integer, nullable=False,
                  server_default='0'),
        sa.Column('next_attempt_at', types.UTCDateTime, nullable=True),
        sa.Column('last_error', sa.Text, nullable=True),
        sa.Column('recipients', sa.Text, nullable=True),
        sa.Column('sent_at', types.UTCDateTime, nullable=True),
        sa.Column('created_at', types.UTCDateTime, nullable=True),
        sa.Column('updated_at', types.UTCDateTime, nullable=True),
        sa.UniqueConstraint('lease_uuid', 'kind',
                            name='lease_notices_lease_kind_uc'),
    )
    op.create_index('lease_notices_status_attempt_idx', 'lease_notices',
                    ['status', 'next_attempt_at'])
