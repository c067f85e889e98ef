"""What a database error means for the caller, beyond oslo.db's classes."""
import re

# MySQL and MariaDB refusing a new connection: too many connections (1040),
# too many for one account (1203: max_user_connections; 1226: the account's
# own MAX_USER_CONNECTIONS).
_MYSQL_REFUSALS = (1040, 1203, 1226)
# PostgreSQL says so at connection time, before there is a SQLSTATE.
_POSTGRESQL_REFUSALS = ('too many connections', 'too many clients')


def refused_connection(error):
    """Whether ``error`` is a database server refusing a new session.

    ``error`` may be an oslo.db DBError, a SQLAlchemy error or anything
    else (then False).

    NOTE(esi-leap): a full server is not a DBConnectionError to oslo.db (a
    refusal at pool check-out even reaches the caller as SQLAlchemy's own
    OperationalError); it is the same "retry later" to a client.
    """
    inner = getattr(error, 'inner_exception', None) or error
    driver_error = getattr(inner, 'orig', None) or inner
    args = getattr(driver_error, 'args', None) or ()
    if args and args[0] in _MYSQL_REFUSALS:
        return True
    if getattr(driver_error, 'pgcode', None) == '53300':
        return True
    text = str(args[0]) if args else ''
    return any(phrase in text for phrase in _POSTGRESQL_REFUSALS) and \
        'FATAL' in text


# MySQL and MariaDB: a string its column's or its connection's character
# set cannot hold (1366), or a comparison with one (1267).
_MYSQL_INCORRECT_STRING = 1366
_MYSQL_ILLEGAL_MIX = 1267
_COLUMN = re.compile(r"for column [`']?(?:[^`'\s]+[`']?\.[`']?)*"
                     r"([A-Za-z_]+)[`']? at row")
# PostgreSQL's driver refusing to send a string holding NUL.
_POSTGRESQL_NUL = 'cannot contain NUL'
_SOME_VALUE = 'A value in the request'


def unstorable_text(error):
    """What the database could not store or compare, or None.

    ``error`` may be an oslo.db DBError, a SQLAlchemy error or anything
    else. For a string a 3-byte (utf8mb3) MySQL/MariaDB column or
    connection cannot hold, returns the column's name when the server
    gives it, else ``'A value in the request'``; that too for a string
    PostgreSQL cannot hold (NUL). None for any other error.
    """
    inner = getattr(error, 'inner_exception', None) or error
    driver_error = getattr(inner, 'orig', None) or inner
    args = getattr(driver_error, 'args', None) or ()
    text = str(args[1]) if len(args) > 1 else str(args[0]) if args else ''
    if args and args[0] == _MYSQL_INCORRECT_STRING and \
            'Incorrect string value' in text:
        found = _COLUMN.search(text)
        return found.group(1) if found else _SOME_VALUE
    if args and args[0] == _MYSQL_ILLEGAL_MIX and (
            'utf8mb3' in text or 'utf8_' in text):
        return _SOME_VALUE
    if isinstance(driver_error, ValueError) and _POSTGRESQL_NUL in text:
        return _SOME_VALUE
    return None
