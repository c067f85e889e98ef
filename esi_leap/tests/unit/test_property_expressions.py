"""Node property expressions: parsing and matching."""
import pytest

from esi_leap.common import exception
from esi_leap.common import property_expressions as pe

NODE = {'cpu_arch': 'x86_64', 'memory_mb': 65536, 'cpus': '16',
        'gpu': True, 'ratio': 1.5, 'tags': ['a'], 'big': 'inf'}


@pytest.mark.parametrize('text,expected', [
    ('cpu_arch==x86_64', True), ('cpu_arch!=x86_64', False),
    ('cpu_arch==aarch64', False), ('memory_mb>=65536', True),
    ('memory_mb>65536', False), ('memory_mb<=65536.0', True),
    ('memory_mb<1e6', True), ('memory_mb==65536.0', True),
    ('cpus>8', True),              # numeric text compares as a number
    ('cpu_arch>1', False),         # text never orders
    ('gpu==true', True), ('gpu==True', False),
    ('ratio>1', True), ('tags==a', False), ('big>1', False),
    ('missing==x', False), ('missing!=x', True), ('missing>1', False),
    (' memory_mb>=1 ', True),
])
def test_matches(text, expected):
    assert pe.matches(pe.parse([text]), NODE) is expected


def test_all_must_hold():
    both = pe.parse(['cpu_arch==x86_64', 'memory_mb>=65536'])
    assert pe.matches(both, NODE)
    assert not pe.matches(both, dict(NODE, memory_mb=1024))
    assert pe.matches((), None)


@pytest.mark.parametrize('value,reason', [
    ('a==b', 'it must be a list of strings'),
    ([1], 'each expression must be a string'),
    (['x' * 256], 'each expression must be a string'),
    (['novalue'], 'is not <key><op><value>'),
    (['=1'], 'is not <key><op><value>'),
    (['a b==1'], 'is not <key><op><value>'),
    (['a==x\ny'], 'is not <key><op><value>'),
    (['a>=b'], 'compares with >=, which needs a number'),
    (['a<nan'], 'compares with <, which needs a number'),
    (['a==1'] * 33, 'at most 32 expressions'),
])
def test_refused(value, reason):
    with pytest.raises(exception.InvalidField) as raised:
        pe.parse(value)
    assert reason in raised.value.message
    assert raised.value.code == 400


def test_none_is_no_expression():
    assert pe.parse(None) == ()


# The query dialect (GET /v1/offers and /v1/nodes ?property=...) ----------

@pytest.mark.parametrize('text,expected', [
    ('cpu_arch==x86_64', True), ('cpu_arch=x86_64', True),
    ('cpu_arch!=x86_64', False), ('memory_mb>=65536', True),
    ('memory_mb=65536.0', True), ('cpus>8', True), ('cpus>=100', False),
    ('cpu_arch>x86', True),        # text orders as text
    ('cpu_arch<x86', False), ('cpu_arch>=x86_64', True),
    ('cpu_arch>1', True),          # '1' < 'x86_64' as text
    ('gpu=true', True), ('gpu>s', True), ('tags==a', False),
    ('big>1', True),               # 'inf' is no number: text
    ('missing=x', False), ('missing!=x', True), ('missing>1', False),
    ('missing<z', False), ('cpu_arch=', False),
])
def test_query_matches(text, expected):
    assert pe.matches(pe.parse_query([text]), NODE) is expected


def test_query_equals_is_double_equals():
    assert pe.parse_query(['a=1']) == pe.parse_query(['a==1'])


def test_claims_keep_their_dialect():
    with pytest.raises(exception.InvalidField):
        pe.parse(['cpu_arch=x86_64'])
    with pytest.raises(exception.InvalidField):
        pe.parse(['cpu_arch>x86'])
    assert not pe.matches(pe.parse(['cpu_arch>1']), NODE)


@pytest.mark.parametrize('values,reason', [
    (['novalue'], 'novalue is not <key><op><value> with op one of '
                  '== = != >= <= > <'),
    (['a~1'], 'is not <key><op><value>'),
    (['a b=1'], 'is not <key><op><value>'),
    (['a=x\x00'], 'is not <key><op><value>'),
    (['x' * 256], 'each expression must be a string of at most 255'),
    (['a=1'] * 33, 'at most 32 expressions'),
])
def test_query_refused(values, reason):
    with pytest.raises(exception.InvalidField) as raised:
        pe.parse_query(values)
    assert raised.value.message.startswith('Invalid property: ')
    assert reason in raised.value.message


def test_query_without_values():
    assert pe.parse_query([]) == ()
