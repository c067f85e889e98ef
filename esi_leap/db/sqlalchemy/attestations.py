"""The attested hand-over's record of each node (node_attestations)."""
import sqlalchemy as sa

from esi_leap.db.sqlalchemy import models
from esi_leap.db.sqlalchemy import records
from esi_leap.db.sqlalchemy import sql


def save(session, pair, lease_uuid, status, started_at, event_id, now):
    """Write the node's gate record (one row per node), in ``session``.

    Called under the node's lock row, so no other writer races it.
    """
    rtype, uuid = pair
    model = models.NodeAttestation
    row = session.scalars(sa.select(model).where(
        model.resource_type == rtype, model.resource_uuid == uuid)).first()
    if row is None:
        row = model(resource_type=rtype, resource_uuid=uuid)
        session.add(row)
    row.lease_uuid, row.status, row.started_at = lease_uuid, status, \
        started_at
    row.event_id, row.updated_at = event_id, now


def of_nodes(session, pairs):
    """{pair: record} of the nodes of ``pairs`` that have a gate record."""
    model = models.NodeAttestation
    found = {}
    for rtype, uuids in sql.chunks(pairs):
        for row in session.scalars(sa.select(model).where(
                model.resource_type == rtype,
                model.resource_uuid.in_(uuids))):
            found[(row.resource_type, row.resource_uuid)] = \
                records.record(row)
    return found
