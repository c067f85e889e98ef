"""pecan answers exactly the routes of esi_leap/api/routes.py.

Each route of the table is sent, as an admin, with every method, for
identifiers that do not exist (nothing is changed): a method of the table
is answered by its controller, any other gets pecan's routing fault (404
or 405). Paths next to the table's (one segment more or less, a sibling)
are not answered with any method.
"""
import pytest

from esi_leap.api import routes
from esi_leap.tests.functional.helpers import fault

METHODS = ('GET', 'POST', 'PUT', 'PATCH', 'DELETE')
FILLING = {'offer_ident': 'no-such-offer', 'lease_ident': 'no-such-lease',
           'node_ident': 'no-such-node', 'project': 'no-such-project'}
# Paths the table does not hold, none of which any method reaches.
NOT_ROUTES = ('/v2', '/v1/nothing', '/v1/offers/x/y', '/v1/offers/x/claim/y',
              '/v1/leases/x/claim', '/v1/leases/x/y', '/v1/nodes/x',
              '/v1/events/x', '/v1/claims/x', '/v1/quotas', '/v1/quotas/x/y',
              '/v1/usage/x', '/v1/console_auth_tokens/x/y', '/v1/x/offers')


def routing_fault(response):
    """Whether ``response`` is pecan's answer to a path or method it lacks.

    None when the request reached a controller method.
    """
    if response.status_int == 404:
        return fault(response) == 'The resource could not be found.'
    if response.status_int == 405:
        return fault(response).startswith('The method ')
    return False


def send(admin, method, path):
    body = {} if method in ('POST', 'PUT', 'PATCH') else None
    return admin.request(method.lower(), path, body=body)


def _paths():
    return sorted({route.path for route in routes.ROUTES})


@pytest.mark.parametrize('template', _paths())
def test_table_methods_answer_and_others_do_not(admin, template):
    declared = {route.method for route in routes.ROUTES
                if route.path == template}
    path = template.format(**FILLING)
    answered = set()
    for method in METHODS:
        response = send(admin, method, path)
        assert response.status_int < 500, (method, path, response.text)
        if not routing_fault(response):
            answered.add(method)
    assert answered == declared, path


@pytest.mark.parametrize('path', NOT_ROUTES)
def test_paths_outside_the_table_are_not_answered(admin, path):
    for method in METHODS:
        response = send(admin, method, path)
        assert routing_fault(response), (method, path, response.status,
                                         response.text)
