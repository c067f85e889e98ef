"""Builds the esi-leap WSGI application."""
import gc

from oslo_config import cfg
from oslo_middleware import http_proxy_to_wsgi
from oslo_middleware import request_id
import pecan

from esi_leap.api import argspecs
from esi_leap.api import csv_output
from esi_leap.api import guard
from esi_leap.api import healthcheck
from esi_leap.api import hooks
from esi_leap.api import middleware
from esi_leap.api import renderers
from esi_leap.api import request_line
from esi_leap.common import policy

CONF = cfg.CONF
_FROZEN = False


def _pecan_app():
    argspecs.install()
    return pecan.make_app(
        'esi_leap.api.controllers.root.RootController',
        hooks=[hooks.ContextHook(), hooks.RPCHook(),
               csv_output.CSVHook()],
        force_canonical=False,
        guess_content_type_from_ext=False,
        custom_renderers=renderers.RENDERERS,
        debug=False)


def _authenticate(app):
    if CONF.auth_strategy != 'keystone':
        return app
    from keystonemiddleware import auth_token
    return auth_token.AuthProtocol(app, {'oslo_config_config': CONF})


def _anonymous_paths(authenticated):
    if not CONF.healthcheck.enabled:
        return {}
    return {'/healthcheck': healthcheck.make_app(CONF, authenticated)}


def setup_app():
    """Return the WSGI application, middleware included.

    Middleware, outermost first:
    0. oslo.middleware's RequestId: every response (faults included)
       carries ``x-openstack-request-id``, the id the request's log lines
       and the access line name; a valid inbound
       ``X-OpenStack-Request-ID`` becomes the global request id. Then
       oslo.middleware's HTTPProxyToWSGI: the scheme, host and client
       address a proxy forwards, only when [oslo_middleware]
       enable_proxy_headers_parsing is true; then Utf8Path: a path that
       is not UTF-8 is answered 400; then HeadAsGet: HEAD is answered
       wherever GET is.
    1. AnonymousRoot: ``/`` (the version document) and ``/healthcheck``
       (oslo.middleware's health check, when enabled; it keeps its own
       plain-text, HTML or JSON answers) skip authentication.
    2. JsonErrors: every error body becomes a WSME-style JSON fault, so it
       also covers errors raised by the layers below it.
    3. RequestGuard: the [api] size limits and strict JSON parsing, before
       anything reads the request.
    4. keystonemiddleware auth_token, when auth_strategy is keystone.
    5. The pecan application; its ContextHook builds the request context.
    """
    policy.get_enforcer()  # built before the first request arrives
    app = _pecan_app()
    authenticated = middleware.JsonErrors(
        guard.RequestGuard(_authenticate(app)))
    anonymous = _anonymous_paths(authenticated)
    root = middleware.AnonymousRoot(
        authenticated, middleware.JsonErrors(guard.RequestGuard(app)),
        anonymous)
    _freeze_heap()
    return request_id.RequestId(http_proxy_to_wsgi.HTTPProxyToWSGI(
        request_line.Utf8Path(request_line.HeadAsGet(root, anonymous)),
        conf=CONF))


def _freeze_heap():
    """Keep everything loaded so far out of the cyclic garbage collector.

    NOTE(esi-leap): a list of a thousand offers allocates tens of
    thousands of container objects, which sets off full collections; each
    one walked the whole heap of the process (SQLAlchemy, oslo, pecan:
    hundreds of thousands of objects that live as long as it does) and
    cost a listing more than its own serialisation did. Frozen objects are
    skipped by every collection (and, before workers fork, their pages
    stay shared). Garbage is collected first so none is kept; once a
    process, so that building apps again (tests) costs nothing more.
    """
    global _FROZEN
    if not _FROZEN:
        gc.collect()
        gc.freeze()
        _FROZEN = True
