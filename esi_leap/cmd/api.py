"""esi-leap-api: the REST API, in [api]api_workers processes."""
import sys

from oslo_concurrency import processutils
from oslo_config import cfg

from esi_leap.common import service
from esi_leap.common import wsgi_server

CONF = cfg.CONF


def _app():
    from esi_leap.api import app
    return app.setup_app()


def main():
    """Parse configuration and serve the API until stopped."""
    service.prepare_service(sys.argv)
    workers = CONF.api.api_workers or processutils.get_worker_count()
    wsgi_server.serve(_app, CONF.api.host_ip, CONF.api.port, workers,
                      CONF.api.api_threads,
                      request_timeout=CONF.api.client_request_timeout,
                      body_limit=CONF.api.max_request_body_bytes)
