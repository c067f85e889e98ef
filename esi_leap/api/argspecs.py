"""Remembered argument specs of controller functions, for pecan.

NOTE(esi-leap): pecan asks for the argument spec of the controller it
routes to several times per request (routing, the REST lookup, the
invocation), and its ``getargspec`` builds a brand-new ``namedtuple``
class every time: ``namedtuple`` compiles source with ``eval``. That cost
about a millisecond of CPU per request, more than the database work of a
lookup. A function's arguments never change while it lives, so the spec
is worked out once per function and kept.
"""
import collections
import functools
import inspect
import types

from pecan import util as pecan_util

ArgSpec = collections.namedtuple('ArgSpec', 'args varargs keywords defaults')

# At most this many functions are remembered (an application has a few
# dozen controller methods; the bound only guards against surprises).
MAX_FUNCTIONS = 1024

_ORIGINAL = pecan_util._getargspec


@functools.lru_cache(maxsize=MAX_FUNCTIONS)
def _spec_of(function):
    args, varargs, keywords, defaults = inspect.getfullargspec(function)[:4]
    return ArgSpec(args=args, varargs=varargs, keywords=keywords,
                   defaults=defaults)


def getargspec(func):
    """Return what pecan's own ``getargspec`` returns for ``func``.

    For a plain function or a bound method the answer is that of the
    underlying function (a bound method's spec names ``self`` as well),
    remembered; anything else is worked out each time.
    """
    function = getattr(func, '__func__', func)
    if isinstance(function, types.FunctionType):
        return _spec_of(function)
    return _ORIGINAL(func)


def install():
    """Make pecan use the remembered specs; idempotent."""
    pecan_util._getargspec = getargspec
