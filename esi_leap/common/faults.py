"""The JSON fault every refusal carries, and the status line before it.

python-esileapclient and Horizon read WSME's fault document:
``{"faultcode": "Client" or "Server", "faultstring": text, "debuginfo":
null}``. Every layer that answers an error itself (the HTTP server, the
request guard, the middleware, the controllers' own checks) builds it here.
"""
import http
import json


def fault(code, text):
    """Return the fault document for HTTP status ``code`` saying ``text``.

    The fault code is ``Client`` below 500 and ``Server`` from 500 on.
    """
    return {'faultcode': 'Client' if code < 500 else 'Server',
            'faultstring': text, 'debuginfo': None}


def fault_body(code, text):
    """Return the fault document as JSON bytes (ASCII, so also UTF-8)."""
    return json.dumps(fault(code, text)).encode('ascii')


def status_line(code):
    """Return the WSGI status line for ``code``: its number and phrase.

    The phrase is the standard one (``http.HTTPStatus``), or ``Error`` for
    a code the standard does not name.
    """
    try:
        phrase = http.HTTPStatus(code).phrase
    except ValueError:
        phrase = 'Error'
    return '%d %s' % (code, phrase)
