"""``/v1/events``: what happened to offers and leases."""
import pecan
from pecan import rest
from wsme import types as wtypes

from esi_leap.api.controllers.v1 import types
from esi_leap.api.controllers.v1 import utils
from esi_leap.api import expose
from esi_leap.common import exception
from esi_leap.common import policy
from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.objects import filters
from esi_leap.policies import event as event_policy


class EventsController(rest.RestController):
    """``/v1/events``."""

    @expose.expose(types.jsontype, wtypes.text, wtypes.text, wtypes.text,
                   wtypes.text, wtypes.text, wtypes.text)
    def get_all(self, last_event_id=None, last_event_time=None,
                event_type=None, resource_type=None, resource_uuid=None,
                lessee_or_owner_id=None):
        """List events, oldest first; non-admins see their project's."""
        context = pecan.request.context
        policy.authorize(event_policy.GET_ALL, context)
        policy.require_project(context, event_policy.EVENT_ADMIN)
        project = utils.project(lessee_or_owner_id, 'lessee_or_owner_id')
        if not policy.check(event_policy.EVENT_ADMIN, context):
            if project is not None and project != context.project_id:
                raise exception.HTTPForbidden(rule=event_policy.EVENT_ADMIN)
            project = context.project_id
        last_event_id = utils.event_id(last_event_id)
        since = timeutils.parse_optional(last_event_time, 'last_event_time')
        rtype, ruuid = utils.resource_filter(resource_type, resource_uuid)

        found = db_api.event_list(filters.EventFilters(
            last_event_id=last_event_id, last_event_time=since,
            event_type=event_type, resource_type=rtype,
            resource_uuid=ruuid, lessee_or_owner_id=project))
        return {'events': [{
            'id': e.id,
            'event_type': e.event_type,
            'event_time': timeutils.isoformat(e.event_time),
            'object_type': e.object_type,
            'object_uuid': e.object_uuid,
            'resource_type': e.resource_type,
            'resource_uuid': e.resource_uuid,
            'lessee_id': e.lessee_id,
            'owner_id': e.owner_id,
        } for e in found]}
