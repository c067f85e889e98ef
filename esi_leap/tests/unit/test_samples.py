"""The sample config and policy files document every option and rule.

Both generators run through their Python APIs with the generator
configurations in etc/esi-leap/, writing into a temporary directory; the
expectations are built from what esi-leap registers, so an option or rule
added without documentation makes these tests fail.
"""
import os
import pkgutil
import re

from oslo_config import cfg
from oslo_config import generator as config_generator
from oslo_policy import generator as policy_generator
from oslo_utils import importutils
import pytest

import esi_leap.conf
from esi_leap.conf import opts as conf_opts
from esi_leap import policies

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..',
                                    '..'))
CONFIG_GENERATOR = os.path.join(ROOT, 'etc', 'esi-leap',
                                'esi-leap-config-generator.conf')
POLICY_GENERATOR = os.path.join(ROOT, 'etc', 'esi-leap',
                                'esi-leap-policy-generator.conf')

# Groups that oslo.db, keystonemiddleware, oslo.messaging and oslo.policy
# put into the sample next to esi-leap's own.
LIBRARY_GROUPS = ('database', 'keystone_authtoken', 'oslo_messaging_rabbit',
                  'oslo_policy')


class _RecordingConfig(cfg.ConfigOpts):
    """A ConfigOpts that remembers every (group, option) registered."""

    def __init__(self):
        self.registered = []
        super().__init__()
        # Forget the options oslo.config registers for itself.
        del self.registered[:]

    def register_opt(self, opt, group=None, cli=False, **kwargs):
        """Record the option, then register it as usual."""
        if isinstance(group, cfg.OptGroup):
            name = group.name
        else:
            name = group or 'DEFAULT'
        self.registered.append((name, opt))
        return super().register_opt(opt, group, cli, **kwargs)


def _registered_by_esi_leap():
    """Register every esi_leap.conf module's options on a fresh config.

    The config is not parsed, so reading an option gives its default.
    """
    conf = _RecordingConfig()
    for module_info in pkgutil.iter_modules(esi_leap.conf.__path__):
        module = importutils.import_module(
            'esi_leap.conf.%s' % module_info.name)
        if hasattr(module, 'register_opts'):
            module.register_opts(conf)
    return conf


def _listed():
    """Return {(group, dest): opt} of what list_opts() gives the generator."""
    listed = {}
    for group, opts in conf_opts.list_opts():
        name = group.name if isinstance(group, cfg.OptGroup) else group
        for opt in opts:
            listed[(name or 'DEFAULT', opt.dest)] = opt
    return listed


def _squash(text):
    """Drop all whitespace, so wrapped and unwrapped text compare equal."""
    return re.sub(r'\s+', '', text or '')


def _sections(text):
    """Split a sample config file into {section name: [lines]}."""
    sections = {}
    current = None
    for line in text.splitlines():
        header = re.match(r'^\[(?P<name>[^\]]+)\]$', line)
        if header:
            current = sections.setdefault(header.group('name'), [])
        elif current is not None:
            current.append(line)
    return sections


def _commented_options(lines):
    """Return {option: the comment block just above ``#option = ...``}."""
    options = {}
    comment = []
    for line in lines:
        entry = re.match(r'^#(?P<name>\w+) =', line)
        if entry:
            options[entry.group('name')] = ' '.join(comment)
            comment = []
        elif line.startswith('#'):
            comment.append(line[1:])
        else:
            comment = []
    return options


@pytest.fixture(scope='module')
def config_sample(tmp_path_factory):
    """Run oslo-config-generator; return the sample's sections."""
    output = tmp_path_factory.mktemp('config') / 'esi-leap.conf.sample'
    config_generator.main(['--config-file', CONFIG_GENERATOR,
                           '--output-file', str(output)])
    return _sections(output.read_text())


@pytest.fixture(scope='module')
def policy_sample(tmp_path_factory):
    """Run oslopolicy-sample-generator; return the sample's text."""
    output = tmp_path_factory.mktemp('policy') / 'policy.yaml.sample'
    policy_generator.generate_sample(
        ['--config-file', POLICY_GENERATOR, '--output-file', str(output)],
        conf=cfg.ConfigOpts())
    return output.read_text()


def test_every_registered_option_is_listed():
    conf = _registered_by_esi_leap()
    listed = _listed()
    assert conf.registered, 'no esi-leap option was registered'
    missing = []
    for group, opt in conf.registered:
        # A deprecated option left out on purpose (keystoneauth's
        # [ironic] interface, replaced by valid_interfaces) is fine.
        if (group, opt.dest) not in listed and \
                not opt.deprecated_for_removal:
            missing.append('[%s] %s' % (group, opt.dest))
    assert not missing, ('registered but not in esi_leap.conf.opts:'
                         'list_opts(): %s' % ', '.join(missing))


def test_every_option_has_help():
    listed = _listed()
    assert listed
    no_help = ['[%s] %s' % key for key, opt in sorted(listed.items())
               if not (opt.help or '').strip()]
    assert not no_help, 'options without help text: %s' % ', '.join(no_help)


def test_every_group_is_in_config_sample(config_sample):
    conf = _registered_by_esi_leap()
    groups = ({group for group, _ in conf.registered}
              | {group for group, _ in _listed()})
    assert 'api' in groups
    missing = sorted(groups - set(config_sample))
    assert not missing, 'groups missing from the sample: %s' % missing


def test_library_groups_are_in_config_sample(config_sample):
    missing = [g for g in LIBRARY_GROUPS if g not in config_sample]
    assert not missing, 'library groups missing from the sample: %s' % (
        missing)


def test_every_option_is_in_config_sample_with_its_help(config_sample):
    problems = []
    for (group, dest), opt in sorted(_listed().items()):
        documented = _commented_options(config_sample.get(group, []))
        if dest not in documented:
            problems.append('[%s] %s is missing' % (group, dest))
        elif not _squash(opt.help) or \
                _squash(opt.help) not in _squash(documented[dest]):
            problems.append('[%s] %s lacks its help text' % (group, dest))
    assert not problems, '; '.join(problems)


def test_sample_defaults_are_the_runtime_defaults():
    runtime = _registered_by_esi_leap()
    documented = cfg.ConfigOpts()
    for group, opts in conf_opts.list_opts():
        documented.register_opts(opts, group=None if group == 'DEFAULT'
                                 else group)
    listed = _listed()
    differ = []
    for group, opt in runtime.registered:
        if (group, opt.dest) not in listed:
            continue
        if group == 'DEFAULT':
            actual, shown = runtime[opt.dest], documented[opt.dest]
        else:
            actual = runtime[group][opt.dest]
            shown = documented[group][opt.dest]
        if actual != shown:
            differ.append('[%s] %s: %r, sample says %r'
                          % (group, opt.dest, actual, shown))
    assert not differ, '; '.join(differ)


def test_every_policy_rule_is_in_policy_sample(policy_sample):
    rules = policies.list_rules()
    assert rules
    blocks = policy_sample.split('\n\n')
    problems = []
    for rule in rules:
        if not (rule.description or '').strip():
            problems.append('%s has no description' % rule.name)
            continue
        entry = '#"%s": "%s"' % (rule.name, rule.check_str)
        block = [b for b in blocks if entry in b.splitlines()]
        if not block:
            problems.append('%s is missing' % rule.name)
            continue
        comment = ' '.join(line[1:] for line in block[0].splitlines()
                           if line.startswith('# '))
        if _squash(rule.description) not in _squash(comment):
            problems.append('%s lacks its description' % rule.name)
        for operation in getattr(rule, 'operations', None) or []:
            line = '# %s  %s' % (operation['method'], operation['path'])
            if line not in block[0].splitlines():
                problems.append('%s lacks operation %s' % (rule.name, line))
    assert not problems, '; '.join(problems)


def test_policy_sample_holds_only_esi_leap_rules(policy_sample):
    names = {rule.name for rule in policies.list_rules()}
    found = set(re.findall(r'^#"([^"]+)":', policy_sample, re.M))
    assert found == names, 'missing: %s; unexpected: %s' % (
        sorted(names - found), sorted(found - names))
