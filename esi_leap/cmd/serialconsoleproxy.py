"""esi-leap-serial-console-proxy: websocket access to nodes' consoles."""
import asyncio
import signal
import sys
import threading

from oslo_config import cfg
from oslo_log import log

from esi_leap.common import service

CONF = cfg.CONF
LOG = log.getLogger(__name__)


async def _run():
    from esi_leap.console import server
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await server.serve_forever(stop)


def main():
    """Parse configuration and serve consoles until SIGTERM or SIGINT."""
    service.prepare_service(sys.argv)
    conf = CONF.serialconsoleproxy
    print('esi-leap serial console proxy listening on %s:%s; access URLs '
          'start with %s' % (conf.host_address, conf.port, conf.public_url),
          flush=True)
    asyncio.run(_run())


def start_in_thread():
    """Serve consoles from a daemon thread of this process (esi-leap-all).

    Returns the thread. Configuration must already be parsed.
    """
    from esi_leap.console import server

    def run():
        conf = CONF.serialconsoleproxy
        try:
            asyncio.run(server.serve_forever())
        except OSError as e:
            # NOTE(esi-leap): typically the port is taken; the API and the
            # manager keep serving, so say plainly what is missing.
            LOG.error('The serial console proxy could not listen on %s:%s '
                      '(%s); consoles are unavailable until it can. Set '
                      '[serialconsoleproxy] port to a free port.',
                      conf.host_address, conf.port, e.strerror or e)
        except Exception:
            LOG.exception('The serial console proxy stopped')

    thread = threading.Thread(target=run, name='esi-leap-console-proxy',
                              daemon=True)
    thread.start()
    return thread
