"""``/v1/quotas/{project}``: a lessee project's quotas and usage."""
import pecan
from pecan import rest
from wsme import types as wtypes

from esi_leap.api.controllers.v1 import fleet_input
from esi_leap.api.controllers.v1 import types
from esi_leap.api.controllers.v1 import utils
from esi_leap.api import expose
from esi_leap.common import exception
from esi_leap.common import policy
from esi_leap.objects import quotas
from esi_leap.policies import fleet as fleet_policy


def _project(ident):
    project_id = utils.resolve_project(ident, 'project')
    if project_id is None:
        raise exception.MissingField(field='project')
    return project_id


class QuotasController(rest.RestController):
    """``/v1/quotas/{project}`` (a project id or name)."""

    @expose.expose(types.jsontype, wtypes.text)
    def get_one(self, project):
        """Show a project's limits and current usage.

        A project may read its own; any other needs quota_admin.
        """
        context = pecan.request.context
        policy.authorize(fleet_policy.QUOTA_GET, context)
        project_id = _project(project)
        if project_id != context.project_id:
            policy.authorize(fleet_policy.QUOTA_ADMIN, context)

        return quotas.show(project_id)

    @expose.expose(types.jsontype, wtypes.text, body=types.jsontype)
    def put(self, project, body):
        """Override a project's [quota] defaults (null: the default)."""
        context = pecan.request.context
        policy.authorize(fleet_policy.QUOTA_SET, context)
        project_id = _project(project)
        limits = fleet_input.quota_limits(body)

        return quotas.set_override(project_id, limits)

    @expose.expose(types.jsontype, wtypes.text)
    def delete(self, project):
        """Drop a project's override; 404 when it has none."""
        context = pecan.request.context
        policy.authorize(fleet_policy.QUOTA_DELETE, context)
        project_id = _project(project)

        quotas.delete_override(project_id)
        return None
