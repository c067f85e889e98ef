"""One read-only transaction for everything a request reads."""
from esi_leap.db import api as db_api


def together():
    """Context manager: every read inside shares one transaction.

    The API serves each GET inside one: its lookups and listings then
    cost one connection check-out and one rollback in all, however many
    steps they take. Writes inside are transactions of their own.
    """
    return db_api.one_read()
