"""The documentation builds with warnings treated as errors."""
import os
import subprocess
import sys

from esi_leap.conf import opts as conf_opts
from esi_leap import policies

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..',
                                    '..'))
SOURCE = os.path.join(ROOT, 'doc', 'source')


def test_docs_build_without_warnings(tmp_path):
    # NOTE(esi-leap): -W alone is not enough: the oslo.config and
    # oslo.policy directives turn warnings-as-errors off while they parse
    # option and rule help. The warning file catches those warnings too.
    warnings = tmp_path / 'warnings.txt'
    html = tmp_path / 'html'
    result = subprocess.run(
        [sys.executable, '-m', 'sphinx', '-W', '--keep-going', '-E',
         '-b', 'html', '-d', str(tmp_path / 'doctrees'),
         '-w', str(warnings), SOURCE, str(html)],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, (
        'sphinx-build failed:\n%s\n%s' % (result.stdout, result.stderr))
    assert warnings.read_text() == '', (
        'sphinx-build warned:\n%s' % warnings.read_text())
    for page in ('index', 'install/index', 'user/index', 'api/index',
                 'admin/index', 'admin/config-reference',
                 'admin/policy-reference', 'contributor/index'):
        assert (html / (page + '.html')).is_file(), page

    # The reference pages are rendered from the installed package.
    config_reference = (html / 'admin' / 'config-reference.html').read_text()
    missing = [opt.dest for _, opts in conf_opts.list_opts() for opt in opts
               if opt.dest not in config_reference]
    assert not missing, 'not in the configuration reference: %s' % missing
    policy_reference = (html / 'admin' / 'policy-reference.html').read_text()
    missing = [rule.name for rule in policies.list_rules()
               if rule.name not in policy_reference]
    assert not missing, 'not in the policy reference: %s' % missing


def test_release_note_uids_are_unique():
    """reno keys notes by the hex suffix of their name; two alike clash."""
    notes = os.listdir(os.path.join(ROOT, 'releasenotes', 'notes'))
    uids = [name.rsplit('-', 1)[-1] for name in notes
            if name.endswith('.yaml')]
    assert len(uids) > 10
    assert sorted(set(u for u in uids if uids.count(u) > 1)) == []
