"""The contract of the booking transactions: what domain code may call.

db_api's run_* functions hand their ``body`` one of the three kinds below;
the classes of ``esi_leap.db.sqlalchemy`` (resource_transaction,
node_batch, fleet) implement them. Domain code relies on these methods
and attributes only.

Shared promises: every method runs in the one database transaction the
opener began under its lock rows, so whatever it reads is what every
booking committed before the lock shows, and whatever it writes commits
with the rest of the body or not at all. Any method may raise what the
database layer raises (``oslo_db.exception.DBError`` and its subclasses;
a ``DBDeadlock`` makes the runner re-run the whole body). Rows come in two
shapes, and each method says which:

- a *record*: a read-only named tuple (attribute access, as on the model);
  nothing done to it reaches the database;
- an *attached row*: a model instance of this transaction; a change made
  to its attributes is written with the transaction (flush() sends it
  early). Only the methods whose callers change the rows return these.
"""
import abc

from esi_leap.common import cleaning_buffer


class EventWriter(abc.ABC):
    """What every booking transaction offers: its events."""

    @abc.abstractmethod
    def add_event(self, **values):
        """Write an event row (Event columns) with this transaction.

        It commits with the transaction, or not at all. A many-node
        transaction writes its events together just before its commit.
        """


class ResourceTransaction(EventWriter):
    """Queries and changes on one node, under that node's lock row.

    ``resource_type`` and ``resource_uuid`` name the node; a transaction
    opened from an offer's or a lease's row learns them on its first
    offer_for_claim() or lease().
    """

    resource_type = None
    resource_uuid = None

    @abc.abstractmethod
    def offer(self, uuid):
        """Re-read an offer by uuid.

        :returns: the attached Offer row, or None when there is none.
        """

    @abc.abstractmethod
    def lease(self, uuid):
        """Re-read a lease by uuid; the transaction learns its node from it.

        :returns: the attached Lease row, or None when there is none.
        """

    @abc.abstractmethod
    def resource_overlaps(self, start, end, offer_statuses, lease_statuses,
                          exclude=None, buffer=cleaning_buffer.NONE):
        """Whether a top-level booking of the node conflicts with a window.

        Offers in ``offer_statuses`` and leases in ``lease_statuses``
        count, but not the booking whose uuid is ``exclude``; ``buffer`` is
        the node's cleaning buffer (cleaning_buffer.conflicts()). One
        query.

        :returns: a bool.
        """

    @abc.abstractmethod
    def resource_conflict(self, start, end, offer_statuses, lease_statuses,
                          exclude=None, buffer=cleaning_buffer.NONE):
        """The first top-level booking conflicting with a window.

        As resource_overlaps(), to describe a conflict already found.

        :returns: ('offer' or 'lease', record), or (None, None).
        """

    @abc.abstractmethod
    def offer_window_conflict(self, offer_uuid, start, end,
                              offer_statuses, lease_statuses,
                              buffer=cleaning_buffer.NONE):
        """The booking that keeps an offer of the node from gaining a window.

        :returns: ('offer' or 'lease', record), or (None, None) when the
            offer may cover [start, end).
        """

    @abc.abstractmethod
    def offer_lease_overlaps(self, offer_uuid, start, end, statuses,
                             exclude=None, buffer=cleaning_buffer.NONE):
        """Whether a lease of the offer in ``statuses`` meets a window.

        ``exclude`` and ``buffer`` as in resource_overlaps().

        :returns: a bool.
        """

    @abc.abstractmethod
    def child_overlaps(self, parent_uuid, start, end, lease_statuses,
                       offer_statuses, exclude=None):
        """Whether a sub-lease or sub-offer of a lease meets a window.

        :returns: a bool.
        """

    @abc.abstractmethod
    def leases_of_offer(self, offer_uuid, statuses):
        """The leases claimed from an offer, in ``statuses``, by id.

        :returns: a list of attached Lease rows.
        """

    @abc.abstractmethod
    def children(self, parent_uuid, lease_statuses, offer_statuses):
        """The sub-offers and sub-leases of a lease, in the statuses given.

        :returns: (list of attached Offer rows, list of attached Lease
            rows).
        """

    @abc.abstractmethod
    def offer_for_claim(self, offer_uuid, start, pivot, statuses,
                        exclude=None):
        """Re-read an offer with everything a claim of it checks; one query.

        ``neighbours`` (a cleaning_buffer.Neighbours) are the offer's
        leases in ``statuses`` around ``pivot`` (the claim's end, or its
        start when the end is yet to be decided; ``start`` is the claim's
        start), the lease whose uuid is ``exclude`` left out. The
        transaction learns its node from the offer.

        :returns: (offer record, neighbours), or None when no offer has
            the uuid.
        """

    @abc.abstractmethod
    def add(self, row):
        """Insert a new Offer or Lease model instance; one INSERT.

        :returns: its record, filled in (uuid, created_at, id, defaults).
        """

    @abc.abstractmethod
    def add_offer(self, **fields):
        """Insert an offer of the node with the Offer columns ``fields``.

        :returns: its record, filled in as by add().
        """

    @abc.abstractmethod
    def add_lease(self, **fields):
        """Insert a lease of the node with the Lease columns ``fields``.

        :returns: its record, filled in as by add().
        """

    @abc.abstractmethod
    def claimed_lease(self, uuid, created_at, **fields):
        """The lease the claim transaction wrote before its lock.

        ``fields`` are the Lease columns the claim was opened with and
        those copied from the offer. Nothing is sent to the database.

        :returns: its record, as add_lease() returns it.
        """

    @abc.abstractmethod
    def forget_notice(self, lease_uuid, kind):
        """Delete a lease's ``kind`` e-mail notice: it is decided again."""

    @abc.abstractmethod
    def flush(self):
        """Send the changes made to attached rows so far.

        Later queries of the transaction see them; they commit with it.
        """


class ResourcesTransaction(EventWriter):
    """The manager's outcomes of many nodes, under all their lock rows.

    The locks were taken first, in sorted order, so two of these never
    deadlock on each other.
    """

    @abc.abstractmethod
    def leases(self, uuids):
        """Re-read leases by uuid.

        :returns: {uuid: attached Lease row}; uuids of no lease are absent.
        """

    @abc.abstractmethod
    def offers(self, uuids):
        """Re-read offers by uuid.

        :returns: {uuid: attached Offer row}; uuids of no offer are absent.
        """

    @abc.abstractmethod
    def save_attestation(self, pair, lease_uuid, status, started_at,
                         event_id, now):
        """Write the attested hand-over record of node ``pair``."""

    @abc.abstractmethod
    def add_notices(self, lease_uuids, kind, due):
        """Decide a ``kind`` e-mail notice for each lease, once only.

        A lease that has a notice of that kind already is skipped.

        :returns: how many notices this call decided.
        """

    @abc.abstractmethod
    def decide_ending_events(self, wanted, now):
        """Decide the ending event of each (lease_uuid, end_time), once only.

        :returns: the pairs of ``wanted`` this call decided, in order.
        :raises: oslo_db.exception.DBDuplicateEntry when another decider
            wrote one of them meanwhile (nothing of the transaction may
            then stand).
        """

    @abc.abstractmethod
    def open_quarantines(self, pairs):
        """The nodes of ``pairs`` quarantined now.

        :returns: a set of (resource_type, resource_uuid).
        """

    @abc.abstractmethod
    def delete_tokens(self, pairs):
        """Delete every console token of the nodes of ``pairs``."""


class FleetTransaction(EventWriter):
    """An N-node claim: the chosen nodes and the claimant's project locked.

    ``quota`` is what the transaction read of the claimant's quota (a
    quotas.Prefetched), or None when no quota is checked.
    """

    quota = None

    @abc.abstractmethod
    def for_offer(self):
        """A ResourceTransaction in this transaction, for one offer's checks.

        It learns its node from the offer or lease it reads first.
        """

    @abc.abstractmethod
    def offers_for_claim(self, offer_uuids, start, pivot, statuses):
        """Re-read many offers with what a claim of each checks; one query.

        :returns: {uuid: (offer record, neighbours)} as
            ResourceTransaction.offer_for_claim() (no lease excluded), for
            each offer of ``offer_uuids`` there is.
        """

    @abc.abstractmethod
    def add_leases(self, leases):
        """Insert new leases (dicts of Lease columns); one INSERT.

        :returns: their records, filled in as by
            ResourceTransaction.add(), in order.
        """
