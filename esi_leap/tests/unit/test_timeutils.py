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
    ('  2030-01-02  ', datetime.datetime(2030, 1, 2, tzinfo=UTC)),
    ('Jan 2 2030 10:00', datetime.datetime(2030, 1, 2, 10, 0,
                                           tzinfo=UTC)),
])
def test_parse_accepts_iso_forms(text, expected):
    parsed = timeutils.parse(text, 'start_time')
    assert parsed == expected
    assert parsed.tzinfo == UTC


@pytest.mark.parametrize('text', ['', 'tomorrow-ish', '2030-13-01',
                                  '2030-01-01T25:00', None, 5])
def test_parse_rejects_garbage_naming_the_field(text):
    with pytest.raises(exception.InvalidDatetime) as info:
        timeutils.parse(text, 'end_time')
    assert 'end_time' in str(info.value)
    assert info.value.code == 400


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
