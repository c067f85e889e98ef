"""Application factory for WSGI servers that pass a command line.

Kept for servers configured with ``esi_leap.api.wsgi:initialize_wsgi_app``;
new deployments serve ``esi_leap.wsgi.api:application`` instead, which
reads its configuration from the environment.
"""
import sys

from esi_leap.common import service


def initialize_wsgi_app(argv=None):
    """Parse configuration from ``argv`` and return the WSGI application."""
    service.prepare_service(argv if argv is not None else sys.argv[:1])
    from esi_leap.api import app
    return app.setup_app()
