"""Column types shared by the models and the migrations."""
import datetime

from oslo_db.sqlalchemy import types as oslo_types
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

UTC = datetime.timezone.utc

# Set (True) on a dialect whose connections return DATETIMEs as aware UTC
# datetimes already (engine._aware_conversions()).
AWARE_DATETIMES = 'esi_leap_aware_datetimes'


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp stored as naive UTC and always read back aware in UTC.

    On MySQL/MariaDB the column keeps microseconds (DATETIME(6)).
    """

    impl = sa.DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == 'mysql':
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(sa.DateTime())

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.replace(tzinfo=None)

    def result_processor(self, dialect, coltype):
        if getattr(dialect, AWARE_DATETIMES, False):
            return None
        return super().result_processor(dialect, coltype)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class JSONDict(oslo_types.JsonEncodedDict):
    """A dict stored as JSON text (oslo.db's type).

    NOTE(esi-leap): most offers and leases have no properties; their
    ``{}`` is answered without the JSON parser, which a long list calls
    once a row. (orjson is not used here: it reads integers beyond 64
    bits as floats, where ``json`` keeps them exact.)
    """

    cache_ok = True

    def process_result_value(self, value, dialect):
        if value == '{}':
            return {}
        return super().process_result_value(value, dialect)
