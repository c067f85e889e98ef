"""Entry point for running the API under an external WSGI server."""
import sys

from esi_leap.common import service


def initialize_wsgi_app(argv=None):
    """Parse configuration and return the WSGI application."""
    service.prepare_service(argv if argv is not None else sys.argv[:1])
    from esi_leap.api import app
    return app.setup_app()
