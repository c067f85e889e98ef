"""Rules shared by offers and leases: time windows and who may book.

Everything here either reads only or runs inside a ResourceTransaction.
"""
import datetime

from oslo_config import cfg

from esi_leap.common import cleaning_buffer
from esi_leap.common import exception
from esi_leap.common import statuses
from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.notifications import payloads

CONF = cfg.CONF


def check_window(kind, start, end):
    """Raise InvalidTimeRange unless ``start`` is before ``end``."""
    if start >= end:
        raise exception.InvalidTimeRange(
            resource=kind, start_time=timeutils.message_format(start),
            end_time=timeutils.message_format(end))


def check_lease_length(access, start, end):
    """Raise LeaseExceedMaxTimeRange for a too-long lease of a non-admin.

    ``access`` is the caller's objects.access.Access.
    """
    max_days = CONF.api.max_lease_time
    if end - start > datetime.timedelta(days=max_days):
        if not access.lease_admin:
            raise exception.LeaseExceedMaxTimeRange(max_time=max_days)


def default_lease_end(start):
    """Return when a lease starting at ``start`` ends by default."""
    length = datetime.timedelta(days=CONF.api.default_lease_time)
    if start > timeutils.MAX_DATETIME - length:
        return timeutils.MAX_DATETIME  # no overflow near 9999-12-31
    return start + length


def booking_parent(access, resource_type, node, start, end):
    """Decide under which authority the caller (an Access) books the node.

    Returns None when the caller owns the node (or is an offer admin), or
    the caller's own top-level lease of the node that contains the window,
    which then becomes the parent of the new booking (one level of
    sub-leasing). ``end`` may be None, meaning "to the end of the parent".
    Raises HTTPResourceForbidden when the caller neither owns nor holds the
    node, and ResourceNoPermissionTime when it holds it at other times.
    """
    if (access.project_id and node.owner_id == access.project_id) or \
            access.offer_admin:
        return None
    held = []
    if access.project_id:
        held = db_api.held_leases(resource_type, node.uuid,
                                  access.project_id,
                                  statuses.LEASE_CAN_PARENT)
    if not held:
        raise exception.HTTPResourceForbidden(resource_type=resource_type,
                                              resource=node.uuid)
    for lease in held:
        lease_end = lease.end_time if end is None else end
        if lease.start_time <= start and lease_end <= lease.end_time \
                and start < lease.end_time:
            return lease
    raise exception.ResourceNoPermissionTime(
        resource_type=resource_type, resource_uuid=node.uuid,
        start_time=timeutils.message_format(start),
        end_time=timeutils.message_format(end if end is not None
                                          else held[-1].end_time))


def check_parent_window(txn, parent_uuid, start, end, exclude=None):
    """Inside a transaction: the parent must still hold the whole window.

    Raises LeaseNotActive if the parent lease ended or was cancelled,
    LeaseNoTimeAvailabilities if the window leaves the parent's or meets
    one of its other sub-bookings.
    """
    parent = txn.lease(parent_uuid)
    if parent is None or parent.status not in statuses.LEASE_CAN_PARENT:
        raise exception.LeaseNotActive(
            lease_uuid=parent_uuid,
            status=parent.status if parent else 'deleted')
    if start < parent.start_time or end > parent.end_time or \
            txn.child_overlaps(parent_uuid, start, end,
                               statuses.LEASE_BLOCKING,
                               statuses.OFFER_BLOCKING, exclude=exclude):
        raise exception.LeaseNoTimeAvailabilities(
            lease_uuid=parent_uuid,
            start_time=timeutils.message_format(start),
            end_time=timeutils.message_format(end))
    return parent


def check_parent_holds(txn, parent_uuid, start, end):
    """Inside a transaction: the parent lease is live and contains the window.

    Claims of a sub-offer call this: the offer's own window is not enough,
    since the parent may have been shortened, cancelled or ended since the
    offer was made. Raises LeaseNotActive or LeaseNoTimeAvailabilities.
    """
    parent = txn.lease(parent_uuid)
    if parent is None or parent.status not in statuses.LEASE_CAN_PARENT:
        raise exception.LeaseNotActive(
            lease_uuid=parent_uuid,
            status=parent.status if parent else 'deleted')
    if start < parent.start_time or end > parent.end_time:
        raise exception.LeaseNoTimeAvailabilities(
            lease_uuid=parent_uuid,
            start_time=timeutils.message_format(start),
            end_time=timeutils.message_format(end))
    return parent


def check_extension(txn, lease, end, access=None):
    """Inside a transaction: ``lease`` may be extended to ``end``.

    The added time [current end, end) is checked like a new booking:
    against the offer it was claimed from (and that offer's parent lease),
    against its parent lease, or against the resource; top-level leases
    with the node's cleaning buffer. With ``access``, a conflicting
    top-level booking is named in the error if that caller may see it.
    """
    added_start = lease.end_time
    if lease.offer_uuid is not None:
        _check_offer_extension(txn, lease, added_start, end, access)
    elif lease.parent_lease_uuid is not None:
        check_parent_window(txn, lease.parent_lease_uuid, added_start, end,
                            exclude=lease.uuid)
    else:
        check_resource_window(
            txn, added_start, end, exclude=lease.uuid, access=access,
            buffer=cleaning_buffer.for_class(lease.resource_class))


def _check_offer_extension(txn, lease, added_start, end, access=None):
    """check_extension() of a lease claimed from an offer."""
    offer = txn.offer(lease.offer_uuid)
    error = exception.OfferNoTimeAvailabilities(
        offer_uuid=lease.offer_uuid,
        start_time=timeutils.message_format(added_start),
        end_time=timeutils.message_format(end))
    if offer is None or offer.status != statuses.AVAILABLE or \
            end > offer.end_time:
        raise error
    buffer = cleaning_buffer.for_booking(offer.resource_class,
                                         offer.parent_lease_uuid)

    def meets(with_buffer):
        return txn.offer_lease_overlaps(
            offer.uuid, added_start, end, statuses.LEASE_BLOCKING,
            exclude=lease.uuid, buffer=with_buffer)
    if meets(buffer):
        by_buffer = buffer > cleaning_buffer.NONE and \
            not meets(cleaning_buffer.NONE)
        raise _offer_conflict(txn, error, lease, added_start, end, buffer,
                              by_buffer, access)
    if lease.parent_lease_uuid is not None:
        check_parent_holds(txn, lease.parent_lease_uuid, added_start, end)


def _offer_conflict(txn, error, lease, added_start, end, buffer, by_buffer,
                    access):
    """The error for an extension of a claimed lease meeting another lease.

    The other lease (of the same offer) is named, with its window, when
    ``access`` is given and may see it; ``by_buffer`` says the node's
    cleaning buffer is what makes the conflict.
    """
    row = None
    if access is not None:
        row = txn.resource_conflict(added_start, end, (),
                                    statuses.LEASE_BLOCKING,
                                    exclude=lease.uuid, buffer=buffer)[1]
    shown = row is not None and _may_see(access, 'lease', row)
    detail = conflict_detail(added_start, 'lease', row, shown, by_buffer,
                             buffer)
    if detail is None:
        return error
    return exception.OfferNoTimeAvailabilities(
        message='%s %s' % (error.message, detail))


def clip_children(txn, lease, now, recorder):
    """Inside a transaction: keep the sub-bookings of ``lease`` inside it.

    Called when ``lease`` was shortened. A sub-offer or sub-lease (a lease
    claimed from a sub-offer included) that starts at or after the new end
    is cancelled like a deleted one; one that runs past the new end ends at
    it instead.

    NOTE(esi-leap): clipping rather than cancelling everything keeps the
    part of each sub-booking that the parent still covers, which is what
    the sub-lessee was promised, and it restores the rule that a booking's
    window never leaves its parent's.
    """
    end = lease.end_time
    child_offers, child_leases = txn.children(
        lease.uuid, statuses.LEASE_CAN_DELETE, statuses.OFFER_CAN_DELETE)
    for offer in child_offers:
        if offer.start_time >= end:
            cancel_offer_tree(txn, offer, now, recorder)
        elif offer.end_time > end:
            offer.end_time = end
            recorder.record('offer', offer, 'update', 'end')
    for child in child_leases:
        if child.status not in statuses.LEASE_CAN_DELETE:
            continue  # cancelled with its offer just above
        if child.start_time >= end:
            cancel_lease_tree(txn, child, now, recorder)
        elif child.end_time > end:
            before, child.end_time = child.end_time, end
            txn.forget_notice(child.uuid, statuses.NOTICE_ENDING)
            recorder.record('lease', child, 'update', 'end',
                            extra=payloads.previous_end(before),
                            ends=(end, before))
    txn.flush()


def check_new_booking(txn, access, parent_uuid, node_class, start, end):
    """Inside a node's transaction: whether a new offer or lease fits.

    With a parent lease ``parent_uuid``, [start, end) must be inside it
    and free among its sub-bookings (check_parent_window()); without,
    free on the node given the cleaning buffer of its class
    ``node_class`` (check_resource_window()). Raises as they do.
    """
    if parent_uuid is not None:
        check_parent_window(txn, parent_uuid, start, end)
    else:
        check_resource_window(txn, start, end, access=access,
                              buffer=cleaning_buffer.for_class(node_class))


def check_resource_window(txn, start, end, exclude=None, access=None,
                          buffer=cleaning_buffer.NONE):
    """Inside a transaction: no top-level booking may meet the window.

    Raises ResourceTimeConflict when an offer or lease of the resource in a
    blocking status conflicts with [start, end) given the node's cleaning
    ``buffer`` (cleaning_buffer.conflicts()). The message says when the
    buffer is what makes the conflict; with ``access``, it also names the
    conflicting booking and its window if that caller may see it.
    """
    blocking = (statuses.OFFER_BLOCKING, statuses.LEASE_BLOCKING)
    if not txn.resource_overlaps(start, end, *blocking, exclude=exclude,
                                 buffer=buffer):
        return
    error = exception.ResourceTimeConflict(resource_type=txn.resource_type,
                                           resource_uuid=txn.resource_uuid)
    # NOTE(esi-leap): the original wording comes first, unchanged: clients
    # and their tests look for it. What follows is read only now, on the
    # error path.
    by_buffer = buffer > cleaning_buffer.NONE and not txn.resource_overlaps(
        start, end, *blocking, exclude=exclude)
    kind, row = txn.resource_conflict(start, end, *blocking, exclude=exclude,
                                      buffer=buffer)
    shown = access is not None and row is not None and \
        _may_see(access, kind, row)
    detail = conflict_detail(start, kind, row, shown, by_buffer, buffer)
    if detail is None:
        raise error
    raise exception.ResourceTimeConflict(
        message='%s %s' % (error.message, detail))


def conflict_detail(start, kind, row, shown, by_buffer, buffer):
    """The sentence after a conflict's message, or None for none.

    ``row`` is the conflicting ``kind`` ('offer' or 'lease') booking,
    ``shown`` whether the caller may see it (then it is named, with its
    window), ``by_buffer`` whether the node's cleaning ``buffer`` is what
    makes the conflict for a window starting at ``start``.
    """
    if by_buffer:
        return buffer_detail(start, kind + ' ' + row.uuid if shown else
                             None, row, buffer)
    if shown:
        return 'It overlaps %s %s (%s - %s).' % (
            kind, row.uuid, timeutils.message_format(row.start_time),
            timeutils.message_format(row.end_time))
    return None


def buffer_detail(start, name, row, buffer):
    """The sentence saying a window [start, ...) meets ``row``'s buffer.

    ``row`` (with start_time and end_time) is the booking met, ``name``
    how it may be named to the caller (None: not at all, and then neither
    its times).
    """
    seconds = int(buffer.total_seconds())
    if name is None:
        return ('It falls within the node\'s %d s cleaning buffer, kept '
                'free between two bookings.' % seconds)
    if row.start_time < start:
        return ('It conflicts with %s ending at %s plus the node\'s %d s '
                'cleaning buffer.' % (
                    name, timeutils.message_format(row.end_time), seconds))
    return ('It ends less than the node\'s %d s cleaning buffer before %s '
            'starting at %s.' % (seconds, name,
                                 timeutils.message_format(row.start_time)))


def _may_see(access, kind, row):
    """Whether ``access`` may see the conflicting offer or lease ``row``."""
    if kind == 'lease':
        return access.lease_admin or access.is_party(row.owner_id,
                                                     row.project_id)
    return access.offer_admin or access.is_party(row.project_id,
                                                 row.lessee_id)


# NOTE(esi-leap): a ``created`` lease whose start has come may be on its
# node already: a manager sets the node before it records ``active``. Such a
# lease is cancelled through ``wait cancel`` so that the manager scrubs the
# node; deleting it at once would leave the node to a lease that no longer
# exists. The margin covers clock skew between the API and manager hosts.
MANAGER_REACH = datetime.timedelta(seconds=60)


def cancel_lease_tree(txn, lease, now, recorder):
    """Inside a transaction: cancel a lease and its sub-bookings.

    A lease that cannot have reached its node (``created`` and starting
    later than MANAGER_REACH from now) is deleted at once; one that may
    hold it goes to ``wait cancel`` so the manager scrubs the node first.
    Leases already ended or being cancelled are left as they are.
    """
    if lease.status not in statuses.LEASE_CAN_DELETE:
        return
    child_offers, child_leases = txn.children(
        lease.uuid, statuses.LEASE_CAN_DELETE, statuses.OFFER_CAN_DELETE)
    for offer in child_offers:
        cancel_offer_tree(txn, offer, now, recorder)
    for child in child_leases:
        cancel_lease_tree(txn, child, now, recorder)
    before = lease.status
    if lease.status == statuses.CREATED and \
            lease.start_time > now + MANAGER_REACH:
        lease.status = statuses.DELETED
        lease.expire_time = now
        recorder.record('lease', lease, 'delete', 'end', before)
    else:
        lease.status = statuses.WAIT_CANCEL
        lease.next_attempt_at = None
        recorder.record('lease', lease, 'delete', 'start', before)
    txn.flush()


def cancel_offer_tree(txn, offer, now, recorder):
    """Inside a transaction: withdraw an offer and cancel its leases."""
    if offer.status not in statuses.OFFER_CAN_DELETE:
        return
    for lease in txn.leases_of_offer(offer.uuid, statuses.LEASE_CAN_DELETE):
        cancel_lease_tree(txn, lease, now, recorder)
    before = offer.status
    offer.status = statuses.DELETED
    recorder.record('offer', offer, 'delete', 'end', before)
    txn.flush()
