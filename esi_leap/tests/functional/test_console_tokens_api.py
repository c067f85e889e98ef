"""Console auth tokens: who gets one, what they are worth, bad input."""
import datetime

import pytest
import sqlalchemy as sa

from esi_leap.common import exception
from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.db.sqlalchemy import models
from esi_leap.objects import console_tokens
from esi_leap.objects import filters
from esi_leap.tests.functional.helpers import fault
from esi_leap.tests.functional.helpers import set_lease_status

NODE = 'node-1'
PATH = '/v1/console_auth_tokens'


def _iso(delta):
    return timeutils.isoformat(timeutils.utcnow() + delta)


@pytest.fixture
def node(nodes):
    return nodes.add(NODE, 'owner-project')


@pytest.fixture
def holder(caller):
    return caller('lessee-project', 'esi_leap_owner', 'esi_leap_lessee')


@pytest.fixture
def sub_lessee(caller):
    return caller('child-project', 'esi_leap_lessee')


@pytest.fixture
def active_lease(owner, node):
    """lessee-project holds node-1 now."""
    lease = owner.post('/v1/leases', {
        'resource_uuid': NODE, 'project_id': 'lessee-project',
        'end_time': _iso(datetime.timedelta(days=1))}).json
    set_lease_status(lease['uuid'], 'active')
    return lease


@pytest.fixture
def active_sub_lease(holder, active_lease):
    """child-project holds node-1 now, under lessee-project's lease."""
    lease = holder.post('/v1/leases', {
        'resource_uuid': NODE, 'project_id': 'child-project',
        'end_time': _iso(datetime.timedelta(hours=1))}).json
    assert lease['parent_lease_uuid'] == active_lease['uuid']
    set_lease_status(lease['uuid'], 'active')
    return lease


def _rows():
    with db_api.reader() as session:
        return list(session.scalars(sa.select(models.ConsoleAuthToken)))


def test_owner_gets_a_token(owner, node, config):
    config(group='serialconsoleproxy',
           public_url='wss://console.example.org:6083/')
    body = owner.post(PATH, {'node_uuid_or_name': NODE}).json
    assert set(body) == {'node_uuid', 'token', 'access_url'}
    assert body['node_uuid'] == NODE
    assert len(body['token']) >= 43
    assert body['access_url'] == (
        'wss://console.example.org:6083/?token=' + body['token'])
    [row] = _rows()
    assert row.token_hash == console_tokens.hash_token(body['token'])
    assert body['token'] not in (row.token_hash, row.node_uuid)
    assert (row.resource_type, row.node_uuid, row.lease_uuid) == (
        'dummy_node', NODE, None)
    assert (row.user_id, row.project_id) == ('user', 'owner-project')
    ttl = (row.expires - timeutils.utcnow()).total_seconds()
    assert 590 < ttl <= 600


def test_by_name_and_with_ttl_string_or_integer(owner, node):
    for ttl in ('60', 60):
        body = owner.post(PATH, {'node_uuid_or_name': 'dummy-node-node-1',
                                 'token_ttl': ttl}).json
        assert body['node_uuid'] == NODE
    for row in _rows():
        assert (row.expires - timeutils.utcnow()).total_seconds() <= 60


def test_tokens_differ(owner, node):
    tokens = {owner.post(PATH, {'node_uuid_or_name': NODE}).json['token']
              for _ in range(5)}
    assert len(tokens) == 5


def test_holder_gets_a_token_bound_to_its_lease(holder, active_lease):
    holder.post(PATH, {'node_uuid_or_name': NODE})
    [row] = _rows()
    assert row.lease_uuid == active_lease['uuid']
    assert row.project_id == 'lessee-project'


def test_sub_lessee_holds_the_console_not_its_parent(
        holder, sub_lessee, active_sub_lease):
    sub_lessee.post(PATH, {'node_uuid_or_name': NODE})
    [row] = _rows()
    assert row.lease_uuid == active_sub_lease['uuid']
    response = holder.request('post', PATH, status=403,
                              body={'node_uuid_or_name': NODE})
    assert 'holding the node now' in fault(response)
    holder.request('delete', PATH + '/' + NODE, status=403)
    assert len(_rows()) == 1


def test_future_lessee_sees_but_may_not_use(lessee, owner, node):
    owner.post('/v1/leases', {
        'resource_uuid': NODE, 'project_id': 'lessee-project',
        'start_time': '2030-01-01', 'end_time': '2030-01-02'})
    response = lessee.request('post', PATH, status=403,
                              body={'node_uuid_or_name': NODE})
    assert NODE in fault(response)


def test_stranger_and_unknown_node_get_404(caller, node):
    stranger = caller('stranger-project', 'esi_leap_lessee')
    response = stranger.request('post', PATH, status=404,
                                body={'node_uuid_or_name': NODE})
    assert 'no such node' in fault(response)
    stranger.request('delete', PATH + '/' + NODE, status=404)
    for ident in ('no-such-node', '../../etc/passwd', 'x' * 255):
        response = caller('admin-project', 'admin').request(
            'post', PATH, status=404, body={'node_uuid_or_name': ident})
        assert fault(response)


@pytest.mark.parametrize('ttl,words', [
    (0, 'must be positive'), ('0', 'must be positive'),
    (-5, 'must be positive'), ('-5', 'must be positive'),
    ('abc', 'whole number'), ('1.5', 'whole number'), (1.5, 'whole number'),
    ('', 'whole number'), (True, 'whole number'), ([600], 'whole number'),
    ({'a': 1}, 'whole number'), ('9' * 40, 'whole number'),
    (3601, 'the most allowed is 3600'), ('100000', 'the most allowed'),
])
def test_bad_token_ttl(owner, node, ttl, words):
    response = owner.request('post', PATH, status=400, body={
        'node_uuid_or_name': NODE, 'token_ttl': ttl})
    text = fault(response)
    assert 'token_ttl' in text and words in text
    assert _rows() == []


def test_max_token_ttl_is_configurable(owner, node, config):
    config(group='serialconsoleproxy', max_token_ttl=7200)
    owner.post(PATH, {'node_uuid_or_name': NODE, 'token_ttl': '7200'})


@pytest.mark.parametrize('body,words', [
    ({}, 'node_uuid_or_name'),
    ({'token_ttl': '60'}, 'node_uuid_or_name'),
    ({'node_uuid_or_name': 5}, 'node_uuid_or_name must be'),
    ({'node_uuid_or_name': ''}, 'node_uuid_or_name must be'),
    ({'node_uuid_or_name': 'x' * 256}, 'node_uuid_or_name must be'),
    ({'node_uuid_or_name': NODE, 'lease': 'x'}, 'unknown field(s): lease'),
    ([NODE], 'must be a JSON object'),
    ('node-1', 'must be a JSON object'),
])
def test_bad_body(owner, node, body, words):
    response = owner.request('post', PATH, status=400, body=body)
    assert words in fault(response)


def test_body_not_json(owner, node):
    response = owner.app.post(PATH, '{"node_uuid_or_name": ',
                              headers=dict(owner.headers,
                                           **{'Content-Type':
                                              'application/json'}),
                              expect_errors=True)
    assert response.status_int == 400
    assert fault(response)


def test_delete_revokes_every_token_of_the_node(owner, node, nodes):
    nodes.add('node-2', 'owner-project')
    for ident in (NODE, NODE, 'node-2'):
        owner.post(PATH, {'node_uuid_or_name': ident})
    response = owner.delete(PATH + '/' + NODE)
    assert response.json is None
    assert [row.node_uuid for row in _rows()] == ['node-2']
    owner.delete(PATH + '/dummy-node-node-2')
    assert _rows() == []


def test_delete_bad_input(owner, node):
    response = owner.request('delete', PATH + '/' + 'x' * 256, status=400)
    assert '255' in fault(response)
    owner.request('delete', PATH + '/no-such-node', status=404)


def test_get_is_not_allowed(owner, node):
    response = owner.request('get', PATH)
    assert response.status_int in (404, 405)


def _token(caller_):
    return caller_.post(PATH, {'node_uuid_or_name': NODE}).json['token']


def test_a_token_is_used_once(owner, node):
    token = _token(owner)
    row = console_tokens.consume(token, timeutils.utcnow())
    assert row.node_uuid == NODE and row.consumed_at is not None
    with pytest.raises(exception.ConsoleTokenRefused, match='already used'):
        console_tokens.consume(token, timeutils.utcnow())


def test_expiry_is_checked_at_use(owner, node):
    token = owner.post(PATH, {'node_uuid_or_name': NODE,
                              'token_ttl': '1'}).json['token']
    later = timeutils.utcnow() + datetime.timedelta(seconds=2)
    with pytest.raises(exception.ConsoleTokenRefused, match='expired'):
        console_tokens.consume(token, later)


@pytest.mark.parametrize('token', [None, '', 'short', 'x' * 129,
                                   'a' * 30 + '/../', 'é' * 43,
                                   'A' * 43])
def test_bad_tokens_are_refused(owner, node, token):
    with pytest.raises(exception.ConsoleTokenRefused):
        console_tokens.consume(token, timeutils.utcnow())


def test_revoked_token_is_refused(owner, node):
    token = _token(owner)
    owner.delete(PATH + '/' + NODE)
    with pytest.raises(exception.ConsoleTokenRefused, match='revoked'):
        console_tokens.consume(token, timeutils.utcnow())


def test_token_dies_with_its_lease(holder, active_lease):
    token = _token(holder)
    set_lease_status(active_lease['uuid'], 'expired')
    with pytest.raises(exception.ConsoleTokenRefused,
                       match='no longer holds'):
        console_tokens.consume(token, timeutils.utcnow())


def test_token_of_the_parent_dies_when_a_sub_lease_starts(
        holder, active_lease, sub_lessee):
    token = _token(holder)
    holder.post('/v1/leases', {
        'resource_uuid': NODE, 'project_id': 'child-project',
        'end_time': _iso(datetime.timedelta(hours=1))})
    for lease in db_api.lease_list(
            filters.LeaseFilters(project_id='child-project')):
        set_lease_status(lease.uuid, 'active')
    with pytest.raises(exception.ConsoleTokenRefused,
                       match='no longer holds'):
        console_tokens.consume(token, timeutils.utcnow())
    row = console_tokens.consume(_token(sub_lessee), timeutils.utcnow())
    assert row.project_id == 'child-project'


def test_session_validity_follows_lease_and_revocation(holder, owner,
                                                       active_lease):
    mine = console_tokens.consume(_token(holder), timeutils.utcnow())
    owners = console_tokens.consume(_token(owner), timeutils.utcnow())
    now = timeutils.utcnow()
    ids = {mine.id, owners.id}
    assert console_tokens.sessions_state(ids, now) == {
        mine.id: 'ok', owners.id: 'ok'}
    end = timeutils.parse(active_lease['end_time'], 'end_time')
    assert console_tokens.sessions_state(ids, end) == {
        mine.id: 'lease ended', owners.id: 'ok'}
    owner.delete(PATH + '/' + NODE)
    assert console_tokens.sessions_state(ids, now) == {
        mine.id: 'revoked', owners.id: 'revoked'}


def test_manager_scrub_deletes_the_node_tokens(holder, owner, active_lease,
                                               nodes, scheduler):
    set_lease_status(active_lease['uuid'], 'created')
    scheduler.run_once()
    assert nodes.read(NODE)['lease_uuid'] == active_lease['uuid']
    _token(holder)
    _token(owner)
    with db_api.writer() as session:
        session.execute(sa.update(models.Lease).values(
            end_time=timeutils.utcnow() - datetime.timedelta(seconds=1)))
    scheduler.run_once()
    assert 'lease_uuid' not in nodes.read(NODE)
    assert _rows() == []
