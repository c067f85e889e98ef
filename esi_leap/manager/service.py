"""The manager service: the scheduler plus its RPC server."""
import logging
import threading

from oslo_config import cfg
from oslo_log import log
import oslo_messaging as messaging

from esi_leap.common import outbox
from esi_leap.common import rpc
from esi_leap.manager import email_notices
from esi_leap.manager import rpc_endpoint
from esi_leap.manager import scheduler
from esi_leap import resource_types

CONF = cfg.CONF
LOG = log.getLogger(__name__)


class _CancelWhileClosing(logging.Filter):
    """Drops amqp's warning about a basic.cancel met while closing.

    NOTE(esi-leap): when the RPC server stops, its consumers' auto-delete
    queues go, RabbitMQ tells the closing channel so (basic.cancel, AMQP
    method 60,30) and amqp logs that it ignores it: a WARNING at every
    clean stop that says nothing is wrong. Other amqp warnings pass.
    """

    def filter(self, record):
        return not (record.name == 'amqp' and
                    record.getMessage().startswith(
                        'Received method (60, 30) during closing channel'))


_AMQP_STOP_NOISE = _CancelWhileClosing()


class ManagerService(object):
    """Starts and stops the lease scheduler and the manager RPC server."""

    def __init__(self):
        self.scheduler = None
        self.notifier = None
        self.rpc_server = None
        self._listening = threading.Event()

    def start(self):
        """Start scheduling and listening for casts."""
        # Load the default resource type (and its client) now, not late
        # at the first lease that starts.
        try:
            resource_types.get(CONF.api.default_resource_type).warm_up()
        except Exception as e:
            LOG.warning('Could not prepare resource type %s: %s',
                        CONF.api.default_resource_type, e)
        if CONF.email.enabled:
            self.notifier = email_notices.Notifier()
        self.scheduler = scheduler.Scheduler(
            on_run=self.notifier.wake if self.notifier else None)
        target = messaging.Target(topic=rpc.TOPIC, server=CONF.host)
        self.rpc_server = messaging.get_rpc_server(
            rpc.get_transport(), target,
            [rpc_endpoint.ManagerEndpoint(self.scheduler)],
            executor='threading')
        self.scheduler.start()
        if self.notifier is not None:
            self.notifier.start()
        LOG.info('esi-leap manager %s started', self.scheduler.name)
        # NOTE(esi-leap): starting the RPC server blocks until the message
        # bus answers; the manager must work without it (it plans from
        # the database and sweeps), so it listens from a thread of its own.
        threading.Thread(target=self._listen, name='rpc-listen',
                         daemon=True).start()

    def _listen(self):
        try:
            self.rpc_server.start()
        except Exception as e:
            LOG.warning('Not listening for casts (%s); relying on the '
                        'schedule and the sweep', e)
            return
        self._listening.set()
        LOG.info('esi-leap manager listening for casts on %s', rpc.TOPIC)

    def stop(self):
        """Stop listening, then let work in progress finish."""
        if self.rpc_server is not None and self._listening.is_set():
            logging.getLogger('amqp').addFilter(_AMQP_STOP_NOISE)
            self.rpc_server.stop()
            self.rpc_server.wait()
        if self.scheduler is not None:
            self.scheduler.stop()
        if self.notifier is not None:
            self.notifier.stop()
        if not outbox.OUTBOX.flush():
            LOG.warning('Stopping with notifications still unsent')
        LOG.info('esi-leap manager stopped')
