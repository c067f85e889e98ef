"""Usage reports: how much node time leases took in a period, by group."""
from esi_leap.common import timeutils
from esi_leap.db import api as db_api

GROUPS = db_api.USAGE_GROUPS
# The report's columns of each group_by key, as the lease fields are named.
GROUP_FIELDS = {'project': ('project_id',), 'owner': ('owner_id',),
                'resource_class': ('resource_class',),
                'resource': ('resource_type', 'resource_uuid')}


def report(start, end, group_by, project_id=None, owner_id=None,
           party_id=None, now=None):
    """The usage of leases in [start, end), grouped by ``group_by``.

    Returns {'fields': column names, 'rows': [dict per group], 'total':
    dict}. Node time runs from when the manager started a lease to when
    it ended it (or ``now``), clipped to the period; the filters are those
    of api.authorize.lease_list_scope(). One aggregate query.
    """
    now = now or timeutils.utcnow()
    fields = [f for key in group_by for f in GROUP_FIELDS[key]]
    rows = []
    total_seconds, total_leases = 0.0, 0
    for row in db_api.usage_report(start, end, now, group_by,
                                   project_id=project_id,
                                   owner_id=owner_id, party_id=party_id):
        seconds, count = row[-2], row[-1]
        group = dict(zip(fields, row[:-2]))
        rows.append(dict(group, **_amounts(seconds, count)))
        total_seconds += seconds
        total_leases += count
    return {'fields': fields + ['node_seconds', 'node_hours', 'leases'],
            'rows': rows, 'total': _amounts(total_seconds, total_leases)}


def _amounts(seconds, leases):
    return {'node_seconds': round(seconds, 3),
            'node_hours': round(seconds / 3600.0, 6),
            'leases': leases}
