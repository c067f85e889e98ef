"""The request context: who is calling, as oslo.context describes it."""
from oslo_context import context


class RequestContext(context.RequestContext):
    """An oslo.context RequestContext; ``project_id`` is the caller.

    A blank project id (an empty or all-space X-Project-Id) means no
    project, exactly like a missing one.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.project_id is not None and not self.project_id.strip():
            self.project_id = None

    def to_policy_values(self):
        """Return the credentials that policy rules are checked against."""
        values = super().to_policy_values()
        values['project_id'] = self.project_id
        return values
