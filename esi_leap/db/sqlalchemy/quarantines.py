"""Which nodes are quarantined: read from their quarantine events.

A node's quarantine is open from an ``esi_leap.node.quarantine.start``
event until the ``...end`` event that follows it. The events are the
record: the manager reads them under the nodes' lock rows, so two
managers never both start (or both end) the same quarantine.
"""
import sqlalchemy as sa

from esi_leap.db.sqlalchemy import models
from esi_leap.db.sqlalchemy import sql

START = 'esi_leap.node.quarantine.start'
END = 'esi_leap.node.quarantine.end'


def open_of(session, pairs):
    """The (resource_type, resource_uuid) of ``pairs`` quarantined now.

    One query per chunk of nodes (the events' resource index): a node is
    quarantined when its last quarantine event is a start.
    """
    event = models.Event
    last = {}
    for rtype, uuids in sql.chunks(pairs):
        rows = session.execute(
            sa.select(event.resource_uuid,
                      sa.func.max(sa.case((event.event_type == START,
                                           event.id), else_=0)),
                      sa.func.max(sa.case((event.event_type == END,
                                           event.id), else_=0)))
            .where(event.resource_type == rtype,
                   event.resource_uuid.in_(uuids),
                   event.event_type.in_((START, END)))
            .group_by(event.resource_uuid))
        last.update(((rtype, uuid), started > ended)
                    for uuid, started, ended in rows)
    return {pair for pair, is_open in last.items() if is_open}
