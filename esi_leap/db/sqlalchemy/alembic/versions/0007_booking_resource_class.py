"""Keep the node's resource class on offers and leases.

The cleaning buffer between two bookings of a node depends on the node's
resource class ([manager] cleaning_buffer_by_resource_class). A claim and
the offers' availabilities read it from the offer's row, in the statement
that reads the offer anyway, rather than asking the node's backend. Rows
made before this revision have none and get [manager] cleaning_buffer.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'


def upgrade():
    for table in ('offers', 'leases'):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('resource_class', sa.String(255),
                                       nullable=True))
