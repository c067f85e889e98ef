"""Every response names its request: ``x-openstack-request-id``.

The id is oslo.middleware's (``req-<uuid>``), the same one the request's
own log lines carry; a caller's valid ``X-OpenStack-Request-ID`` becomes
the global request id of the request's context, and anything else a
client sends there is ignored, never echoed.
"""
import logging
import re

import pytest

from esi_leap.api import hooks
from esi_leap.tests import identities

REQ_ID = re.compile(r'^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-'
                    r'[0-9a-f]{4}-[0-9a-f]{12}$')
ADMIN = identities.noauth_headers('admin-project', 'admin', user_id='u')
INBOUND = 'req-0f1e2d3c-4b5a-4978-8665-544332211000'


def _id(response):
    value = response.headers.get('x-openstack-request-id')
    assert value and REQ_ID.match(value), response.headers
    return value


@pytest.mark.parametrize('path,status', [
    ('/', 200), ('/v1/offers', 200), ('/v1/leases', 200),
    ('/v1/leases/no-such-lease', 404), ('/v1/offers?limit=x', 400),
    ('/v1/no-such-thing', 404)])
def test_every_answer_carries_a_request_id(app, path, status):
    _id(app.get(path, headers=ADMIN, status=status))


def test_refused_bodies_carry_one_too(app):
    response = app.post('/v1/offers', '{"resource_uuid": ', headers=dict(
        ADMIN, **{'Content-Type': 'application/json'}), status=400)
    _id(response)
    assert 'faultstring' in response.json


def test_each_request_gets_its_own(app):
    ids = {_id(app.get('/v1/offers', headers=ADMIN)) for _ in range(5)}
    assert len(ids) == 5


def test_the_request_id_is_the_one_in_the_requests_log_lines(
        app, monkeypatch):
    seen = []
    before = hooks.ContextHook.before

    def spy(self, state):
        before(self, state)
        seen.append((state.request.context.request_id,
                     state.request.context.global_request_id))
    monkeypatch.setattr(hooks.ContextHook, 'before', spy)
    response = app.get('/v1/offers', headers=dict(
        ADMIN, **{'X-OpenStack-Request-ID': INBOUND}))
    assert seen == [(_id(response), INBOUND)]
    # Without identity headers (noauth's own identity) too.
    seen.clear()
    response = app.get('/v1', status=300,
                       headers={'X-OpenStack-Request-ID': INBOUND})
    assert seen == [(_id(response), INBOUND)]


@pytest.mark.parametrize('inbound', [
    'forged\nline', 'req-not-a-uuid', 'x' * 300,
    'REQ-0F1E2D3C-4B5A-4978-8665-544332211000'])
def test_a_bad_inbound_id_is_ignored_never_echoed(app, inbound, caplog,
                                                  monkeypatch):
    seen = []
    before = hooks.ContextHook.before

    def spy(self, state):
        before(self, state)
        seen.append(state.request.context.global_request_id)
    monkeypatch.setattr(hooks.ContextHook, 'before', spy)
    with caplog.at_level(logging.DEBUG):
        response = app.get('/v1/offers', headers=dict(
            ADMIN, **{'X-OpenStack-Request-ID': inbound}))
    assert _id(response) != inbound
    assert seen == [None]
    assert inbound not in caplog.text
