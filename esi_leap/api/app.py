"""Builds the esi-leap WSGI application."""
from oslo_config import cfg
import pecan

from esi_leap.api import hooks
from esi_leap.api import middleware
from esi_leap.common import policy

CONF = cfg.CONF


def _pecan_app():
    return pecan.make_app(
        'esi_leap.api.controllers.root.RootController',
        hooks=[hooks.ContextHook(), hooks.RPCHook()],
        force_canonical=False,
        guess_content_type_from_ext=False,
        debug=False)


def _authenticate(app):
    if CONF.auth_strategy != 'keystone':
        return app
    from keystonemiddleware import auth_token
    return auth_token.AuthProtocol(app, {'oslo_config_config': CONF})


def setup_app():
    """Return the WSGI application, middleware included.

    Middleware, outermost first:
    1. JsonErrors: every error body becomes a WSME-style JSON fault, so it
       also covers errors raised by the layers below it.
    2. AnonymousRoot: ``/`` (the version document) skips authentication.
    3. keystonemiddleware auth_token, when auth_strategy is keystone.
    4. The pecan application; its ContextHook builds the request context.
    """
    policy.get_enforcer()  # built before the first request arrives
    app = _pecan_app()
    return middleware.JsonErrors(
        middleware.AnonymousRoot(_authenticate(app), app))
