"""The migrations alone build exactly the schema the models describe."""
from alembic import autogenerate
from alembic import migration as alembic_migration
import sqlalchemy as sa

from esi_leap.db import api as db_api
from esi_leap.db import migration
from esi_leap.db.sqlalchemy import models


def _compare_type(context, inspected_column, metadata_column,
                  inspected_type, metadata_type):
    # Compare what the database holds with what the model's type renders
    # to on that dialect (UTCDateTime is DATETIME(6) on MariaDB).
    dialect = context.dialect
    rendered = metadata_type.dialect_impl(dialect)
    if isinstance(rendered, sa.types.TypeDecorator):
        rendered = rendered.impl
    if isinstance(rendered, sa.DateTime) and \
            isinstance(inspected_type, sa.DateTime):
        return (getattr(rendered, 'fsp', None)
                != getattr(inspected_type, 'fsp', None))
    return None  # alembic's default comparison


def test_migrations_match_models(database):
    engine = db_api.get_engine()
    with engine.connect() as connection:
        context = alembic_migration.MigrationContext.configure(
            connection, opts={'compare_type': _compare_type,
                              'compare_server_default': False})
        diff = autogenerate.compare_metadata(context, models.Base.metadata)
    assert diff == []


def test_schema_is_at_head(database):
    with db_api.get_engine().connect() as connection:
        context = alembic_migration.MigrationContext.configure(connection)
        heads = context.get_current_heads()
    assert heads == ('0011',)
    assert migration.version() == '0011'


def test_every_table_is_built(database):
    inspector = sa.inspect(db_api.get_engine())
    tables = set(inspector.get_table_names())
    assert set(models.Base.metadata.tables) <= tables


def test_datetimes_keep_microseconds_and_utc(database):
    import datetime
    value = datetime.datetime(2030, 1, 2, 3, 4, 5, 123456,
                              tzinfo=datetime.timezone(
                                  datetime.timedelta(hours=-5)))
    with db_api.writer() as session:
        session.add(models.Event(event_type='t', event_time=value))
    with db_api.reader() as session:
        stored = session.scalars(sa.select(models.Event.event_time)).one()
    assert stored == value
    assert stored.tzinfo == datetime.timezone.utc
    assert stored.hour == 8 and stored.microsecond == 123456


def test_text_compares_exactly(database):
    # Case, accents and trailing spaces all count, in every database.
    names = ['node', 'Node', 'nöde', 'node ', 'node  ']
    with db_api.writer() as session:
        for name in names:
            session.add(models.ResourceLock(resource_type='t',
                                            resource_uuid=name))
    lock = models.ResourceLock
    with db_api.reader() as session:
        for name in names:
            assert list(session.scalars(sa.select(lock.resource_uuid).where(
                lock.resource_uuid == name))) == [name]
