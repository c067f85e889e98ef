"""Finding the original ESI-Leap's options in configuration files."""
from oslo_config import cfg

from esi_leap.common import legacy_options


def _conf(tmp_path, text):
    path = tmp_path / 'esi-leap.conf'
    path.write_text(text)
    conf = cfg.ConfigOpts()
    conf([], default_config_files=[str(path)])
    return conf


def test_options_found_with_their_file(tmp_path, monkeypatch):
    for name in legacy_options.EMAIL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    conf = _conf(tmp_path, '[pecan]\nauth_enable = False\n'
                           '[api]\nport = 7777\npublic_endpoint = x\n'
                           '[DEFAULT]\ndebug = true\n')
    found = legacy_options.find(conf)
    assert [(f.where.split(' (')[0], f.serious) for f in found] == [
        ('[pecan] auth_enable', True), ('[api] public_endpoint', False)]
    assert str(tmp_path / 'esi-leap.conf') in found[0].describe()


def test_email_script_variables_are_reported(tmp_path, monkeypatch):
    conf = _conf(tmp_path, '[api]\nport = 7777\n')
    for name in legacy_options.EMAIL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert legacy_options.find(conf) == []
    monkeypatch.setenv('SMTP_SERVER', 'mail.example.org')
    found = legacy_options.find(conf)
    assert len(found) == 1 and '[email]' in found[0].describe()


def test_an_unreadable_file_is_no_finding(tmp_path):
    conf = _conf(tmp_path, '[pecan]\nauth_enable = false\n')
    (tmp_path / 'esi-leap.conf').write_text('[pecan\nbroken')
    assert [f for f in legacy_options.find(conf)
            if 'pecan' in f.where] == []
