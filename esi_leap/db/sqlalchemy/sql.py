"""SQL expressions shared by the DB modules."""
import sqlalchemy as sa


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
