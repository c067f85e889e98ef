"""Finding an offer or a lease from what a client typed: uuid or name."""
import uuid as uuid_lib


def normalise_uuid(ident):
    """Return ``ident`` as a canonical uuid string, or None if it is not."""
    try:
        return str(uuid_lib.UUID(ident))
    except (TypeError, ValueError, AttributeError):
        return None


def find(ident, statuses, get_by_uuid, list_by_name, not_found, duplicate):
    """Return the single row that ``ident`` names.

    A uuid is looked up first; otherwise (or when no row has that uuid) the
    rows with that name count. Only rows in ``statuses`` (None: any) count.
    Raises ``not_found`` when none match and ``duplicate`` when a name
    matches several.
    """
    canonical = normalise_uuid(ident)
    if canonical is not None:
        row = get_by_uuid(canonical)
        if row is not None:
            if statuses is not None and row.status not in statuses:
                raise not_found
            return row
    rows = [row for row in list_by_name(ident)
            if statuses is None or row.status in statuses]
    if len(rows) > 1:
        raise duplicate
    if not rows:
        raise not_found
    return rows[0]
