"""A request's JSON body: parsed once, by the guard, handed to its method.

guard.RequestGuard parses a body strictly, keeps the value here
(keep()) and empties the body, so nothing downstream reads or parses it
again: WSME finds no body, and expose() hands the value to the method's
body argument (argument()), converted to the method's body type by WSME's
own converter, with the errors WSME's own body parsing raises. A method
that takes the body as plain JSON checks its fields with json_object().
"""
from wsme import exc as wsme_exc
from wsme.rest import json as wsme_json

from esi_leap.common import exception

_KEY = 'esi_leap.json_body'
_NONE = object()


def keep(environ, value):
    """Keep the parsed JSON body ``value`` of the request of ``environ``."""
    environ[_KEY] = value


def argument(environ, kwargs, name, datatype):
    """Set ``kwargs[name]`` to the request's body as a ``datatype``.

    ``kwargs`` are the arguments WSME read from the query string. As WSME
    would: a body and a query parameter of the same name is a 400
    ("given several times"), neither is MissingArgument (400), a value
    that does not convert is InvalidInput or UnknownAttribute (400).
    """
    value = environ.get(_KEY, _NONE)
    if value is _NONE:
        if name not in kwargs:
            raise wsme_exc.MissingArgument(name)
        return
    if name in kwargs:
        raise wsme_exc.ClientSideError(
            'Parameter %s was given several times' % name)
    try:
        kwargs[name] = wsme_json.fromjson(datatype, value)
    except ValueError as error:
        raise wsme_exc.InvalidInput(name, value, error.args[0])
    except wsme_exc.UnknownAttribute as error:
        error.add_fieldname(name)
        raise


def json_object(body, allowed, what):
    """Return ``body`` if it is a JSON object of ``allowed`` fields only.

    For the bodies (and their nested objects) a controller reads as
    plain JSON: ``what`` names it in the 400 (Invalid) for anything else
    or for an unknown field.
    """
    if not isinstance(body, dict):
        raise exception.Invalid(reason='%s must be a JSON object' % what)
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise exception.Invalid(reason='unknown field %s in %s; known: %s' % (
            exception.shown(unknown[0]), what, ', '.join(allowed)))
    return body
