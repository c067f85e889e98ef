"""How the DB layer reads values back: DATETIMEs from PyMySQL, JSON dicts."""
import datetime
import types

from pymysql import constants
from pymysql import converters

from esi_leap.db.sqlalchemy import engine
from esi_leap.db.sqlalchemy import types as db_types

DATETIME = constants.FIELD_TYPE.DATETIME


def test_pymysql_datetimes_are_parsed_as_pymysql_would():
    for text in ('2030-01-02 03:04:05', '2030-01-02 03:04:05.000006',
                 '9999-12-31 23:59:59.999999', '0000-00-00 00:00:00',
                 '2030-02-30 00:00:00'):
        assert engine._pymysql_datetime(text) == \
            converters.convert_datetime(text)


def test_fast_datetimes_replace_only_pymysqls_own_converter():
    connection = types.SimpleNamespace(
        decoders={DATETIME: converters.convert_datetime})
    engine._fast_datetimes(connection)
    assert connection.decoders[DATETIME] is engine._pymysql_datetime

    def mine(text):
        return text
    customised = types.SimpleNamespace(decoders={DATETIME: mine})
    engine._fast_datetimes(customised)
    assert customised.decoders[DATETIME] is mine
    engine._fast_datetimes(object())    # another driver: left alone


def test_empty_properties_are_a_fresh_dict():
    column = db_types.JSONDict()
    first = column.process_result_value('{}', None)
    first['changed'] = True
    assert column.process_result_value('{}', None) == {}
    assert column.process_result_value('{"a": [1, 2]}', None) == \
        {'a': [1, 2]}
    big = 2 ** 70
    assert column.process_result_value('{"n": %d}' % big, None) == \
        {'n': big}
    assert column.process_result_value(None, None) is None


def test_read_datetimes_are_aware_utc():
    column = db_types.UTCDateTime()
    value = column.process_result_value(
        datetime.datetime(2030, 1, 2, 3, 4, 5), None)
    assert value.tzinfo is datetime.timezone.utc
