"""What a database error means for the caller, beyond oslo.db's classes."""

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
