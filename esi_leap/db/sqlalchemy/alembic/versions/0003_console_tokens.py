"""Console tokens that know their node, lease, requester and use.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

The old table only held a hash and an expiry. Tokens live minutes, so the
table is rebuilt rather than migrated: tokens issued before the upgrade
stop working and are asked for again.
"""
from alembic import op
import sqlalchemy as sa

from esi_leap.db.sqlalchemy import types

revision = '0003'
down_revision = '0002'


def upgrade():
    op.drop_index('console_auth_tokens_node_uuid_idx',
                  table_name='console_auth_tokens')
    op.drop_index('console_auth_tokens_expires_idx',
                  table_name='console_auth_tokens')
    op.drop_table('console_auth_tokens')
    op.create_table(
        'console_auth_tokens',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('token_hash', sa.String(64), nullable=False),
        sa.Column('resource_type', sa.String(36), nullable=False),
        sa.Column('node_uuid', sa.String(255), nullable=False),
        sa.Column('lease_uuid', sa.String(36), nullable=True),
        sa.Column('user_id', sa.String(255), nullable=True),
        sa.Column('project_id', sa.String(255), nullable=True),
        sa.Column('expires', types.UTCDateTime, nullable=False),
        sa.Column('consumed_at', types.UTCDateTime, nullable=True),
        sa.Column('created_at', types.UTCDateTime, nullable=True),
        sa.Column('updated_at', types.UTCDateTime, nullable=True),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_index('console_auth_tokens_node_idx', 'console_auth_tokens',
                    ['resource_type', 'node_uuid'])
    op.create_index('console_auth_tokens_expires_idx',
                    'console_auth_tokens', ['expires'])
    op.create_index('console_auth_tokens_lease_idx', 'console_auth_tokens',
                    ['lease_uuid'])
