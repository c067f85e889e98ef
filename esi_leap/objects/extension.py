"""Changing a lease's end time: who may, how far, and the change itself.

Admins change any lease's end (esi_leap:lease:update). The project holding
a lease extends or shortens it (esi_leap:lease:update_as_lessee); the
project that granted it shortens it, and extends it only when it created
it directly rather than through an offer (esi_leap:lease:update_as_owner).
What every change must respect (the offer's window, the parent lease, the
node's other bookings, quotas) is decided under the node's lock, in the
same transaction as the write; a non-admin's extension is further bounded
by [api] max_lease_time counted from now and, for a lessee, by
[api] lessee_extension_window.
"""
import dataclasses
import datetime

from oslo_config import cfg

from esi_leap.common import exception
from esi_leap.common import statuses
from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.notifications import emitter
from esi_leap.notifications import payloads
from esi_leap.objects import booking_rules
from esi_leap.objects import leases
from esi_leap.objects import listing
from esi_leap.objects import quotas

CONF = cfg.CONF


@dataclasses.dataclass(frozen=True)
class Rights(object):
    """Under which rules a caller may change one lease's end time."""

    admin: bool = False
    lessee: bool = False
    owner: bool = False

    def check_extension(self, lease, end, now):
        """Raise unless these rights allow moving ``lease``'s end to ``end``.

        ``lease`` is the lease as read under its node's lock and ``end``
        is later than its end. Admins are not bounded here; the owner
        extends only a lease it created directly; anyone else only up to
        [api] max_lease_time days from ``now``, and a lessee (not also
        such an owner) only within [api] lessee_extension_window of the
        current end. Raises LeaseExtensionByOwner, LeaseEndTooFar or
        LeaseExtensionTooEarly (all 403).
        """
        if self.admin:
            return
        as_owner = self.owner and lease.offer_uuid is None
        if not (as_owner or self.lessee):
            raise exception.LeaseExtensionByOwner(
                lease_uuid=lease.uuid, offer_uuid=lease.offer_uuid)
        max_days = CONF.api.max_lease_time
        if end - now > datetime.timedelta(days=max_days):
            raise exception.LeaseEndTooFar(
                end_time=timeutils.message_format(end), max_time=max_days)
        if not as_owner:
            _check_window_open(lease, now)


def _check_window_open(lease, now):
    """Raise LeaseExtensionTooEarly before the lessee's extension window."""
    window = CONF.api.lessee_extension_window
    if not window:
        return
    opens = lease.end_time - datetime.timedelta(seconds=window)
    if now < opens:
        raise exception.LeaseExtensionTooEarly(
            lease_uuid=lease.uuid, from_time=timeutils.message_format(opens),
            window=window,
            end_time=timeutils.message_format(lease.end_time))


def effective_end(lease, end, now):
    """The end time stored when ``lease``'s end is asked to be ``end``.

    NOTE(esi-leap): an end at or before now, for a lease that has started,
    means "end it now": the time of the change is stored, never a time in
    the past, so the lease's recorded window is the time it really had the
    node, and the manager, woken by the change, ends it at once. For a
    lease that has not started, such an end is before its start and is
    refused by the window check like any other.
    """
    if end <= now and lease.start_time < now:
        return now
    return end


def change_end_time(access, lease, end, caller_rights, seen=None):
    """Move the end of ``lease`` to ``end`` as ``caller_rights`` allow.

    Decided and written in one transaction under the node's lock.
    Shortening always succeeds while the lease has not ended (its
    sub-offers and sub-leases are clipped or cancelled so none outlives
    it); an end at or before now ends it now (effective_end()). Extending
    checks caller_rights.check_extension(), then the added time like a new
    booking (offer, parent lease or node, with the node's cleaning
    buffer; a conflict named when the caller may see it) and the lessee's
    quota. Raises LeaseNotActive for a lease that has ended or is being
    cancelled, LeaseEnding for one whose end time has come. Returns the
    Listing of the changed lease (``seen`` as in leases.describe()).
    ``access`` (an Access; None: nobody) names a conflict it may see.
    """
    def change(txn, recorder):
        current = txn.lease(lease.uuid)
        _check_changeable(current)
        now = timeutils.utcnow()
        new_end = effective_end(current, end, now)
        booking_rules.check_window('a lease', current.start_time, new_end)
        if new_end > current.end_time:
            caller_rights.check_extension(current, new_end, now)
            booking_rules.check_extension(txn, current, new_end, access=access)
        _write_end(txn, current, new_end, now, recorder)
        return current

    current, nodes = listing.sent_with_facts(db_api.run_booking(
        lease.resource_type, lease.resource_uuid, emitter.recorded(change)))
    return leases.describe([current], nodes, seen=seen)


def _check_changeable(current):
    """Raise unless the end of ``current`` (read under the lock) may move.

    LeaseNotActive for a lease that ended or is being cancelled;
    LeaseEnding once its stored end time has passed.

    NOTE(esi-leap): decided under the node's lock row, which the manager
    also holds to record an end. Once the stored end time has passed, the
    manager may already have taken the node back (scrubbed, undeployed):
    a new end accepted then would leave the lease active on a node its
    lessee no longer has.
    """
    if current.status not in statuses.LEASE_CAN_PARENT + (
            statuses.WAIT_FULFILL,):
        raise exception.LeaseNotActive(lease_uuid=current.uuid,
                                       status=current.status)
    if current.end_time <= timeutils.utcnow():
        raise exception.LeaseEnding(
            lease_uuid=current.uuid,
            end_time=timeutils.isoformat(current.end_time))


def _write_end(txn, current, end, now, recorder):
    """Inside the transaction: store ``end`` and what follows from it.

    The lessee's quota is checked over the added time, sub-bookings are
    kept inside a shortened lease, and the update event carries the
    previous end time.
    """
    before = current.end_time
    if end != before:
        # NOTE(esi-leap): the "about to end" notice is decided again for
        # the new end, in this transaction, so it cannot be lost between
        # the change and the next decision.
        txn.forget_notice(current.uuid, statuses.NOTICE_ENDING)
    current.end_time = end
    if end > before:
        txn.flush()
        quotas.enforce(txn, current.project_id, before, end,
                       current.resource_class)
    recorder.record('lease', current, 'update', 'end',
                    extra=payloads.previous_end(before), ends=(end, before))
    if end < before:
        booking_rules.clip_children(txn, current, now, recorder)
