"""``/v1/events``: what happened to offers and leases."""
import re

import pecan
from pecan import rest
from wsme import types as wtypes

from esi_leap.api.controllers.v1 import types
from esi_leap.api.controllers.v1 import utils
from esi_leap.api.controllers.v1 import views
from esi_leap.api import expose
from esi_leap.common import exception
from esi_leap.common import policy
from esi_leap.common import timeutils
from esi_leap.objects import events
from esi_leap.objects import filters
from esi_leap.policies import event as event_policy


_EVENT_ID = re.compile(r'[0-9]{1,18}')


class EventsController(rest.RestController):
    """``/v1/events``."""

    @expose.expose(types.jsontype, wtypes.text, wtypes.text, wtypes.text,
                   wtypes.text, wtypes.text, wtypes.text, wtypes.text,
                   wtypes.text, wtypes.text, wtypes.text)
    def get_all(self, last_event_id=None, last_event_time=None,
                event_type=None, resource_type=None, resource_uuid=None,
                lessee_or_owner_id=None, limit=None, marker=None,
                sort_key=None, sort_dir=None):
        """List events, oldest first; non-admins see their project's."""
        context = pecan.request.context
        policy.authorize(event_policy.GET_ALL, context)
        policy.require_project(context, event_policy.EVENT_ADMIN)
        project = utils.resolve_project(lessee_or_owner_id,
                                        'lessee_or_owner_id')
        if not policy.check(event_policy.EVENT_ADMIN, context):
            if project is not None and project != context.project_id:
                raise exception.HTTPForbidden(rule=event_policy.EVENT_ADMIN)
            project = context.project_id
        last_event_id = utils.event_id(last_event_id)
        since = timeutils.parse_optional(last_event_time, 'last_event_time')
        rtype, ruuid = utils.resource_filter(resource_type, resource_uuid)
        paging = utils.page(limit, marker, sort_key, sort_dir,
                            utils.EVENT_SORT_KEYS)
        paging.marker = _event_marker(paging.marker)

        found = events.list_page(filters.EventFilters(
            last_event_id=last_event_id, last_event_time=since,
            event_type=event_type, resource_type=rtype,
            resource_uuid=ruuid, lessee_or_owner_id=project, page=paging))
        return utils.paged_body('events', views.event_views(found),
                                pecan.request, found.next_marker)


def _event_marker(marker):
    """An event marker is an event id: a positive integer."""
    if marker is None:
        return None
    if not _EVENT_ID.fullmatch(marker):
        raise exception.Invalid(
            reason='marker must be an event id (a positive integer), '
                   'got %s' % exception.shown(marker))
    return int(marker)
