"""How a MySQL or MariaDB database keeps esi-leap's text.

esi-leap needs every character a client may send (utf8mb4: 4-byte UTF-8,
emoji included) and exact comparisons (a binary collation: case, accents
and trailing spaces count). Migration 0007 sets both on the database and
its tables; the connection's character set comes from [database]
connection (``?charset=utf8mb4``). esi-leap-status reports what is off.
"""
import dataclasses

import sqlalchemy as sa

from esi_leap.db.sqlalchemy import engine as _engine

FOUR_BYTE = 'utf8mb4'
TABLES = ('offers', 'leases', 'events', 'console_auth_tokens',
          'resource_locks', 'lease_notices', 'node_attestations',
          'project_quotas', 'lease_ending_events')

_DATABASE = sa.text(
    'SELECT @@character_set_connection, DEFAULT_CHARACTER_SET_NAME, '
    'DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA '
    'WHERE SCHEMA_NAME = DATABASE()')
_COLUMNS = sa.text(
    'SELECT TABLE_NAME, COLUMN_NAME, CHARACTER_SET_NAME, COLLATION_NAME '
    'FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() '
    'AND CHARACTER_SET_NAME IS NOT NULL AND TABLE_NAME IN :tables '
    'ORDER BY TABLE_NAME, ORDINAL_POSITION').bindparams(
        sa.bindparam('tables', expanding=True))


@dataclasses.dataclass(frozen=True)
class TextStorage(object):
    """The character sets and collations that hold esi-leap's text."""

    connection_charset: str
    database_charset: str
    database_collation: str
    # (table, column, character set, collation) of every text column
    columns: tuple

    def narrow_columns(self):
        """Columns that cannot hold 4-byte characters: 'table.column'."""
        return ['%s.%s' % column[:2] for column in self.columns
                if column[2] != FOUR_BYTE]

    def inexact_columns(self):
        """Columns whose collation ignores case or accents."""
        return ['%s.%s' % column[:2] for column in self.columns
                if not column[3].endswith('_bin')]


def text_storage():
    """Return the TextStorage of a MySQL/MariaDB database, else None."""
    engine = _engine.get_engine()
    if engine.dialect.name != 'mysql':
        return None
    with engine.connect() as conn:
        connection, charset, collation = conn.execute(_DATABASE).one()
        columns = tuple(tuple(row) for row in conn.execute(
            _COLUMNS, {'tables': list(TABLES)}))
    return TextStorage(connection, charset, collation, columns)
