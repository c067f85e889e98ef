"""Options of the [adoption] group: taking over an ESI-Leap database."""
import zoneinfo

from oslo_config import cfg

GROUP = cfg.OptGroup('adoption', title='Adopting an ESI-Leap database')


class TimeZone(cfg.types.String):
    """An IANA time zone name (``UTC``, ``America/New_York``...)."""

    def __init__(self):
        super().__init__(type_name='time zone')

    def __call__(self, value):
        value = super().__call__(value)
        try:
            zoneinfo.ZoneInfo(value)
        except (ValueError, zoneinfo.ZoneInfoNotFoundError):
            raise ValueError('%r is not a known time zone (an IANA name '
                             'such as UTC or America/New_York)' % value)
        return value


opts = [
    cfg.Opt('original_timezone',
            type=TimeZone(),
            default='UTC',
            help='Time zone of the host the original ESI-Leap service ran '
                 'on. Used once, when esi-leap-dbsync upgrade adopts a '
                 'database of the original ESI-Leap: the original wrote '
                 'lease fulfil and expire times and event times from the '
                 'local clock, and these are converted from this zone to '
                 'UTC. Start and end times, which the original compared '
                 'with UTC, are kept as they are.'),
]


def register_opts(conf):
    """Register the [adoption] options on ``conf``."""
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)


def list_opts():
    """Return the [adoption] options for the sample config."""
    return opts
