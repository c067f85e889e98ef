"""Options of the [email] group: lease notices sent by the manager."""
from oslo_config import cfg

GROUP = cfg.OptGroup('email', title='Lease e-mail notices')

# The fields a template may use, as {name}.
TEMPLATE_FIELDS = ('uuid', 'name', 'project', 'owner', 'resource',
                   'resource_type', 'start_time', 'end_time', 'purpose')

_FIELDS_HELP = (' Fields are written {field}, where field is one of: '
                + ', '.join(TEMPLATE_FIELDS) + ' (times in UTC, ISO 8601; '
                '{{ and }} for literal braces). A template with any other '
                'field, or with a conversion or format spec, is reported '
                'when the manager starts and replaced by the default.')

DEFAULT_STARTED_SUBJECT = 'Lease {uuid} on {resource} has started'
DEFAULT_STARTED_BODY = (
    'Your lease {uuid} ({name}) of {resource_type} {resource} has '
    'started.\n\n'
    'Project: {project}\n'
    'Start:   {start_time}\n'
    'End:     {end_time}\n'
    'Purpose: {purpose}\n')
DEFAULT_ENDING_SUBJECT = 'Lease {uuid} on {resource} ends at {end_time}'
DEFAULT_ENDING_BODY = (
    'Your lease {uuid} ({name}) of {resource_type} {resource} ends at '
    '{end_time}. The node is then taken back and cleaned: save what you '
    'need before then, or ask the owner to extend the lease.\n\n'
    'Project: {project}\n'
    'Start:   {start_time}\n'
    'End:     {end_time}\n'
    'Purpose: {purpose}\n')

DEFAULT_QUARANTINE_SUBJECT = 'Node {resource} is quarantined'
DEFAULT_QUARANTINE_BODY = (
    'Your {resource_type} {resource} failed its hand-back at the end of a '
    'lease (its cleaning failed, or it is in maintenance): it is kept from '
    'every tenant until you repair it in Ironic. Lease {uuid} ({name}) of '
    'project {project} is waiting for it.\n\n'
    'Start:   {start_time}\n'
    'End:     {end_time}\n')

opts = [
    cfg.BoolOpt('enabled',
                default=False,
                help='Send e-mail to the lessee project when its lease '
                     'starts and when it is about to end. Each notice is '
                     'recorded in the database and sent once.'),
    cfg.HostAddressOpt('smtp_host',
                       default='localhost',
                       help='SMTP server (relay) the manager sends through.'),
    cfg.PortOpt('smtp_port',
                default=25,
                help='Port of the SMTP server (usually 25, 587 for '
                     'starttls, 465 for ssl).'),
    cfg.StrOpt('smtp_security',
               default='none',
               choices=[('none', 'plain SMTP'),
                        ('starttls', 'upgrade the connection with STARTTLS '
                                     'before anything else is sent'),
                        ('ssl', 'SMTP over TLS from the first byte')],
               help='How the connection to the SMTP server is protected. '
                    'The server\'s certificate and host name are always '
                    'verified (see smtp_ca_file).'),
    cfg.StrOpt('smtp_ca_file',
               help='CA certificates (PEM) to verify the SMTP server\'s '
                    'certificate with, for starttls and ssl; the system\'s '
                    'trusted authorities when unset.'),
    cfg.StrOpt('smtp_user',
               help='User to log in to the SMTP server as; no login when '
                    'unset.'),
    cfg.StrOpt('smtp_password',
               secret=True,
               help='Password of smtp_user.'),
    cfg.FloatOpt('smtp_timeout',
                 default=10.0,
                 min=0.1,
                 help='Seconds to wait for the SMTP server at each step '
                      'before the attempt counts as failed and is retried '
                      'later.'),
    cfg.StrOpt('sender',
               default='esi-leap@localhost',
               help='Address notices come from (the From header and the '
                    'envelope sender).'),
    cfg.IntOpt('ending_lead_time',
               default=86400,
               min=0,
               help='Seconds before the end of a lease at which its '
                    '"about to end" notice is sent. Moving the end of the '
                    'lease sends it again before the new end.'),
    cfg.DictOpt('project_addresses',
                default={},
                help='Addresses by project id, as id:address pairs '
                     'separated by commas. They fill in for, or override, '
                     'the project\'s "email" attribute in Keystone; without '
                     'Keystone they are the only source.'),
    cfg.BoolOpt('notify_owner',
                default=False,
                help='Also send each notice to the project that granted '
                     'the lease (the node\'s owner, or the holder of the '
                     'parent lease).'),
    cfg.IntOpt('max_attempts',
               default=10,
               min=1,
               help='Attempts at sending one notice while the SMTP server '
                    'is unreachable or answers with a temporary error, '
                    'before the notice is marked failed. A permanent '
                    'refusal (5xx) is not retried.'),
    cfg.FloatOpt('retry_initial_delay',
                 default=30.0,
                 min=0.1,
                 help='Seconds before the first retry of a notice; each '
                      'further retry waits twice as long, up to '
                      'retry_max_delay.'),
    cfg.FloatOpt('retry_max_delay',
                 default=3600.0,
                 min=0.1,
                 help='Longest wait, in seconds, between two attempts.'),
    cfg.StrOpt('started_subject',
               default=DEFAULT_STARTED_SUBJECT,
               help='Subject of the notice sent when a lease starts.'
                    + _FIELDS_HELP),
    cfg.StrOpt('started_body',
               default=DEFAULT_STARTED_BODY,
               help='Text of the notice sent when a lease starts.'
                    + _FIELDS_HELP),
    cfg.StrOpt('ending_subject',
               default=DEFAULT_ENDING_SUBJECT,
               help='Subject of the notice sent ending_lead_time before '
                    'a lease ends.' + _FIELDS_HELP),
    cfg.StrOpt('ending_body',
               default=DEFAULT_ENDING_BODY,
               help='Text of the notice sent ending_lead_time before a '
                    'lease ends.' + _FIELDS_HELP),
    cfg.StrOpt('quarantine_subject',
               default=DEFAULT_QUARANTINE_SUBJECT,
               help='Subject of the notice sent to the owner when the node '
                    'a lease waits for is quarantined (the fields are the '
                    'waiting lease\'s).' + _FIELDS_HELP),
    cfg.StrOpt('quarantine_body',
               default=DEFAULT_QUARANTINE_BODY,
               help='Text of the notice sent to the owner when the node a '
                    'lease waits for is quarantined.' + _FIELDS_HELP),
]


def register_opts(conf):
    """Register the [email] options on ``conf``."""
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)


def list_opts():
    """Return the [email] options for the sample generator."""
    return opts
