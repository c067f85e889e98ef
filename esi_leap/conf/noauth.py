"""Options of the [noauth] group: the identity used without Keystone."""
from oslo_config import cfg

GROUP = cfg.OptGroup('noauth', title='Identity for auth_strategy = noauth')

opts = [
    cfg.StrOpt('project_id',
               help='Project of a request that carries no X-Project-Id, '
                    'X-Roles or X-User-Id header, when auth_strategy is '
                    'noauth.'),
    cfg.StrOpt('user_id',
               help='User of such a request.'),
    cfg.ListOpt('roles',
                default=[],
                help='Roles of such a request. Policy is still enforced, '
                     'so with no roles such a request is refused.'),
    cfg.DictOpt('project_names',
                default={},
                help='Names of projects, as project_id:name pairs, used '
                     'when no Keystone service account is configured in '
                     '[keystone] (the project directory). A project not '
                     'listed is shown by its id; a listed name may also '
                     'be given wherever a project id is accepted. Names '
                     'cannot contain "," or ":".'),
]


def register_opts(conf):
    """Register the [noauth] options on ``conf``."""
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)


def list_opts():
    """Return the [noauth] options for the sample generator."""
    return opts
