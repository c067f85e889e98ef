"""Times come back from every backend aware in UTC, to the microsecond.

On MySQL/MariaDB the driver itself parses DATETIMEs into aware values
(engine._aware_conversions, given to the driver as its ``conv``); these
tests read through the real driver connection the service uses.
"""
import datetime

import pytest
import sqlalchemy as sa

from esi_leap.db import api as db_api
from esi_leap.db.sqlalchemy import models

UTC = datetime.timezone.utc
WHEN = datetime.datetime(2030, 1, 2, 3, 4, 5, 6, tzinfo=UTC)


def _stored_event_time(when):
    with db_api.writer() as session:
        session.add(models.Event(event_type='test.time', event_time=when))
    with db_api.reader() as session:
        return session.scalar(sa.select(models.Event.event_time))


def test_a_time_reads_back_aware_utc_to_the_microsecond(database):
    got = _stored_event_time(WHEN.astimezone(
        datetime.timezone(datetime.timedelta(hours=-5))))
    assert got == WHEN
    assert got.tzinfo is UTC


def test_the_mysql_driver_connection_parses_datetimes_aware(database):
    if database.backend not in ('mysql', 'mysqlclient'):
        pytest.skip('only MySQL drivers are given their conversions')
    raw = db_api.get_engine().raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SELECT CAST('2030-01-02 03:04:05.000006' AS "
                       "DATETIME(6)), CAST('2030-01-02 03:04:05' AS "
                       "DATETIME)")
        exact, whole = cursor.fetchone()
        cursor.close()
    finally:
        raw.close()
    assert exact == WHEN and exact.tzinfo is UTC, \
        'the driver no longer uses engine._aware_conversions (conv)'
    assert whole == WHEN.replace(microsecond=0) and whole.tzinfo is UTC
