"""``/``: the version document, and the ``/v1`` tree."""
import pecan

from esi_leap.api.controllers import v1
from esi_leap.api import links
from esi_leap.api import middleware
from esi_leap.api import read_only


class RootController(object):
    """The API root."""

    v1 = v1.V1Controller()

    @pecan.expose(template='json')
    def index(self):
        """Return the version document (served without authentication)."""
        read_only.only_get_and_head()
        return middleware.root_document(
            links.application_url(pecan.request))
