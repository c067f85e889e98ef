"""``Accept: text/csv`` for the API methods that offer it.

pecan would answer 406 to a client asking only for CSV from a JSON
method. CSVHook notes, before routing, that a CSV-capable path was asked
for CSV and lets the JSON method run; the method hands its table to
offer() and, if the answer is a 200, the hook replaces the JSON body by
the table as CSV. Errors stay JSON faults.
"""
import csv
import io

from pecan import hooks

CSV = 'text/csv'
_WANTED = 'esi_leap.csv_wanted'
_TABLE = 'esi_leap.csv_table'
# Paths whose GET may answer CSV.
PATHS = ('/v1/usage',)


def _prefers_csv(accept):
    """Whether an Accept header prefers text/csv to JSON."""
    best = accept.best_match(['application/json', CSV])
    return best == CSV


def wanted(request):
    """Whether this request is to be answered in CSV."""
    return bool(request.environ.get(_WANTED))


def offer(request, fields, rows):
    """Give the CSV table (column names, row dicts) of a request."""
    request.environ[_TABLE] = (fields, rows)


def render(fields, rows):
    """The CSV text of a table: a header line, then one line a row."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction='ignore',
                            lineterminator='\r\n')
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue()


def _cell(value):
    """A cell as text; one starting like a formula is quoted by a tick.

    NOTE(esi-leap): names and ids are client text; a spreadsheet would
    run a cell starting with = + - @ as a formula.
    """
    text = '' if value is None else str(value)
    if text[:1] in ('=', '+', '-', '@', '\t', '\r') and \
            not isinstance(value, (int, float)):
        return "'" + text
    return text


class CSVHook(hooks.PecanHook):
    """Serve CSV to the requests of PATHS that ask for it."""

    def on_route(self, state):
        request = state.request
        if request.method in ('GET', 'HEAD') and request.path in PATHS \
                and _prefers_csv(request.accept):
            request.environ[_WANTED] = True
            request.headers['Accept'] = 'application/json'

    def after(self, state):
        table = state.request.environ.get(_TABLE)
        if table is None or state.response.status_int != 200:
            return
        state.response.body = render(*table).encode('utf-8')
        state.response.content_type = CSV
        state.response.charset = 'utf-8'
