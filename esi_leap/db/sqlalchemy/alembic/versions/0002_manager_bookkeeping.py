"""Add the manager's retry bookkeeping and node claims.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa

from esi_leap.db.sqlalchemy import types

revision = '0002'
down_revision = '0001'


def upgrade():
    with op.batch_alter_table('leases') as batch:
        batch.add_column(sa.Column('attempts', sa.Integer, nullable=False,
                                   server_default='0'))
        batch.add_column(sa.Column('next_attempt_at', types.UTCDateTime,
                                   nullable=True))
        batch.add_column(sa.Column('status_reason', sa.Text, nullable=True))
    op.create_index('leases_status_attempt_idx', 'leases',
                    ['status', 'next_attempt_at'])
    with op.batch_alter_table('resource_locks') as batch:
        batch.add_column(sa.Column('claimed_by', sa.String(255),
                                   nullable=True))
        batch.add_column(sa.Column('claimed_until', types.UTCDateTime,
                                   nullable=True))
