"""Options of the [healthcheck] group: the anonymous /healthcheck URL."""
import copy

from oslo_config import cfg
from oslo_middleware.healthcheck import opts as healthcheck_opts

GROUP = cfg.OptGroup('healthcheck', title='Health check at /healthcheck')

# The name of our database check in the oslo.middleware.healthcheck
# entry point namespace (setup.cfg).
DATABASE_BACKEND = 'esi_leap_database'

opts = [
    cfg.BoolOpt('enabled',
                default=True,
                help='Answer GET and HEAD /healthcheck without '
                     'authentication: 200 when every configured backend '
                     'is healthy, 503 when one is not. Load balancers and '
                     'monitoring use it.'),
    cfg.FloatOpt('database_timeout',
                 default=2.0,
                 min=0.1,
                 help='Seconds the esi_leap_database backend waits for '
                      'the database to answer "SELECT 1" before it '
                      'reports the database unreachable.'),
    cfg.FloatOpt('database_cache_ttl',
                 default=5.0,
                 min=0.0,
                 help='Seconds for which the esi_leap_database backend '
                      'reuses its last result, so that frequent health '
                      'checks cost the database at most one query in '
                      'this time.'),
]


def register_opts(conf):
    """Register the [healthcheck] options, oslo.middleware's included.

    Our database check is a backend by default.
    """
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)
    conf.register_opts(healthcheck_opts.HEALTHCHECK_OPTS, group=GROUP)
    conf.set_default('backends', [DATABASE_BACKEND], group=GROUP)


def list_opts():
    """Return the [healthcheck] options for the sample generator."""
    library = copy.deepcopy(healthcheck_opts.HEALTHCHECK_OPTS)
    cfg.set_defaults(library, backends=[DATABASE_BACKEND])
    return opts + library
