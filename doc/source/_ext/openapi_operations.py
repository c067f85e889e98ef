"""Sphinx directive ``openapi-operations``: a table of an OpenAPI document.

``.. openapi-operations:: openapi.yaml`` renders one row per operation of
the document (method and path, summary, parameters, request body, answer
statuses), so the reference page cannot drift from the document that
schemathesis checks the server against.
"""
import os

from docutils import nodes
from docutils.parsers.rst import Directive
import yaml

_METHODS = ('get', 'post', 'put', 'patch', 'delete')


def _ref_name(item):
    ref = item.get('$ref', '')
    return ref.rsplit('/', 1)[-1] if ref else None


def _parameters(document, path_item, operation):
    names = []
    for param in path_item.get('parameters', []) + operation.get(
            'parameters', []):
        name = _ref_name(param)
        if name is not None:
            param = document['components']['parameters'][name]
        names.append('%s (%s)' % (param['name'], param['in']))
    return ', '.join(names) or '-'


def _body(operation):
    content = operation.get('requestBody', {}).get('content', {})
    schema = content.get('application/json', {}).get('schema', {})
    return _ref_name(schema) or ('JSON object' if schema else '-')


def _row(cells):
    row = nodes.row()
    for text in cells:
        entry = nodes.entry()
        entry += nodes.paragraph(text=text)
        row += entry
    return row


class OpenApiOperations(Directive):
    """Render the operations of an OpenAPI document as a table."""

    required_arguments = 1

    def run(self):
        env = self.state.document.settings.env
        path = os.path.join(os.path.dirname(env.doc2path(env.docname)),
                            self.arguments[0])
        env.note_dependency(path)
        with open(path) as f:
            document = yaml.safe_load(f)
        headers = ('Operation', 'Summary', 'Parameters', 'Body',
                   'Statuses')
        table = nodes.table()
        group = nodes.tgroup(cols=len(headers))
        table += group
        for width in (22, 34, 20, 10, 14):
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        head += _row(headers)
        group += head
        body = nodes.tbody()
        for url, path_item in document['paths'].items():
            for method in _METHODS:
                operation = path_item.get(method)
                if operation is None:
                    continue
                body += _row(('%s %s' % (method.upper(), url),
                              operation.get('summary', ''),
                              _parameters(document, path_item, operation),
                              _body(operation),
                              ', '.join(operation['responses'])))
        group += body
        return [table]


def setup(app):
    app.add_directive('openapi-operations', OpenApiOperations)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
