"""Project identities: names for ids, ids for names, and ancestors.

Without a Keystone service account configured, a project is known only by
the identifier callers use: identifiers are taken verbatim, names are
unknown ("") and a project has no parents.
"""


class ProjectDirectory(object):
    """Answers project questions with no identity service behind it."""

    def resolve(self, ident):
        """Return the project id that ``ident`` (an id or a name) means."""
        return ident

    def names(self, project_ids):
        """Return {id: name} for ``project_ids``; unknown names are ""."""
        return {pid: '' for pid in project_ids if pid is not None}

    def lineage(self, project_id):
        """Return ``project_id`` followed by its ancestors, nearest first."""
        return [project_id] if project_id else []


_DIRECTORY = ProjectDirectory()


def get_directory():
    """Return the project directory the service uses."""
    return _DIRECTORY


def set_directory(directory):
    """Replace the project directory (configuration and tests)."""
    global _DIRECTORY
    _DIRECTORY = directory
