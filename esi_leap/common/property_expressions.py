"""Node property expressions such as ``memory_mb>=65536``: the one parser.

Two callers, two dialects of one grammar, ``<key><op><value>``:

* parse() reads the ``resource_properties`` list of an N-node claim
  (POST /v1/claims): op one of == != >= <= > <; ordering operators need
  a number and compare numbers only (a node whose value is not a number
  does not match them).
* parse_query() reads the repeated ``property`` query parameter of the
  offer and node lists: op one of == = != >= <= > < (``=`` is ``==``);
  two numbers compare as numbers, anything else as text, ordering too.

In both, a node without the key matches only ``!=``; == and != compare
numbers as numbers and anything else as text (true/false for booleans).
matches() says whether a node's properties satisfy all the expressions.
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
_QUERY_OPERATORS = ('==', '=', '!=', '>=', '<=', '>', '<')
_QUERY_FORM = re.compile(
    r'\A([A-Za-z0-9_.:-]{1,128})(==|!=|>=|<=|=|>|<)(.{0,255})\Z', re.DOTALL)


@dataclasses.dataclass(frozen=True)
class _Dialect(object):
    """What one caller accepts: its operators and how text orders."""

    form: object
    operators: tuple
    text_orders: bool


_CLAIM = _Dialect(_FORM, _OPERATORS, False)
_QUERY = _Dialect(_QUERY_FORM, _QUERY_OPERATORS, True)


@dataclasses.dataclass(frozen=True)
class Expression(object):
    """One comparison of a node property with a constant."""

    key: str
    op: str
    value: str
    # Whether ordering operators compare text (query dialect) or only
    # numbers (claim dialect).
    text_orders: bool = False

    def test(self, properties):
        """Whether ``properties`` (a dict) satisfies this expression."""
        if self.key not in properties:
            return self.op == '!='
        have = properties[self.key]
        mine, theirs = _number(self.value), _number(have)
        if mine is not None and theirs is not None:
            return _compare(theirs, self.op, mine)
        if self.op in ('==', '!=') or self.text_orders:
            return _compare(_text(have), self.op, self.value)
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
    return _all(expressions, field, _CLAIM)


def parse_query(values, field='property'):
    """Return the tuple of Expressions of a repeated query parameter.

    ``values`` is the list of its values (empty: no expression). Raises
    InvalidField (400) naming ``field`` and the expression at fault for
    more than MAX_EXPRESSIONS values, one longer than MAX_LENGTH
    characters or one that is not ``<key><op><value>``.
    """
    return _all(list(values), field, _QUERY)


def _all(expressions, field, dialect):
    if len(expressions) > MAX_EXPRESSIONS:
        raise exception.InvalidField(
            field=field, reason='at most %d expressions are accepted'
            % MAX_EXPRESSIONS)
    return tuple(_one(item, field, dialect) for item in expressions)


def _one(item, field, dialect):
    if not isinstance(item, str) or len(item) > MAX_LENGTH:
        raise exception.InvalidField(
            field=field, reason='each expression must be a string of at '
            'most %d characters' % MAX_LENGTH)
    found = dialect.form.match(item.strip())
    if found is None or not found.group(3).isprintable():
        raise exception.InvalidField(
            field=field, reason='%s is not <key><op><value> with op one '
            'of %s' % (exception.shown(item), ' '.join(dialect.operators)))
    key, op, value = found.groups()
    if op not in ('==', '!=') and not dialect.text_orders and \
            _number(value) is None:
        raise exception.InvalidField(
            field=field, reason='%s compares with %s, which needs a '
            'number' % (exception.shown(item), op))
    return Expression(key, '==' if op == '=' else op, value.strip(),
                      dialect.text_orders)


def matches(expressions, properties):
    """Whether ``properties`` (a dict, or None) satisfies every expression."""
    properties = properties or {}
    return all(e.test(properties) for e in expressions)
