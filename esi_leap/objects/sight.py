"""What a caller may see of the offers and leases a view names in passing.

A view that names an offer or a lease beside another record (a node's
current and future bookings, an offer's or a lease's parent lease) names
it only if the caller could read that offer or lease itself: the same
rules as GET of it, so a uuid answered by 404 is never shown elsewhere.
"""
import dataclasses

from esi_leap.db import api as db_api
from esi_leap.objects import filters
from esi_leap.objects import offers


@dataclasses.dataclass(frozen=True)
class Sight(object):
    """One caller's sight.

    ``offers`` is its OfferVisibility (None: every offer). With
    ``all_leases`` it sees every lease; otherwise only those ``party``
    (its project, if any) granted or holds.
    """

    offers: filters.OfferVisibility = None
    party: str = None
    all_leases: bool = True

    def offer(self, booking):
        """Whether the caller may see an offer (or an OfferBooking)."""
        return self.offers is None or self.offers.allows(
            booking.project_id, booking.lessee_id)

    def lease(self, booking):
        """Whether the caller may see a lease (or a LeaseBooking)."""
        return self.all_leases or (
            self.party is not None and
            self.party in (booking.owner_id, booking.project_id))

    def hidden_leases(self, uuids):
        """The lease uuids among ``uuids`` the caller may not see.

        A uuid that names no lease counts as hidden. One query, none for
        a caller who sees every lease or for no uuid.
        """
        wanted = {u for u in uuids if u}
        if self.all_leases or not wanted:
            return frozenset()
        parties = db_api.lease_parties(wanted)
        return frozenset(u for u in wanted
                         if u not in parties or not self.lease(parties[u]))


EVERYTHING = Sight()


def of(access):
    """Return the Sight of the caller whose objects.access.Access is given.

    Offer admins see every offer, lease admins every lease; anyone else
    what offers.visibility() and the lease parties rule allow.
    """
    return Sight(offers=offers.visibility(access),
                 party=access.project_id, all_leases=access.lease_admin)
