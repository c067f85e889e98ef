"""SQL expressions shared by the DB modules."""
import sqlalchemy as sa

from esi_leap.common import exception


# Nodes per statement of the manager's bulk statements: far below every
# database's limit on bound parameters.
CHUNK = 500


def by_type(pairs):
    """Group (resource_type, resource_uuid) pairs: {type: sorted uuids}.

    Types and uuids come sorted, so that every transaction touching
    several nodes locks their rows in one fixed order (two of them never
    deadlock on each other).
    """
    grouped = {}
    for resource_type, resource_uuid in pairs:
        grouped.setdefault(resource_type, set()).add(resource_uuid)
    return {rtype: sorted(uuids) for rtype, uuids in sorted(grouped.items())}


def slices(items):
    """Yield consecutive slices of at most CHUNK items of list ``items``."""
    for i in range(0, len(items), CHUNK):
        yield items[i:i + CHUNK]


def chunks(pairs):
    """Yield (resource_type, up to CHUNK sorted uuids) covering ``pairs``."""
    for resource_type, uuids in by_type(pairs).items():
        for part in slices(uuids):
            yield resource_type, part


def overlaps(model, start, end):
    """Half-open overlap of the row's [start_time, end_time) with a window."""
    return sa.and_(model.start_time < end, model.end_time > start)


def paginate(session, query, model, page, marker_column):
    """Order ``query`` by the page's sort key and cut out the page.

    Without a page (or sort key) rows come oldest first (by id). Ties of
    the sort key are broken by id, so pages never skip or repeat a row.
    At most ``page.limit + 1`` rows are returned: the extra one tells the
    caller there is a next page. The marker is looked up with the list's
    own filters, so a row the caller cannot list is no marker either;
    raises MarkerNotFound (400) then.
    """
    ident = model.id
    if page is None:
        return query.order_by(*page_order(model.__table__.c, page))
    key = getattr(model, page.sort_key) if page.sort_key else ident
    desc = page.sort_dir == 'desc'
    if page.marker is not None:
        found = session.execute(
            query.with_only_columns(key, ident).where(
                marker_column == page.marker).limit(1)).first()
        if found is None:
            raise exception.MarkerNotFound(marker=page.marker)
        value, marker_id = found
        if desc:
            query = query.where(sa.or_(key < value, sa.and_(
                key == value, ident < marker_id)))
        else:
            query = query.where(sa.or_(key > value, sa.and_(
                key == value, ident > marker_id)))
    return _limited(query.order_by(*page_order(model.__table__.c, page)),
                    page)


def _limited(query, page):
    if page.limit is not None:
        query = query.limit(page.limit + 1)
    return query


def page_order(columns, page):
    """The ORDER BY of a page, on ``columns`` (a table's or subquery's .c).

    The page's sort key (default: id) and then id, in the page's sort
    direction; by id alone without a page.
    """
    ident = columns.id
    if page is None or not page.sort_key:
        keys = [ident]
    else:
        keys = [columns[page.sort_key], ident]
    if page is not None and page.sort_dir == 'desc':
        return [key.desc() for key in keys]
    return keys
