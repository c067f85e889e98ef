"""The unchanged python-esileapclient CLI against a real esi-leap server.

Each identity is a separate esi-leap-api process on loopback whose
``[noauth]`` section names its project and roles; all of them share one
SQLite database and one dummy node directory. Every check runs the real
``openstack esi ...`` command and reads what the user would see: ``-f
json`` output (ShowOne commands use field names, List commands use column
labels) or the error line on stderr. Without Keystone, project names are
unknown, so the name columns (lessee, project, owner) are empty strings.

Each CLI call costs about two seconds of start-up, so independent calls run
concurrently and each test uses its own dummy nodes.
"""
import datetime
import types
import uuid

import pytest
import sqlalchemy

from esi_leap.tests import clock
from esi_leap.tests.fixtures import cli as cli_fixture

concurrently = cli_fixture.concurrently

OWNER = 'owner-project'
LESSEE = 'lessee-project'
OTHER = 'other-project'
ADMIN = 'admin-project'

OFFER_SHORT = ('uuid', 'resource', 'resource_class', 'lessee',
               'start_time', 'end_time', 'status', 'availabilities')
OFFER_FULL = ('availabilities', 'end_time', 'lessee', 'lessee_id', 'name',
              'parent_lease_uuid', 'project', 'project_id', 'properties',
              'resource', 'resource_class', 'resource_properties',
              'resource_type', 'resource_uuid', 'start_time', 'status',
              'uuid')
LEASE_SHORT = ('uuid', 'resource', 'resource_class', 'project',
               'start_time', 'end_time', 'offer_uuid', 'status', 'purpose')
LEASE_FULL = ('end_time', 'expire_time', 'fulfill_time', 'name',
              'offer_uuid', 'owner', 'owner_id', 'parent_lease_uuid',
              'project', 'project_id', 'properties', 'purpose', 'resource',
              'resource_class', 'resource_properties', 'resource_type',
              'resource_uuid', 'start_time', 'status', 'uuid')

OFFER_COLUMNS = (('uuid', 'UUID'), ('resource', 'Resource'),
                 ('resource_class', 'Resource Class'), ('lessee', 'Lessee'),
                 ('start_time', 'Start Time'), ('end_time', 'End Time'),
                 ('status', 'Status'), ('availabilities', 'Availabilities'))
OFFER_LONG_COLUMNS = (
    ('uuid', 'UUID'), ('resource', 'Resource'),
    ('resource_class', 'Resource Class'),
    ('resource_properties', 'Resource Properties'), ('lessee', 'Lessee'),
    ('start_time', 'Start Time'), ('end_time', 'End Time'),
    ('status', 'Status'), ('availabilities', 'Availabilities'),
    ('project', 'Project'), ('parent_lease_uuid', 'Parent Lease UUID'))
LEASE_COLUMNS = (('uuid', 'UUID'), ('resource', 'Resource'),
                 ('resource_class', 'Resource Class'), ('project', 'Project'),
                 ('start_time', 'Start Time'), ('end_time', 'End Time'),
                 ('offer_uuid', 'Offer UUID'), ('status', 'Status'),
                 ('purpose', 'Purpose'))
LEASE_LONG_COLUMNS = (
    ('uuid', 'UUID'), ('resource', 'Resource'),
    ('resource_class', 'Resource Class'),
    ('resource_properties', 'Resource Properties'), ('project', 'Project'),
    ('start_time', 'Start Time'), ('end_time', 'End Time'),
    ('expire_time', 'Expire Time'), ('fulfill_time', 'Fulfill Time'),
    ('offer_uuid', 'Offer UUID'), ('owner', 'Owner'),
    ('parent_lease_uuid', 'Parent Lease UUID'), ('status', 'Status'),
    ('purpose', 'Purpose'))


def esi(*words):
    """Return the argument list of ``openstack esi <words>``."""
    return ('esi',) + words


def pick(shown, keys):
    """Return the ``keys`` of a show output, as a create output has them."""
    return {key: shown[key] for key in keys}


def as_row(shown, columns):
    """Return the list row (column label -> value) of a show output."""
    return {label: shown[key] for key, label in columns}


def labels(columns):
    """Return the column labels of a list output, in order."""
    return [label for _, label in columns]


def rows_by_uuid(rows):
    """Index list output by its UUID column."""
    return {row['UUID']: row for row in rows}


# Now as naive UTC, the form the server outputs.
utcnow = clock.naive_utcnow


def assert_uuid(value):
    """The value is a canonical UUID string."""
    assert str(uuid.UUID(value)) == value


def assert_error(stderr, *fragments):
    """Each fragment appears in the error the CLI printed on stderr."""
    for fragment in fragments:
        assert fragment in stderr, stderr


@pytest.fixture(scope='module')
def actors(deployment):
    """CLIs for the owner, the lessee, another owner and an admin."""
    owner, lessee, other, admin = deployment.clis(
        (OWNER, 'esi_leap_owner'), (LESSEE, 'esi_leap_lessee'),
        (OTHER, 'esi_leap_owner'), (ADMIN, 'admin'))
    return types.SimpleNamespace(owner=owner, lessee=lessee, other=other,
                                 admin=admin)


@pytest.fixture(scope='module')
def nodes(deployment):
    """The dummy node directory the servers read."""
    return deployment.nodes


@pytest.fixture(scope='module')
def gpu_offer(actors, nodes):
    """An offer of a gpu node to LESSEE, and its expected show output."""
    nodes.add('node-gpu', OWNER, resource_class='gpu',
              properties={'cpus': 16, 'memory_mb': 4096})
    created = actors.owner.json(*esi(
        'offer', 'create', 'node-gpu', '--start-time', '2030-01-01',
        '--end-time', '2030-02-01T12:30:00', '--lessee', LESSEE,
        '--name', 'gpu-offer', '--properties', '{"floor": 3}'))
    expected = {
        'availabilities': [['2030-01-01T00:00:00', '2030-02-01T12:30:00']],
        'end_time': '2030-02-01T12:30:00',
        # No project directory: names fall back to the ids.
        'lessee': LESSEE,
        'lessee_id': LESSEE,
        'name': 'gpu-offer',
        'parent_lease_uuid': None,
        'project': OWNER,
        'project_id': OWNER,
        'properties': {'floor': 3},
        'resource': 'dummy-node-node-gpu',
        'resource_class': 'gpu',
        'resource_properties': {'cpus': 16, 'memory_mb': 4096},
        'resource_type': 'dummy_node',
        'resource_uuid': 'node-gpu',
        'start_time': '2030-01-01T00:00:00',
        'status': 'available',
        'uuid': created.get('uuid'),
    }
    return created, expected


def test_offer_create_output(gpu_offer):
    created, expected = gpu_offer
    assert_uuid(created['uuid'])
    assert list(created) == list(OFFER_SHORT)
    assert created == pick(expected, OFFER_SHORT)


def test_offer_show(actors, gpu_offer):
    created, expected = gpu_offer
    by_uuid, by_name, as_lessee, as_other = concurrently(
        lambda: actors.owner.json(*esi('offer', 'show', created['uuid'])),
        lambda: actors.owner.json(*esi('offer', 'show', 'gpu-offer')),
        lambda: actors.lessee.json(*esi('offer', 'show', created['uuid'])),
        lambda: actors.other.fail(*esi('offer', 'show', created['uuid'])))
    assert list(by_uuid) == list(OFFER_FULL)
    assert by_uuid == expected
    assert by_name == expected
    assert as_lessee == expected
    # An offer made for another project is invisible to OTHER.
    assert_error(as_other, 'No Offer found for %s' % created['uuid'],
                 'Offer with name or uuid %s not found.' % created['uuid'])


def test_offer_list(actors, gpu_offer):
    created, expected = gpu_offer
    offer_id = created['uuid']
    short, long_, filtered, as_lessee, as_other = concurrently(
        lambda: actors.owner.json(*esi('offer', 'list')),
        lambda: actors.owner.json(*esi('offer', 'list', '--long',
                                       '--resource-uuid', 'node-gpu')),
        lambda: actors.owner.json(*esi(
            'offer', 'list', '--resource-class', 'gpu',
            '--time-range', '2030-01-10', '2030-01-20',
            '--property', 'cpus>=16', '--property', 'memory_mb<8192')),
        lambda: actors.lessee.json(*esi(
            'offer', 'list', '--availability-range', '2030-01-05',
            '2030-01-06T00:00:00')),
        lambda: actors.other.json(*esi('offer', 'list')))

    row = rows_by_uuid(short)[offer_id]
    assert list(row) == labels(OFFER_COLUMNS)
    assert row == as_row(expected, OFFER_COLUMNS)

    assert [r['UUID'] for r in long_] == [offer_id]
    assert list(long_[0]) == labels(OFFER_LONG_COLUMNS)
    assert long_[0] == as_row(expected, OFFER_LONG_COLUMNS)

    assert [r['UUID'] for r in filtered] == [offer_id]
    assert rows_by_uuid(as_lessee)[offer_id] == as_row(expected,
                                                       OFFER_COLUMNS)
    assert offer_id not in rows_by_uuid(as_other)


def test_offer_list_now_and_property(actors, nodes):
    """``--now`` lists the offers free now for an hour, ends or not.

    ``--property`` (filtered by the client) gives what it always gave.
    """
    now = utcnow()

    def stamp(delta):
        return (now + delta).strftime('%Y-%m-%dT%H:%M:%S')

    ends = {'now-2h': datetime.timedelta(hours=2),
            'now-30m': datetime.timedelta(minutes=30),
            'now-busy': datetime.timedelta(hours=5), 'now-open': None}
    memory = {'now-2h': 131072, 'now-30m': 65536, 'now-busy': 65536,
              'now-open': 1024}
    for name in ends:
        nodes.add('node-' + name, OWNER,
                  properties={'memory_mb': memory[name]})

    def create(name):
        extra = () if ends[name] is None else ('--end-time',
                                               stamp(ends[name]))
        return name, actors.owner.json(*esi(
            'offer', 'create', 'node-' + name, *extra))['uuid']

    made = dict(concurrently(*[lambda n=n: create(n) for n in ends]))
    actors.lessee.json(*esi(
        'offer', 'claim', made['now-busy'],
        '--start-time', stamp(datetime.timedelta(minutes=30)),
        '--end-time', stamp(datetime.timedelta(hours=1))))

    free_now, big, big_now = concurrently(
        lambda: actors.lessee.json(*esi('offer', 'list', '--now')),
        lambda: actors.lessee.json(*esi(
            'offer', 'list', '--property', 'memory_mb>=65536')),
        lambda: actors.lessee.json(*esi(
            'offer', 'list', '--now', '--property', 'memory_mb>=65536')))

    def names(rows):
        listed = {row['UUID'] for row in rows}
        return sorted(name for name, uuid in made.items() if uuid in listed)

    assert names(free_now) == ['now-2h', 'now-open']
    assert names(big) == ['now-2h', 'now-30m', 'now-busy']
    assert names(big_now) == ['now-2h']


def test_offer_claim(actors, nodes):
    nodes.add('node-claim', OWNER)
    offer = actors.owner.json(*esi(
        'offer', 'create', 'node-claim', '--start-time',
        '2030-03-01T00:00:00', '--end-time', '2030-04-01T00:00:00'))
    assert offer['lessee'] == ''
    lease = actors.lessee.json(*esi(
        'offer', 'claim', offer['uuid'], '--start-time', '2030-03-05',
        '--end-time', '2030-03-10 12:00:00',
        '--properties', '{"note": "mine"}'))
    assert_uuid(lease['uuid'])
    assert list(lease) == list(LEASE_SHORT)
    assert lease == {
        'uuid': lease['uuid'], 'resource': 'dummy-node-node-claim',
        'resource_class': 'baremetal', 'project': LESSEE,
        'start_time': '2030-03-05T00:00:00',
        'end_time': '2030-03-10T12:00:00', 'offer_uuid': offer['uuid'],
        'status': 'created', 'purpose': None}

    shown_offer, shown_lease, owner_leases, overlap, outside = concurrently(
        lambda: actors.owner.json(*esi('offer', 'show', offer['uuid'])),
        lambda: actors.lessee.json(*esi('lease', 'show', lease['uuid'])),
        lambda: actors.owner.json(*esi('lease', 'list', '--offer-uuid',
                                       offer['uuid'])),
        lambda: actors.lessee.fail(*esi(
            'offer', 'claim', offer['uuid'], '--start-time',
            '2030-03-08T00:00:00', '--end-time', '2030-03-12T00:00:00')),
        lambda: actors.lessee.fail(*esi(
            'offer', 'claim', offer['uuid'], '--start-time',
            '2030-02-20T00:00:00', '--end-time', '2030-03-02T06:30:00')))

    assert shown_offer['availabilities'] == [
        ['2030-03-01T00:00:00', '2030-03-05T00:00:00'],
        ['2030-03-10T12:00:00', '2030-04-01T00:00:00']]
    assert shown_offer['status'] == 'available'
    assert shown_lease == dict(
        lease, expire_time=None, fulfill_time=None, name=None, owner=OWNER,
        owner_id=OWNER, parent_lease_uuid=None, project_id=LESSEE,
        properties={'note': 'mine'}, resource_properties={},
        resource_type='dummy_node', resource_uuid='node-claim')
    assert owner_leases == [as_row(lease, LEASE_COLUMNS)]
    assert_error(overlap, 'Failed to claim offer %s' % offer['uuid'],
                 'Offer %s has no availabilities at given time range '
                 '2030-03-08 00:00:00, 2030-03-12 00:00:00.' % offer['uuid'])
    assert_error(outside,
                 'Offer %s has no availabilities at given time range '
                 '2030-02-20 00:00:00, 2030-03-02 06:30:00.' % offer['uuid'])


def test_offer_create_conflict(actors, nodes):
    nodes.add('node-conflict', OWNER)
    actors.owner.json(*esi('offer', 'create', 'node-conflict',
                           '--start-time', '2031-01-01',
                           '--end-time', '2031-02-01'))
    stderr = actors.owner.fail(*esi('offer', 'create', 'node-conflict',
                                    '--start-time', '2031-01-15',
                                    '--end-time', '2031-03-01'))
    assert_error(stderr, 'ConflictException: 409',
                 'Time conflict for dummy_node node-conflict.')
    # Offers that only touch do not overlap.
    after = actors.owner.json(*esi('offer', 'create', 'node-conflict',
                                   '--start-time', '2031-02-01',
                                   '--end-time', '2031-03-01'))
    assert after['availabilities'] == [['2031-02-01T00:00:00',
                                        '2031-03-01T00:00:00']]


def test_offer_delete(actors, nodes):
    nodes.add('node-delete', OWNER)
    offer = actors.owner.json(*esi('offer', 'create', 'node-delete',
                                   '--start-time', '2032-01-01',
                                   '--end-time', '2032-02-01'))
    lease = actors.lessee.json(*esi('offer', 'claim', offer['uuid'],
                                    '--start-time', '2032-01-10',
                                    '--end-time', '2032-01-11'))
    out = actors.owner.ok(*esi('offer', 'delete', offer['uuid']))
    assert out.strip() == 'Deleted offer %s' % offer['uuid']

    shown, lease_shown, listed, listed_deleted = concurrently(
        lambda: actors.owner.json(*esi('offer', 'show', offer['uuid'])),
        lambda: actors.lessee.json(*esi('lease', 'show', lease['uuid'])),
        lambda: actors.owner.json(*esi('offer', 'list')),
        lambda: actors.owner.json(*esi('offer', 'list',
                                       '--status', 'deleted')))
    assert shown['status'] == 'deleted'
    # The lease made from the offer is cancelled with it.
    assert lease_shown['status'] == 'deleted'
    assert offer['uuid'] not in rows_by_uuid(listed)
    assert rows_by_uuid(listed_deleted)[offer['uuid']]['Status'] == 'deleted'


def test_unknown_ids(actors):
    missing = str(uuid.uuid4())
    commands = [
        (actors.owner, ('offer', 'show'), 'No Offer found for %s' % missing,
         'Offer'),
        (actors.owner, ('offer', 'delete'), 'NotFoundException: 404',
         'Offer'),
        (actors.lessee, ('offer', 'claim'),
         'Failed to claim offer %s' % missing, 'Offer'),
        (actors.owner, ('lease', 'show'), 'No Lease found for %s' % missing,
         'Lease'),
        (actors.owner, ('lease', 'delete'), 'NotFoundException: 404',
         'Lease'),
        (actors.admin, ('lease', 'update', '--end-time', '2030-01-01'),
         'Failed to update lease %s' % missing, 'Lease'),
    ]
    results = concurrently(*[
        (lambda cli=cli, words=words: cli.fail(*esi(*words + (missing,))))
        for cli, words, _, _ in commands])
    for (_, _, prefix, kind), stderr in zip(commands, results):
        assert_error(stderr, prefix,
                     '%s with name or uuid %s not found.' % (kind, missing))


def test_access_denied(actors, nodes, gpu_offer):
    offer_id = gpu_offer[0]['uuid']
    nodes.add('node-policy', OWNER)
    lease = actors.owner.json(*esi('lease', 'create', 'node-policy', LESSEE,
                                   '--start-time', '2033-01-01',
                                   '--end-time', '2033-01-10'))
    cases = [
        (actors.lessee, ('offer', 'create', 'node-policy'),
         'ForbiddenException: 403',
         'Access was denied to esi_leap:offer:create.'),
        (actors.lessee, ('lease', 'create', 'node-policy', LESSEE),
         'ForbiddenException: 403',
         'Access was denied to esi_leap:lease:create.'),
        (actors.lessee, ('offer', 'delete', offer_id),
         'ForbiddenException: 403',
         'Access was denied to offer %s.' % offer_id),
        # Hidden from other-project: 404, exactly as if missing.
        (actors.other, ('offer', 'claim', offer_id),
         'Failed to claim offer %s' % offer_id,
         'Offer with name or uuid %s not found.' % offer_id),
        (actors.other, ('offer', 'create', 'node-policy'),
         'ForbiddenException: 403',
         'Access was denied to dummy_node node-policy.'),
        (actors.other, ('lease', 'create', 'node-policy', OTHER),
         'ForbiddenException: 403',
         'Access was denied to dummy_node node-policy.'),
        (actors.other, ('lease', 'delete', lease['uuid']),
         'NotFoundException: 404',
         'Lease with name or uuid %s not found.' % lease['uuid']),
        (actors.owner, ('lease', 'update', lease['uuid'],
                        '--end-time', '2033-03-01'),
         'Failed to update lease %s' % lease['uuid'],
         'End time 2033-03-01 00:00:00 is too far: a lease may be extended '
         'to at most 21 days from now.'),
        (actors.other, ('lease', 'update', lease['uuid'],
                        '--end-time', '2033-01-05'),
         'Failed to update lease %s' % lease['uuid'],
         'Lease with name or uuid %s not found.' % lease['uuid']),
    ]
    results = concurrently(*[
        (lambda cli=cli, words=words: cli.fail(*esi(*words)))
        for cli, words, _, _ in cases])
    for (_, _, prefix, message), stderr in zip(cases, results):
        assert_error(stderr, prefix, message)


def test_bad_input(actors):
    missing_node, bad_time, bad_range = concurrently(
        lambda: actors.owner.fail(*esi('offer', 'create', 'no-such-node',
                                       '--start-time', '2034-01-01',
                                       '--end-time', '2034-02-01')),
        lambda: actors.owner.fail(*esi('offer', 'create', 'no-such-node',
                                       '--start-time', 'not-a-time')),
        lambda: actors.owner.fail(*esi('offer', 'list', '--time-range',
                                       '2034-02-01', '2034-01-01')))
    assert_error(missing_node, 'NotFoundException: 404', 'no-such-node',
                 'No such file or directory')
    assert_error(bad_time, 'BadRequestException: 400',
                 'Invalid datetime for start_time')
    assert_error(bad_range, 'BadRequestException: 400',
                 'Start Time must be strictly less than End Time')


def test_lease_lifecycle(actors, nodes):
    nodes.add('node-lease', OWNER, resource_class='fpga',
              properties={'cpus': 4})
    created = actors.owner.json(*esi(
        'lease', 'create', 'node-lease', LESSEE,
        '--start-time', '2035-06-01 10:00:00.123456',
        '--end-time', '2035-06-02T12:00:00+02:00',
        '--name', 'fpga-lease', '--purpose', 'testing',
        '--properties', '{"tags": ["a", "b"]}'))
    lease_id = created['uuid']
    assert_uuid(lease_id)
    assert list(created) == list(LEASE_SHORT)
    expected = {
        'end_time': '2035-06-02T10:00:00',
        'expire_time': None,
        'fulfill_time': None,
        'name': 'fpga-lease',
        'offer_uuid': None,
        'owner': OWNER,
        'owner_id': OWNER,
        'parent_lease_uuid': None,
        'project': LESSEE,
        'project_id': LESSEE,
        'properties': {'tags': ['a', 'b']},
        'purpose': 'testing',
        'resource': 'dummy-node-node-lease',
        'resource_class': 'fpga',
        'resource_properties': {'cpus': 4},
        'resource_type': 'dummy_node',
        'resource_uuid': 'node-lease',
        'start_time': '2035-06-01T10:00:00.123456',
        'status': 'created',
        'uuid': lease_id,
    }
    assert created == pick(expected, LEASE_SHORT)

    (by_owner, by_name, owner_list, lessee_long, filtered, other_list,
     lease_conflict, offer_conflict) = concurrently(
        lambda: actors.owner.json(*esi('lease', 'show', lease_id)),
        lambda: actors.lessee.json(*esi('lease', 'show', 'fpga-lease')),
        lambda: actors.owner.json(*esi('lease', 'list')),
        lambda: actors.lessee.json(*esi('lease', 'list', '--long')),
        lambda: actors.owner.json(*esi(
            'lease', 'list', '--resource-uuid', 'node-lease',
            '--resource-class', 'fpga', '--purpose', 'testing',
            '--owner', OWNER, '--property', 'cpus=4')),
        lambda: actors.other.json(*esi('lease', 'list')),
        lambda: actors.owner.fail(*esi(
            'lease', 'create', 'node-lease', OTHER,
            '--start-time', '2035-06-02', '--end-time', '2035-06-03')),
        lambda: actors.owner.fail(*esi(
            'offer', 'create', 'node-lease',
            '--start-time', '2035-05-01', '--end-time', '2035-07-01')))
    assert list(by_owner) == list(LEASE_FULL)
    assert by_owner == expected
    assert by_name == expected
    assert rows_by_uuid(owner_list)[lease_id] == as_row(expected,
                                                        LEASE_COLUMNS)
    row = rows_by_uuid(lessee_long)[lease_id]
    assert list(row) == labels(LEASE_LONG_COLUMNS)
    assert row == as_row(expected, LEASE_LONG_COLUMNS)
    assert [r['UUID'] for r in filtered] == [lease_id]
    assert lease_id not in rows_by_uuid(other_list)
    assert_error(lease_conflict, 'ConflictException: 409',
                 'Time conflict for dummy_node node-lease.')
    assert_error(offer_conflict, 'ConflictException: 409',
                 'Time conflict for dummy_node node-lease.')

    updated = actors.admin.json(*esi('lease', 'update', lease_id,
                                     '--end-time', '2035-06-03T00:00:00'))
    expected['end_time'] = '2035-06-03T00:00:00'
    assert updated == pick(expected, LEASE_SHORT)

    before = utcnow()
    out = actors.lessee.ok(*esi('lease', 'delete', lease_id))
    after = utcnow()
    assert out.strip() == 'Deleted lease %s' % lease_id
    shown, listed = concurrently(
        lambda: actors.owner.json(*esi('lease', 'show', lease_id)),
        lambda: actors.owner.json(*esi('lease', 'list')))
    # Cancelling a lease records when it ended.
    expired = datetime.datetime.fromisoformat(shown.pop('expire_time'))
    assert before <= expired <= after
    del expected['expire_time']
    assert shown == dict(expected, status='deleted')
    assert lease_id not in rows_by_uuid(listed)


def test_lease_update_end_time(actors, nodes):
    """Lessees and owners move end times with the unchanged CLI."""
    nodes.add('node-extend', OWNER)
    start = utcnow().replace(microsecond=0) + datetime.timedelta(hours=1)

    def at(hours):
        return (start + datetime.timedelta(hours=hours)).isoformat()
    direct = actors.owner.json(*esi(
        'lease', 'create', 'node-extend', LESSEE, '--start-time', at(0),
        '--end-time', at(5)))
    offer = actors.owner.json(*esi(
        'offer', 'create', 'node-extend', '--start-time', at(20),
        '--end-time', at(40), '--lessee', LESSEE))
    claimed = actors.lessee.json(*esi(
        'offer', 'claim', offer['uuid'], '--start-time', at(20),
        '--end-time', at(25)))

    def update(cli, lease, hours):
        return cli.json(*esi('lease', 'update', lease['uuid'],
                             '--end-time', at(hours)))['end_time']
    assert update(actors.lessee, direct, 8) == at(8)
    assert update(actors.owner, direct, 10) == at(10)
    assert update(actors.owner, direct, 9) == at(9)
    assert update(actors.lessee, claimed, 30) == at(30)
    assert update(actors.owner, claimed, 28) == at(28)
    too_far, by_owner, past_offer, conflict = concurrently(
        lambda: actors.lessee.fail(*esi(
            'lease', 'update', direct['uuid'], '--end-time',
            at(24 * 30))),
        lambda: actors.owner.fail(*esi(
            'lease', 'update', claimed['uuid'], '--end-time', at(30))),
        lambda: actors.lessee.fail(*esi(
            'lease', 'update', claimed['uuid'], '--end-time', at(41))),
        lambda: actors.lessee.fail(*esi(
            'lease', 'update', direct['uuid'], '--end-time', at(21))))
    assert_error(too_far, 'Failed to update lease %s' % direct['uuid'],
                 'is too far: a lease may be extended to at most 21 days '
                 'from now.')
    assert_error(by_owner, 'Failed to update lease %s' % claimed['uuid'],
                 'its owner may shorten it but not extend it.')
    assert_error(past_offer, 'Offer %s has no availabilities'
                 % offer['uuid'])
    assert_error(conflict, 'Time conflict for dummy_node node-extend.')
    shown = actors.admin.json(*esi('lease', 'show', direct['uuid']))
    assert shown['end_time'] == at(9)
    shown = actors.admin.json(*esi('lease', 'show', claimed['uuid']))
    assert shown['end_time'] == at(28)


def _activate_leases(deployment, node):
    """Mark the node's leases active, as the manager would."""
    engine = sqlalchemy.create_engine(deployment.database.url)
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text(
            "UPDATE leases SET status = 'active' "
            "WHERE resource_uuid = :node"), {'node': node})
    engine.dispose()


def _token_rows(deployment, node):
    engine = sqlalchemy.create_engine(deployment.database.url)
    with engine.connect() as connection:
        rows = connection.execute(sqlalchemy.text(
            'SELECT token_hash, project_id, lease_uuid, expires '
            'FROM console_auth_tokens WHERE node_uuid = :node'),
            {'node': node}).all()
    engine.dispose()
    return rows


def test_console_auth_tokens(actors, nodes, deployment):
    nodes.add('node-console', OWNER)
    lease = actors.owner.json(*esi(
        'lease', 'create', 'node-console', LESSEE, '--end-time',
        (utcnow() + datetime.timedelta(days=1)).isoformat()))
    _activate_leases(deployment, 'node-console')
    (by_owner, by_lessee, by_name, denied, bad_ttl,
     missing) = concurrently(
        lambda: actors.owner.json(*esi('console', 'auth', 'token', 'create',
                                       'node-console')),
        lambda: actors.lessee.json(*esi('console', 'auth', 'token',
                                        'create', 'node-console',
                                        '--token-ttl', '30')),
        lambda: actors.lessee.json(*esi('console', 'auth', 'token',
                                        'create', 'dummy-node-node-console',
                                        '--token-ttl', '120')),
        lambda: actors.other.fail(*esi('console', 'auth', 'token', 'create',
                                       'node-console')),
        lambda: actors.owner.fail(*esi('console', 'auth', 'token', 'create',
                                       'node-console', '--token-ttl', '0')),
        lambda: actors.owner.fail(*esi('console', 'auth', 'token', 'create',
                                       'no-such-node')))
    for shown in (by_owner, by_lessee, by_name):
        assert list(shown) == ['node_uuid', 'token', 'access_url']
        assert shown['node_uuid'] == 'node-console'
        assert len(shown['token']) >= 43
        assert shown['access_url'] == (
            'ws://127.0.0.1:6083/?token=' + shown['token'])
    assert len({by_owner['token'], by_lessee['token'],
                by_name['token']}) == 3
    assert_error(denied, 'NotFoundException: 404', 'node-console')
    assert_error(bad_ttl, 'BadRequestException: 400',
                 'Invalid token_ttl 0: it must be positive.')
    assert_error(missing, 'NotFoundException: 404', 'no-such-node')
    rows = _token_rows(deployment, 'node-console')
    assert sorted((project, lease_uuid) for _, project, lease_uuid, _
                  in rows) == [(LESSEE, lease['uuid']),
                               (LESSEE, lease['uuid']), (OWNER, None)]
    assert not {by_owner['token'], by_lessee['token']} & {
        row[0] for row in rows}

    out, other_out = concurrently(
        lambda: actors.lessee.ok(*esi('console', 'auth', 'token', 'delete',
                                      'node-console')),
        lambda: actors.other.fail(*esi('console', 'auth', 'token', 'delete',
                                       'node-console')))
    assert out.strip() == 'Disabled console auth tokens for node ' \
        'node-console'
    assert_error(other_out, 'NotFoundException: 404')
    assert _token_rows(deployment, 'node-console') == []
