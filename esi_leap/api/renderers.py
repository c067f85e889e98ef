"""The JSON renderer of every API response: strict JSON, encoded fast.

WSME's own renderer walks the result through its type system and then
calls ``json.dumps``, which writes ``NaN`` and ``Infinity`` (not JSON).
Every esi-leap method returns plain dicts and lists (``types.jsontype``),
so this renderer hands them straight to orjson, a C encoder: a listing of
thousands of offers is encoded in a few milliseconds instead of tens.

WSME's own client-error texts, which name Python types and internals
(``Expected '<class 'str'>'``), are rewritten here into plain words.
"""
import json
import re

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


_TYPE_WORDS = {'str': 'a string', 'int': 'an integer', 'float': 'a number',
               'bool': 'true or false', 'dict': 'a JSON object',
               'list': 'a JSON array', 'NoneType': 'null'}
_WRONG_TYPE = re.compile(
    r"Invalid input for field/attribute (?P<field>[\w.]+)\. Value: .*"
    r"Wrong type\. Expected '<class '(?P<want>\w+)'>', "
    r"got '<class '(?P<got>\w+)'>'", re.S)
_INTERNALS = ('<class', '__init__', 'positional argument', 'Traceback')


def _type_words(name):
    return _TYPE_WORDS.get(name, 'another type')


def plain_faultstring(text):
    """Rewrite a WSME client-error text into plain words."""
    match = _WRONG_TYPE.match(text)
    if match:
        return 'Invalid %s: expected %s, got %s.' % (
            match.group('field'), _type_words(match.group('want')),
            _type_words(match.group('got')))
    if any(marker in text for marker in _INTERNALS):
        return 'The request body does not have the expected fields and ' \
               'types.'
    return text


class JSONRenderer(object):
    """A pecan renderer that replaces WSME's ``wsmejson``."""

    def __init__(self, path, extra_vars):
        pass

    @staticmethod
    def render(template_path, namespace):
        if 'faultcode' in namespace:
            fault = dict(namespace)
            if fault.get('faultcode') == 'Client' and \
                    isinstance(fault.get('faultstring'), str):
                fault['faultstring'] = plain_faultstring(
                    fault['faultstring'])
            return dumps(fault)
        if namespace['datatype'] is types.jsontype:
            return dumps(namespace['result'])
        return wsme.rest.json.encode_result(namespace['result'],
                                            namespace['datatype'])


RENDERERS = {'wsmejson': JSONRenderer}
