"""Record the "lease ending" event of each lease and end time.

One row per lease and end time whose ending event was decided; the unique
(lease_uuid, end_time) constraint makes it once only, with any number of
managers. The table inherits the database's exact collation (0007).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa

from esi_leap.db.sqlalchemy import types

revision = '0010'
down_revision = '0009'


def upgrade():
    op.create_table(
        'lease_ending_events',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('lease_uuid', sa.String(36), nullable=False),
        sa.Column('end_time', types.UTCDateTime, nullable=False),
        sa.Column('created_at', types.UTCDateTime, nullable=True),
        sa.Column('updated_at', types.UTCDateTime, nullable=True),
        sa.UniqueConstraint('lease_uuid', 'end_time',
                            name='lease_ending_events_lease_end_uc'),
    )
