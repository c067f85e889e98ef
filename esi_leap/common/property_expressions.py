"""Node property expressions such as ``memory_mb>=65536``.

parse() turns client text into Expression values (or a 400 naming the
field); matches() says whether a node's properties satisfy all of them.
An expression is ``<key><op><value>`` with op one of == != >= <= > <.
Ordering operators compare numbers only: a node whose value is not a
number (or is missing) does not match them. == and != compare numbers as
numbers and anything else as text (true/false for booleans).
"""
import dataclasses
import math
import re

from esi_leap.common import exception

MAX_EXPRESSIONS = 32
MAX_LENGTH = 255

_OPERATORS = ('==', '!=', '>=', '<=', '>', '<')
_FORM = re.compile(r'\A([A-Za-z0-9_.:-]{1,128})(==|!=|>=|<=|>|<)(.{0,255})\Z',
                   re.DOTALL)


@dataclasses.dataclass(frozen=True)
class Expression(object):
    """One comparison of a node property with a constant."""

    key: str
    op: str
    value: str

    def test(self, properties):
        """Whether ``properties`` (a dict) satisfies this expression."""
        if self.key not in properties:
            return self.op == '!='
        have = properties[self.key]
        mine, theirs = _number(self.value), _number(have)
        if mine is not None and theirs is not None:
            return _compare(theirs, self.op, mine)
        if self.op in ('==', '!='):
            return (_text(have) == self.value) == (self.op == '==')
        return False


def _number(value):
    """A finite float for a number or numeric text; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _text(value):
    """Text of a node property value, as == compares it."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return value if isinstance(value, str) else repr(value)


def _compare(left, op, right):
    return {'==': left == right, '!=': left != right,
            '>=': left >= right, '<=': left <= right,
            '>': left > right, '<': left < right}[op]


def parse(expressions, field='resource_properties'):
    """Return the tuple of Expressions of a JSON list of strings.

    None is no expression. Raises InvalidField (400) naming ``field`` for
    anything but a list of at most MAX_EXPRESSIONS well-formed strings.
    """
    if expressions is None:
        return ()
    if not isinstance(expressions, list):
        raise exception.InvalidField(field=field,
                                     reason='it must be a list of strings')
    if len(expressions) > MAX_EXPRESSIONS:
        raise exception.InvalidField(
            field=field, reason='at most %d expressions are accepted'
            % MAX_EXPRESSIONS)
    return tuple(_one(item, field) for item in expressions)


def _one(item, field):
    if not isinstance(item, str) or len(item) > MAX_LENGTH:
        raise exception.InvalidField(
            field=field, reason='each expression must be a string of at '
            'most %d characters' % MAX_LENGTH)
    found = _FORM.match(item.strip())
    if found is None or not found.group(3).isprintable():
        raise exception.InvalidField(
            field=field, reason='%s is not <key><op><value> with op one '
            'of %s' % (exception.shown(item), ' '.join(_OPERATORS)))
    key, op, value = found.groups()
    if op not in ('==', '!=') and _number(value) is None:
        raise exception.InvalidField(
            field=field, reason='%s compares with %s, which needs a '
            'number' % (exception.shown(item), op))
    return Expression(key, op, value.strip())


def matches(expressions, properties):
    """Whether ``properties`` (a dict, or None) satisfies every expression."""
    properties = properties or {}
    return all(e.test(properties) for e in expressions)
