"""Per-project quotas: their limits, their usage, and their enforcement.

A lessee project's limits are its override (set by an admin through
/v1/quotas) over the [quota] defaults; -1 is unlimited. enforce() runs
inside every booking transaction that gives a project time on a node,
after the booking is written, so that what it counts includes it.
"""
import dataclasses

from oslo_config import cfg

from esi_leap.common import fleet_errors
from esi_leap.common import timeutils
from esi_leap.db import api as db_api

CONF = cfg.CONF
UNLIMITED = -1


@dataclasses.dataclass(frozen=True)
class Limits(object):
    """A project's effective limits (-1: unlimited)."""

    max_nodes: int
    max_leases: int
    max_nodes_by_resource_class: dict

    def class_limit(self, resource_class):
        """The limit of nodes of ``resource_class`` (-1: none)."""
        return self.max_nodes_by_resource_class.get(resource_class or '',
                                                    UNLIMITED)

    def unlimited_for(self, resource_class):
        """Whether a booking of that class needs no counting at all."""
        return UNLIMITED == self.max_nodes == self.max_leases == \
            self.class_limit(resource_class)


def defaults():
    """The [quota] defaults as Limits."""
    return Limits(CONF.quota.max_nodes, CONF.quota.max_leases,
                  dict(CONF.quota.max_nodes_by_resource_class))


def effective(override):
    """Limits of a project given its ProjectQuota row (or None)."""
    base = defaults()
    if override is None:
        return base
    by_class = dict(base.max_nodes_by_resource_class)
    by_class.update(override.max_nodes_by_resource_class or {})
    return Limits(
        base.max_nodes if override.max_nodes is None else override.max_nodes,
        base.max_leases if override.max_leases is None
        else override.max_leases, by_class)


def enforce(txn, project_id, start, end, resource_class, locked=False):
    """Inside a booking transaction: raise OverQuota if over a limit.

    The booking (its leases) must already be written in ``txn``; the
    project's nodes are counted over [start, end). The project's lock is
    taken first unless ``locked`` (the caller took it with its node locks).
    What the transaction's own statements already read (a claim's: the
    override and the usage, under the project's lock) is not read again:
    a claim's check costs no query; otherwise one query when the project
    is unlimited, three when not.
    """
    seen = db_api.quota_prefetched(txn, project_id)
    limits = effective(db_api.quota_override_in(txn, project_id)
                       if seen is None else seen.override)
    if limits.unlimited_for(resource_class):
        return
    usage = seen and seen.usage_for(start, end, resource_class)
    if not usage:
        if not (locked or (seen and seen.locked)):
            db_api.quota_lock_project(txn, project_id)
        usage = db_api.quota_usage_in(txn, project_id, start, end,
                                      resource_class)
    open_leases, nodes, class_nodes = usage
    for name, allowed, used in (
            ('max_leases', limits.max_leases, open_leases),
            ('max_nodes', limits.max_nodes, nodes),
            ('max_nodes for resource class %s' % resource_class,
             limits.class_limit(resource_class), class_nodes)):
        if allowed != UNLIMITED and used > allowed:
            raise fleet_errors.OverQuota(project=project_id, limit=name,
                                         allowed=allowed, usage=used)


def show(project_id):
    """The quota document of a project: limits, where from, and usage."""
    override = db_api.quota_override(project_id)
    limits = effective(override)
    open_leases, held, by_class = db_api.quota_usage_now(
        project_id, timeutils.utcnow())
    return {'project_id': project_id,
            'max_nodes': limits.max_nodes,
            'max_leases': limits.max_leases,
            'max_nodes_by_resource_class': limits.max_nodes_by_resource_class,
            'overridden': sorted(
                key for key in db_api.QUOTA_LIMIT_COLUMNS
                if override is not None and
                getattr(override, key) not in (None, {})),
            'usage': {'leases': open_leases, 'nodes': held,
                      'nodes_by_resource_class': by_class}}


def set_override(project_id, limits):
    """Store an override of the project's limits (None: the default)."""
    db_api.quota_set(project_id, limits)
    return show(project_id)


def delete_override(project_id):
    """Drop the project's override; QuotaNotFound when it had none."""
    if not db_api.quota_delete(project_id):
        raise fleet_errors.QuotaNotFound(project=project_id)
