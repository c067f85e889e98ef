"""Every uuid a view shows beside another record is one the caller may read.

/v1/nodes names offers and leases (current, future, the node's lease); an
offer or a lease names its parent lease. With the default policy (real
oslo.policy) and owner, holder, sub-lessee, other project and admin
callers, each uuid shown answers 200 to GET by the same caller, and no
uuid that answers 404 is shown.
"""
import pytest

from esi_leap.tests.functional.helpers import set_lease_status

NODE = 'node-1'


@pytest.fixture
def world(caller, owner, nodes):
    """node-1 held by holder-project, with bookings for everyone."""
    nodes.add(NODE, 'owner-project')
    holder = caller('holder-project', 'esi_leap_owner', 'esi_leap_lessee')
    ids = {}

    def offer(who, start, end, lessee=None):
        body = {'resource_uuid': NODE, 'start_time': start,
                'end_time': end}
        if lessee:
            body['lessee_id'] = lessee
        return who.post('/v1/offers', body).json['uuid']

    def lease(who, project, start, end):
        return who.post('/v1/leases', {
            'resource_uuid': NODE, 'project_id': project,
            'start_time': start, 'end_time': end}).json['uuid']
    ids['held'] = lease(owner, 'holder-project', '2030-01-01', '2030-01-20')
    set_lease_status(ids['held'], 'active')
    nodes.add(NODE, 'owner-project', project_id='holder-project',
              lease_uuid=ids['held'])
    ids['offer_other'] = offer(owner, '2030-02-01', '2030-02-10',
                               'other-project')
    ids['offer_public'] = offer(owner, '2030-03-01', '2030-03-10')
    ids['lease_other'] = lease(owner, 'other-project', '2030-04-01',
                               '2030-04-02')
    ids['lease_holder'] = lease(owner, 'holder-project', '2030-05-01',
                                '2030-05-02')
    ids['sub_offer'] = offer(holder, '2030-01-02', '2030-01-05',
                             'child-project')
    ids['sub_lease'] = lease(holder, 'child-project', '2030-01-10',
                             '2030-01-12')
    return ids


CALLERS = {
    'admin': ('admin-project', 'admin'),
    'owner': ('owner-project', 'esi_leap_owner'),
    'holder': ('holder-project', 'esi_leap_owner', 'esi_leap_lessee'),
    'child': ('child-project', 'esi_leap_lessee'),
    'other': ('other-project', 'esi_leap_owner', 'esi_leap_lessee'),
}


def shown(who):
    """{node uuid: (offer uuids, lease uuids, node's lease uuid)}."""
    result = {}
    for node in who.get('/v1/nodes').json['nodes']:
        offers = set(node['future_offers'])
        if 'offer_uuid' in node:
            offers.add(node['offer_uuid'])
        result[node['uuid']] = (offers, set(node['future_leases']),
                                node.get('lease_uuid'))
    return result


def assert_readable(who, node_view):
    offers, leases, held = node_view
    for uuid in offers:
        who.get('/v1/offers/' + uuid)
    for uuid in leases | ({held} if held else set()):
        who.get('/v1/leases/' + uuid)


def names(world, *keys):
    return {world[k] for k in keys}


def test_the_holder_sees_only_its_own_bookings(world, caller):
    expected = {
        'admin': (('offer_other', 'offer_public', 'sub_offer'),
                  ('lease_other', 'lease_holder', 'sub_lease'), 'held'),
        'owner': (('offer_other', 'offer_public'),
                  ('lease_other', 'lease_holder'), 'held'),
        'holder': (('offer_public', 'sub_offer'),
                   ('lease_holder', 'sub_lease'), 'held'),
    }
    for name, identity in CALLERS.items():
        who = caller(*identity)
        seen = shown(who)
        if name not in expected:
            assert seen == {}, name
            continue
        offers, leases, held = expected[name]
        assert seen[NODE] == (names(world, *offers), names(world, *leases),
                              world[held]), name
        assert_readable(who, seen[NODE])
    # What the holder is not shown, it cannot read either.
    holder = caller(*CALLERS['holder'])
    holder.request('get', '/v1/offers/' + world['offer_other'], status=404)
    holder.request('get', '/v1/leases/' + world['lease_other'], status=404)


def test_a_sub_lessee_holding_the_node(world, caller, nodes):
    set_lease_status(world['sub_lease'], 'active')
    nodes.add(NODE, 'owner-project', project_id='child-project',
              lease_uuid=world['sub_lease'])
    child = caller(*CALLERS['child'])
    seen = shown(child)
    assert seen == {NODE: (names(world, 'offer_public', 'sub_offer'),
                           set(), world['sub_lease'])}
    assert_readable(child, seen[NODE])
    # The owner did not grant the sub-lease and cannot read it: the node
    # shows no lease_uuid to it.
    owner = caller(*CALLERS['owner'])
    owner.request('get', '/v1/leases/' + world['sub_lease'], status=404)
    assert shown(owner)[NODE] == (
        names(world, 'offer_other', 'offer_public'),
        names(world, 'lease_other', 'lease_holder'), None)
    admin = caller(*CALLERS['admin'])
    assert shown(admin)[NODE][2] == world['sub_lease']


@pytest.mark.parametrize('name', sorted(CALLERS))
def test_parent_leases_shown_are_readable(world, caller, name):
    who = caller(*CALLERS[name])
    parents = set()
    for kind in ('offers', 'leases'):
        for row in who.get('/v1/' + kind).json[kind]:
            parents.add(row['parent_lease_uuid'])
            one = who.get('/v1/%s/%s' % (kind, row['uuid'])).json
            parents.add(one['parent_lease_uuid'])
    parents.discard(None)
    for uuid in parents:
        who.get('/v1/leases/' + uuid)
    can_read_parent = name in ('admin', 'holder', 'owner')
    sub_rows_seen = name in ('admin', 'holder', 'child')
    assert parents == ({world['held']} if can_read_parent and sub_rows_seen
                       else set()), name
