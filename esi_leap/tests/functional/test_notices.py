"""Lease e-mail notices: the manager's scheduler and notifier, on a real
database (SQLite, MariaDB, PostgreSQL), sending to a real SMTP server on
127.0.0.1 (aiosmtpd in its own thread)."""
import datetime
import threading

import pytest

from esi_leap.common import statuses
from esi_leap.db import api as db_api
from esi_leap.manager import batches
from esi_leap.manager import email_notices
from esi_leap.manager import scheduler as scheduler_mod
from esi_leap.objects import access
from esi_leap.objects import extension
from esi_leap.objects import leases as leases_obj
from esi_leap import resource_types
from esi_leap.tests.fixtures import smtp as smtp_fixture
from esi_leap.tests.functional import helpers

T0 = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
LESSEE = 'lessee@example.org'
OWNER = 'owner@example.org'
# End times are changed as an admin would (no bounds but the bookings').
ADMIN_RIGHTS = extension.Rights(admin=True)


def at(hours):
    return T0 + datetime.timedelta(hours=hours)


@pytest.fixture(scope='module')
def smtp_server():
    server = smtp_fixture.SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server):
    """The SMTP server, emptied and accepting everything."""
    with smtp_server.lock:
        smtp_server.messages.clear()
    smtp_server.refuse.clear()
    smtp_server.defer = False
    if smtp_server._controller is None:
        smtp_server.start()
    return smtp_server


@pytest.fixture
def mail_config(config, smtp, database, nodes):
    config(transport_url='fake://')
    config(group='email', enabled=True, smtp_host='127.0.0.1',
           smtp_port=smtp.port, smtp_timeout=5.0,
           sender='esi-leap@example.org', ending_lead_time=3600,
           retry_initial_delay=60.0, retry_max_delay=600.0, max_attempts=3,
           project_addresses={'lessee-project': LESSEE,
                              'owner-project': OWNER})
    nodes.add('node-1', 'owner-project')
    return config


@pytest.fixture
def owner_ctx():
    return access.Access(project_id='owner-project')


@pytest.fixture
def manager(mail_config):
    """A scheduler and a notifier, run step by step at chosen instants."""
    sched = scheduler_mod.Scheduler(name='test-manager')
    yield sched, email_notices.Notifier()
    sched.stop()


def make_lease(ctx, start, end, **kwargs):
    info = resource_types.get('dummy_node').get('node-1')
    return leases_obj.create(ctx, 'dummy_node', info, 'lessee-project',
                             start=at(start), end=at(end), **kwargs)


def notice(lease_uuid, kind):
    return db_api.notices_of(lease_uuid).get(kind)


def step(manager, hours):
    sched, notifier = manager
    sched.run_once(now=at(hours))
    return notifier.run_once(now=at(hours))


def test_started_notice_reaches_the_lessee_once(owner_ctx, manager, smtp):
    lease = make_lease(owner_ctx, 1, 10, name='my-lease',
                       purpose='experiment 7')
    step(manager, 0.5)
    assert notice(lease.uuid, 'started') is None
    assert step(manager, 1) == 1
    assert db_api.lease_get(lease.uuid).status == 'active'
    [msg] = smtp.messages
    assert msg.rcpt_tos == [LESSEE]
    assert msg.mail_from == 'esi-leap@example.org'
    assert lease.uuid in msg.subject and 'node-1' in msg.subject
    assert 'started' in msg.subject
    for text in ('my-lease', 'experiment 7', 'lessee-project',
                 '2030-01-01T01:00:00+00:00', '2030-01-01T10:00:00+00:00'):
        assert text in msg.body
    row = notice(lease.uuid, 'started')
    assert (row.status, row.attempts, row.recipients) == ('sent', 1, LESSEE)
    # A later run, and a restarted manager (a new notifier), send nothing.
    step(manager, 2)
    email_notices.Notifier().run_once(now=at(2))
    assert len(smtp.messages) == 1


def test_owner_is_told_too_with_notify_owner(owner_ctx, manager, smtp,
                                             mail_config):
    mail_config(group='email', notify_owner=True)
    make_lease(owner_ctx, 1, 10)
    step(manager, 1)
    [msg] = smtp.messages
    assert msg.rcpt_tos == [LESSEE, OWNER]
    assert msg.parsed['To'] == '%s, %s' % (LESSEE, OWNER)


def test_ending_notice_lead_time_before_the_end(owner_ctx, manager, smtp):
    lease = make_lease(owner_ctx, 1, 5)
    step(manager, 1)
    assert email_notices.next_due(at(1)) == at(4)
    step(manager, 3.9)
    assert notice(lease.uuid, 'ending') is None
    assert len(smtp.messages) == 1
    step(manager, 4)
    ending = smtp.to(LESSEE)[1]
    assert 'ends at 2030-01-01T05:00:00+00:00' in ending.subject
    assert notice(lease.uuid, 'ending').status == 'sent'
    step(manager, 4.5)
    assert len(smtp.messages) == 2
    assert email_notices.next_due(at(4.5)) is None


def test_extending_a_lease_re_arms_its_ending_notice(owner_ctx, manager,
                                                     smtp):
    lease = make_lease(owner_ctx, 1, 5)
    step(manager, 1)
    step(manager, 4.2)
    assert len(smtp.messages) == 2
    extension.change_end_time(None, db_api.lease_get(lease.uuid), at(8),
                              ADMIN_RIGHTS)
    assert notice(lease.uuid, 'ending') is None
    assert email_notices.next_due(at(4.2)) == at(7)
    step(manager, 6.5)
    assert len(smtp.messages) == 2
    step(manager, 7)
    assert len(smtp.messages) == 3
    assert '2030-01-01T08:00:00+00:00' in smtp.messages[2].subject
    # Extended while already inside the lead time: sent again at once.
    extension.change_end_time(None, db_api.lease_get(lease.uuid), at(7.5),
                              ADMIN_RIGHTS)
    step(manager, 7.1)
    assert len(smtp.messages) == 4
    assert '2030-01-01T07:30:00+00:00' in smtp.messages[3].subject


def test_smtp_outage_retries_with_backoff_and_never_delays_the_lease(
        owner_ctx, manager, smtp):
    lease = make_lease(owner_ctx, 1, 10)
    smtp.stop()
    step(manager, 1)
    assert db_api.lease_get(lease.uuid).status == 'active'
    row = notice(lease.uuid, 'started')
    assert (row.status, row.attempts) == ('pending', 1)
    assert row.next_attempt_at == at(1) + datetime.timedelta(seconds=60)
    assert 'cannot send through 127.0.0.1' in row.last_error
    # Not due again before its retry time.
    step(manager, 1.01)
    assert notice(lease.uuid, 'started').attempts == 1
    step(manager, 1 + 61 / 3600.0)
    row = notice(lease.uuid, 'started')
    assert row.attempts == 2
    # The second retry waits twice as long.
    assert row.next_attempt_at == at(1 + 61 / 3600.0) + \
        datetime.timedelta(seconds=120)
    smtp.start()
    step(manager, 1.1)
    assert [m.rcpt_tos for m in smtp.messages] == [[LESSEE]]
    row = notice(lease.uuid, 'started')
    assert (row.status, row.attempts) == ('sent', 3)


def test_a_notice_fails_after_max_attempts(owner_ctx, manager, smtp):
    lease = make_lease(owner_ctx, 1, 10)
    smtp.defer = True  # 451 for every message
    for hours in (1, 1.1, 1.2, 1.3):
        step(manager, hours)
    row = notice(lease.uuid, 'started')
    assert (row.status, row.attempts) == ('failed', 3)
    assert 'gave up after 3 attempts' in row.last_error
    assert '451' in row.last_error
    smtp.defer = False
    step(manager, 2)
    assert smtp.messages == []


def test_refused_recipient_fails_at_once_and_is_not_retried(
        owner_ctx, manager, smtp):
    smtp.refuse.add(LESSEE)
    lease = make_lease(owner_ctx, 1, 10)
    step(manager, 1)
    row = notice(lease.uuid, 'started')
    assert (row.status, row.attempts) == ('failed', 1)
    assert '550' in row.last_error and LESSEE in row.last_error
    assert email_notices.next_due(at(1)) == at(9)  # only the ending notice
    step(manager, 2)
    assert notice(lease.uuid, 'started').attempts == 1
    assert smtp.messages == []


def test_one_refused_recipient_does_not_stop_the_others(
        owner_ctx, manager, smtp, mail_config):
    mail_config(group='email', notify_owner=True)
    smtp.refuse.add(OWNER)
    lease = make_lease(owner_ctx, 1, 10)
    step(manager, 1)
    [msg] = smtp.messages
    assert msg.rcpt_tos == [LESSEE]
    row = notice(lease.uuid, 'started')
    assert row.status == 'sent'
    assert OWNER in row.last_error and '550' in row.last_error


def test_no_address_is_a_failure_not_a_retry(owner_ctx, manager, smtp,
                                             mail_config):
    mail_config(group='email', project_addresses={'other': 'x@example.org'})
    lease = make_lease(owner_ctx, 1, 10)
    step(manager, 1)
    row = notice(lease.uuid, 'started')
    assert row.status == 'failed'
    assert row.last_error == 'no e-mail address for project(s) ' \
        'lessee-project'
    assert smtp.messages == []


def test_disabled_decides_nothing(owner_ctx, manager, smtp, mail_config):
    mail_config(group='email', enabled=False)
    lease = make_lease(owner_ctx, 1, 2)
    sched, _ = manager
    sched.run_once(now=at(1))
    assert db_api.lease_get(lease.uuid).status == 'active'
    assert db_api.notices_of(lease.uuid) == {}


def test_a_notice_of_a_lease_that_ended_is_dropped(owner_ctx, manager,
                                                   smtp):
    lease = make_lease(owner_ctx, 1, 2)
    smtp.stop()
    step(manager, 1.5)  # started, notice attempt fails
    smtp.start()
    step(manager, 2.5)  # lease expired, retry due
    assert db_api.lease_get(lease.uuid).status == 'expired'
    row = notice(lease.uuid, 'started')
    assert row.status == 'failed' and 'ended (expired)' in row.last_error
    assert smtp.messages == []


def test_bad_templates_fall_back_to_the_default(owner_ctx, manager, smtp,
                                                mail_config):
    mail_config(group='email', started_subject='Lease {nope}',
                started_body='Hello {name}, {uuid.__class__} costs {')
    templates = email_notices.load_templates()
    lease = make_lease(owner_ctx, 1, 10, name='n1')
    subject, body = email_notices.render(
        'started', db_api.lease_get(lease.uuid), templates)
    assert subject == 'Lease %s on node-1 has started' % lease.uuid
    assert body.startswith('Your lease %s (n1)' % lease.uuid)


def test_templates_take_the_fixed_fields_and_nothing_else(
        owner_ctx, manager, smtp, mail_config):
    mail_config(group='email',
                started_subject='[{project}] {name}\r\nBcc: evil@example.org',
                started_body='{uuid} {owner} {resource_type} {resource} '
                             '{start_time} {end_time} {purpose} {{}} $5')
    lease = make_lease(owner_ctx, 1, 10, name='n1', purpose='p')
    sched, _ = manager
    sched.run_once(now=at(1))
    email_notices.Notifier().run_once(now=at(1))
    [msg] = smtp.messages
    assert msg.subject == '[lessee-project] n1 Bcc: evil@example.org'
    assert msg.parsed['Bcc'] is None
    assert msg.body.strip() == (
        '%s owner-project dummy_node node-1 2030-01-01T01:00:00+00:00 '
        '2030-01-01T10:00:00+00:00 p {} $5' % lease.uuid)


def _run_together(managers, instants):
    """Run the managers' steps in threads, side by side at each instant."""
    return helpers.together(managers, instants, step)


def test_two_managers_send_one_message_per_notice(owner_ctx, mail_config,
                                                  smtp, nodes):
    made = []
    for i in range(1, 6):
        nodes.add('node-%d' % i, 'owner-project')
        info = resource_types.get('dummy_node').get('node-%d' % i)
        made.append(leases_obj.create(owner_ctx, 'dummy_node', info,
                                      'lessee-project', start=at(1),
                                      end=at(1.5)))
    managers = [(scheduler_mod.Scheduler(name='manager-%d' % i),
                 email_notices.Notifier()) for i in range(2)]
    try:
        assert _run_together(managers, (1, 1.0001)) == []
    finally:
        for sched, _ in managers:
            sched.stop()
    # Each lease: one started and one ending notice (it is within the
    # hour's lead time from the start), each sent once.
    assert len(smtp.messages) == 10, [m.subject for m in smtp.messages]
    for lease in made:
        rows = db_api.notices_of(lease.uuid)
        assert {k: (r.status, r.attempts) for k, r in rows.items()} == {
            'started': ('sent', 1), 'ending': ('sent', 1)}


def active_leases(ctx, nodes, ends):
    """Active leases from 0.5 to each end of ``ends``, one per node."""
    made = []
    for i, end in enumerate(ends, 1):
        nodes.add('node-%d' % i, 'owner-project')
        info = resource_types.get('dummy_node').get('node-%d' % i)
        lease = leases_obj.create(ctx, 'dummy_node', info, 'lessee-project',
                                  start=at(0.5), end=at(end))
        helpers.set_lease_status(lease.uuid, statuses.ACTIVE)
        made.append(lease)
    return made


def test_ending_notices_of_many_nodes_are_decided_in_few_transactions(
        owner_ctx, mail_config, nodes, monkeypatch):
    monkeypatch.setattr(batches, 'MAX_NODES', 3)
    *ending, later = active_leases(owner_ctx, nodes, [1.5] * 7 + [5])
    with helpers.lock_statements() as locks:
        assert email_notices.arm_ending(at(1)) == 7
    # 3 + 3 + 1 nodes: one transaction per batch, not one per lease.
    assert len(locks) == 3
    for lease in ending:
        assert set(db_api.notices_of(lease.uuid)) == {'ending'}
        assert notice(lease.uuid, 'ending').next_attempt_at == at(1)
    assert notice(later.uuid, 'ending') is None
    with helpers.lock_statements() as locks:
        assert email_notices.arm_ending(at(1.2)) == 0
    assert locks == []


def test_managers_arming_at_once_arm_each_notice_once(
        owner_ctx, mail_config, nodes, monkeypatch):
    monkeypatch.setattr(batches, 'MAX_NODES', 2)
    made = active_leases(owner_ctx, nodes, [1.5] * 6)
    barrier = threading.Barrier(3)
    armed, errors = [], []

    def run():
        try:
            barrier.wait(30)
            armed.append(email_notices.arm_ending(at(1)))
        except Exception as e:  # reported below
            errors.append(e)
    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == [] and len(armed) == 3
    assert sum(armed) == 6
    for lease in made:
        assert set(db_api.notices_of(lease.uuid)) == {'ending'}


def test_a_lease_changed_after_the_listing_is_decided_afresh(
        owner_ctx, mail_config, nodes, monkeypatch):
    extended, cancelling, armed, plain = active_leases(owner_ctx, nodes,
                                                       [1.5] * 4)
    listing = db_api.leases_to_warn

    def changing_meanwhile(now, horizon, limit=500):
        found = listing(now, horizon, limit)
        extension.change_end_time(None, db_api.lease_get(extended.uuid),
                                  at(5), ADMIN_RIGHTS)
        helpers.set_lease_status(cancelling.uuid, statuses.WAIT_CANCEL)
        decide([armed.uuid], 'ending', at(0.9))
        return found
    monkeypatch.setattr(db_api, 'leases_to_warn', changing_meanwhile)
    assert email_notices.arm_ending(at(1)) == 1
    assert notice(extended.uuid, 'ending') is None
    assert notice(cancelling.uuid, 'ending') is None
    assert notice(armed.uuid, 'ending').next_attempt_at == at(0.9)
    assert notice(plain.uuid, 'ending').next_attempt_at == at(1)


def decide(lease_uuids, kind, due):
    """Decide notices in a transaction of their own; return how many."""
    return db_api.run_bookings(
        [('dummy_node', 'node-1')],
        lambda txn: txn.add_notices(lease_uuids, kind, due))


def test_a_notice_is_decided_once_per_lease_and_kind(mail_config):
    def body(txn):
        return [txn.add_notices(['lease-1'], 'started', at(1)),
                txn.add_notices(['lease-1', 'lease-2'], 'started', at(2)),
                txn.add_notices(['lease-1', 'lease-1'], 'ending', at(2)),
                txn.add_notices([], 'ending', at(2))]
    assert db_api.run_bookings([('dummy_node', 'node-1')], body) == \
        [1, 1, 1, 0]
    assert decide(['lease-2', 'lease-3'], 'started', at(3)) == 1
    rows = db_api.notices_of('lease-1')
    assert rows['started'].next_attempt_at == at(1)
    assert set(rows) == {'started', 'ending'}
    assert db_api.notices_of('lease-2')['started'].next_attempt_at == at(2)


def test_claim_is_exclusive(mail_config):
    decide(['lease-1'], 'started', at(1))
    row = db_api.notices_of('lease-1')['started']
    until = at(1.5)
    assert db_api.claim_notice(row.id, at(1), until)
    assert not db_api.claim_notice(row.id, at(1), until)
    assert not db_api.finish_notice(row.id, at(1.4), status='sent')
    assert db_api.finish_notice(row.id, until, status='sent')
    assert db_api.notices_of('lease-1')['started'].status == \
        statuses.NOTICE_SENT


@pytest.fixture(scope='module')
def certificate(tmp_path_factory):
    return smtp_fixture.make_certificate(str(tmp_path_factory.mktemp('tls')))


@pytest.fixture
def tls_server(certificate, mail_config):
    """Start a TLS SMTP server requiring a login; point [email] at it."""
    servers = []

    def start(security, verify=True, password='secret'):
        cert, key = certificate
        server = smtp_fixture.SMTPServer(security=security, cert=cert,
                                         key=key, login=('mailer', 'secret'))
        servers.append(server.start())
        mail_config(group='email', smtp_port=server.port,
                    smtp_security=security, smtp_user='mailer',
                    smtp_password=password,
                    smtp_ca_file=cert if verify else None)
        return server
    yield start
    for server in servers:
        server.stop()


@pytest.mark.parametrize('security', ['starttls', 'ssl'])
def test_tls_and_login(owner_ctx, manager, tls_server, security):
    server = tls_server(security)
    lease = make_lease(owner_ctx, 1, 10)
    step(manager, 1)
    [msg] = server.messages
    assert msg.rcpt_tos == [LESSEE]
    assert [ok for _, login, ok in server.authenticator.logins] == [True]
    assert notice(lease.uuid, 'started').status == 'sent'


@pytest.mark.parametrize('security', ['starttls', 'ssl'])
def test_an_unverified_certificate_is_never_used(owner_ctx, manager,
                                                 tls_server, security):
    server = tls_server(security, verify=False)
    lease = make_lease(owner_ctx, 1, 10)
    step(manager, 1)
    row = notice(lease.uuid, 'started')
    assert (row.status, row.attempts) == ('pending', 1)
    assert 'CERTIFICATE_VERIFY_FAILED' in row.last_error
    assert server.messages == [] and server.authenticator.logins == []


def test_a_wrong_password_is_retried_not_sent(owner_ctx, manager,
                                              tls_server, mail_config):
    server = tls_server('starttls', password='wrong')
    # smtplib tries the next mechanism after a refusal, which this server
    # leaves unanswered: a short timeout ends the attempt.
    mail_config(group='email', smtp_timeout=1.0)
    lease = make_lease(owner_ctx, 1, 10)
    step(manager, 1)
    row = notice(lease.uuid, 'started')
    assert (row.status, row.attempts) == ('pending', 1)
    assert server.authenticator.logins[0][1:] == (b'mailer', False)
    assert server.messages == []


def test_starttls_is_never_skipped(owner_ctx, manager, smtp, mail_config,
                                   certificate):
    # The plain server offers no STARTTLS: nothing goes out in clear.
    mail_config(group='email', smtp_security='starttls',
                smtp_ca_file=certificate[0])
    lease = make_lease(owner_ctx, 1, 10)
    step(manager, 1)
    row = notice(lease.uuid, 'started')
    assert (row.status, row.attempts) == ('pending', 1)
    assert 'STARTTLS' in row.last_error
    assert smtp.messages == []


def test_an_unexpected_error_counts_as_an_attempt(owner_ctx, manager, smtp,
                                                  mail_config):
    lease = make_lease(owner_ctx, 1, 10)
    step(manager, 1)  # sent; now make a notice whose lease row is odd
    decide([lease.uuid], 'bogus-kind', at(1))
    for hours in (1.1, 1.2, 1.3):
        step(manager, hours)
    row = notice(lease.uuid, 'bogus-kind')
    assert (row.status, row.attempts) == ('failed', 3)
    assert 'internal error (KeyError)' in row.last_error
    assert len(smtp.messages) == 1


def test_lease_text_reaches_the_message_inert(owner_ctx, manager, smtp):
    make_lease(owner_ctx, 1, 10, name='report\u202etxt.exe\x1b[2J',
               purpose='line one\nFAKE: your lease was cancelled'
               '\x1b]0;title\x07\u2066 \x9b31m')
    step(manager, 1)
    [msg] = smtp.messages
    for bad in ('\u202e', '\u2066', '\x1b', '\x07', '\x9b', '\nFAKE'):
        assert bad not in msg.body and bad not in msg.subject
    assert 'report\\u202etxt.exe' in msg.body
    assert 'line one\\x0aFAKE: your lease was cancelled\\u2066 ' in msg.body


def test_project_ids_in_notice_log_lines_are_escaped(owner_ctx, manager,
                                                     smtp, caplog):
    caplog.set_level('INFO')
    info = resource_types.get('dummy_node').get('node-1')
    # A row written before project ids were checked on input.
    lease = leases_obj.create(owner_ctx, 'dummy_node', info,
                              'ghost\nFORGED manager line', start=at(1),
                              end=at(10))
    step(manager, 1)
    row = notice(lease.uuid, 'started')
    assert row.status == 'failed'
    assert "'ghost\\nFORGED manager line'" in row.last_error
    assert "'ghost\\nFORGED manager line'" in caplog.text
    assert not [line for line in caplog.text.splitlines()
                if line.startswith('FORGED')]
