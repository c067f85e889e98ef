"""The contract's console tokens, quota overrides and usage reports.

Part of the database contract (see esi_leap.db.api, which names every
function here). Each runs in a transaction of its own and raises only
what the database layer raises.
"""
from esi_leap.db.sqlalchemy import console_tokens as _console_tokens
from esi_leap.db.sqlalchemy import quotas as _quotas
from esi_leap.db.sqlalchemy import usage as _usage


# Console auth tokens ----------------------------------------------------

def token_create(fields, now):
    """Store a new console token row and return its record.

    ``fields`` are its columns (token_hash, resource_type, node_uuid,
    lease_uuid, user_id, project_id, expires).

    In the same transaction, the node's expired and unused tokens go.
    """
    return _console_tokens.token_create(fields, now)


def token_consume(token_hash, now):
    """Use the token with ``token_hash`` once; return its record or None.

    One conditional UPDATE: it succeeds for one caller only, for a token
    not used before, not expired, whose authorising lease (if any) holds
    the node at ``now``.
    """
    return _console_tokens.token_consume(token_hash, now)


def token_get(token_hash):
    """Return the token record with ``token_hash``, or None."""
    return _console_tokens.token_get(token_hash)


def token_delete(token_id):
    """Delete one token row; a no-op if it is gone already."""
    _console_tokens.token_delete(token_id)


def tokens_delete_node(resource_type, node_uuid):
    """Delete every token of a node; return how many there were."""
    return _console_tokens.tokens_delete_node(resource_type, node_uuid)


def tokens_state(token_ids, now):
    """Return {id: whether its session may go on} for existing tokens.

    Ids missing from the answer were revoked (their rows are gone); a
    session may go on while its authorising lease, if any, still holds
    the node. One query for any number of ids.
    """
    return _console_tokens.tokens_state(token_ids, now)


# Quotas -----------------------------------------------------------------

QUOTA_LIMIT_COLUMNS = _quotas.LIMIT_COLUMNS


def quota_override(project_id):
    """The project's quota override record, or None."""
    return _quotas.get_override(project_id)


def quota_set(project_id, limits):
    """Create or replace the project's override (one upsert).

    :returns: its record as stored.
    """
    return _quotas.set_override(project_id, limits)


def quota_delete(project_id):
    """Delete the project's override; whether it had one."""
    return _quotas.delete_override(project_id)


def quota_usage_now(project_id, now):
    """(open leases, nodes held at ``now``, {class: nodes}) of a project."""
    return _quotas.usage_now(project_id, now)


# Usage reports ------------------------------------------------------------

USAGE_GROUPS = tuple(_usage.GROUP_COLUMNS)


def usage_report(start, end, now, group_by, project_id=None, owner_id=None,
                 party_id=None):
    """Node seconds and lease counts per group of leases in [start, end).

    One aggregate query (see esi_leap.db.sqlalchemy.usage.report()).
    """
    return _usage.report(start, end, now, group_by, project_id=project_id,
                         owner_id=owner_id, party_id=party_id)
