"""Serving the API with gunicorn: pre-forked workers, threads in each."""
from gunicorn.app import base


class _Server(base.BaseApplication):

    def __init__(self, app_factory, options):
        self.app_factory = app_factory
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return self.app_factory()


def serve(app_factory, host, port, workers, threads, post_worker_init=None,
          name='esi-leap-api'):
    """Serve ``app_factory()`` on host:port until stopped.

    Each of ``workers`` processes builds its own application (and so its
    own database connections) after the fork.
    """
    options = {
        'bind': '%s:%s' % (host, port),
        'workers': workers,
        'threads': threads,
        'worker_class': 'gthread',
        'keepalive': 5,
        'timeout': 120,
        'graceful_timeout': 10,
        'accesslog': '-',
        'errorlog': '-',
        'loglevel': 'warning',
        'proc_name': name,
        # NOTE(esi-leap): gunicorn's control socket is one file per user
        # (~/.gunicorn); several servers on a host would fight over it.
        'control_socket_disable': True,
    }
    if post_worker_init is not None:
        options['post_worker_init'] = post_worker_init
    _Server(app_factory, options).run()
