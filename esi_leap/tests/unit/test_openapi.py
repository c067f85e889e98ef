"""doc/source/api/openapi.yaml is valid OpenAPI 3.1 and its examples fit.

That the running server matches it is checked by schemathesis in
esi_leap/tests/integration/test_api_contract.py.
"""
import copy
import os

import jsonschema
from openapi_spec_validator import validate
import pytest
import yaml

from esi_leap.api import routes

DOCUMENT = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'doc',
                        'source', 'api', 'openapi.yaml')
METHODS = ('get', 'post', 'put', 'patch', 'delete')


@pytest.fixture(scope='module')
def document():
    with open(DOCUMENT) as f:
        return yaml.safe_load(f)


def resolve(document, node):
    """Inline every local $ref of ``node`` (the document has no cycles)."""
    if isinstance(node, dict):
        if '$ref' in node:
            target = document
            for part in node['$ref'].lstrip('#/').split('/'):
                target = target[part]
            return resolve(document, target)
        return {k: resolve(document, v) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve(document, v) for v in node]
    return node


def operations(document):
    for path, item in document['paths'].items():
        for method in METHODS:
            if method in item:
                yield path, method, resolve(document, item[method])


def media_examples(media):
    if 'example' in media:
        yield media['example']
    for example in media.get('examples', {}).values():
        yield example['value']


def test_document_is_valid_openapi_3_1(document):
    assert document['openapi'].startswith('3.1')
    validate(copy.deepcopy(document))


def test_every_route_of_the_api_is_documented(document):
    documented = {(path, method) for path, method, _ in
                  operations(document)}
    # The route table (esi_leap/api/routes.py) is the list of routes; that
    # pecan answers exactly those is tested in functional/test_route_table.
    assert documented == {(route.path, route.method.lower())
                          for route in routes.ROUTES}


def test_every_error_answer_is_the_fault_shape(document):
    fault = resolve(document, document['components']['schemas']['Fault'])
    for path, method, operation in operations(document):
        for status, response in operation['responses'].items():
            if int(status) < 400:
                continue
            schema = response['content']['application/json']['schema']
            assert schema == fault, (path, method, status)


def test_examples_match_their_schemas(document):
    checked = 0
    for path, method, operation in operations(document):
        bodies = [operation.get('requestBody', {})] + list(
            operation['responses'].values())
        for body in bodies:
            for media in body.get('content', {}).values():
                for example in media_examples(media):
                    jsonschema.Draft202012Validator(
                        media['schema']).validate(example)
                    checked += 1
    assert checked >= 20
