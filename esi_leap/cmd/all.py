"""esi-leap-all: API, manager and console proxy in one process.

This is what the embedded default runs: SQLite, no Keystone, dummy nodes.
"""
import sys

from oslo_config import cfg

from esi_leap.cmd import api
from esi_leap.common import prefork
from esi_leap.common import service

CONF = cfg.CONF

# Seconds the process has to stop once told to (SIGTERM): what the API
# needs to finish its requests and the manager its run in progress.
MANAGER_STOP_TIMEOUT = 30


def _app():
    from esi_leap.api import app
    return app.setup_app()


def _start_manager():
    """Start the manager and the console proxy; return their stop."""
    # NOTE(esi-leap): runs in the serving process, so the API and the
    # manager share it and its in-process transport.
    from esi_leap.manager import service as manager_service
    manager = manager_service.ManagerService()
    manager.start()
    from esi_leap.cmd import serialconsoleproxy
    serialconsoleproxy.start_in_thread()
    # NOTE(esi-leap): the manager is stopped once the API has stopped
    # serving (SIGTERM). Else its threads died with the process: a run in
    # progress left its nodes claimed (no other manager, nor this one
    # restarted, works them until [manager] claim_ttl lapses) and queued
    # notifications unsent.
    return manager.stop


def banner():
    """What esi-leap-all prints at start, true to the configuration.

    Where the API listens and how to point the CLI at it (with no
    identity in noauth mode; with Keystone, through the catalog or a
    token), and where the console proxy listens and what URL clients get.
    """
    url = 'http://%s:%s' % (CONF.api.host_ip, CONF.api.port)
    lines = ['esi-leap listening on %s' % url]
    if CONF.auth_strategy == 'noauth':
        lines += ['point the CLI at it with (no Keystone: requests act as '
                  'the [noauth] identity)',
                  '  openstack --os-auth-type none --os-endpoint %s/v1 '
                  'esi offer list' % url]
    else:
        lines += ['Keystone checks every request. Use your usual '
                  'credentials once the catalog has the endpoint:',
                  '  openstack service create --name esi-leap lease',
                  '  openstack endpoint create --region <region> lease '
                  'public %s' % url,
                  '  openstack esi offer list',
                  'or a token, without the catalog:',
                  '  openstack --os-auth-type admin_token --os-token '
                  '"$(openstack token issue -f value -c id)" '
                  '--os-endpoint %s/v1 esi offer list' % url]
    proxy = CONF.serialconsoleproxy
    lines.append('serial console proxy listening on %s://%s:%s; console '
                 'access URLs use %s' % (
                     'wss' if proxy.ssl_cert_file else 'ws',
                     proxy.host_address, proxy.port, proxy.public_url))
    return '\n'.join(lines)


def main():
    """Parse configuration and serve API (and manager) until stopped."""
    service.prepare_service(sys.argv)
    if not CONF.transport_url:
        CONF.set_override('transport_url', 'fake://')
    print(banner(), flush=True)
    sys.exit(prefork.serve(_app, CONF.api.host_ip, CONF.api.port, 1,
                           api.settings(MANAGER_STOP_TIMEOUT,
                                        _start_manager)))
