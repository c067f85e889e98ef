"""Options of the [manager] group: the lease lifecycle service."""
from oslo_config import cfg

GROUP = cfg.OptGroup('manager', title='Lease manager')

opts = [
    cfg.IntOpt('sweep_interval',
               default=60,
               min=1,
               help='Seconds between full sweeps. The manager otherwise '
                    'sleeps until the next lease start, lease end, offer '
                    'end or retry, and the API wakes it at once when it '
                    'changes something; the sweep catches anything else '
                    'and repairs nodes changed behind esi-leap\'s back.'),
    cfg.IntOpt('workers',
               default=8,
               min=1,
               help='Nodes the manager works on at the same time.'),
    cfg.IntOpt('claim_ttl',
               default=300,
               min=10,
               help='Seconds a manager\'s claim on a node lasts. Another '
                    'manager takes over a node whose claim lapsed, e.g. '
                    'after the first one crashed.'),
    cfg.FloatOpt('retry_initial_delay',
                 default=2.0,
                 min=0.1,
                 help='Seconds before the first retry of a failed lease '
                      'start or end; each further retry waits twice as '
                      'long, up to retry_max_delay.'),
    cfg.FloatOpt('retry_max_delay',
                 default=300.0,
                 min=1.0,
                 help='Longest wait, in seconds, between two retries.'),
    cfg.FloatOpt('busy_recheck_delay',
                 default=1.0,
                 min=0.1,
                 help='Seconds between two looks at a node the backend is '
                      'still busy with (undeploying, cleaning) at a lease '
                      'end. Such waits use up no attempts; a shorter delay '
                      'hands a cleaned node over sooner, for one more '
                      'Ironic GET per node and delay.'),
    cfg.FloatOpt('handback_poll_interval',
                 default=0.2,
                 min=0.0,
                 help='Seconds between two reads of a node the backend is '
                      'still busy with at a lease end, by the manager that '
                      'found it busy: once the backend is done (the node '
                      'available after cleaning, say), the hand-back goes '
                      'on and the next lease gets the node at once, rather '
                      'than at the next busy_recheck_delay. One backend '
                      'GET per node and interval (one listing for 10 '
                      'nodes or more); 0 turns this off.'),
    cfg.IntOpt('max_attempts',
               default=50,
               min=1,
               help='Attempts at a lease start or end before the lease is '
                    'put in status "error" for an operator. With the '
                    'default delays this is about four hours of retries.'),
    cfg.IntOpt('ending_lead_time',
               default=86400,
               min=0,
               help='Seconds before the end of a lease at which the '
                    'manager records and sends its '
                    '"esi_leap.lease.ending.end" event, once per lease and '
                    'end time: a lease whose end moves gets it again for '
                    'the new end, and a lease shorter than this gets it at '
                    'its start; 0 turns the event off. Independent of the '
                    'e-mail notices ([email] ending_lead_time).'),
]


def register_opts(conf):
    """Register the [manager] options on ``conf``."""
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)


def list_opts():
    """Return the [manager] options for the sample generator."""
    return opts
