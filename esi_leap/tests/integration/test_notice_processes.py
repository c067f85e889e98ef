"""Lease e-mail notices sent by real manager processes to a real SMTP
server (aiosmtpd on 127.0.0.1): an SMTP outage at the lease start, the
"about to end" notice, an extension, restarts, and two managers at once."""
from concurrent import futures
import datetime
import signal
import socket
import time

import pytest
import requests
import sqlalchemy as sa

from esi_leap.tests import clock
from esi_leap.tests.fixtures import databases
from esi_leap.tests.fixtures import nodes as nodes_fixture
from esi_leap.tests.fixtures import server as server_fixture
from esi_leap.tests.fixtures import smtp as smtp_fixture
from esi_leap.tests import identities
from esi_leap.tests import polling

ADMIN = identities.noauth_headers('owner-project', 'admin')
LESSEE = 'lessee@example.org'
OWNER = 'owner@example.org'


def _config(tmp_path, smtp, port, lead, notify_owner=False, sweep=600,
            smtp_timeout=2, database_url=None):
    nodes = nodes_fixture.DummyNodes(str(tmp_path / 'nodes'))
    nodes.add('node-1', 'owner-project')
    conf = server_fixture.write_config(
        str(tmp_path / 'esi-leap.conf'),
        database_url or 'sqlite:///%s' % (tmp_path / 'esi-leap.sqlite'),
        nodes.directory, port, extra={
            'manager': {'sweep_interval': str(sweep)},
            'email': {
                'enabled': 'true', 'smtp_host': '127.0.0.1',
                'smtp_port': str(smtp.port),
                'smtp_timeout': str(smtp_timeout),
                'sender': 'esi-leap@example.org',
                'ending_lead_time': str(lead),
                'retry_initial_delay': '0.5', 'retry_max_delay': '2',
                'notify_owner': str(notify_owner).lower(),
                'project_addresses': 'lessee:%s,owner-project:%s'
                                     % (LESSEE, OWNER)}})
    return conf


def _lease(url, start, end):
    made = requests.post(url + '/v1/leases', headers=ADMIN, json={
        'resource_uuid': 'node-1', 'project_id': 'lessee',
        'start_time': clock.iso(start), 'end_time': clock.iso(end)})
    assert made.status_code == 201, made.text
    return made.json()['uuid']


def _wait_status(url, lease_uuid, wanted, timeout=30):
    status = polling.until_equal(
        lambda: requests.get('%s/v1/leases/%s' % (url, lease_uuid),
                             headers=ADMIN).json()['status'],
        wanted, timeout, interval=0.05)
    if status == wanted:
        return clock.utcnow()
    raise AssertionError('lease %s is %s, not %s' % (lease_uuid, status,
                                                     wanted))


def _sleep_until(moment):
    left = (moment - clock.utcnow()).total_seconds()
    if left > 0:
        time.sleep(left)


def test_embedded_all_outage_ending_extension_and_restart(tmp_path):
    smtp = smtp_fixture.SMTPServer()  # not started: the server is down
    port = server_fixture.free_port()
    conf = _config(tmp_path, smtp, port, lead=3, notify_owner=True)
    server = server_fixture.Server(conf, port, program='esi-leap-all')
    server.dbsync()
    server.start()
    try:
        start = clock.utcnow() + datetime.timedelta(seconds=1)
        end = start + datetime.timedelta(seconds=7)
        lease_uuid = _lease(server.url, start, end)
        # The lease starts on time with no SMTP server to be found.
        _wait_status(server.url, lease_uuid, 'active')
        time.sleep(1)  # at least one failed attempt
        assert smtp.messages == []
        smtp.start()
        [started] = smtp.wait_for(1)
        assert started.rcpt_tos == [LESSEE, OWNER]
        assert 'has started' in started.subject
        assert lease_uuid in started.body
        # lead time (3 s) before the end: the "about to end" notice.
        ending = smtp.wait_for(2)[1]
        assert clock.iso(end)[:19] in ending.subject
        assert clock.utcnow() < end
        # Moving the end later sends it again, before the new end.
        new_end = end + datetime.timedelta(seconds=4)
        moved = requests.patch('%s/v1/leases/%s' % (server.url, lease_uuid),
                               headers=ADMIN,
                               json={'end_time': clock.iso(new_end)})
        assert moved.status_code == 200, moved.text
        again = smtp.wait_for(3)[2]
        assert clock.iso(new_end)[:19] in again.subject
        assert clock.utcnow() < new_end
    finally:
        server.stop()
    # The manager was stopped, not killed with the process: a run in
    # progress at the stop left no node claimed for the restart to wait
    # out ([manager] claim_ttl).
    with open(server.log_path) as log:
        assert 'esi-leap manager stopped' in log.read()
    # Restarted: nothing is sent again, before or after the lease ends.
    server.start()
    try:
        _wait_status(server.url, lease_uuid, 'expired')
        time.sleep(1.5)
    finally:
        server.stop()
        smtp.stop()
    assert len(smtp.messages) == 3, [m.subject for m in smtp.messages]


@pytest.fixture(params=databases.selected_backends())
def database_url(request, tmp_path):
    database = databases.ThrowawayDatabase(request.param,
                                           str(tmp_path)).create()
    yield database.url
    database.drop()


def test_two_manager_processes_send_each_notice_once(tmp_path,
                                                     database_url):
    smtp = smtp_fixture.SMTPServer().start()
    port = server_fixture.free_port()
    # A one-second sweep: fake:// carries no wake-up between processes.
    conf = _config(tmp_path, smtp, port, lead=2, sweep=1,
                   database_url=database_url)
    api = server_fixture.Server(conf, port,
                                log_path=str(tmp_path / 'api.log'))
    api.dbsync()
    managers = [server_fixture.Server(
        conf, None, program='esi-leap-manager',
        log_path=str(tmp_path / ('manager-%d.log' % i))) for i in range(2)]
    try:
        with futures.ThreadPoolExecutor(3) as pool:
            for started in [pool.submit(p.start) for p in [api] + managers]:
                started.result()
        start = clock.utcnow() + datetime.timedelta(seconds=1)
        end = start + datetime.timedelta(seconds=3)
        lease_uuid = _lease(api.url, start, end)
        _wait_status(api.url, lease_uuid, 'expired')
        time.sleep(1.5)  # both managers have looked again since
    finally:
        with futures.ThreadPoolExecutor(3) as pool:
            list(pool.map(lambda p: p.stop(), managers + [api]))
        smtp.stop()
    subjects = sorted(m.subject for m in smtp.messages)
    assert len(subjects) == 2, subjects
    assert 'ends at' in subjects[0] and 'has started' in subjects[1]
    assert all(m.rcpt_tos == [LESSEE] for m in smtp.messages)


def test_a_hanging_smtp_server_never_delays_a_lease(tmp_path):
    # A "server" that accepts connections and never says a word: each
    # attempt waits the whole smtp_timeout (60 s), longer than the lease.
    with socket.socket() as hole:
        hole.bind(('127.0.0.1', 0))
        hole.listen(16)
        smtp = smtp_fixture.SMTPServer(port=hole.getsockname()[1])
        port = server_fixture.free_port()
        conf = _config(tmp_path, smtp, port, lead=1, sweep=1,
                       smtp_timeout=60)
        api = server_fixture.Server(conf, port,
                                    log_path=str(tmp_path / 'api.log'))
        api.dbsync()
        manager = server_fixture.Server(
            conf, None, program='esi-leap-manager',
            log_path=str(tmp_path / 'manager.log'))
        try:
            with futures.ThreadPoolExecutor(2) as pool:
                list(pool.map(lambda p: p.start(), [api, manager]))
            start = clock.utcnow() + datetime.timedelta(seconds=1)
            lease_uuid = _lease(api.url, start,
                                start + datetime.timedelta(seconds=3))
            _wait_status(api.url, lease_uuid, 'active')
            # Expired while the first attempt is still waiting for SMTP.
            _wait_status(api.url, lease_uuid, 'expired', timeout=20)
        finally:
            manager.stop()
            api.stop()
    # SIGTERM was enough (Server.stop() falls back to SIGKILL after 20 s):
    # the manager's shutdown did not wait for the hanging attempt either.
    assert manager.process.returncode != -signal.SIGKILL
    with open(str(tmp_path / 'manager.log')) as log:
        assert 'esi-leap manager stopped' in log.read()
    # The attempt was claimed (and counted) and never finished.
    engine = sa.create_engine('sqlite:///%s' % (tmp_path / 'esi-leap.sqlite'))
    with engine.connect() as connection:
        rows = connection.execute(sa.text(
            'SELECT kind, status, attempts, last_error FROM lease_notices '
            'WHERE lease_uuid = :u'), {'u': lease_uuid}).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [('started', 'pending', 1, None)]
