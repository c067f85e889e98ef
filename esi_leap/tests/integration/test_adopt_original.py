"""A database of the real ESI-Leap 1.0.0, adopted by esi-leap-dbsync upgrade.

The original (from PyPI, in its own venv) builds its schema with its own
esi-leap-dbsync on MariaDB; offers, claims, direct leases and sub-leases
are made through its API, some cancelled, and its manager starts and
expires some. Then it is stopped, ``esi-leap-dbsync upgrade`` adopts the
database, and esi-leap serves every offer, lease and event as the
original did; its manager then ends the active leases and scrubs the node.
"""
import datetime
import os
import re
import subprocess
import sys
import threading
import time

import pytest
import requests
import sqlalchemy as sa

from esi_leap.db.sqlalchemy.adoption import esi_leap_1_0
from esi_leap.tests import clock
from esi_leap.tests.fixtures import databases
from esi_leap.tests.fixtures import nodes as nodes_fixture
from esi_leap.tests.fixtures import original as original_fixture
from esi_leap.tests.fixtures import server as server_fixture
from esi_leap.tests import identities
from esi_leap.tests import polling

pytestmark = pytest.mark.slow

OWNER = '0e000000000000000000000000000001'
LESSEE1 = '1e000000000000000000000000000001'
LESSEE2 = '1e000000000000000000000000000002'

OFFER_FIELDS = ('uuid', 'name', 'project_id', 'lessee_id', 'resource_type',
                'resource_uuid', 'start_time', 'end_time', 'status',
                'properties', 'parent_lease_uuid')
LEASE_FIELDS = ('uuid', 'name', 'project_id', 'owner_id', 'resource_type',
                'resource_uuid', 'start_time', 'end_time', 'fulfill_time',
                'expire_time', 'status', 'properties', 'purpose',
                'offer_uuid', 'parent_lease_uuid')
EVENT_FIELDS = ('id', 'event_type', 'event_time', 'object_type',
                'object_uuid', 'resource_type', 'resource_uuid', 'lessee_id',
                'owner_id')
TIME_FIELDS = ('start_time', 'end_time', 'fulfill_time', 'expire_time',
               'event_time')


def as_utc(text):
    """A time as either service writes it, as an aware UTC datetime."""
    if text is None:
        return None
    value = datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))
    if value.tzinfo is None:  # the original's: naive, and UTC here
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value


def comparable(objects, fields):
    """{uuid or id: {field: value}} with times as aware datetimes."""
    result = {}
    for obj in objects:
        row = {f: as_utc(obj[f]) if f in TIME_FIELDS else obj[f]
               for f in fields}
        result[obj.get('uuid', obj.get('id'))] = row
    return result


# What the original answers when it reads a dummy node file its other
# process is rewriting in place (an empty file).
_ORIGINAL_FILE_RACE = 'Expecting value: line 1 column 1 (char 0)'


def _headers(project):
    # The original (auth off) ignores the roles; esi-leap (noauth) reads
    # them.
    return identities.noauth_headers(project, 'admin')


def _put_back(path, text):
    """Write ``text`` to ``path`` whole, by a rename."""
    with open(path + '.new', 'w') as f:
        f.write(text)
    os.replace(path + '.new', path)


def call(method, url, project, expect, **kwargs):
    response = requests.request(method, url, headers=_headers(project),
                                timeout=30, **kwargs)
    assert response.status_code == expect, (method, url, response.text)
    return response.json()


def wait_for(what, check, seconds=60):
    if not polling.poll(check, seconds, 0.3):
        pytest.fail('the original never got there: %s' % what)


class History(object):
    """What is made through the original's API, by name."""

    def __init__(self, peer, nodes):
        self.peer = peer
        self.url = peer.url
        self.nodes = nodes
        self.uuids = {}
        # The claims the original made but answered 500, found by name.
        self.found_by_name = []
        self.t0 = clock.utcnow()

    def at(self, seconds):
        return clock.iso(self.t0 + datetime.timedelta(seconds=seconds))

    def offer(self, name, project, node, start, end, expect=201, **extra):
        body = dict(resource_uuid=node, name=name, start_time=start,
                    end_time=end, **extra)
        self.uuids[name] = call('POST', self.url + '/v1/offers', project,
                                expect, json=body)['uuid']

    def claim(self, name, offer, project, end, answered=None, **extra):
        """Claim ``offer`` as ``project``; keep the lease's uuid as ``name``.

        ``answered``, if given, is called once the original has answered.
        """
        body = dict(name=name, end_time=end, **extra)
        url = '%s/v1/offers/%s/claim' % (self.url, self.uuids[offer])
        response = requests.post(url, json=body, timeout=30,
                                 headers=_headers(project))
        if answered is not None:
            answered()
        if response.status_code == 500 and \
                _ORIGINAL_FILE_RACE in response.text:
            # NOTE(esi-leap): the original commits the claim, then reads
            # the node's dummy file for its answer while its manager may be
            # rewriting that file in place: a 500 for a claim it made.
            self.uuids[name] = self._lease_named(name)
            self.found_by_name.append(name)
            return
        assert response.status_code == 201, (url, response.text)
        self.uuids[name] = response.json()['uuid']

    def claim_mid_rewrite(self, name, offer, node, project, end, **extra):
        """claim() while ``node``'s file is as a rewrite in place leaves it.

        The file is empty, as while the original's manager rewrites it, so
        the original makes the claim and answers 500. The file comes back
        half a second after that answer, while claim() looks the lease up
        by name, through a listing that fails the same way until then.
        """
        path = os.path.join(self.nodes.directory, node)
        with open(path) as f:
            saved = f.read()
        open(path, 'w').close()
        restore = threading.Timer(0.5, _put_back, (path, saved))
        try:
            self.claim(name, offer, project, end, answered=restore.start,
                       **extra)
        finally:
            if restore.ident is None:
                _put_back(path, saved)
            else:
                restore.join()

    def _lease_named(self, name):
        """The uuid of the original's lease called ``name``."""
        for _ in range(20):
            response = requests.get(
                self.url + '/v1/leases',
                params={'status': 'any', 'view': 'all'},
                headers=_headers(OWNER), timeout=30)
            if response.status_code == 200:
                named = [lease['uuid'] for lease in response.json()['leases']
                         if lease['name'] == name]
                assert len(named) == 1, (name, named)
                return named[0]
            assert _ORIGINAL_FILE_RACE in response.text, response.text
            time.sleep(0.2)
        pytest.fail('the original could not list its leases')

    def lease(self, name, node, lessee, start, end):
        body = dict(resource_uuid=node, project_id=lessee, name=name,
                    start_time=start, end_time=end)
        self.uuids[name] = call('POST', self.url + '/v1/leases', OWNER, 201,
                                json=body)['uuid']

    def delete(self, kind, name, project):
        call('DELETE', '%s/v1/%s/%s' % (self.url, kind, self.uuids[name]),
             project, 200)

    def status(self, kind, name):
        return call('GET', '%s/v1/%s/%s' % (self.url, kind,
                                            self.uuids[name]), OWNER, 200
                    )['status']

    def build(self):
        """Offers, claims, direct leases and sub-leases, in every status."""
        for node in ('n1', 'n2', 'n3', 'n4', 'n5', 'n6'):
            self.nodes.add(node, OWNER, properties={'cpu_arch': 'x86_64'})
        self.lease('lease-active', 'n1', LESSEE1, self.at(0), self.at(50))
        self.offer('offer-a', OWNER, 'n6', self.at(-3600),
                   self.at(5 * 86400))
        # No start: the original starts the claim at its own now().
        self.claim('lease-claimed', 'offer-a', LESSEE1, self.at(3 * 86400),
                   purpose='adoption')
        self.offer('offer-b', OWNER, 'n2', self.at(0), self.at(30 * 86400),
                   properties={'floor': 3})
        # Made while n2's file is mid-rewrite: the original's 500 for a
        # claim it made, taken every run.
        self.claim_mid_rewrite('lease-future', 'offer-b', 'n2', LESSEE2,
                               self.at(11 * 86400),
                               start_time=self.at(10 * 86400))
        self.claim('lease-cancelled', 'offer-b', LESSEE1,
                   self.at(13 * 86400), start_time=self.at(12 * 86400))
        self.delete('leases', 'lease-cancelled', LESSEE1)
        self.lease('lease-direct', 'n3', LESSEE2, self.at(0), self.at(6))
        self.offer('offer-c', OWNER, 'n4', self.at(0), self.at(86400),
                   lessee_id=LESSEE1)
        self.delete('offers', 'offer-c', OWNER)
        self.offer('offer-d', OWNER, 'n5', self.at(-3600), self.at(4))
        wait_for('lease-active and lease-claimed active',
                 lambda: (self.status('leases', 'lease-active') == 'active'
                          and self.status('leases', 'lease-claimed')
                          == 'active'))
        self.uuids['sub-offer'] = self.peer.sub_offer(
            self.uuids['lease-active'], LESSEE1, 'n1', 'sub-offer',
            clock.iso(clock.utcnow()), self.at(45))
        self.claim('sub-lease', 'sub-offer', LESSEE2, self.at(40))
        wait_for('sub-lease active, lease-direct and offer-d expired',
                 lambda: (self.status('leases', 'sub-lease') == 'active'
                          and self.status('leases', 'lease-direct')
                          == 'expired'
                          and self.status('offers', 'offer-d') == 'expired'))

    def snapshot(self, url):
        """Every offer, lease and event ``url`` serves, comparable."""
        offers = call('GET', url + '/v1/offers?status=any', OWNER, 200)
        leases = call('GET', url + '/v1/leases?status=any&view=all', OWNER,
                      200)
        events = call('GET', url + '/v1/events', OWNER, 200)
        return {'offers': comparable(offers['offers'], OFFER_FIELDS),
                'leases': comparable(leases['leases'], LEASE_FIELDS),
                'events': comparable(events['events'], EVENT_FIELDS)}


def _dbsync(config, *argv):
    return subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), 'esi-leap-dbsync'),
         '--config-file', config] + list(argv), capture_output=True,
        text=True)


@pytest.fixture(scope='module')
def adopted(tmp_path_factory):
    """The original's history, its snapshot, the adopted database."""
    original_fixture.require_venv()
    workdir = str(tmp_path_factory.mktemp('adopt'))
    database = databases.ThrowawayDatabase('mysql', workdir).create()
    nodes = nodes_fixture.DummyNodes(os.path.join(workdir, 'nodes'))
    standin = original_fixture.OpenStackStandIn(
        [OWNER, LESSEE1, LESSEE2]).start()
    servers = []
    try:
        peer = original_fixture.Original(
            workdir, database.url, nodes.directory, standin)
        peer.create_schema()
        servers.append(peer.start())
        history = History(peer, nodes)
        history.build()
        before = history.snapshot(peer.url)
        peer.stop()
        port = server_fixture.free_port()
        config = server_fixture.write_config(
            os.path.join(workdir, 'esi-leap.conf'), database.url,
            nodes.directory, port)
        done = _dbsync(config, 'upgrade')
        assert done.returncode == 0, done.stderr
        api = server_fixture.Server(config, port)
        servers.append(api.start())
        history.url = api.url
        yield dict(history=history, before=before, url=api.url,
                   config=config, database=database, nodes=nodes,
                   servers=servers,
                   dbsync=done)
    finally:
        for server in reversed(servers):
            server.stop()
        standin.stop()
        database.drop()


def test_history_covers_every_kind(adopted):
    before = adopted['before']
    lease_statuses = {v['status'] for v in before['leases'].values()}
    offer_statuses = {v['status'] for v in before['offers'].values()}
    assert {'active', 'created', 'deleted', 'expired'} <= lease_statuses
    assert {'available', 'deleted', 'expired'} <= offer_statuses
    assert any(v['parent_lease_uuid'] for v in before['leases'].values())
    assert any(v['offer_uuid'] is None for v in before['leases'].values())
    assert len(before['events']) >= 8


def test_a_claim_answered_500_is_found_by_name(adopted):
    # The original's answer to the claim made mid-rewrite was its 500; the
    # claim stands, found by name, and is adopted like any other.
    history = adopted['history']
    assert 'lease-future' in history.found_by_name
    lease = adopted['before']['leases'][history.uuids['lease-future']]
    assert (lease['name'], lease['status']) == ('lease-future', 'created')


def test_dbsync_reports_the_newest_revision(adopted):
    from esi_leap.db import migration
    output = adopted['dbsync'].stdout + adopted['dbsync'].stderr
    assert adopted['dbsync'].stdout.strip().splitlines()[-1] == (
        'Database is at revision %s' % migration.head())
    counts = re.search(r'Adopted the original ESI-Leap.s database: '
                       r'(\d+) events, (\d+) leases, (\d+) offers', output)
    before = adopted['before']
    assert counts and tuple(int(c) for c in counts.groups()) == (
        len(before['events']), len(before['leases']), len(before['offers']))


@pytest.mark.parametrize('kind', ['offers', 'leases', 'events'])
def test_esi_leap_serves_the_same_history(adopted, kind):
    after = adopted['history'].snapshot(adopted['url'])
    assert after[kind] == adopted['before'][kind]


def test_adopted_events_have_no_end_times(adopted):
    # The original's event fields, and esi-leap's two end times, null on
    # every adopted event: the original never recorded them.
    events = call('GET', adopted['url'] + '/v1/events', OWNER,
                  200)['events']
    old = [e for e in events if e['id'] in adopted['before']['events']]
    assert len(old) == len(adopted['before']['events'])
    for event in old:
        assert set(event) == set(EVENT_FIELDS) | {'end_time',
                                                  'previous_end_time'}
        assert event['end_time'] is None
        assert event['previous_end_time'] is None


def test_names_and_uuids_are_kept(adopted):
    uuids = adopted['history'].uuids
    after = adopted['history'].snapshot(adopted['url'])
    for name, uuid in uuids.items():
        kind = 'offers' if 'offer' in name else 'leases'
        assert after[kind][uuid]['name'] == name


def _engine(adopted):
    return sa.create_engine(adopted['database'].url)


def test_leftovers_are_gone_and_notices_recorded(adopted):
    engine = _engine(adopted)
    uuids = adopted['history'].uuids
    try:
        with engine.connect() as connection:
            tables = set(sa.inspect(connection).get_table_names())
            notices = set(connection.execute(sa.text(
                'SELECT lease_uuid, kind, status FROM lease_notices')))
            tokens = connection.execute(sa.text(
                'SELECT COUNT(*) FROM console_auth_tokens')).scalar()
            locks = set(connection.execute(sa.text(
                'SELECT resource_uuid FROM resource_locks')).scalars())
    finally:
        engine.dispose()
    assert not {esi_leap_1_0.set_aside_name(t)
                for t in esi_leap_1_0.TABLES} & tables
    assert tokens == 0
    assert locks == {'n1', 'n2', 'n3', 'n4', 'n5', 'n6'}
    for lease in ('lease-active', 'lease-claimed', 'sub-lease',
                  'lease-direct'):
        assert (uuids[lease], 'started', 'sent') in notices
    assert (uuids['lease-direct'], 'ending', 'sent') in notices
    assert not {n for n in notices if n[0] == uuids['lease-future']}


def _watch(url, uuids, until):
    seen = {u: {} for u in uuids}
    while clock.utcnow() < until:
        for uuid in uuids:
            lease = call('GET', '%s/v1/leases/%s' % (url, uuid), OWNER, 200)
            seen[uuid].setdefault(lease['status'], (clock.utcnow(), lease))
        if all('expired' in s for s in seen.values()):
            break
        time.sleep(0.2)
    return seen


def test_manager_carries_on(adopted):
    history = adopted['history']
    manager = server_fixture.Server(adopted['config'], None,
                                    program='esi-leap-manager',
                                    log_path=adopted['config'] + '.mgr.log')
    adopted['servers'].append(manager.start())
    uuids = [history.uuids['sub-lease'], history.uuids['lease-active']]
    ends = {u: adopted['before']['leases'][u]['end_time']
            for u in uuids}
    seen = _watch(adopted['url'], uuids,
                  max(ends.values()) + datetime.timedelta(seconds=30))
    for uuid in uuids:
        assert 'expired' in seen[uuid], seen[uuid]
        # NOTE(esi-leap): the manager starts only now; on a loaded machine
        # its first pass may come after an end, so the lease is checked to
        # have ended (expired after being active, never before its end),
        # not to have been seen active before its end.
        first_active = seen[uuid].get('active')
        if first_active is not None:
            assert first_active[0] < seen[uuid]['expired'][0]
        expired = seen[uuid]['expired'][1]
        assert as_utc(expired['expire_time']) >= ends[uuid]
    node = adopted['nodes'].read('n1')
    assert 'lease_uuid' not in node and 'project_id' not in node
    assert history.status('leases', 'lease-future') == 'created'
    assert history.status('leases', 'lease-claimed') == 'active'
    events = call('GET', adopted['url'] + '/v1/events', OWNER,
                  200)['events']
    old_ids = set(adopted['before']['events'])
    new = [e for e in events if e['id'] not in old_ids]
    assert new and min(e['id'] for e in new) > max(old_ids)
    assert {e['object_uuid'] for e in new} >= set(uuids)
