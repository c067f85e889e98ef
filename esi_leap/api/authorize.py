"""Every access decision of the API that needs more than one rule check.

Controllers follow one pattern: retrieve the object, check the rule that
lets the caller see it (a caller that may not see it gets 404, exactly as
for a missing one, so nobody learns what exists), then the rule of the
action (403 naming the object). The domain layer (esi_leap/objects/) only
ever receives the plain values of an objects.access.Access built here: it
never consults the policy rules itself.
"""
from esi_leap.common import exception
from esi_leap.common import policy
from esi_leap.objects import access as access_mod
from esi_leap.objects import extension
from esi_leap.objects import leases
from esi_leap.objects import offers
from esi_leap.objects import sight
from esi_leap.policies import console_auth_token as token_policy
from esi_leap.policies import lease as lease_policy
from esi_leap.policies import offer as offer_policy


def access_of(context):
    """Return the caller's Access: its project and its admin rights."""
    return access_mod.Access(
        project_id=context.project_id,
        lease_admin=policy.check(lease_policy.LEASE_ADMIN, context),
        offer_admin=policy.check(offer_policy.OFFER_ADMIN, context),
        console_admin=policy.check(token_policy.CONSOLE_ADMIN, context))


def sight_of(context):
    """Return the caller's sight.Sight (what views may name in passing)."""
    return sight.of(access_of(context))


def lease_target(lease):
    """Return the policy target describing ``lease``."""
    return {'lease.owner_id': lease.owner_id,
            'lease.project_id': lease.project_id}


def offer_target(offer):
    """Return the policy target describing ``offer``."""
    return {'offer.project_id': offer.project_id}


def visible_offer(context, ident, statuses_=None):
    """Return the offer ``ident`` (uuid or name) names, if the caller sees it.

    Hidden offers are reported exactly like missing ones (OfferNotFound).
    Raises ProjectRequired for a non-admin caller without a project.
    """
    policy.require_project(context, offer_policy.OFFER_ADMIN)
    return offers.find(ident, statuses_,
                       view=offers.visibility(access_of(context)))


def visible_lease(context, ident, statuses_=None):
    """Return the lease ``ident`` (uuid or name) names, if the caller sees it.

    A lease the caller may not see (esi_leap:lease:get) is reported
    exactly like a missing one (LeaseNotFound), by name and by uuid.
    Raises ProjectRequired for a non-admin caller without a project.
    """
    policy.require_project(context, lease_policy.LEASE_ADMIN)
    admin = policy.check(lease_policy.LEASE_ADMIN, context)
    lease = leases.find(ident, statuses_,
                        party=None if admin else context.project_id)
    if not policy.check(lease_policy.GET, context, lease_target(lease)):
        raise exception.LeaseNotFound(lease_id=ident)
    return lease


# NOTE(esi-leap): stands for "a project that is not the caller's" in the
# targets of by_relation(); no project id is empty.
_OTHER_PROJECT = ''


def by_relation(rule, context):
    """Return whether ``rule`` allows the caller on a lease, per relation.

    An access.ByRelation: for a lease the caller's project is no party to,
    granted, holds, or both. A lease's policy target (lease_target()) holds
    only its two project ids, so these four decisions are every decision
    the rule can make on any lease for this caller.

    NOTE(esi-leap): DELETE by uuid is one transaction that reads the lease
    first under its node's lock (no read before it, on purpose), so the
    rule is decided here, before, for every relation, and the domain layer
    applies the answer to the row it reads: no rule runs under the lock.
    """
    mine = context.project_id

    def decide(owner, lessee):
        return policy.check(rule, context, {
            'lease.owner_id': mine if owner else _OTHER_PROJECT,
            'lease.project_id': mine if lessee else _OTHER_PROJECT})
    return access_mod.ByRelation(
        neither=decide(False, False), owner=decide(True, False),
        lessee=decide(False, True), both=decide(True, True))


def offer_action(rule, context, offer):
    """Raise HTTPResourceForbidden (403) unless ``rule`` allows ``offer``.

    ``offer`` was found with visible_offer().
    """
    policy.authorize_object(rule, context, offer_target(offer), 'offer',
                            offer.uuid)


def extension_rights(context, lease):
    """Return the caller's extension.Rights on ``lease``'s end time.

    Raises HTTPResourceForbidden (403 naming the lease) when no rule lets
    the caller change it at all.
    """
    target = lease_target(lease)
    found = extension.Rights(
        admin=policy.check(lease_policy.UPDATE, context, target),
        lessee=policy.check(lease_policy.UPDATE_AS_LESSEE, context, target),
        owner=policy.check(lease_policy.UPDATE_AS_OWNER, context, target))
    if not (found.admin or found.lessee or found.owner):
        raise exception.HTTPResourceForbidden(resource_type='lease',
                                              resource=lease.uuid)
    return found


def lease_list_scope(context, view=None, project_id=None, owner_id=None):
    """Return (project_id, owner_id, party_id) filters for a lease list.

    ``view=all`` and any other project's leases need lease_admin; without
    either filter a caller sees the leases its project granted or holds.
    Raises HTTPForbidden when the caller may not list what it asked for,
    ProjectRequired for a non-admin caller without a project.
    """
    if view not in (None, 'all'):
        raise exception.InvalidView(view=view)
    policy.require_project(context, lease_policy.LEASE_ADMIN)
    if view == 'all':
        policy.authorize(lease_policy.LEASE_ADMIN, context)
        return project_id, owner_id, None
    policy.authorize(lease_policy.GET_ALL, context)
    if owner_id is not None:
        if owner_id != context.project_id:
            policy.authorize(lease_policy.LEASE_ADMIN, context)
        return project_id, owner_id, None
    if project_id is not None:
        if project_id != context.project_id:
            policy.authorize(lease_policy.LEASE_ADMIN, context)
        return project_id, None, None
    if context.project_id is None:
        return None, None, None  # an admin without a project: everything
    return None, None, context.project_id


def nodes_of_bookings(context, type_name, offer_ident=None,
                      lease_ident=None):
    """The uuids of the nodes an offer and a lease filter allow.

    None when neither is given. Otherwise the node of the offer and/or
    the lease (uuid or name) the caller may see, of resource type
    ``type_name``: an empty set when the caller may see no such offer or
    lease, so a filter never tells a hidden one from a missing one.
    One indexed query each.
    """
    if offer_ident is None and lease_ident is None:
        return None
    allowed = None
    try:
        for ident, find in ((offer_ident, visible_offer),
                            (lease_ident, visible_lease)):
            if ident is None:
                continue
            row = find(context, ident)
            mine = {row.resource_uuid} \
                if row.resource_type == type_name else set()
            allowed = mine if allowed is None else allowed & mine
    except (exception.OfferNotFound, exception.LeaseNotFound):
        return set()
    return allowed
