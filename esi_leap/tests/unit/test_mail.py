"""Pure parts of e-mail notices: SMTP answer classification, message
headers, template checks and recipient choice."""
import smtplib

import pytest

from esi_leap.common import local_projects
from esi_leap.common import mail
from esi_leap.common import projects
from esi_leap.db.sqlalchemy import models
from esi_leap.manager import email_notices


def test_every_recipient_refused_for_good_is_permanent():
    error = smtplib.SMTPRecipientsRefused({
        'a@example.org': (550, b'no such user'),
        'b@example.org': (553, b'bad address')})
    failure = mail._refusal(error)
    assert isinstance(failure, mail.PermanentFailure)
    assert 'a@example.org: 550 no such user' in str(failure)


def test_a_deferred_recipient_makes_it_temporary():
    error = smtplib.SMTPRecipientsRefused({
        'a@example.org': (550, b'no such user'),
        'b@example.org': (451, b'greylisted')})
    assert isinstance(mail._refusal(error), mail.TemporaryFailure)


@pytest.mark.parametrize('error,kind', [
    (smtplib.SMTPSenderRefused(553, b'sender rejected', 'x@y'),
     mail.PermanentFailure),
    (smtplib.SMTPSenderRefused(421, b'busy', 'x@y'), mail.TemporaryFailure),
    (smtplib.SMTPDataError(554, b'spam'), mail.PermanentFailure),
    (smtplib.SMTPDataError(452, b'full'), mail.TemporaryFailure),
])
def test_sender_and_data_refusals_by_code(error, kind):
    assert isinstance(mail._refusal(error), kind)


def test_subject_cannot_add_headers(config):
    config(group='email', sender='esi@example.org')
    msg = mail.make_message('a\r\nBcc: x@example.org\nb' + 'c' * 500,
                            'body', ['l@example.org', 'o@example.org'])
    assert msg['Subject'].startswith('a Bcc: x@example.org b')
    assert len(msg['Subject']) == 200
    assert msg['Bcc'] is None
    assert msg['To'] == 'l@example.org, o@example.org'
    assert msg['From'] == 'esi@example.org'


@pytest.mark.parametrize('text,problem', [
    ('Lease {uuid} of {project}', None),
    ('{{literal}} braces', None),
    ('{nope}', 'unknown field {nope}'),
    ('{uuid.__class__}', 'unknown field {uuid.__class__}'),
    ('{name[0]}', 'unknown field {name[0]}'),
    ('{name!r}', 'field {name} has a conversion or format spec'),
    ('{name:>40}', 'field {name} has a conversion or format spec'),
    ('{}', 'unknown field {}'),
    ('open {', "Single '{' encountered in format string"),
])
def test_template_problems(text, problem):
    assert email_notices._template_problem(text) == problem


class _Directory(local_projects.ProjectDirectory):
    def __init__(self, emails):
        self._emails = emails
        self.asked = []

    def emails(self, project_ids):
        self.asked.append(list(project_ids))
        return {p: self._emails[p] for p in project_ids if p in self._emails}


def _lease(project='lessee', owner='owner'):
    return models.Lease(uuid='u', project_id=project, owner_id=owner)


def test_recipients_prefer_configured_addresses(config):
    directory = _Directory({'lessee': 'ks@example.org',
                            'owner': 'owner-ks@example.org'})
    projects.set_directory(directory)
    config(group='email', notify_owner=True,
           project_addresses={'lessee': 'conf@example.org'})
    assert email_notices.recipients(_lease()) == (
        ['conf@example.org', 'owner-ks@example.org'], [])
    assert directory.asked == [['owner']]


def test_recipients_skip_invalid_and_duplicate_addresses(config):
    projects.set_directory(_Directory({'lessee': 'bad address\n@x',
                                       'owner': 'same@example.org'}))
    config(group='email', notify_owner=True,
           project_addresses={'third': 'same@example.org'})
    assert email_notices.recipients(_lease()) == (
        ['same@example.org'], ['lessee'])
    projects.set_directory(_Directory({'lessee': 'same@example.org',
                                       'owner': 'same@example.org'}))
    assert email_notices.recipients(_lease()) == (['same@example.org'], [])


def test_no_keystone_call_when_every_address_is_configured(config):
    directory = _Directory({})
    projects.set_directory(directory)
    config(group='email', project_addresses={'lessee': 'l@example.org'})
    assert email_notices.recipients(_lease()) == (['l@example.org'], [])
    assert directory.asked == []
