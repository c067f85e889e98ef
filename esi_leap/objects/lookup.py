"""Finding an offer or a lease from what a client typed: uuid or name."""
import uuid as uuid_lib

from esi_leap.common import exception


class NoSuchUuid(Exception):
    """No row has the uuid a booking was to be locked from (or none given)."""


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


def locked_from_uuid(run, uuid, body, *args):
    """Return ``run(uuid, *args, body)``: a booking locked from a row.

    ``run`` is a db_api runner that locks straight from the row with
    ``uuid`` (run_offer_booking, run_claim_booking, run_lease_booking).
    Raises NoSuchUuid when ``uuid`` is None or no row has it (the runner's
    NotFound, raised before ``body`` runs): the caller may then look the
    row up by name. Whatever ``body`` raises propagates unchanged.
    """
    if uuid is None:
        raise NoSuchUuid()
    entered = []

    def entering(txn):
        entered.append(True)
        return body(txn)
    try:
        return run(uuid, *args, entering)
    except exception.NotFound:
        if entered:
            raise
        raise NoSuchUuid() from None
