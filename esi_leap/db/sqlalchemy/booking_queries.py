"""The prebuilt queries of a booking: claim checks, overlaps, claim INSERT.

Each is built once with bound parameters and run with its values.
NOTE(esi-leap): they run under the node's lock, and building a query
each time cost more than running it.
"""
import sqlalchemy as sa

from esi_leap.common import cleaning_buffer
from esi_leap.db.sqlalchemy import models
from esi_leap.db.sqlalchemy import quotas as _quotas
from esi_leap.db.sqlalchemy import records
from esi_leap.db.sqlalchemy import sql


def claim_check_params(start, pivot, statuses, **params):
    """The parameters of a claim check query (and ``params``).

    ``start``, ``pivot`` and ``statuses`` as in
    ResourceTransaction.offer_for_claim().
    """
    # NOTE(esi-leap): leases ending before the claim's start minus the
    # widest buffer cannot meet it, whatever the node's buffer: the
    # index range of the query stops there.
    return dict(params, pivot=pivot, statuses=list(statuses),
                floor=cleaning_buffer.earlier(start,
                                              cleaning_buffer.widest()))


def claim_row(row):
    """(offer, neighbours) of a row of a claim check query."""
    return records.OfferRow._make(row[:OFFER_WIDTH]), \
        cleaning_buffer.Neighbours(before_end=row[OFFER_WIDTH],
                                   after_start=row[OFFER_WIDTH + 1])


def _build_overlap_check(with_exclude):
    """The query of resource_overlaps(), with bound parameters.

    Parameters: resource_type, resource_uuid, start, end, offer_statuses
    and lease_statuses (lists) and, ``with_exclude``, exclude (a uuid).
    """
    queries = []
    for model, wanted in ((models.Offer, 'offer_statuses'),
                          (models.Lease, 'lease_statuses')):
        query = sa.select(model.id).where(
            model.resource_type == sa.bindparam('resource_type'),
            model.resource_uuid == sa.bindparam('resource_uuid'),
            model.parent_lease_uuid.is_(None),
            model.status.in_(sa.bindparam(wanted, expanding=True)),
            sql.overlaps(model,
                         sa.bindparam('start', type_=model.start_time.type),
                         sa.bindparam('end', type_=model.end_time.type)))
        if with_exclude:
            query = query.where(model.uuid != sa.bindparam('exclude'))
        queries.append(sa.exists(query))
    return sa.select(sa.or_(*queries))


def _neighbour_columns(offer_uuid, with_exclude):
    """The before_end and after_start columns of a claim check.

    For the offer whose uuid is the SQL expression ``offer_uuid``: the
    latest end (if after floor) of its leases starting before the pivot
    and the earliest start of those starting at or after it.
    """
    lease = models.Lease
    pivot = sa.bindparam('pivot', type_=lease.start_time.type)
    floor = sa.bindparam('floor', type_=lease.end_time.type)
    mine = sa.and_(lease.offer_uuid == offer_uuid,
                   lease.status.in_(sa.bindparam('statuses',
                                                 expanding=True)))
    if with_exclude:
        mine = sa.and_(mine, lease.uuid != sa.bindparam('exclude'))
    before_end = sa.select(sa.func.max(lease.end_time)).where(
        mine, lease.end_time > floor,
        lease.start_time < pivot).scalar_subquery()
    # NOTE(esi-leap): "end_time > pivot" follows from the start; said, it
    # bounds the index range read.
    after_start = sa.select(sa.func.min(lease.start_time)).where(
        mine, lease.end_time > pivot,
        lease.start_time >= pivot).scalar_subquery()
    return [before_end.label('before_end'), after_start.label('after_start')]


def _build_claim_check(with_exclude=False, quota=False):
    """The query of offer_for_claim(), with bound parameters.

    Parameters: offer_uuid, pivot, floor, statuses (a list) and,
    ``with_exclude``, exclude (a lease uuid left out). It reads the
    offer's columns and its neighbours (_neighbour_columns()). With
    ``quota`` it also reads the claimant's quota override and usage
    (quotas.override_columns() and usage_subquery(), for the offer's
    class; parameters of quotas.usage_params()).
    """
    offers = models.Offer.__table__
    offer_uuid = sa.bindparam('offer_uuid')
    columns = list(records.OFFER_COLUMNS) + _neighbour_columns(
        offer_uuid, with_exclude)
    if not quota:
        return sa.select(*columns).where(offers.c.uuid == offer_uuid)
    # NOTE(esi-leap): MariaDB has no LATERAL: the class counted is the
    # offer's, read by a subquery of its own rather than correlated.
    rclass = sa.func.coalesce(sa.select(offers.c.resource_class).where(
        offers.c.uuid == offer_uuid).scalar_subquery(), '')
    usage = _quotas.usage_subquery(rclass)
    project = sa.bindparam('project', type_=models.Lease.project_id.type)
    return sa.select(
        *columns, *_quotas.override_columns(project), *usage.c).select_from(
        offers.join(usage, sa.true())).where(offers.c.uuid == offer_uuid)


def _build_claims_check():
    """The query of fleet.FleetTransaction.offers_for_claim(): many offers.

    As _build_claim_check() for every offer whose uuid is in offer_uuids
    (a list), with the override of the claimant (parameter project), not
    its usage (which depends on each class).
    """
    offers = models.Offer.__table__
    project = sa.bindparam('project', type_=models.Lease.project_id.type)
    return sa.select(
        *records.OFFER_COLUMNS, *_neighbour_columns(offers.c.uuid, False),
        *_quotas.override_columns(project)).where(
        offers.c.uuid.in_(sa.bindparam('offer_uuids', expanding=True)))


OFFER_WIDTH = len(records.OFFER_COLUMNS)
CLAIM_CHECKS = {(exclude, quota): _build_claim_check(exclude, quota)
                for exclude in (False, True) for quota in (False, True)}
CLAIMS_CHECK = _build_claims_check()
OVERLAP_CHECKS = {True: _build_overlap_check(True),
                  False: _build_overlap_check(False)}
BY_UUID = {
    kind: sa.select(model).where(model.uuid == sa.bindparam('uuid'))
    for kind, model in (('offer', models.Offer), ('lease', models.Lease))}


def _build_claim_insert():
    """The INSERT ... SELECT of a 'claim' transaction: the claim's lease.

    It copies the offer's columns from its row (uuid ``offer_uuid``), so it
    inserts nothing when there is no such offer. Parameters: offer_uuid,
    uuid, name, project_id, purpose, start_time, end_time, status,
    properties, now.
    """
    offer = models.Offer.__table__.c
    leases = models.Lease.__table__
    columns = {'uuid': sa.bindparam('uuid', type_=leases.c.uuid.type),
               'offer_uuid': offer.uuid,
               'owner_id': offer.project_id,
               'resource_type': offer.resource_type,
               'resource_uuid': offer.resource_uuid,
               'parent_lease_uuid': offer.parent_lease_uuid,
               'resource_class': offer.resource_class,
               'attempts': sa.literal(0, sa.Integer),
               'created_at': sa.bindparam(
                   'now', type_=leases.c.created_at.type)}
    for key in ('name', 'project_id', 'purpose', 'start_time', 'end_time',
                'status', 'properties'):
        columns[key] = sa.bindparam(key, type_=leases.c[key].type)
    return leases.insert().from_select(
        list(columns), sa.select(*columns.values()).where(
            offer.uuid == sa.bindparam('offer_uuid')))


_CLAIM_INSERT = _build_claim_insert()
# NOTE(esi-leap): PostgreSQL hands the new lease's id back with RETURNING;
# MySQL and SQLite give it as the cursor's lastrowid. Either way no query
# of its own (notifications carry the id).
CLAIM_INSERTS = {False: _CLAIM_INSERT,
                 True: _CLAIM_INSERT.returning(
                     models.Lease.__table__.c.id)}


def claimed_id(result, dialect):
    """The id of the lease a claim INSERT wrote; None if it wrote none.

    0 when a lease was written but its id is not known.
    """
    if dialect == 'postgresql':
        row = result.first()
        return None if row is None else row[0]
    if not result.rowcount:
        return None
    return result.lastrowid or 0
