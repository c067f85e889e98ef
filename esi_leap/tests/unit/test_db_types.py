"""How the DB layer reads values back: DATETIMEs from MySQL, JSON dicts."""
import datetime

from MySQLdb.constants import FIELD_TYPE as MYSQLDB_FIELD_TYPE
from MySQLdb import converters as mysqldb_converters
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


@pytest.mark.parametrize('driver,defaults,field,ours', [
    ('pymysql', converters.conversions, DATETIME,
     engine._pymysql_datetime),
    ('mysqldb', mysqldb_converters.conversions, MYSQLDB_DATETIME,
     engine._mysqldb_datetime)])
def test_aware_conversions_are_each_drivers_with_our_datetime(
        driver, defaults, field, ours):
    conv = engine._aware_conversions(driver)
    assert conv[field] is ours
    assert {k: v for k, v in conv.items() if k != field} == \
        {k: v for k, v in defaults.items() if k != field}
    assert defaults[field] is not ours


def test_drivers_connect_with_the_conversions():
    conv = engine._aware_conversions('pymysql')
    cparams = {'host': 'db', 'charset': 'utf8mb4'}
    engine._connect_with(conv)(None, None, [], cparams)
    assert cparams == {'host': 'db', 'charset': 'utf8mb4', 'conv': conv}


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
