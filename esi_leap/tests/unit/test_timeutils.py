"""Parsing and formatting of client times."""
import datetime

import pytest

from esi_leap.common import exception
from esi_leap.common import timeutils

UTC = datetime.timezone.utc


@pytest.mark.parametrize('text,expected', [
    ('2030-01-02', datetime.datetime(2030, 1, 2, tzinfo=UTC)),
    ('2030-01-02T03:04:05', datetime.datetime(2030, 1, 2, 3, 4, 5,
                                              tzinfo=UTC)),
    ('2030-01-02 03:04:05', datetime.datetime(2030, 1, 2, 3, 4, 5,
                                              tzinfo=UTC)),
    ('2030-01-02 03:04:05.123456',
     datetime.datetime(2030, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)),
    ('2030-01-02T03:04:05Z', datetime.datetime(2030, 1, 2, 3, 4, 5,
                                               tzinfo=UTC)),
    # Offsets are converted to UTC, never dropped.
    ('2030-01-02T03:04:05+02:00',
     datetime.datetime(2030, 1, 2, 1, 4, 5, tzinfo=UTC)),
    ('2030-01-02 00:30:00-05:30',
     datetime.datetime(2030, 1, 2, 6, 0, 0, tzinfo=UTC)),
    # What python-esileapclient users type and its tests send.
    ('2030-01-01', datetime.datetime(2030, 1, 1, tzinfo=UTC)),
    ('2030-01-01 10:00:00', datetime.datetime(2030, 1, 1, 10, tzinfo=UTC)),
    ('2030-01-01T10:00:00.123456+02:00',
     datetime.datetime(2030, 1, 1, 8, 0, 0, 123456, tzinfo=UTC)),
    ('2026-12-01 20:30:00.5', datetime.datetime(2026, 12, 1, 20, 30, 0,
                                                500000, tzinfo=UTC)),
    ('9999-12-31T00:00:00', datetime.datetime(9999, 12, 31, tzinfo=UTC)),
    ('9999-01-01', datetime.datetime(9999, 1, 1, tzinfo=UTC)),
    # Minutes without seconds; offsets as +hhmm and +hh.
    ('2030-01-02T03:04', datetime.datetime(2030, 1, 2, 3, 4, tzinfo=UTC)),
    ('2030-01-02T03:04:05+0130',
     datetime.datetime(2030, 1, 2, 1, 34, 5, tzinfo=UTC)),
    ('2030-01-02T03:04:05-02',
     datetime.datetime(2030, 1, 2, 5, 4, 5, tzinfo=UTC)),
    ('2030-01-02 03:04:05.1Z',
     datetime.datetime(2030, 1, 2, 3, 4, 5, 100000, tzinfo=UTC)),
    ('2030-01-02T03:04:05+00:00',
     datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)),
])
def test_parse_accepts_iso_forms(text, expected):
    parsed = timeutils.parse(text, 'start_time')
    assert parsed == expected
    assert parsed.tzinfo == UTC


@pytest.mark.parametrize('text', [
    '', ' ', 'tomorrow-ish', '2030-13-01', '2030-01-01T25:00', None, 5,
    1.5, [], {}, True,
    # What a lenient parser read as something else without an error.
    '2030', '-1', '1' * 40, '2030-01', '20300101', '2030-1-1',
    '2030-01-01T00:00:00 EST', '2030-01-01T00:00:00 UTC+5',
    '2030-01-01 UTC', 'Jan 2 2030 10:00', '01/02/2030', '2030-01-01T',
    '2030-01-01T10', '2030-01-01T10:00:00.', '2030-01-01T10:00:00.1234567',
    '2030-01-01T10:00:00+5', '2030-01-01T10:00:00+05:',
    '2030-01-01T10:00:00+24:00',
    '2030-01-01T10:00:00+05:60', '2030-01-01t10:00:00', '2030-01-01T10:00:00z',
    '2030-01-01\x00', '2030-01-01T10:00:00\x00', '\x002030-01-01',
    '  2030-01-02  ', '2030-01-02\n', '2030-01-02T10:00:00\nforged',
    # Non-ASCII digits (Arabic-Indic, fullwidth) and other look-alikes.
    '\u0662\u0660\u0663\u0660-01-01', '\uff12\uff10\uff13\uff10-01-01',
    '2030\u201001\u201001', '2030-02-30', '2030-02-29', '0000-01-01',
    '2030-01-01T10:00:00+05:00:00', '+2030-01-01', '2030-01-01T10:00:60',
])
def test_parse_rejects_garbage_naming_the_field(text):
    with pytest.raises(exception.InvalidDatetime) as info:
        timeutils.parse(text, 'end_time')
    assert 'end_time' in str(info.value)
    assert info.value.code == 400
    assert '\n' not in info.value.faultstring
    assert '\x00' not in info.value.faultstring


def test_leap_day_and_year_one():
    assert timeutils.parse('2032-02-29', 'x').day == 29
    assert timeutils.parse('0001-01-01T00:00:00Z', 'x').year == 1
    with pytest.raises(exception.InvalidDatetime):
        timeutils.parse('0001-01-01T00:00:00+01:00', 'x')


def test_parse_rejects_offset_falling_off_the_calendar():
    with pytest.raises(exception.InvalidDatetime):
        timeutils.parse('9999-12-31T23:00:00-05:00', 'end_time')


def test_parse_optional():
    assert timeutils.parse_optional(None, 'x') is None
    assert timeutils.parse_optional('', 'x') is None


def test_isoformat_is_naive_utc():
    value = datetime.datetime(2030, 1, 2, 5, 0, tzinfo=datetime.timezone(
        datetime.timedelta(hours=2)))
    assert timeutils.isoformat(value) == '2030-01-02T03:00:00'
    assert timeutils.isoformat(
        value.replace(microsecond=5)) == '2030-01-02T03:00:00.000005'
    assert timeutils.isoformat(None) is None


def test_message_format_is_str_of_naive_utc():
    value = datetime.datetime(2030, 1, 2, 3, 4, 5, 600, tzinfo=UTC)
    assert timeutils.message_format(value) == '2030-01-02 03:04:05.000600'
    assert timeutils.message_format(
        value.replace(microsecond=0)) == '2030-01-02 03:04:05'


def test_utcnow_is_aware():
    assert timeutils.utcnow().tzinfo == UTC


def _times():
    """UTC times around the edges: years 1 and 9999, microseconds or not."""
    values = [datetime.datetime(1, 1, 1, tzinfo=UTC), timeutils.MAX_DATETIME,
              datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC),
              datetime.datetime(2030, 1, 2, 3, 4, 5, 6, tzinfo=UTC)]
    step = datetime.timedelta(days=37, seconds=4001, microseconds=123457)
    values += [datetime.datetime(2030, 1, 1, tzinfo=UTC) + i * step
               for i in range(200)]
    return values


def test_isoformats_are_isoformat():
    values = _times() + [None]
    table = timeutils.isoformats(values + values[:3])
    assert table == {v: timeutils.isoformat(v) for v in values}
    assert timeutils.isoformats([]) == {None: None}


@pytest.mark.parametrize('odd', [
    datetime.datetime(2030, 1, 2, 5, tzinfo=datetime.timezone(
        datetime.timedelta(hours=2))),
    datetime.datetime(2030, 1, 2, 5),     # naive: taken as UTC
])
@pytest.mark.parametrize('where', [0, 1, -1])
def test_isoformats_of_times_not_in_utc(odd, where):
    # A value not in UTC anywhere in the list is still formatted in UTC
    # (the batch is formatted one by one instead).
    values = _times()[:5]
    values.insert(where if where >= 0 else len(values), odd)
    table = timeutils.isoformats(values)
    assert table[odd] == timeutils.isoformat(odd)
    assert all(table[v] == timeutils.isoformat(v) for v in values)
