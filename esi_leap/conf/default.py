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
    cfg.BoolOpt('noauth_acknowledged',
                default=False,
                help='Set to true to acknowledge that auth_strategy = '
                     'noauth trusts whatever identity a request claims, '
                     'so anyone who reaches the API is whoever they say '
                     'they are. Only do so for a development setup or an '
                     'API reachable from trusted hosts only (e.g. bound '
                     'to 127.0.0.1). Without it, "esi-leap-status upgrade '
                     'check" warns about noauth.'),
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
