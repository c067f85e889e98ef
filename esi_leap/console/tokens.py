"""Reading the token from a console URL and using it up."""
import urllib.parse

from esi_leap.common import exception
from esi_leap.common import timeutils
from esi_leap.objects import console_tokens


def token_from_path(path):
    """Return the token of a request path ``/?token=<token>``.

    Raises ConsoleTokenRefused when the path is anything else.
    """
    parts = urllib.parse.urlsplit(path or '')
    values = urllib.parse.parse_qs(parts.query).get('token', [])
    if parts.path not in ('', '/') or len(values) != 1:
        raise exception.ConsoleTokenRefused(
            reason='open the access_url of a console token: '
            '<public_url>/?token=<token>')
    return values[0]


def consume_token(token):
    """Use ``token`` (as token_from_path() read it) once; return its row.

    Raises ConsoleTokenRefused. Blocking (one database transaction): run
    it in a thread.
    """
    return console_tokens.consume(token, timeutils.utcnow())
