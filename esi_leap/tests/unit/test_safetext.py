"""safetext: which characters a project id may not hold; inert mail text."""
import pytest

from esi_leap.common import exception
from esi_leap.common import safetext


@pytest.mark.parametrize('char', ['\n', '\r', '\t', '\x00', '\x1b', '\x7f',
                                  '\x85', '\x9b', '\u202a', '\u202e',
                                  '\u2066', '\u2069', '\u200f', '\u2028'])
def test_unsafe(char):
    assert safetext.first_unsafe('ok' + char + 'x') == char


@pytest.mark.parametrize('text', ['project-1', 'Équipe ß', '研究室',
                                  'a b', '\U0001f600'])
def test_safe(text):
    assert safetext.first_unsafe(text) is None


@pytest.mark.parametrize('text,expected', [
    ('plain name', 'plain name'),
    ('red \x1b[1;31mtext\x1b[0m', 'red text'),
    ('\x9b2Jwiped', 'wiped'),
    ('title \x1b]0;owned\x07after', 'title after'),
    ('osc \x1b]8;;http://x\x1b\\link', 'osc link'),
    ('one\ntwo\r\n', 'one\\x0atwo\\x0d\\x0a'),
    ('gpj.\u202eexe', 'gpj.\\u202eexe'),
    ('\u2066iso\u2069', '\\u2066iso\\u2069'),
    ('nul\x00', 'nul\\x00'),
])
def test_inert(text, expected):
    assert safetext.inert(text) == expected


def test_shown_escapes_and_keeps_long_text_whole_without_limit():
    assert exception.shown('a\nb') == "'a\\nb'"
    assert exception.shown('x' * 300, limit=None) == 'x' * 300
    assert exception.shown('x\u202e' * 200, limit=None).count(
        '\\u202e') == 200
