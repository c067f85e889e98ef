"""Index the booking checks down to the window.

The overlap checks of a booking (a lease of the same offer, an offer or a
lease of the same node, in a blocking status, overlapping the window)
were served by indexes ending at the status, so each check read every
blocking row of the offer or node: a claim got slower with every lease
booked on its offer. The indexes now go on with the end and start times:
the check reads only rows ending after the window starts, from the index
alone.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""
from alembic import op

revision = '0005'
down_revision = '0004'

# (table, old index, new index, its columns)
_CHANGES = (
    ('offers', 'offers_resource_status_idx', 'offers_resource_window_idx',
     ['resource_type', 'resource_uuid', 'status', 'end_time',
      'start_time']),
    ('leases', 'leases_resource_status_idx', 'leases_resource_window_idx',
     ['resource_type', 'resource_uuid', 'status', 'end_time',
      'start_time']),
    ('leases', 'leases_offer_status_idx', 'leases_offer_window_idx',
     ['offer_uuid', 'status', 'end_time', 'start_time']),
)


def upgrade():
    for table, old, new, columns in _CHANGES:
        op.create_index(new, table, columns)
        op.drop_index(old, table_name=table)
