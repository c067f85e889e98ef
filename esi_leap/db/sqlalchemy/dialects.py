"""The two dialect-specific INSERTs: insert-or-ignore and upsert.

MySQL/MariaDB, PostgreSQL and SQLite each spell these differently; every
module that needs one of them builds it here.
"""
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

_MODULES = {'mysql': mysql, 'postgresql': postgresql}


def insert(dialect, table):
    """The INSERT of ``table`` of ``dialect`` (SQLite's for any other)."""
    return _MODULES.get(dialect, sqlite).insert(table)


def insert_or_ignore(dialect, table):
    """An INSERT of ``table`` that skips rows violating a unique key."""
    if dialect == 'mysql':
        return mysql.insert(table).prefix_with('IGNORE')
    return insert(dialect, table).on_conflict_do_nothing()


def upsert(dialect, statement, keys, changes):
    """Make ``statement`` (an insert() of ``dialect``) update on conflict.

    A row whose unique key ``keys`` (column names) already exists gets
    ``changes`` ({column: value or expression}) instead of being inserted.
    """
    if dialect == 'mysql':
        return statement.on_duplicate_key_update(**changes)
    return statement.on_conflict_do_update(index_elements=keys,
                                           set_=changes)
