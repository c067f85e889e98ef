"""What every read hands to the views: rows and the facts shown beside them.

A view only serialises; everything it shows that is not in a row (node
name, class and properties from the resource backend, project names,
availabilities, node bookings) is looked up here, for a whole page at
once: one backend call per resource type and one name lookup per page,
never one call per row.
"""
import dataclasses

from oslo_log import log

from esi_leap.common import exception
from esi_leap.common import projects
from esi_leap.common import property_expressions
from esi_leap import resource_types

LOG = log.getLogger(__name__)


@dataclasses.dataclass
class Listing(object):
    """A page of rows and what their views show beside them.

    ``next_marker`` is None on the last page. ``nodes`` maps
    (resource_type, uuid) to the NodeInfo of the rows' resources (absent
    when the backend does not know the node or could not be asked),
    ``names`` project ids to names; ``availabilities`` (offers) maps an
    offer uuid to its free windows, ``bookings`` (nodes) a node uuid to
    what the caller may see of its bookings (nodes.shown()). ``hidden``
    holds the uuids of the leases the rows name (as their parent) that the
    caller may not see: views show them as null.
    """

    rows: list
    next_marker: object = None
    nodes: dict = dataclasses.field(default_factory=dict)
    names: dict = dataclasses.field(default_factory=dict)
    availabilities: dict = None
    bookings: dict = None
    hidden: frozenset = frozenset()
    # nodes: node uuid -> its last attestation gate, for owners and admins.
    attestations: dict = None


def cut(rows, page, marker_of):
    """Split rows read with one extra row into (page, next marker).

    The next marker is None when this is the last page.
    """
    if page is None or page.limit is None or len(rows) <= page.limit:
        return rows, None
    rows = rows[:page.limit]
    return rows, marker_of(rows[-1])


def node_facts(resources):
    """Return {(resource_type, uuid): NodeInfo} of ``resources``.

    ``resources`` maps a resource type to uuids. Nodes the backend does
    not know are absent; so are all of a type that is not installed or
    whose backend cannot be reached (logged as a warning), so that lists
    stay readable exactly when the backend is down.
    """
    found = {}
    for type_name, uuids in resources.items():
        try:
            nodes = resource_types.get(type_name).get_many(uuids)
        except exception.ResourceTypeUnknown:
            LOG.warning('Rows refer to resource type %s, which is not '
                        'installed', type_name)
            continue
        except exception.BackendUnavailable as e:
            # NOTE(esi-leap): leases must stay readable (with their
            # status_reason) exactly when the backend is down.
            LOG.warning('Node details unavailable: %s', e)
            continue
        for uuid, node in nodes.items():
            found[(type_name, uuid)] = node
    return found


def known(resource_type, node):
    """The nodes argument of a describe() for one node already read.

    NOTE(esi-leap): a booking reads its node before the transaction; its
    response shows that reading rather than asking the backend again (a
    second Ironic GET per booking).
    """
    return {(resource_type, node.uuid): node}


def sent_with_facts(found):
    """Send a committed booking's events with its node's facts.

    ``found`` is the emitter.Recorded of a booking that changed one row.
    The node is read once, after the commit, for the notification and the
    response alike. Returns (the row, {(type, uuid): NodeInfo}).
    """
    row = found.value
    nodes = node_facts(resources_of([row]))
    found.send(nodes)
    return row, nodes


def resources_of(rows):
    """Return {resource_type: set of uuids} of the rows' resources."""
    wanted = {}
    for row in rows:
        wanted.setdefault(row.resource_type, set()).add(row.resource_uuid)
    return wanted


def of_nodes(resources, resource_class=None, expressions=()):
    """Keep the resources whose node matches a node filter.

    The node must be of ``resource_class`` (None: any) and its public
    properties satisfy every property_expressions Expression of
    ``expressions``. Returns (kept, nodes): kept as {resource_type: set
    of uuids}, nodes the NodeInfo of the kept ones as node_facts() gives
    them. A node the backend does not report (unknown, or its backend
    down) has no class and no properties, so it is never kept, as it
    would show an empty ``resource_class``.
    """
    nodes = {key: node for key, node in node_facts(resources).items()
             if resource_class in (None, node.resource_class) and
             property_expressions.matches(expressions,
                                          node.public_properties())}
    kept = {}
    for type_name, uuid in nodes:
        kept.setdefault(type_name, set()).add(uuid)
    return kept, nodes


def hidden_parents(rows, seen):
    """The parent lease uuids of ``rows`` the Sight ``seen`` does not show.

    None for ``seen`` shows everything. At most one query.
    """
    if seen is None:
        return frozenset()
    return seen.hidden_leases(row.parent_lease_uuid for row in rows)


def names(ids):
    """Return {project id: name} of ``ids`` (None and '' are skipped)."""
    return projects.get_directory().names({i for i in ids if i})
