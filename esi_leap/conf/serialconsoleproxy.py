"""Options of the [serialconsoleproxy] group: console tokens and proxy."""
from oslo_config import cfg

GROUP = cfg.OptGroup('serialconsoleproxy',
                     title='Serial console tokens and websocket proxy')

opts = [
    cfg.HostAddressOpt('host_address',
                       default='127.0.0.1',
                       help='IP address or host name the console proxy '
                            'listens on. Never used in access URLs: see '
                            'public_url.'),
    cfg.PortOpt('port',
                default=6083,
                help='TCP port the console proxy listens on.'),
    cfg.URIOpt('public_url',
               default='ws://127.0.0.1:6083',
               schemes=['ws', 'wss'],
               help='Base URL clients reach the console proxy at, e.g. '
                    'wss://console.example.org:6083. The access_url of a '
                    'console token is this URL with /?token=<token> '
                    'appended.'),
    cfg.IntOpt('token_ttl',
               default=600,
               min=1,
               help='Seconds a console token stays usable when the '
                    'request does not say (token_ttl).'),
    cfg.IntOpt('max_token_ttl',
               default=3600,
               min=1,
               help='Largest token_ttl, in seconds, a request may ask '
                    'for.'),
    cfg.IntOpt('timeout',
               default=1800,
               min=0,
               help='Seconds a console session may stay idle (no byte in '
                    'either direction) before the proxy closes it. 0 '
                    'disables the idle timeout.'),
    cfg.ListOpt('allowed_origins',
                default=[],
                help='Origins (scheme://host[:port]) whose browsers may '
                     'open console websockets, in addition to the origin '
                     'of public_url. A handshake with any other Origin '
                     'header is refused with 403; clients that send no '
                     'Origin (command-line tools) are not affected.'),
    cfg.StrOpt('ssl_cert_file',
               help='PEM certificate (chain) the proxy serves wss:// '
                    'with. With ssl_key_file, the proxy speaks TLS only.'),
    cfg.StrOpt('ssl_key_file',
               help='PEM private key of ssl_cert_file.'),
    cfg.ListOpt('backends',
                default=['socat', 'ipmi'],
                item_type=cfg.types.String(choices=['socat', 'ipmi']),
                help='Console backends the proxy may use. socat: the TCP '
                     'console Ironic runs for nodes with a socat console '
                     'interface (ipmitool-socat, ...). ipmi: '
                     'Serial-over-LAN straight to the BMC with pyghmi, '
                     'using the node\'s IPMI driver_info, for nodes whose '
                     'console interface is not socat based.'),
    cfg.IntOpt('max_viewers',
               default=8,
               min=1,
               help='Most websocket clients sharing one node\'s console '
                    'at once; further clients are refused.'),
    cfg.FloatOpt('check_interval',
                 default=1.0,
                 min=0.1,
                 help='Seconds between the proxy\'s checks that the '
                      'tokens and leases behind open sessions still '
                      'hold; a session ends at most this long after its '
                      'lease does or its tokens are revoked.'),
    cfg.IntOpt('backend_timeout',
               default=10,
               min=1,
               help='Seconds to wait for a node\'s console (TCP connect '
                    'or IPMI session) before telling the client it is '
                    'unreachable.'),
]


def register_opts(conf):
    """Register the [serialconsoleproxy] options on ``conf``."""
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)


def list_opts():
    """Return the [serialconsoleproxy] options for the sample generator."""
    return opts
