"""Filter records that the API builds and the DB layer turns into SQL."""
import dataclasses


@dataclasses.dataclass
class OfferVisibility(object):
    """Which offers a non-admin project may see.

    Its own, those open to anyone, and those restricted to a project in
    ``lessee_ids`` (the caller's project and its ancestors).
    """

    project_id: str
    lessee_ids: list

    def allows(self, project_id, lessee_id):
        """Whether an offer of ``project_id`` for ``lessee_id`` is seen."""
        return lessee_id is None or project_id == self.project_id or \
            lessee_id in self.lessee_ids


@dataclasses.dataclass
class BookingFilters(object):
    """What an offer list and a lease list both filter on; None: "any".

    ``resources`` ({resource_type: uuids}) keeps only the offers or leases
    of those resources; an empty mapping matches nothing.
    """

    statuses: tuple = None
    uuid: str = None
    project_id: str = None
    resource_type: str = None
    resource_uuid: str = None
    start_time: object = None
    end_time: object = None
    resources: dict = None
    page: 'Page' = None


@dataclasses.dataclass
class OfferFilters(BookingFilters):
    """Criteria of an offer list (and those of BookingFilters)."""

    name: str = None
    lessee_id: str = None
    available_start_time: object = None
    available_end_time: object = None
    blocking_lease_statuses: tuple = ()
    visibility: OfferVisibility = None


@dataclasses.dataclass
class LeaseFilters(BookingFilters):
    """Criteria of a lease list (and those of BookingFilters)."""

    owner_id: str = None
    party_id: str = None
    offer_uuid: str = None
    purpose: str = None


@dataclasses.dataclass
class EventFilters(object):
    """Criteria of an event list; None means "any"."""

    last_event_id: int = None
    last_event_time: object = None
    event_type: str = None
    resource_type: str = None
    resource_uuid: str = None
    lessee_or_owner_id: str = None
    page: 'Page' = None


@dataclasses.dataclass
class Page(object):
    """Which part of a list to return, in which order.

    ``limit`` None means the whole list. ``marker`` is the uuid (for
    events, the id) of the last item of the previous page; the page starts
    after it. ``sort_key`` None sorts oldest first.
    """

    limit: int = None
    marker: str = None
    sort_key: str = None
    sort_dir: str = 'asc'
