"""The JSON renderer of every API response: strict JSON, encoded fast.

WSME's own renderer walks the result through its type system and then
calls ``json.dumps``, which writes ``NaN`` and ``Infinity`` (not JSON).
Every esi-leap method returns plain dicts and lists (``types.jsontype``),
so this renderer hands them straight to orjson, a C encoder: a listing of
thousands of offers is encoded in a few milliseconds instead of tens.
"""
import json

import orjson
import wsme.rest.json

from esi_leap.api.controllers.v1 import types


def dumps(value):
    """Encode ``value`` as strict JSON (UTF-8 bytes).

    NaN and infinities become null. Values orjson refuses (integers
    beyond 64 bits, non-string keys) go through the standard library
    instead, still strict.
    """
    try:
        return orjson.dumps(value)
    except (orjson.JSONEncodeError, TypeError):
        return json.dumps(value, allow_nan=False, default=str).encode(
            'utf-8')


class JSONRenderer(object):
    """A pecan renderer that replaces WSME's ``wsmejson``."""

    def __init__(self, path, extra_vars):
        pass

    @staticmethod
    def render(template_path, namespace):
        if 'faultcode' in namespace:
            return dumps(namespace)
        if namespace['datatype'] is types.jsontype:
            return dumps(namespace['result'])
        return wsme.rest.json.encode_result(namespace['result'],
                                            namespace['datatype'])


RENDERERS = {'wsmejson': JSONRenderer}
