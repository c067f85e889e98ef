"""esi_leap/api/routes.py agrees with the controllers, the policy rules'
documented operations and doc/source/api/openapi.yaml.

That pecan answers exactly the routes of the table is checked against the
running app in esi_leap/tests/functional/test_route_table.py.
"""
import collections
import importlib

from esi_leap.api import routes
from esi_leap import policies
from esi_leap.tests.unit import test_openapi


def _documented_rules():
    """{(method, path): set of rules whose operations name it}."""
    found = collections.defaultdict(set)
    for rule in policies.list_rules():
        for operation in getattr(rule, 'operations', None) or []:
            found[(operation['method'], operation['path'])].add(rule.name)
    return found


def test_each_route_is_declared_once():
    keys = [(route.method, route.path) for route in routes.ROUTES]
    assert len(keys) == len(set(keys))


def test_every_controller_method_exists():
    missing = []
    for route in routes.ROUTES:
        module_name, class_name, method = route.controller.rsplit('.', 2)
        controller = getattr(importlib.import_module(module_name),
                             class_name, None)
        if not callable(getattr(controller, method, None)):
            missing.append(route.controller)
    assert not missing


def test_every_route_is_public_or_has_a_rule():
    for route in routes.ROUTES:
        assert bool(route.rules) != route.public, route
    assert [r.path for r in routes.ROUTES if r.public] == ['/', '/v1']


def test_rules_of_the_table_are_the_documented_ones():
    # Each rule documents exactly the routes that list it: a rule added
    # to a route (or an operation to a rule) without the other fails.
    names = {rule.name for rule in policies.list_rules()}
    documented = _documented_rules()
    for route in routes.guarded():
        assert set(route.rules) <= names, route
        assert set(route.rules) == documented.pop(
            (route.method, route.path), set()), route
    assert not documented, 'operations of no route: %s' % sorted(documented)


def test_table_is_the_openapi_document():
    with open(test_openapi.DOCUMENT) as f:
        document = test_openapi.yaml.safe_load(f)
    documented = {(path, method) for path, method, _ in
                  test_openapi.operations(document)}
    assert documented == {(route.path, route.method.lower())
                          for route in routes.ROUTES}
