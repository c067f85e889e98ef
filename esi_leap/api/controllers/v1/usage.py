"""``/v1/usage``: node time of leases in a period, for billing."""
import pecan
from pecan import rest
from wsme import types as wtypes

from esi_leap.api import authorize
from esi_leap.api.controllers.v1 import types
from esi_leap.api.controllers.v1 import utils
from esi_leap.api import csv_output
from esi_leap.api import expose
from esi_leap.common import exception
from esi_leap.common import policy
from esi_leap.common import timeutils
from esi_leap.objects import usage
from esi_leap.policies import fleet as fleet_policy


def _group_by(values):
    """The group_by keys: repeated and/or comma separated; 400 if unknown."""
    keys = []
    for value in values:
        for key in value.split(','):
            if key not in usage.GROUPS:
                raise exception.InvalidField(
                    field='group_by', reason='%s is not one of %s' % (
                        exception.shown(key), ', '.join(usage.GROUPS)))
            if key not in keys:
                keys.append(key)
    return keys


def _period(start_time, end_time):
    """(start, end) of the report: end defaults to now; start is needed."""
    if start_time is None:
        raise exception.MissingField(field='start_time')
    start = timeutils.parse(start_time, 'start_time')
    end = timeutils.parse_optional(end_time, 'end_time') or \
        timeutils.utcnow()
    if start >= end:
        raise exception.InvalidField(
            field='end_time', reason='it must be after start_time')
    return start, end


class UsageController(rest.RestController):
    """``/v1/usage``."""

    @expose.expose(types.jsontype, wtypes.text, wtypes.text, wtypes.text,
                   wtypes.text, wtypes.text, wtypes.text)
    def get_all(self, start_time=None, end_time=None, group_by=None,
                view=None, project_id=None, owner_id=None):
        """Node seconds, node hours and leases per group in a period.

        Scoped like a lease list: by default the leases the caller's
        project granted or holds; view=all (lease_admin) every lease.
        ``Accept: text/csv`` answers the rows as CSV.
        """
        context = pecan.request.context
        policy.authorize(fleet_policy.USAGE_GET, context)
        project_id, owner_id, party_id = authorize.lease_list_scope(
            context, view=view,
            project_id=utils.resolve_project(project_id, 'project_id'),
            owner_id=utils.resolve_project(owner_id, 'owner_id'))
        start, end = _period(start_time, end_time)
        keys = _group_by(pecan.request.params.getall('group_by')) \
            if group_by is not None else []

        found = usage.report(start, end, keys, project_id=project_id,
                             owner_id=owner_id, party_id=party_id)
        if csv_output.wanted(pecan.request):
            csv_output.offer(pecan.request, found['fields'], found['rows'])
        return {'start_time': timeutils.isoformat(start),
                'end_time': timeutils.isoformat(end), 'group_by': keys,
                'usage': found['rows'], 'total': found['total']}
