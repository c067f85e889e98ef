"""Builds the esi-leap WSGI application."""
from oslo_config import cfg
import pecan

from esi_leap.api import guard
from esi_leap.api import healthcheck
from esi_leap.api import hooks
from esi_leap.api import middleware
from esi_leap.api import renderers
from esi_leap.common import policy

CONF = cfg.CONF


def _pecan_app():
    return pecan.make_app(
        'esi_leap.api.controllers.root.RootController',
        hooks=[hooks.ContextHook(), hooks.RPCHook()],
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
    return middleware.AnonymousRoot(
        authenticated, middleware.JsonErrors(guard.RequestGuard(app)),
        _anonymous_paths(authenticated))
