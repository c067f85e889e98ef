"""Client text that must not steer a terminal, a log or a reader's eyes.

Two promises live here: which characters a project id or name may not
contain (checked on input), and how a lease's own text (its name,
purpose) is made inert before it goes into an e-mail. Log lines escape
client text with exception.shown().
"""
import re
import unicodedata

# NOTE(esi-leap): bidirectional embeddings, overrides and isolates make
# text read differently from what it is ("Trojan Source"); the marks and
# line/paragraph separators break lines where no newline is seen.
BIDI_CONTROLS = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)] +
    [chr(c) for c in range(0x2066, 0x206A)] +
    ['\u200e', '\u200f', '\u061c'])
_SEPARATORS = frozenset(['\u2028', '\u2029'])
# ANSI/ECMA-48 escape sequences: CSI (ESC [ or the one-byte CSI), OSC,
# DCS, SOS, PM and APC strings up to their terminator, and two-byte
# escapes.
_ANSI = re.compile(
    r'(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]'
    r'|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]).*?(?:\x07|\x1b\\|\x9c|$)'
    r'|\x1b[ -/]*[0-~]', re.S)


def is_unsafe(char):
    """Whether ``char`` is a control, bidi control or line separator."""
    return unicodedata.category(char) == 'Cc' or char in BIDI_CONTROLS \
        or char in _SEPARATORS


def first_unsafe(text):
    """The first character of ``text`` that is_unsafe(), or None."""
    for char in text:
        if is_unsafe(char):
            return char
    return None


def inert(text):
    """Return ``text`` made safe for one line of a plain-text e-mail.

    Terminal escape sequences are removed; every other control character,
    bidi control and line separator (newlines included) is replaced by its
    visible escape (``\\x1b``, ``\\u202e``), so the reader sees that it was
    there and nothing it does to the display.
    """
    text = _ANSI.sub('', text)
    return ''.join(_escaped(c) if is_unsafe(c) else c for c in text)


def _escaped(char):
    code = ord(char)
    return '\\x%02x' % code if code < 0x100 else '\\u%04x' % code
