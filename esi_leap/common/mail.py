"""Sending one e-mail through the SMTP server of the [email] options."""
from email import message as email_message
from email import utils as email_utils
import smtplib
import ssl

from oslo_config import cfg

CONF = cfg.CONF

# Longest subject line kept; the rest of a long lease name is cut.
_SUBJECT_MAX = 200


class TemporaryFailure(Exception):
    """The message may go through later: retry it."""


class PermanentFailure(Exception):
    """The server refused the message for good (a 5xx answer)."""


def make_message(subject, body, recipients):
    """Return an EmailMessage from [email] sender to ``recipients``.

    Line breaks in the subject (which may carry a lease name) become
    spaces, so no text can add a header.
    """
    msg = email_message.EmailMessage()
    subject = ' '.join(subject.split())
    msg['Subject'] = subject[:_SUBJECT_MAX]
    msg['From'] = CONF.email.sender
    msg['To'] = ', '.join(recipients)
    msg['Date'] = email_utils.formatdate(usegmt=True)
    msg['Message-ID'] = email_utils.make_msgid(domain='esi-leap')
    msg.set_content(body)
    return msg


def _tls_context():
    return ssl.create_default_context(cafile=CONF.email.smtp_ca_file or None)


def _connect():
    timeout = CONF.email.smtp_timeout
    host, port = CONF.email.smtp_host, CONF.email.smtp_port
    if CONF.email.smtp_security == 'ssl':
        return smtplib.SMTP_SSL(host, port, timeout=timeout,
                                context=_tls_context())
    smtp = smtplib.SMTP(host, port, timeout=timeout)
    if CONF.email.smtp_security == 'starttls':
        try:
            smtp.starttls(context=_tls_context())
        except BaseException:
            smtp.close()
            raise
    return smtp


def _permanent(code):
    return code is not None and 500 <= code < 600


def _refusal(error):
    """Classify an SMTP refusal of the sender, the data or every recipient."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        text = '; '.join('%s: %s %s' % (addr, code, _text(reply))
                         for addr, (code, reply) in error.recipients.items())
        if codes and all(_permanent(code) for code in codes):
            return PermanentFailure('every recipient refused: %s' % text)
        return TemporaryFailure('recipients refused: %s' % text)
    reason = '%s %s' % (error.smtp_code, _text(error.smtp_error))
    if _permanent(error.smtp_code):
        return PermanentFailure('SMTP server refused the message: %s'
                                % reason)
    return TemporaryFailure('SMTP server deferred the message: %s' % reason)


def _text(reply):
    if isinstance(reply, bytes):
        return reply.decode('utf-8', 'replace')
    return str(reply)


def send(msg, recipients):
    """Send ``msg`` to ``recipients``; return {address: reason} refused.

    Raises PermanentFailure when the server refuses the message or every
    recipient with a 5xx answer, TemporaryFailure for anything that may
    work later (server unreachable, timeouts, 4xx answers, failed login
    or TLS). Some recipients refused is not an error: they are returned.
    """
    try:
        with _connect() as smtp:
            if CONF.email.smtp_user:
                smtp.login(CONF.email.smtp_user,
                           CONF.email.smtp_password or '')
            refused = smtp.send_message(msg, from_addr=CONF.email.sender,
                                        to_addrs=list(recipients))
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused,
            smtplib.SMTPDataError) as e:
        raise _refusal(e)
    except (smtplib.SMTPException, OSError, ssl.SSLError) as e:
        raise TemporaryFailure('cannot send through %s:%s: %s'
                               % (CONF.email.smtp_host, CONF.email.smtp_port,
                                  e or type(e).__name__))
    return {addr: '%s %s' % (code, _text(reply))
            for addr, (code, reply) in refused.items()}
