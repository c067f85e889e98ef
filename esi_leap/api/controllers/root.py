"""``/``: the version document, and the ``/v1`` tree."""
import pecan

from esi_leap.api.controllers import v1
from esi_leap.api import middleware


class RootController(object):
    """The API root."""

    v1 = v1.V1Controller()

    @pecan.expose(template='json')
    def index(self):
        """Return the version document (served without authentication)."""
        return middleware.root_document(pecan.request.host_url)
