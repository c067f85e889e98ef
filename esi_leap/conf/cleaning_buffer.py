"""Options of the [manager] group that reserve cleaning time between leases.

They live in a module of their own (registered in the [manager] group) so
the booking code depends on them alone.
"""
from oslo_config import cfg
from oslo_config import types

GROUP = 'manager'

# NOTE(esi-leap): thirty days; a longer gap between two bookings is not a
# cleaning buffer but a typo, and the bound keeps the date arithmetic of
# the booking checks far from the ends of the calendar.
MAX_SECONDS = 30 * 24 * 3600

opts = [
    cfg.IntOpt('cleaning_buffer',
               default=0,
               min=0,
               max=MAX_SECONDS,
               help='Seconds kept free on a node after each top-level '
                    'booking (offer or lease) before the next one may '
                    'start, so that the node can be undeployed and cleaned '
                    'in between. Two bookings of a node conflict when '
                    'their windows overlap once the earlier one is '
                    'extended by this buffer, and the availabilities of '
                    'offers leave it out. Sub-leases handed back to their '
                    'parent lease are not separated by it. 0 (the default) '
                    'lets a booking start the moment the previous one '
                    'ends.'),
    # NOTE(esi-leap): a DictOpt whose values are checked as integers in
    # the same bounds as cleaning_buffer (cfg.DictOpt takes no value type).
    cfg.Opt('cleaning_buffer_by_resource_class',
            type=types.Dict(value_type=types.Integer(min=0,
                                                     max=MAX_SECONDS)),
            default={},
            help='Per resource class cleaning buffers, in seconds, as '
                 'resource_class:seconds pairs separated by commas (e.g. '
                 '"baremetal-gpu:7200,baremetal-small:900"). A node of a '
                 'listed class gets this buffer instead of '
                 'cleaning_buffer. The class is the node\'s when the offer '
                 'or lease was created.'),
]


def register_opts(conf):
    """Register the cleaning buffer options in the [manager] group."""
    conf.register_group(cfg.OptGroup(GROUP))
    conf.register_opts(opts, group=GROUP)


def list_opts():
    """Return the cleaning buffer options for the sample generator."""
    return opts
