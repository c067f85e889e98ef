"""esi-leap-api: the REST API, in [api]api_workers processes."""
import sys

from oslo_concurrency import processutils
from oslo_config import cfg

from esi_leap.common import prefork
from esi_leap.common import service

CONF = cfg.CONF


def _app():
    from esi_leap.api import app
    return app.setup_app()


def settings(graceful_timeout=10, on_start=None):
    """The workers' settings from the [api] options."""
    return prefork.Settings(
        CONF.api.api_threads, CONF.api.client_request_timeout,
        CONF.api.max_request_body_bytes, CONF.api.max_client_connections,
        graceful_timeout=graceful_timeout, on_start=on_start)


def main():
    """Parse configuration and serve the API until stopped."""
    service.prepare_service(sys.argv)
    workers = CONF.api.api_workers or processutils.get_worker_count()
    sys.exit(prefork.serve(_app, CONF.api.host_ip, CONF.api.port, workers,
                           settings()))
