"""Per-project quota overrides.

One row per lessee project whose quotas an admin set; a NULL limit means
the [quota] default. The lock that makes the quota check race-free is a
resource_locks row of type 'project' and needs no schema change.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa

from esi_leap.db.sqlalchemy import types

revision = '0009'
down_revision = '0008'


def upgrade():
    op.create_table(
        'project_quotas',
        sa.Column('project_id', sa.String(255), primary_key=True),
        sa.Column('max_nodes', sa.Integer, nullable=True),
        sa.Column('max_leases', sa.Integer, nullable=True),
        sa.Column('max_nodes_by_resource_class', types.JSONDict,
                  nullable=True),
        sa.Column('created_at', types.UTCDateTime, nullable=True),
        sa.Column('updated_at', types.UTCDateTime, nullable=True),
    )
