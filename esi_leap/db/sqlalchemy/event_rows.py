"""Event rows: written in the transaction of the change they record."""
from esi_leap.db.sqlalchemy import models

_EVENTS = models.Event.__table__


def insert_event(session, **values):
    """Insert one event row in ``session``'s transaction.

    ``values`` are the Event columns (event_type, event_time, object_type,
    object_uuid, resource_type, resource_uuid, lessee_id, owner_id,
    end_time, previous_end_time, created_at).

    NOTE(esi-leap): a Core INSERT, not session.add(): no ORM unit of work
    for a row nothing reads back in this transaction. The statement is
    built once; the values go as parameters (building an INSERT with
    .values() costs more than sending it).
    """
    session.execute(_INSERT, values)


_INSERT = _EVENTS.insert()


class Buffered(object):
    """Event rows a many-node transaction writes together, at its end.

    NOTE(esi-leap): one multi-row INSERT just before the commit, under the
    locks, rather than one statement per event.
    """

    def __init__(self, session):
        self.session = session
        self._events = []

    def add_event(self, **values):
        """Add an event row (Event columns); all are inserted together."""
        self._events.append(values)

    def finish(self):
        """Write what is still buffered (the events), before the commit."""
        if self._events:
            self.session.execute(_INSERT, self._events)
            self._events = []
