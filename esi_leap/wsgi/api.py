"""The esi-leap API as a WSGI module: ``esi_leap.wsgi.api:application``.

Importing this module reads the configuration (see ``esi_leap.wsgi``) and
builds the application once per process.
"""
from esi_leap import wsgi

application = wsgi.init_application()
