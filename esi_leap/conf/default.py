"""Options of the [DEFAULT] group that belong to esi-leap itself."""
import socket

from oslo_config import cfg

opts = [
    cfg.StrOpt('auth_strategy',
               default='keystone',
               choices=[('keystone', 'Validate Keystone tokens with '
                         'keystonemiddleware auth_token.'),
                        ('noauth', 'Trust the X-Project-Id, X-Roles and '
                         'X-User-Id headers, falling back to the [noauth] '
                         'identity. For development and tests only.')],
               help='How API requests are authenticated. Policy is '
                    'enforced with either strategy.'),
    cfg.StrOpt('host',
               default=socket.gethostname(),
               sample_default='localhost',
               help='Name of this host, used as the RPC server name and '
                    'the notification publisher.'),
]


def register_opts(conf):
    """Register the [DEFAULT] options on ``conf``."""
    conf.register_opts(opts)


def list_opts():
    """Return the [DEFAULT] options for the sample generator."""
    return opts
