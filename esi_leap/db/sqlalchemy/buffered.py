"""The availability filter of offer lists, with the cleaning buffer.

An offer is available for [available_start_time, available_end_time)
when none of its blocking leases conflicts with that window given the
node's cleaning buffer (esi_leap.common.cleaning_buffer), as a claim of
the window would be checked.
"""
import sqlalchemy as sa

from esi_leap.common import cleaning_buffer
from esi_leap.db.sqlalchemy import models
from esi_leap.db.sqlalchemy import statements


def widened_end(side, unbuffered):
    """One end of the availability window widened by the offer's buffer.

    NOTE(esi-leap): the node's cleaning buffer depends on the offer's
    resource class, so the widened ends come as bound values, one pair per
    class that has a buffer of its own and one for every other class
    (see values()), and a CASE picks the offer's: no date
    arithmetic in SQL, the same on every backend. A sub-offer's window is
    not widened.
    """
    offer = models.Offer
    column = offer.start_time if side == 'low' else offer.end_time
    whens = [(offer.parent_lease_uuid.is_not(None), unbuffered)]
    for i in range(len(cleaning_buffer.classes())):
        whens.append((offer.resource_class == statements.value(
            'buffer_class_%d' % i), statements.value(
                'available_%s_%d' % (side, i), column)))
    return sa.case(*whens, else_=statements.value('available_' + side,
                                                  column))


def values(filters):
    """The bound values widened_end() needs for an availability filter."""
    a_start = getattr(filters, 'available_start_time', None)
    if a_start is None:
        return {}
    a_end = filters.available_end_time
    bound = {}
    for i, name in enumerate(cleaning_buffer.classes()):
        bound['buffer_class_%d' % i] = name
        bound['available_low_%d' % i], bound['available_high_%d' % i] = \
            cleaning_buffer.widened(a_start, a_end,
                                    cleaning_buffer.for_class(name))
    bound['available_low'], bound['available_high'] = \
        cleaning_buffer.widened(a_start, a_end,
                                cleaning_buffer.for_class(None))
    return bound


def key(variant, filters):
    """The key of a list statement: its variant, filter and buffer shape.

    An availability filter's statement has one CASE branch per resource
    class with a buffer of its own.
    """
    classes = None
    if getattr(filters, 'available_start_time', None) is not None:
        classes = len(cleaning_buffer.classes())
    return (variant, statements.shape(filters), classes)
