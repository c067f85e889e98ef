"""Schema management with alembic: upgrade, stamp, version, revision."""
import functools
import os

from alembic import command as alembic_command
from alembic import config as alembic_config
from alembic import migration as alembic_migration
from alembic import script as alembic_script

from esi_leap.db import adopt as adopt_
from esi_leap.db.sqlalchemy import engine as sqla_engine

_INI = os.path.join(os.path.dirname(__file__), 'sqlalchemy', 'alembic.ini')


def _config(connection=None):
    config = alembic_config.Config(_INI)
    config.attributes['connection'] = connection
    return config


def _migrate(engine, revision):
    with engine.begin() as connection:
        alembic_command.upgrade(_config(connection), revision)


def upgrade(revision='head', engine=None, adopt=True):
    """Bring the schema up to ``revision`` (default: the newest).

    A database of the original ESI-Leap (at its head revision) is adopted
    first, unless ``adopt`` is False. A revision that is neither esi-leap's
    nor the original's raises adopt.SchemaError, and nothing is changed.
    """
    engine = engine or sqla_engine.get_engine()
    adopt_.prepare(engine, revision, _scripts(),
                   functools.partial(_migrate, engine), adopt=adopt)
    _migrate(engine, revision)


def stamp(revision, engine=None):
    """Record ``revision`` as the schema version without running anything."""
    engine = engine or sqla_engine.get_engine()
    with engine.begin() as connection:
        alembic_command.stamp(_config(connection), revision)


def version(engine=None):
    """Return the schema's current revision, or None for an empty DB."""
    engine = engine or sqla_engine.get_engine()
    with engine.connect() as connection:
        context = alembic_migration.MigrationContext.configure(connection)
        return context.get_current_revision()


def revision(message, autogenerate=False, engine=None):
    """Write a new migration script (for developers)."""
    engine = engine or sqla_engine.get_engine()
    with engine.begin() as connection:
        alembic_command.revision(_config(connection), message=message,
                                 autogenerate=autogenerate)


def _scripts():
    return alembic_script.ScriptDirectory.from_config(_config())


def head():
    """Return the newest revision this code's migrations know."""
    return _scripts().get_current_head()


def known(revision):
    """Whether ``revision`` is one of this code's migrations."""
    try:
        return _scripts().get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for unknown ids
        return False
