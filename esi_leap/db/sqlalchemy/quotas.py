"""Per-project quota overrides, the project lock, and quota usage queries.

The usage a quota is checked against is read inside the booking
transaction, after the project's lock row (a resource_locks row of type
PROJECT_LOCK_TYPE): two bookings for one project are serialised there,
whatever nodes they are on.
"""
import dataclasses

from oslo_config import cfg
import sqlalchemy as sa

from esi_leap.common import statuses
from esi_leap.common import timeutils
from esi_leap.db.sqlalchemy import dialects
from esi_leap.db.sqlalchemy import engine
from esi_leap.db.sqlalchemy import models
from esi_leap.db.sqlalchemy import records

# NOTE(esi-leap): sorts after every node resource type ('dummy_node',
# 'ironic_node'), so a transaction that locks nodes and the project in
# sorted order takes the project's lock last, as single bookings do.
PROJECT_LOCK_TYPE = 'project'
UNLIMITED = -1
CONF = cfg.CONF
LIMIT_COLUMNS = ('max_nodes', 'max_leases', 'max_nodes_by_resource_class')


def override_in(session, project_id):
    """The project's ProjectQuota record read in ``session``, or None."""
    return records.record(session.scalars(sa.select(models.ProjectQuota).where(
        models.ProjectQuota.project_id == project_id)).first())


def get_override(project_id):
    """The project's ProjectQuota record, or None."""
    with engine.reader() as session:
        return override_in(session, project_id)


def set_override(project_id, limits):
    """Create or replace the project's override with ``limits``.

    ``limits`` maps LIMIT_COLUMNS to values (None: the default). One
    upsert; returns the row as stored.
    """
    table = models.ProjectQuota.__table__
    now = timeutils.utcnow()
    values = dict(limits, project_id=project_id, created_at=now)
    with engine.writer() as session:
        dialect = session.bind.dialect.name
        session.execute(dialects.upsert(
            dialect, dialects.insert(dialect, table).values(**values),
            ['project_id'], dict(limits, updated_at=now)))
        return override_in(session, project_id)


def delete_override(project_id):
    """Delete the project's override; whether there was one."""
    with engine.writer() as session:
        return bool(session.execute(sa.delete(models.ProjectQuota).where(
            models.ProjectQuota.project_id == project_id)).rowcount)


def _counted(lease, project):
    return sa.and_(lease.project_id == project,
                   lease.status.in_(sa.bindparam('counted', expanding=True)))


def _build_usage(rclass=None, gate=None):
    """The usage statement: open leases, and peak nodes in a window.

    Parameters: project, counted (statuses), start, end and, unless
    ``rclass`` (an SQL expression) is given, rclass. The peak of the nodes
    the project holds in [start, end) is reached at the window's start or
    at the start of one of its leases inside it; at each such instant
    distinct nodes are counted (a project holding a node through a lease
    and a sub-lease holds it once), in all and of class ``rclass``. With
    ``gate`` (an SQL condition) nothing is counted (all zeros) unless it
    holds.
    """
    lease = models.Lease
    points_lease = sa.orm.aliased(models.Lease)
    project = sa.bindparam('project', type_=lease.project_id.type)
    start = sa.bindparam('start', type_=lease.start_time.type)
    end = sa.bindparam('end', type_=lease.end_time.type)
    if rclass is None:
        rclass = sa.bindparam('rclass')
    if gate is None:
        gate = sa.true()
    points = sa.union(
        sa.select(start.label('t')).where(gate),
        sa.select(points_lease.start_time.label('t')).where(
            gate, _counted(points_lease, project),
            points_lease.start_time > start,
            points_lease.start_time < end)).subquery('points')
    in_class = sa.case((lease.resource_class == rclass,
                        lease.resource_uuid))
    per_point = sa.select(
        sa.func.count(sa.distinct(lease.resource_uuid)).label('nodes'),
        sa.func.count(sa.distinct(in_class)).label('class_nodes')
    ).select_from(points).join(lease, sa.and_(
        _counted(lease, project),
        lease.start_time <= points.c.t,
        lease.end_time > points.c.t)).group_by(points.c.t).subquery('pp')
    open_leases = sa.select(sa.func.count()).select_from(lease).where(
        gate, _counted(lease, project)).scalar_subquery()
    return sa.select(open_leases,
                     sa.func.coalesce(sa.func.max(per_point.c.nodes), 0),
                     sa.func.coalesce(sa.func.max(per_point.c.class_nodes),
                                      0)).select_from(per_point)


_USAGE = _build_usage()


def overridden(project):
    """An SQL condition: the project ``project`` has an override row."""
    quota = models.ProjectQuota
    return sa.exists().where(quota.project_id == project)


def counted_gate(project):
    """An SQL condition: bookings for ``project`` have their quota checked.

    True when the project has an override, or when the bound parameter
    ``quota_defaults`` (defaults_limited()) is.
    """
    return sa.or_(overridden(project),
                  sa.bindparam('quota_defaults', type_=sa.Boolean))


def defaults_limited():
    """Whether the [quota] defaults limit every project (not all -1)."""
    quota = CONF.quota
    return not (quota.max_nodes == quota.max_leases == UNLIMITED and
                all(value == UNLIMITED for value in
                    quota.max_nodes_by_resource_class.values()))


def lock_row_select(project, now):
    """SELECT the project's lock row values, when its quota is checked.

    One row (PROJECT_LOCK_TYPE, ``project``, 0, ``now``) under
    counted_gate(), none otherwise: the source of the project's part of a
    lock upsert, which then takes the project's lock only when a booking
    has its quota checked (bookings of unlimited projects do not queue
    on it).
    """
    return sa.select(sa.literal(PROJECT_LOCK_TYPE), project, sa.literal(0),
                     now).where(counted_gate(project))


def override_columns(project):
    """Labelled scalar subqueries of the project's override row.

    quota_overridden (whether it has one), quota_max_nodes,
    quota_max_leases and quota_by_class (NULL when it has none). Read by
    a booking's check query, so that the quota check reads nothing.
    """
    quota = models.ProjectQuota
    mine = quota.project_id == project
    return [overridden(project).label('quota_overridden')] + [
        sa.select(column).where(mine).scalar_subquery().label(label)
        for column, label in ((quota.max_nodes, 'quota_max_nodes'),
                              (quota.max_leases, 'quota_max_leases'),
                              (quota.max_nodes_by_resource_class,
                               'quota_by_class'))]


def override_from(project_id, overridden_, max_nodes, max_leases, by_class):
    """A ProjectQuota record from override_columns() values, or None."""
    if not overridden_:
        return None
    return records.record(models.ProjectQuota(
        project_id=project_id, max_nodes=max_nodes, max_leases=max_leases,
        max_nodes_by_resource_class=by_class))


def usage_subquery(rclass):
    """usage_in()'s statement as a one-row subquery, for a check query.

    Counts only when counted_gate() holds (zeros otherwise); ``rclass`` is
    the SQL expression of the class counted. Columns: open_leases, nodes,
    class_nodes. Parameters: project, counted, start, end, quota_defaults.
    """
    project = sa.bindparam('project', type_=models.Lease.project_id.type)
    usage = _build_usage(rclass, counted_gate(project))
    return usage.subquery('quota_usage')


def usage_params(project_id, start, end):
    """The parameters of usage_subquery() (and of counted_gate())."""
    return {'project': project_id, 'counted': list(statuses.QUOTA_COUNTED),
            'start': start, 'end': end,
            'quota_defaults': defaults_limited()}


@dataclasses.dataclass(frozen=True)
class Prefetched(object):
    """What a booking's own statements read of the claimant's quota.

    ``locked``: the booking's lock statement took the project's lock.
    After read(): ``override`` (a ProjectQuota record, or None) and,
    when the check query counted it, ``usage`` (as usage_in()) for
    [start, end) and ``resource_class``.
    """

    project_id: str
    start: object
    end: object
    locked: bool
    done: bool = False
    override: object = None
    usage: tuple = None
    resource_class: str = None

    def read(self, values, resource_class=None):
        """This, with the override_columns() (and usage) ``values``."""
        usage = None
        if len(values) > 4:
            usage = tuple(int(value or 0) for value in values[4:7])
        return dataclasses.replace(
            self, done=True, override=override_from(self.project_id,
                                                    *values[:4]),
            usage=usage, resource_class=resource_class)

    def usage_for(self, start, end, resource_class):
        """The usage read under the project's lock for that, or None."""
        if self.locked and self.usage is not None and \
                (self.start, self.end) == (start, end) and \
                (self.resource_class or '') == (resource_class or ''):
            return self.usage
        return None


def took_project(dialect, rowcount, nodes=1):
    """Whether an upsert of ``nodes`` nodes' lock rows took the project's.

    ``rowcount`` is the upsert's, of the node rows and (when it took it)
    the project's. MySQL counts 2 for a row it updated, so there a count
    up to twice the nodes is not known to include the project: False
    (whoever then needs the lock takes it again, which costs a statement
    but is always safe).
    """
    return rowcount > nodes * (2 if dialect == 'mysql' else 1)


def usage_in(session, project_id, start, end, resource_class):
    """(open leases, peak nodes, peak nodes of the class) of a project.

    Read in ``session`` (one statement); the peaks are over [start, end).
    Leases in statuses.QUOTA_COUNTED count.
    """
    row = session.execute(_USAGE, {
        'project': project_id, 'counted': list(statuses.QUOTA_COUNTED),
        'start': start, 'end': end, 'rclass': resource_class or ''}).one()
    return tuple(int(value or 0) for value in row)


def usage_now(project_id, now):
    """(open leases, nodes held at ``now``, {class: nodes at now})."""
    lease = models.Lease
    with engine.reader() as session:
        open_leases = session.execute(
            sa.select(sa.func.count()).select_from(lease).where(
                _counted(lease, project_id)),
            {'counted': list(statuses.QUOTA_COUNTED)}).scalar()
        rows = session.execute(
            sa.select(lease.resource_class,
                      sa.func.count(sa.distinct(lease.resource_uuid)))
            .where(_counted(lease, project_id), lease.start_time <= now,
                   lease.end_time > now)
            .group_by(lease.resource_class),
            {'counted': list(statuses.QUOTA_COUNTED)}).all()
        held = session.execute(
            sa.select(sa.func.count(sa.distinct(lease.resource_uuid)))
            .where(_counted(lease, project_id), lease.start_time <= now,
                   lease.end_time > now),
            {'counted': list(statuses.QUOTA_COUNTED)}).scalar()
    return int(open_leases), int(held), {
        rclass or '': int(count) for rclass, count in rows}
