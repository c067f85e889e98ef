"""Options of the [notification] group: versioned notifications."""
from oslo_config import cfg

GROUP = cfg.OptGroup('notification', title='Versioned notifications')

opts = [
    cfg.StrOpt('notification_level',
               default='info',
               choices=['debug', 'info', 'warning', 'error', 'critical'],
               help='Lowest level of notification sent. Events are '
                    'recorded in the database whatever this is.'),
    cfg.ListOpt('versioned_notifications_topics',
                default=['esi_leap_versioned_notifications'],
                help='Topics versioned notifications are sent to.'),
]


def register_opts(conf):
    """Register the [notification] options on ``conf``."""
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)


def list_opts():
    """Return the [notification] options for the sample generator."""
    return opts
