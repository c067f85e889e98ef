"""Lease e-mail notices: deciding that one is due, and sending it.

A "started" notice is decided in the transaction that makes a lease
active (see recording); an "ending" notice in a transaction holding the
lock of the lease's resource once the lease is within ``[email]
ending_lead_time`` of its end. Either way the decision is a row in
``lease_notices`` whose unique (lease, kind) constraint makes it once
only, whatever the number of managers or restarts. The Notifier thread
sends due rows afterwards, on its own, so a slow or absent SMTP server
never holds up a lease.
"""
import datetime
import functools
import re
import string

from oslo_config import cfg
from oslo_log import log

from esi_leap.common import backoff
from esi_leap.common import exception
from esi_leap.common import mail
from esi_leap.common import projects
from esi_leap.common import safetext
from esi_leap.common import statuses
from esi_leap.common import timeutils
from esi_leap.conf import email as email_conf
from esi_leap.db import api as db_api
from esi_leap.manager import batches
from esi_leap.manager import loop

CONF = cfg.CONF
LOG = log.getLogger(__name__)

# Option names and defaults of each kind's (subject, body) templates.
_TEMPLATES = {
    statuses.NOTICE_STARTED: (
        ('started_subject', email_conf.DEFAULT_STARTED_SUBJECT),
        ('started_body', email_conf.DEFAULT_STARTED_BODY)),
    statuses.NOTICE_ENDING: (
        ('ending_subject', email_conf.DEFAULT_ENDING_SUBJECT),
        ('ending_body', email_conf.DEFAULT_ENDING_BODY)),
    statuses.NOTICE_QUARANTINE: (
        ('quarantine_subject', email_conf.DEFAULT_QUARANTINE_SUBJECT),
        ('quarantine_body', email_conf.DEFAULT_QUARANTINE_BODY)),
}
_ADDRESS = re.compile(r'^[^@\s]{1,64}@[^@\s]{1,253}$')


_FORMATTER = string.Formatter()


def _template_problem(text):
    """Why ``text`` is not a usable template, or None if it is."""
    try:
        parsed = list(_FORMATTER.parse(text))
    except ValueError as e:
        return str(e)
    for _, field, spec, conversion in parsed:
        if field is None:
            continue
        if field not in email_conf.TEMPLATE_FIELDS:
            return 'unknown field {%s}' % field
        if spec or conversion:
            return 'field {%s} has a conversion or format spec' % field
    return None


def _template(option, default):
    text = getattr(CONF.email, option)
    problem = _template_problem(text)
    if problem is None:
        return text
    LOG.error('[email] %s is not a valid template (%s); using the default '
              'one. Fields: %s', option, problem,
              ', '.join(email_conf.TEMPLATE_FIELDS))
    return default


def load_templates():
    """Return {kind: (subject, body)} templates from [email].

    A template with a syntax error or an unknown field is logged and
    replaced by the default, so a typo never stops the manager.
    """
    return {kind: tuple(_template(option, default)
                        for option, default in pair)
            for kind, pair in _TEMPLATES.items()}


def _utc(value):
    return value.astimezone(datetime.timezone.utc).isoformat() \
        if value is not None else ''


def fields(lease):
    """Return the template fields of ``lease``, every one a string.

    Client text (name, purpose, project ids) is made inert: no terminal
    escapes, control characters, bidi controls or line breaks reach the
    message as such (see safetext.inert()).
    """
    return {'uuid': lease.uuid, 'name': safetext.inert(lease.name or ''),
            'project': safetext.inert(lease.project_id),
            'owner': safetext.inert(lease.owner_id),
            'resource': lease.resource_uuid,
            'resource_type': lease.resource_type,
            'start_time': _utc(lease.start_time),
            'end_time': _utc(lease.end_time),
            'purpose': safetext.inert(lease.purpose or '')}


def _fill(template, default, values):
    try:
        return template.format(**values)
    except (ValueError, KeyError, IndexError, AttributeError):
        # Only a template that skipped load_templates() gets here.
        return default.format(**values)


def render(kind, lease, templates):
    """Return (subject, body) of the ``kind`` notice of ``lease``.

    Never raises: templates come checked from load_templates(), and one
    that fails anyway is replaced by the default.
    """
    values = fields(lease)
    return tuple(_fill(template, default, values)
                 for template, (_, default)
                 in zip(templates[kind], _TEMPLATES[kind]))


def _lead():
    return datetime.timedelta(seconds=CONF.email.ending_lead_time)


def _arm_ending_in(txn, lease_uuids, now, horizon):
    """Arm the ending notices of a batch of leases; return how many.

    Each lease is re-read under its node's lock and armed only if it is
    still active and ends in (now, horizon]; one already armed is left
    alone by the insert itself.
    """
    due = [lease.uuid for lease in txn.leases(lease_uuids).values()
           if lease.status == statuses.ACTIVE and
           now < lease.end_time <= horizon]
    return txn.add_notices(due, statuses.NOTICE_ENDING, now)


def arm_ending(now):
    """Decide the ending notices due by ``now``; return how many.

    The leases of up to batches.MAX_NODES nodes are decided in one
    transaction, each re-read under its node's lock, the lock an end-time
    change takes too, so a lease extended meanwhile is not warned about
    its old end. A lease's ending notice is decided once only, by however
    many managers.
    """
    horizon = now + _lead()
    armed = 0
    for pairs, leases in batches.by_node(
            db_api.leases_to_warn(now, horizon)):
        armed += db_api.run_bookings(pairs, functools.partial(
            _arm_ending_in, lease_uuids=[lease.uuid for lease in leases],
            now=now, horizon=horizon))
    return armed


def next_due(now):
    """The next instant after ``now`` when a notice is due, or None."""
    instants = [db_api.next_notice_attempt(now)]
    end = db_api.next_warning_end(now + _lead())
    if end is not None:
        instants.append(end - _lead())
    instants = [i for i in instants if i is not None]
    return min(instants) if instants else None


def _valid(address):
    return isinstance(address, str) and len(address) <= 254 and \
        _ADDRESS.match(address) is not None


def recipients(lease, kind=None):
    """Return (addresses, projects without one) for a lease's notice.

    The lessee, and the owner with ``[email] notify_owner``; a quarantine
    notice goes to the owner only. An address in ``[email]
    project_addresses`` wins over Keystone's. Raises BackendUnavailable
    when Keystone must be asked and cannot answer.
    """
    if kind == statuses.NOTICE_QUARANTINE:
        wanted = [lease.owner_id]
    else:
        wanted = [lease.project_id]
    if CONF.email.notify_owner and lease.owner_id not in wanted:
        wanted.append(lease.owner_id)
    configured = CONF.email.project_addresses or {}
    lookup = [pid for pid in wanted if pid not in configured]
    found = projects.get_directory().emails(lookup) if lookup else {}
    found.update({pid: configured[pid] for pid in wanted
                  if pid in configured})
    addresses, missing = [], []
    for pid in wanted:
        address = found.get(pid)
        if _valid(address):
            if address not in addresses:
                addresses.append(address)
        else:
            missing.append(pid)
    return addresses, missing


def _loggable(reason):
    """A failure reason as one log line (see exception.shown()).

    NOTE(esi-leap): the project ids in it are escaped already; this
    escapes what else may hold anything (an SMTP server's reply, which
    may quote an address) without cutting a long reason short.
    """
    return exception.shown(reason, limit=None)


def _failed(notice, reason):
    LOG.error('Lease %s: %s notice not sent: %s', notice.lease_uuid,
              notice.kind, _loggable(reason))
    return dict(status=statuses.NOTICE_FAILED, last_error=reason,
                next_attempt_at=None)


def _retry(notice, reason, now):
    attempts = notice.attempts + 1
    if attempts >= CONF.email.max_attempts:
        return _failed(notice, 'gave up after %d attempts: %s'
                       % (attempts, reason))
    retry_at = now + backoff.delay(attempts, CONF.email.retry_initial_delay,
                                   CONF.email.retry_max_delay)
    LOG.warning('Lease %s: %s notice, attempt %d failed (%s); retrying at '
                '%s', notice.lease_uuid, notice.kind, attempts,
                _loggable(reason), timeutils.isoformat(retry_at))
    return dict(last_error=reason, next_attempt_at=retry_at)


def _projects(ids):
    """Project ids as they may appear in a log line (escaped)."""
    return ', '.join(exception.shown(pid) for pid in ids)


def _sent(notice, addresses, refused, missing):
    problems = ['refused: %s' % ', '.join(
        '%s (%s)' % (exception.shown(address), exception.shown(reply))
        for address, reply in refused.items())] if refused else []
    if missing:
        problems.append('no e-mail address for project(s) %s'
                        % _projects(missing))
    if problems:
        LOG.warning('Lease %s: %s notice sent, but %s', notice.lease_uuid,
                    notice.kind, _loggable('; '.join(problems)))
    LOG.info('Lease %s: %s notice sent to %d recipient(s)',
             notice.lease_uuid, notice.kind, len(addresses) - len(refused))
    return dict(status=statuses.NOTICE_SENT, next_attempt_at=None,
                sent_at=timeutils.utcnow(), recipients=', '.join(addresses),
                last_error='; '.join(problems) or None)


def _over(notice, lease, now):
    if lease is None:
        return 'the lease no longer exists'
    if lease.status in statuses.NOTICE_LEASE_OVER or lease.end_time <= now:
        return 'the lease ended (%s) before the notice went out' % (
            lease.status)
    return None


def attempt(notice, now, templates):
    """Try to send one claimed notice; return the row's new values."""
    lease = db_api.lease_get(notice.lease_uuid)
    reason = _over(notice, lease, now)
    if reason is not None:
        return _failed(notice, reason)
    try:
        addresses, missing = recipients(lease, notice.kind)
        if not addresses:
            return _failed(notice, 'no e-mail address for project(s) %s'
                           % _projects(missing))
        subject, body = render(notice.kind, lease, templates)
        refused = mail.send(mail.make_message(subject, body, addresses),
                            addresses)
    except mail.PermanentFailure as e:
        return _failed(notice, str(e))
    except (mail.TemporaryFailure, exception.EsiLeapException) as e:
        return _retry(notice, str(e), now)
    return _sent(notice, addresses, refused, missing)


def _claim_period():
    # Connect, EHLO, STARTTLS, login, MAIL, RCPT, DATA: each may take up
    # to smtp_timeout; the Keystone lookup comes on top.
    return datetime.timedelta(seconds=8 * CONF.email.smtp_timeout + 60)


def deliver(notice, now, templates):
    """Claim ``notice`` and make one attempt at it.

    Returns False if another manager claimed it first. The outcome is
    only written while the claim holds, so a notice re-armed meanwhile is
    left for its new decision.
    """
    until = max(now, timeutils.utcnow()) + _claim_period()
    if not db_api.claim_notice(notice.id, now, until):
        return False
    try:
        outcome = attempt(notice, now, templates)
    except Exception as e:
        # NOTE(esi-leap): an unexpected error still counts as an attempt,
        # so a notice that always fails this way ends as failed.
        LOG.exception('Lease %s: %s notice failed unexpectedly',
                      notice.lease_uuid, notice.kind)
        outcome = _retry(notice, 'internal error (%s)' % type(e).__name__,
                         now)
    db_api.finish_notice(notice.id, until, **outcome)
    return True


class Notifier(loop.Loop):
    """The manager's thread that decides and sends lease notices.

    It sleeps until the next due notice (a retry, or an active lease
    reaching ``ending_lead_time`` before its end), until woken by the
    scheduler, or at most ``[manager] sweep_interval`` seconds.
    """

    thread_name = 'notifier'
    failed = 'Sending lease notices failed; trying again shortly'

    def __init__(self):
        super(Notifier, self).__init__()
        self.templates = load_templates()

    def stop(self, timeout=5):
        """Stop the loop, waiting up to ``timeout`` s for an attempt.

        An attempt still waiting for a slow SMTP server after that is
        abandoned with the (daemon) thread; its claim lapses and the
        notice is tried again, so shutting down never waits for SMTP.
        """
        super(Notifier, self).stop(timeout)

    def _pass(self):
        """Send what is due; seconds until the next notice is due."""
        self.run_once()
        return self.seconds_to_next_due()

    def run_once(self, now=None):
        """Decide the ending notices due and send every due notice."""
        now = now or timeutils.utcnow()
        arm_ending(now)
        sent = 0
        for notice in db_api.due_notices(now):
            if self.stopping:
                break
            sent += deliver(notice, now, self.templates)
        return sent

    def seconds_to_next_due(self):
        """Seconds until the next due notice, capped by the sweep."""
        now = timeutils.utcnow()
        cap = float(CONF.manager.sweep_interval)
        due = next_due(now)
        if due is None:
            return cap
        return max(0.0, min(cap, (due - now).total_seconds()))
