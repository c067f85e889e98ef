"""Console tokens: who may have one, issuing, revoking and using them.

A token is 256 random bits from ``secrets``; only its SHA-256 is stored.
It opens one console session, once, before it expires, and only while the
lease that authorised it (if any) holds the node.
"""
import datetime
import hashlib
import re
import secrets

from oslo_config import cfg

from esi_leap.common import exception
from esi_leap.common import holding
from esi_leap.common import statuses
from esi_leap.db import api as db_api
from esi_leap.objects import filters

CONF = cfg.CONF

_TTL = re.compile(r'\s*([+-]?[0-9]{1,18})\s*')
# token_urlsafe(32) gives 43 characters; anything else is refused unhashed.
_TOKEN = re.compile(r'[A-Za-z0-9_-]{20,128}')


def hash_token(token):
    """Return the hex SHA-256 of ``token``: what the database keeps."""
    return hashlib.sha256(token.encode('ascii')).hexdigest()


def parse_ttl(value):
    """Return the token lifetime in seconds that ``value`` asks for.

    None means ``[serialconsoleproxy] token_ttl``. An integer, or a string
    of one (python-esileapclient sends "600"), from 1 to
    ``max_token_ttl``; anything else raises InvalidTokenTTL (HTTP 400).
    """
    if value is None:
        return CONF.serialconsoleproxy.token_ttl
    match = _TTL.fullmatch(value) if isinstance(value, str) else None
    if isinstance(value, bool) or not (isinstance(value, int) or match):
        raise exception.InvalidTokenTTL(
            value=_shown(value), reason='it must be a whole number of '
            'seconds, e.g. 600')
    ttl = int(match.group(1)) if match else value
    if ttl <= 0:
        raise exception.InvalidTokenTTL(value=ttl,
                                        reason='it must be positive')
    maximum = CONF.serialconsoleproxy.max_token_ttl
    if ttl > maximum:
        raise exception.InvalidTokenTTL(
            value=ttl, reason='the most allowed is %d seconds' % maximum)
    return ttl


def _shown(value):
    """A client value, shortened, for an error message."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + '...'


def holder_lease(resource_type, node_uuid, now):
    """Return the lease holding the node at ``now``, or None.

    The one rule (common.holding): an active lease in its window, with
    no active sub-lease in its window holding the node instead.
    """
    return holding.holder(db_api.lease_list(filters.LeaseFilters(
        statuses=statuses.HOLDING, resource_type=resource_type,
        resource_uuid=node_uuid)), now)


def _is_party(project_id, resource_type, node_uuid):
    return bool(db_api.lease_list(filters.LeaseFilters(
        statuses=statuses.CONSOLE_PARTY, party_id=project_id,
        resource_type=resource_type, resource_uuid=node_uuid)))


def authorise(access, resource_type, node, now):
    """Decide whether the caller (an Access) may use ``node``'s console now.

    Returns the lease that authorises it, or None for admins and the
    node's owner. Raises NodeNotFound (404) when the caller may not even
    see the node, ConsoleNotHolder (403) when it sees it (it is a party to
    one of its leases) but does not hold it now.
    """
    if access.console_admin:
        return None
    project = access.project_id
    if project is not None and project == node.owner_id:
        return None
    holder = holder_lease(resource_type, node.uuid, now)
    if holder is not None and project is not None and \
            holder.project_id == project:
        return holder
    if project is not None and _is_party(project, resource_type, node.uuid):
        raise exception.ConsoleNotHolder(node=node.uuid)
    raise exception.NodeNotFound(uuid=node.uuid, resource_type=resource_type,
                                 err='no such node')


def access_url(token):
    """Return the URL a client opens the console at with ``token``."""
    base = CONF.serialconsoleproxy.public_url.rstrip('/')
    return '%s/?token=%s' % (base, token)


def issue(context, resource_type, node, lease, ttl, now):
    """Create a token for ``node`` authorised by ``lease`` (or None).

    Returns the token itself; it is never stored or shown again.
    """
    token = secrets.token_urlsafe(32)
    db_api.token_create(dict(
        token_hash=hash_token(token), resource_type=resource_type,
        node_uuid=node.uuid, lease_uuid=lease.uuid if lease else None,
        user_id=context.user_id, project_id=context.project_id,
        expires=now + datetime.timedelta(seconds=ttl)), now)
    return token


def revoke(resource_type, node_uuid):
    """Delete every token of a node; the proxy ends their sessions."""
    return db_api.tokens_delete_node(resource_type, node_uuid)


def _refusal(token_hash, now):
    row = db_api.token_get(token_hash)
    if row is None:
        return 'the token is unknown or was revoked'
    if row.consumed_at is not None:
        return 'the token was already used; ask for a new one'
    if row.expires <= now:
        return 'the token expired; ask for a new one'
    return 'the lease that authorised the token no longer holds the node'


def consume(token, now):
    """Use ``token`` once; return its row (node, lease, requester).

    The check and the use are one conditional UPDATE, so a token opens
    exactly one session however many clients race with it. Raises
    ConsoleTokenRefused saying why otherwise.
    """
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        raise exception.ConsoleTokenRefused(
            reason='the token is missing or malformed')
    token_hash = hash_token(token)
    row = db_api.token_consume(token_hash, now)
    if row is None:
        raise exception.ConsoleTokenRefused(
            reason=_refusal(token_hash, now))
    return row


def sessions_state(token_ids, now):
    """Return {id: 'ok' | 'lease ended' | 'revoked'} for ``token_ids``.

    'lease ended': the lease that authorised the token no longer holds
    the node (it ended, was cancelled, or a sub-lease took over).
    """
    found = db_api.tokens_state(token_ids, now)
    return {token_id: 'revoked' if token_id not in found else
            'ok' if found[token_id] else 'lease ended'
            for token_id in token_ids}


def session_over(token_id):
    """Forget the token of a session that has ended."""
    db_api.token_delete(token_id)
