"""Fixtures of the API functional tests: the app on a real database."""
import pytest
import webtest

from esi_leap.api import app as app_module
from esi_leap.api import hooks
from esi_leap.common import rpc
from esi_leap.manager import scheduler as scheduler_mod
from esi_leap.tests.functional import helpers


class Caller(object):
    """Sends requests to the app as one identity (noauth headers)."""

    def __init__(self, app, project_id, roles, user_id='user'):
        self.app = app
        self.headers = {'X-Project-Id': project_id or '',
                        'X-Roles': ','.join(roles),
                        'X-User-Id': user_id}

    def request(self, method, path, body=None, status=None, params=None):
        """Send a request; check ``status`` if given; return the response."""
        kwargs = dict(headers=self.headers, expect_errors=True)
        if body is not None:
            response = getattr(self.app, method + '_json')(path, body,
                                                           **kwargs)
        elif method == 'get':
            response = self.app.get(path, params=params, **kwargs)
        elif method == 'delete':
            response = self.app.delete(path, **kwargs)
        else:
            response = self.app.request(
                path, method=method.upper(), body=b'',
                headers=self.headers, expect_errors=True)
        if status is not None:
            assert response.status_int == status, (
                '%s %s -> %s %s' % (method.upper(), path,
                                    response.status, response.text))
        return response

    def get(self, path, expect=200, **params):
        """GET with query ``params``; check the status is ``expect``."""
        return self.request('get', path, status=expect,
                            params=params or None)

    def post(self, path, body, status=201):
        return self.request('post', path, body=body, status=status)

    def patch(self, path, body, status=200):
        return self.request('patch', path, body=body, status=status)

    def delete(self, path, status=200):
        return self.request('delete', path, status=status)


@pytest.fixture
def app(database, nodes, config):
    """The WSGI app in noauth mode, serving dummy nodes by default."""
    config(auth_strategy='noauth', transport_url='fake://')
    config(group='api', default_resource_type='dummy_node')
    rpc.reset()
    hooks.RPCHook._client = None
    yield webtest.TestApp(app_module.setup_app())
    rpc.reset()
    hooks.RPCHook._client = None


@pytest.fixture
def caller(app):
    """Return a function making a Caller for (project, roles)."""
    def make(project_id, *roles):
        return Caller(app, project_id, roles)
    return make


@pytest.fixture
def admin(caller):
    return caller('admin-project', 'admin')


@pytest.fixture
def owner(caller):
    return caller('owner-project', 'esi_leap_owner')


@pytest.fixture
def lessee(caller):
    return caller('lessee-project', 'esi_leap_lessee')


@pytest.fixture
def scheduler(config, database):
    """A manager scheduler on the test database, stopped afterwards."""
    config(transport_url='fake://')
    sched = scheduler_mod.Scheduler(name='test-manager')
    yield sched
    sched.stop()


@pytest.fixture
def sent(monkeypatch, config):
    """The (event type, payload data) of every notification, in order.

    Taken as the API hands them to the sender.
    """
    return helpers.spy_notifications(
        monkeypatch, config,
        lambda entry: (entry[1], entry[2]['esi_leap_object.data']))


@pytest.fixture
def holder(caller):
    """The holder of a parent lease: holder-project, owner and lessee."""
    return caller('holder-project', 'esi_leap_owner', 'esi_leap_lessee')


@pytest.fixture
def parent(owner, nodes):
    """An active lease of node-1 from owner-project to holder-project."""
    nodes.add('node-1', 'owner-project')
    return helpers.lease_to_holder(owner)
