"""Lifecycle events: reading them (they are written with each change)."""
from esi_leap.db import api as db_api


def list_events(filters):
    """Return the events matching an EventFilters (read-only rows).

    Oldest first unless the filters' page sorts otherwise; with a page, at
    most its limit + 1 rows (the extra one says there is more).
    """
    return db_api.event_list(filters)
