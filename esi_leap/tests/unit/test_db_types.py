"""How the DB layer reads values back: DATETIMEs from MySQL, JSON dicts."""
import datetime
import types

from MySQLdb.constants import FIELD_TYPE as MYSQLDB_FIELD_TYPE
from MySQLdb import times as mysqldb_times
from pymysql import constants
from pymysql import converters
import pytest
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects import sqlite

from esi_leap.db.sqlalchemy import engine
from esi_leap.db.sqlalchemy import types as db_types

DATETIME = constants.FIELD_TYPE.DATETIME
MYSQLDB_DATETIME = MYSQLDB_FIELD_TYPE.DATETIME


TEXTS = ('2030-01-02 03:04:05', '2030-01-02 03:04:05.000006',
         '9999-12-31 23:59:59.999999', '0000-00-00 00:00:00',
         '2030-02-30 00:00:00')


def _aware(value):
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=datetime.timezone.utc)
    return value


@pytest.mark.parametrize('text', TEXTS)
def test_mysql_datetimes_are_the_drivers_values_made_aware(text):
    ours = engine._pymysql_datetime(text)
    assert ours == _aware(converters.convert_datetime(text))
    assert type(ours) is type(converters.convert_datetime(text))
    assert engine._mysqldb_datetime(text) == _aware(
        mysqldb_times.DateTime_or_None(text))
    if isinstance(ours, datetime.datetime):
        assert ours.tzinfo is datetime.timezone.utc


def test_aware_datetimes_set_each_drivers_converter():
    pymysql_connection = types.SimpleNamespace(
        decoders={DATETIME: converters.convert_datetime})
    engine._aware_datetimes(pymysql_connection, 'pymysql')
    assert pymysql_connection.decoders[DATETIME] is engine._pymysql_datetime
    mysqldb_connection = types.SimpleNamespace(
        converter={MYSQLDB_DATETIME: mysqldb_times.DateTime_or_None})
    engine._aware_datetimes(mysqldb_connection, 'mysqldb')
    assert mysqldb_connection.converter[MYSQLDB_DATETIME] is \
        engine._mysqldb_datetime


def test_column_processes_values_unless_the_dialect_reads_them_aware():
    column = db_types.UTCDateTime()
    plain = sqlite.dialect()
    assert column.dialect_impl(plain).result_processor(
        plain, None) is not None
    aware = mysql.dialect()
    setattr(aware, db_types.AWARE_DATETIMES, True)
    assert column.dialect_impl(aware).result_processor(aware, None) is None
    assert column.dialect_impl(mysql.dialect()).result_processor(
        mysql.dialect(), None) is not None


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
