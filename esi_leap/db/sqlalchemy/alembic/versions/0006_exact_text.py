"""Text compares exactly, and holds any character, on MySQL and MariaDB.

A MySQL or MariaDB database made with the server's defaults compares text
with a ``_general_ci`` (or ``_ai_ci``) collation: case, accents and
trailing spaces are ignored. esi-leap compares identifiers and names in
Python exactly, so two nodes whose names differ only in case shared one
lock row and stopped the manager, and filters and name lookups matched the
wrong objects. A database created with ``CHARACTER SET utf8`` (utf8mb3)
also cannot hold 4-byte characters at all.

Every text column of esi-leap's tables, each table's default and the
database's default become utf8mb4 with an exact (binary, no-pad)
collation: ``utf8mb4_nopad_bin`` on MariaDB, ``utf8mb4_0900_bin`` on
MySQL 8, ``utf8mb4_bin`` (which still ignores trailing spaces) on older
servers. Column types, lengths and nullability are kept; the data is
unchanged (a unique value under a case-blind collation is unique under an
exact one). Each table is rebuilt once, by one ALTER TABLE; tables that
are already right are left alone.

PostgreSQL and SQLite compare text exactly (trailing spaces included)
already: nothing changes there.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'

_TABLES = ('offers', 'leases', 'events', 'console_auth_tokens',
           'resource_locks', 'lease_notices')
# The first of these that the server has is used.
_COLLATIONS = ('utf8mb4_nopad_bin', 'utf8mb4_0900_bin', 'utf8mb4_bin')

_COLUMNS = sa.text(
    'SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, CHARACTER_SET_NAME, '
    'COLLATION_NAME FROM information_schema.COLUMNS '
    'WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = :table '
    'AND CHARACTER_SET_NAME IS NOT NULL ORDER BY ORDINAL_POSITION')
_TABLE_COLLATION = sa.text(
    'SELECT TABLE_COLLATION FROM information_schema.TABLES '
    'WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = :table')


def _collation(connection):
    have = {row[0] for row in connection.execute(
        sa.text('SHOW COLLATION WHERE Charset = :charset'),
        {'charset': 'utf8mb4'})}
    return next(name for name in _COLLATIONS if name in have)


def _modify(column, collation):
    """The MODIFY clause keeping a column's type and nullability."""
    name, column_type, nullable = column[:3]
    return 'MODIFY `%s` %s CHARACTER SET utf8mb4 COLLATE %s %s' % (
        name, column_type, collation,
        'NULL' if nullable == 'YES' else 'NOT NULL')


def _convert_table(connection, table, collation):
    columns = connection.execute(_COLUMNS, {'table': table}).all()
    clauses = [_modify(column, collation) for column in columns
               if tuple(column[3:5]) != ('utf8mb4', collation)]
    current = connection.execute(_TABLE_COLLATION,
                                 {'table': table}).scalar()
    if clauses or current != collation:
        connection.exec_driver_sql(
            'ALTER TABLE `%s` DEFAULT CHARACTER SET utf8mb4 COLLATE %s%s'
            % (table, collation, ''.join(', ' + c for c in clauses)))


def upgrade():
    connection = op.get_bind()
    if connection.dialect.name != 'mysql':
        return
    collation = _collation(connection)
    # NOTE(esi-leap): the database's default too, so that tables and
    # columns added later are exact and 4-byte without saying so.
    connection.exec_driver_sql(
        'ALTER DATABASE CHARACTER SET utf8mb4 COLLATE %s' % collation)
    for table in _TABLES:
        _convert_table(connection, table, collation)
