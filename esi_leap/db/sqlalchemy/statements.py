"""List statements built once per filter shape and run with bound values.

NOTE(esi-leap): building a SELECT of a dozen criteria with SQLAlchemy's
expression language (coercing every operand, the proxies of a subquery's
columns, the statement's cache key) costs about as much CPU as reading a
hundred rows, and every list request built one afresh. Here every
filter value is a bound parameter named after its filter field, so a
statement depends only on which filters are set and how the page is cut:
its *shape*. It is built at the first request of its shape and reused by
the next ones, whose values are bound at execution; SQLAlchemy's
compiled-SQL cache then finds it by identity.
"""
import sqlalchemy as sa

from esi_leap.common import exception

# Filter fields that are not bound as one value of their own name.
_COMPOSITE = ('page', 'resources', 'visibility')

# Shapes kept; there are far fewer in use (a few dozen filter and page
# combinations), so reaching this means starting again, not growing.
_MAX_SHAPES = 512
_BUILT = {}


def shape(filters):
    """A hashable description of what a filter record's SQL looks like.

    The filter fields that are set, the resource types asked for (and
    whether each has nodes), whether a visibility applies, and the page's
    order, limit and marker (present or not, never their values).
    """
    fields = tuple(name for name, value in vars(filters).items()
                   if value is not None and name not in _COMPOSITE)
    resources = getattr(filters, 'resources', None)
    if resources is not None:
        resources = tuple((rtype, bool(uuids))
                          for rtype, uuids in sorted(resources.items()))
    page = filters.page
    if page is not None:
        page = (page.sort_key, page.sort_dir, page.limit is not None,
                page.marker is not None)
    return (type(filters).__name__, fields, resources,
            getattr(filters, 'visibility', None) is not None, page)


def values(filters):
    """The bound values of a filter record, for a statement of its shape.

    Each set field binds under its own name (sequences as lists, for
    expanding IN); resources as ``resource_type_<i>`` and
    ``resource_uuids_<i>`` in sorted order; a visibility as
    ``visible_project_id`` and ``visible_lessee_ids``; a page's limit as
    ``page_limit`` (one more row than shown).
    """
    bound = {}
    for name, value in vars(filters).items():
        if value is None or name in _COMPOSITE:
            continue
        if isinstance(value, (tuple, set, frozenset)):
            value = list(value)
        bound[name] = value
    for i, (rtype, uuids) in enumerate(resource_groups(filters)):
        bound['resource_type_%d' % i] = rtype
        bound['resource_uuids_%d' % i] = sorted(uuids)
    visibility = getattr(filters, 'visibility', None)
    if visibility is not None:
        bound['visible_project_id'] = visibility.project_id
        bound['visible_lessee_ids'] = list(visibility.lessee_ids)
    if filters.page is not None and filters.page.limit is not None:
        bound['page_limit'] = filters.page.limit + 1
    return bound


def resource_groups(filters):
    """The (resource type, uuids) pairs of a resources filter with uuids.

    In the order values() numbers them.
    """
    resources = getattr(filters, 'resources', None) or {}
    return [(rtype, uuids) for rtype, uuids in sorted(resources.items())
            if uuids]


def built(key, build):
    """The statement of ``key`` (a shape and a variant), built once.

    ``build()`` makes it when it is not kept yet. Two threads that miss
    at once both build it; either copy serves.
    """
    statement = _BUILT.get(key)
    if statement is None:
        if len(_BUILT) >= _MAX_SHAPES:
            _BUILT.clear()
        statement = _BUILT[key] = build()
    return statement


def value(name, column=None):
    """A bound parameter for a filter value (typed as ``column``)."""
    return sa.bindparam(name, type_=None if column is None else column.type)


def among(name):
    """A bound list for ``column.in_()`` (expanded at execution)."""
    return sa.bindparam(name, expanding=True)


def sort_columns(columns, page):
    """The columns of ``columns`` a page is sorted by: its key, then id."""
    ident = columns.id
    if page is None or not page.sort_key or page.sort_key == 'id':
        return [ident]
    return [columns[page.sort_key], ident]


def page_order(columns, page):
    """The ORDER BY of a page, on ``columns`` (a table's or subquery's .c).

    The page's sort key (default: id) and then id, in the page's sort
    direction; by id alone without a page.
    """
    keys = sort_columns(columns, page)
    if page is not None and page.sort_dir == 'desc':
        return [key.desc() for key in keys]
    return keys


def paginate(query, columns, page):
    """Order ``query`` by the page's sort key and cut out the page.

    Without a page (or sort key) rows come oldest first (by id). Ties of
    the sort key are broken by id, so pages never skip or repeat a row.
    The page starts after the row whose sort key and id are bound as
    ``marker_value`` and ``marker_id`` (see find_marker()) and has at
    most ``page_limit`` rows (values()): one more than the page shows,
    which tells the caller there is a next page.
    """
    if page is not None and page.marker is not None:
        query = query.where(_after_marker(columns, page))
    query = query.order_by(*page_order(columns, page))
    if page is not None and page.limit is not None:
        query = query.limit(sa.bindparam('page_limit', type_=sa.Integer))
    return query


def _after_marker(columns, page):
    keys = sort_columns(columns, page)
    ident = columns.id
    marker_id = sa.bindparam('marker_id', type_=ident.type)
    if len(keys) == 1:
        return ident < marker_id if page.sort_dir == 'desc' \
            else ident > marker_id
    key = keys[0]
    marker_value = sa.bindparam('marker_value', type_=key.type)
    if page.sort_dir == 'desc':
        return sa.or_(key < marker_value,
                      sa.and_(key == marker_value, ident < marker_id))
    return sa.or_(key > marker_value,
                  sa.and_(key == marker_value, ident > marker_id))


def marker_lookup(query, columns, page, marker_column):
    """The statement that finds a page's marker row in ``query``.

    It selects the marker's sort key and id among the rows ``query``
    lists, so a row the caller cannot list is no marker either.
    """
    return query.with_only_columns(
        *(sort_columns(columns, page)[:1] + [columns.id])).where(
            marker_column == sa.bindparam('marker')).limit(1)


def find_marker(connection, lookup, bound, page):
    """Bind the marker row's sort key and id into ``bound``.

    Raises MarkerNotFound (400) when ``lookup`` (marker_lookup()) finds
    no such row.
    """
    found = connection.execute(lookup, dict(bound, marker=page.marker)) \
        .first()
    if found is None:
        raise exception.MarkerNotFound(marker=page.marker)
    bound['marker_value'], bound['marker_id'] = found[0], found[-1]
