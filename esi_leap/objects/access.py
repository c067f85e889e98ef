"""What the caller of a request is: the plain values domain code decides by.

The API layer (esi_leap/api/authorize.py) builds an Access from the
request context and the policy rules; esi_leap/objects/ never consults the
rules itself, so the same domain call behaves the same under any policy
file, given the same Access.
"""
import dataclasses


@dataclasses.dataclass(frozen=True)
class Access(object):
    """The caller's project (None: a token without one) and admin rights.

    ``lease_admin``: sees every lease and may book past
    [api] max_lease_time; ``offer_admin``: sees every offer and may offer
    or lease any node; ``console_admin``: may open any node's console.
    """

    project_id: str = None
    lease_admin: bool = False
    offer_admin: bool = False
    console_admin: bool = False

    def is_party(self, *project_ids):
        """Whether the caller's project is one of ``project_ids``."""
        return self.project_id is not None and self.project_id in project_ids


@dataclasses.dataclass(frozen=True)
class ByRelation(object):
    """Whether a rule allows the caller, by its relation to one lease.

    The relation of the caller's project to the lease: ``neither`` party,
    its ``owner`` (it granted the lease), its ``lessee`` (it holds it), or
    ``both``. The API layer decides each from the policy rule; domain code
    applies them to a lease it reads, under a lock if need be.
    """

    neither: bool = False
    owner: bool = False
    lessee: bool = False
    both: bool = False

    def allows(self, project_id, lease):
        """Whether the rule allows ``project_id`` (None: none) on ``lease``.

        ``lease`` is anything with ``owner_id`` and ``project_id``.
        """
        owner = project_id is not None and project_id == lease.owner_id
        lessee = project_id is not None and project_id == lease.project_id
        if owner and lessee:
            return self.both
        if owner:
            return self.owner
        return self.lessee if lessee else self.neither
