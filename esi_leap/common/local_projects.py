"""Project identities with no identity service behind them.

Without a Keystone service account configured, a project is known only by
the identifier callers use: identifiers are taken verbatim, a project's
name is the one an operator maps in ``[noauth] project_names`` or else its
id (never blank), and a project has no parents.
"""
from oslo_config import cfg

CONF = cfg.CONF


class ProjectDirectory(object):
    """Answers project questions with no identity service behind it."""

    def resolve(self, ident):
        """Return the project id that ``ident`` (an id or a name) means.

        A name mapped in ``[noauth] project_names`` means its id; anything
        else is taken as an id.
        """
        mapped = CONF.noauth.project_names
        if ident in mapped:
            return ident
        for project_id, name in mapped.items():
            if name == ident:
                return project_id
        return ident

    def names(self, project_ids):
        """Return {id: name} for ``project_ids``.

        The name is the one mapped in ``[noauth] project_names``, else the
        id itself: lists never show a blank name for a project.
        """
        mapped = CONF.noauth.project_names
        return {pid: mapped.get(pid) or pid for pid in project_ids
                if pid is not None}

    def lineage(self, project_id):
        """Return ``project_id`` followed by its ancestors, nearest first."""
        return [project_id] if project_id else []

    def emails(self, project_ids):
        """Return {id: e-mail address} of the projects that have one."""
        return {}
