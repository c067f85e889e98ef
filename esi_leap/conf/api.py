"""Options of the [api] group: the REST API server and booking limits."""
from oslo_config import cfg

GROUP = cfg.OptGroup('api', title='REST API options')

opts = [
    cfg.HostAddressOpt('host_ip',
                       default='0.0.0.0',
                       help='IP address or host name the API listens on.'),
    cfg.PortOpt('port',
                default=7777,
                help='TCP port the API listens on.'),
    cfg.IntOpt('api_workers',
               min=1,
               help='Number of API worker processes. Defaults to the '
                    'number of CPUs.'),
    cfg.IntOpt('api_threads',
               default=8,
               min=1,
               help='Number of request threads in each API worker.'),
    cfg.StrOpt('default_resource_type',
               default='ironic_node',
               help='Resource type of offers and leases created without '
                    'one. python-esileapclient 1.1.0 cannot send a resource '
                    'type on create, so this decides what it creates.'),
    cfg.IntOpt('max_lease_time',
               default=21,
               min=1,
               help='Longest lease, in days, that a non-admin may create '
                    'or claim. A non-admin extending a lease may move its '
                    'end at most this many days from now.'),
    cfg.IntOpt('lessee_extension_window',
               default=0,
               min=0,
               help='Seconds before a lease\'s current end from which the '
                    'project holding it may extend it (PATCH of end_time '
                    'under esi_leap:lease:update_as_lessee); earlier '
                    'requests are refused with 403. 0: at any time. '
                    'Admins and owners extending leases they created '
                    'directly are not bound by it; shortening never is.'),
    cfg.IntOpt('max_limit',
               default=1000,
               min=1,
               help='Most items one page of a list (offers, leases, '
                    'events, nodes) may hold when the client asks for a '
                    'page with "limit"; a larger limit is cut down to '
                    'this. A list requested without "limit" is returned '
                    'whole, as python-esileapclient 1.1.0 expects.'),
    cfg.IntOpt('default_lease_time',
               default=7,
               min=1,
               help='Length, in days, of a lease created or claimed '
                    'without an end time.'),
    cfg.IntOpt('max_request_body_bytes',
               default=65536,
               min=1024,
               help='Largest request body, in bytes, the API reads. A '
                    'larger Content-Length, or a body that turns out '
                    'larger, is answered 413 before anything else is '
                    'done with it.'),
    cfg.FloatOpt('client_request_timeout',
                 default=10.0,
                 min=0.5,
                 help='Seconds a client has, from the first byte of a '
                      'request, to send all of it (request line, headers '
                      'and a body of up to max_request_body_bytes). The '
                      'server reads requests whole before a request '
                      'thread sees them, so slow or stalled clients hold '
                      'none; one still incomplete after this long is '
                      'answered 408 and its connection closed. A '
                      'connection idle this long is closed.'),
    cfg.IntOpt('max_client_connections',
               default=2000,
               min=16,
               help='Most client connections each API process keeps open '
                    'at once (lowered to what its open files limit '
                    'allows). Further clients wait in the listen backlog '
                    'until a connection closes.'),
    cfg.URIOpt('public_endpoint',
               schemes=['http', 'https'],
               help='Public URL of the API (for example '
                    'https://esi-leap.example.com:7777), used in the links '
                    'of responses (the version document, "next" links of '
                    'paginated lists). Unset, links use the server\'s own '
                    'name and port, or the host and scheme a trusted proxy '
                    'forwards when [oslo_middleware] '
                    'enable_proxy_headers_parsing is true; never the '
                    'Host header of a direct client.'),
    cfg.IntOpt('max_json_depth',
               default=32,
               min=4,
               help='Deepest nesting of arrays and objects in a request '
                    'body; deeper bodies are answered 400 without being '
                    'parsed.'),
    cfg.IntOpt('max_properties_bytes',
               default=16384,
               min=2,
               help='Largest "properties" object of an offer or lease, in '
                    'bytes of its compact JSON form. Every list of offers '
                    'or leases carries them, so they are kept small.'),
    cfg.IntOpt('max_properties_depth',
               default=8,
               min=1,
               help='Deepest nesting of arrays and objects inside '
                    '"properties" (a flat object has depth 1).'),
    cfg.IntOpt('max_query_parameters',
               default=32,
               min=1,
               help='Most query parameters a request may carry; more are '
                    'answered 400.'),
    cfg.IntOpt('available_now_min_duration',
               default=3600,
               min=1,
               max=31622400,
               help='Seconds an offer must be free from now on for '
                    '"esi offer list --now" to list it. The client asks '
                    'for offers available until year 9999; the API reads '
                    'any available_end_time in year 9999 as "free now": '
                    'free from available_start_time (or now, if that is '
                    'earlier) for at least this long.'),
]


def register_opts(conf):
    """Register the [api] options on ``conf``."""
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)


def list_opts():
    """Return the [api] options for the sample generator."""
    return opts
