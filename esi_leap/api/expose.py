"""The decorator every API method is exposed with.

It is WSME's ``wsexpose`` plus one promise: an exception that is not an
EsiLeapException is logged with its traceback and reported to the client
as a generic 500, so no SQL, path or stack trace ever reaches a response
body. A lost or refused database connection is reported as 503 (the
request may be retried once the database is back), without its details.
"""
import functools
import inspect

from oslo_db import exception as db_exc
from oslo_log import log
from wsmeext import pecan as wsme_pecan

from esi_leap.common import exception

LOG = log.getLogger(__name__)


def expose(*args, **kwargs):
    """Expose a controller method through WSME with safe error reporting."""
    def decorate(func):
        @functools.wraps(func)
        def guarded(*a, **kw):
            try:
                return func(*a, **kw)
            except exception.EsiLeapException:
                raise
            except db_exc.DBConnectionError as e:
                LOG.error('Database unavailable in %s: %s',
                          func.__qualname__, type(e).__name__)
                raise exception.DatabaseUnavailable()
            except Exception:
                LOG.exception('Unexpected error in %s', func.__qualname__)
                raise exception.InternalError()
        # WSME reads the argument list of the function it exposes.
        guarded.__signature__ = inspect.signature(func)
        exposed = wsme_pecan.wsexpose(*args, **kwargs)(guarded)
        # functools.wraps copied __signature__ onto WSME's wrapper; pecan
        # must see that wrapper's own (self, *args, **kwargs) to route.
        del exposed.__signature__
        return exposed
    return decorate
