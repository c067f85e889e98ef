"""Lifecycle events: reading them (they are written with each change)."""
from esi_leap.db import api as db_api
from esi_leap.objects import listing


def list_page(filters):
    """Return the Listing of the events matching an EventFilters.

    Oldest first unless the filters' page sorts otherwise; the next
    marker is the last event's id when more follow. One query.
    """
    found, marker = listing.cut(db_api.event_list(filters), filters.page,
                                lambda event: event.id)
    return listing.Listing(rows=found, next_marker=marker)
