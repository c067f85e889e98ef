"""Options of the original ESI-Leap that esi-leap does not have.

oslo.config ignores options nobody registered, so a configuration carried
over from ESI-Leap would lose them without a word. This module finds them
in the files the service reads, and says what each meant and what to set
instead; ``esi-leap-status upgrade check`` reports them.

NOTE(esi-leap): none is honoured. ``[pecan] auth_enable = false`` switched
policy off in ESI-Leap; esi-leap never does that, whatever is set.
"""
import dataclasses
import glob
import os

from oslo_config import cfg

_PROXY = ('put TLS in front of the API (a TLS-terminating proxy, or a web '
          'server running esi-leap-api-wsgi) and set [oslo_middleware] '
          'enable_proxy_headers_parsing = true so that links say https')

# (section, option) -> (serious(value), what it meant and what to do)
_KNOWN = {
    ('pecan', 'auth_enable'): (
        lambda value: value.strip().lower() in ('false', 'no', 'off', '0'),
        'In ESI-Leap, auth_enable = false turned policy off entirely. '
        'esi-leap always enforces policy: nothing changes by setting it. '
        'Authentication is [DEFAULT] auth_strategy (keystone, or noauth '
        'with the [noauth] identity for a deployment without Keystone); '
        'to allow more, write a policy file. Remove the option.'),
    ('pecan', 'root'): (
        None, 'The API application is fixed in esi-leap. Remove the '
              'option.'),
    ('pecan', 'modules'): (
        None, 'The API application is fixed in esi-leap. Remove the '
              'option.'),
    ('pecan', 'debug'): (
        None, 'esi-leap never shows tracebacks to clients; for debug logs '
              'set [DEFAULT] debug = true. Remove the option.'),
    ('api', 'enable_ssl_api'): (
        lambda value: value.strip().lower() in ('true', 'yes', 'on', '1'),
        'esi-leap-api does not serve TLS itself, so the API is plain '
        'HTTP: %s. Remove the option.' % _PROXY),
    ('api', 'public_endpoint'): (
        None, 'It was unused in ESI-Leap too: links follow the request; '
              'behind a proxy set [oslo_middleware] '
              'enable_proxy_headers_parsing = true. Remove the option.'),
}
# The [ssl] group ESI-Leap's enable_ssl_api read through oslo.service.
_SSL_GROUP = 'ssl'
# What ESI-Leap's e-mail cron script read from its environment.
EMAIL_VARIABLES = ('ENABLE_EMAIL', 'SMTP_SERVER', 'EMAIL_SENDER',
                   'LEASE_WARNING_DAYS', 'LEASE_CREATE_TEMPLATE',
                   'LEASE_EXPIRE_TEMPLATE')


@dataclasses.dataclass
class Finding(object):
    """One option of ESI-Leap found set; ``serious`` if its value mattered.

    ``serious`` means esi-leap does not work the way that value asked for
    (policy off, TLS on the API); otherwise the option just has no effect.
    """

    where: str
    serious: bool
    advice: str

    def describe(self):
        """A sentence naming the option and saying what to do."""
        return '%s is an ESI-Leap option esi-leap does not use. %s' % (
            self.where, self.advice)


def config_files(conf):
    """The configuration files ``conf`` was read from, in order."""
    files = list(conf.config_file or [])
    config_dir = getattr(conf, 'config_dir', None)
    if config_dir:
        files.extend(sorted(glob.glob(os.path.join(config_dir, '*.conf'))))
    return [path for path in files if os.path.isfile(path)]


def _parsed(path):
    """{section: {option: [values]}} of one file (unreadable: {})."""
    sections = {}
    try:
        cfg.ConfigParser(path, sections).parse()
    except (OSError, cfg.ParseError):
        return {}
    return sections


def find(conf):
    """Return a Finding for every ESI-Leap option set in ``conf``'s files.

    Also for the ``[ssl]`` options ESI-Leap's TLS used and for its e-mail
    script's environment variables found in this process's environment.
    """
    found = []
    for path in config_files(conf):
        for section, options in _parsed(path).items():
            for option, values in options.items():
                finding = _finding(path, section, option, values)
                if finding is not None:
                    found.append(finding)
    for name in EMAIL_VARIABLES:
        if name in os.environ:
            found.append(Finding(
                'Environment variable %s' % name, False,
                'ESI-Leap\'s e-mail script read it; esi-leap\'s manager '
                'sends lease e-mails itself, configured in [email] (see '
                'the e-mail notices guide).'))
    return found


def _finding(path, section, option, values):
    where = '[%s] %s (in %s)' % (section, option, path)
    known = _KNOWN.get((section, option))
    if known is not None:
        serious, advice = known
        value = values[-1] if values else ''
        return Finding(where, bool(serious and serious(value)), advice)
    if section == _SSL_GROUP:
        return Finding(where, False, 'ESI-Leap read [ssl] only with [api] '
                                     'enable_ssl_api; esi-leap does not '
                                     'serve TLS on the API: %s.' % _PROXY)
    return None
