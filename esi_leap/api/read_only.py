"""Documents that answer only GET and HEAD (the root and the version)."""
import pecan


def only_get_and_head():
    """Answer 405 (a JSON fault, through JsonErrors) unless GET or HEAD."""
    if pecan.request.method not in ('GET', 'HEAD'):
        pecan.abort(405, headers={'Allow': 'GET, HEAD'})
