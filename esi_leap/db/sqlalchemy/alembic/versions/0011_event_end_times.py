"""Keep the end times a lease event is about on its event row.

``esi_leap.lease.update.end`` rows of an end-time change carry the
lease's new ``end_time`` and its ``previous_end_time``;
``esi_leap.lease.ending.end`` rows carry the ``end_time`` they announce.
Both columns are null on every other event and on rows written (or
adopted) before this revision.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa

from esi_leap.db.sqlalchemy import types

revision = '0011'
down_revision = '0010'


def upgrade():
    with op.batch_alter_table('events') as batch:
        batch.add_column(sa.Column('end_time', types.UTCDateTime,
                                   nullable=True))
        batch.add_column(sa.Column('previous_end_time', types.UTCDateTime,
                                   nullable=True))
