"""oslo.messaging transports: RPC to the manager, and the notifier.

``[DEFAULT] transport_url`` selects the broker (RabbitMQ in deployments);
``fake://`` is the in-process transport esi-leap-all uses.
"""
import threading

from oslo_config import cfg
import oslo_messaging as messaging
from oslo_messaging import opts as messaging_opts

CONF = cfg.CONF

TOPIC = 'esi_leap.manager'

_LOCK = threading.Lock()
_TRANSPORT = None
_NOTIFIER = None


def register_opts(conf):
    """Register oslo.messaging's [DEFAULT] options (``transport_url``...)."""
    for group, opts in messaging_opts.list_opts():
        if group is None or group == 'DEFAULT':
            conf.register_opts(opts)


def get_transport():
    """Return the process-wide RPC transport."""
    global _TRANSPORT
    with _LOCK:
        if _TRANSPORT is None:
            _TRANSPORT = messaging.get_rpc_transport(CONF)
        return _TRANSPORT


def get_notifier():
    """Return the notifier for versioned notifications, or None if off."""
    global _NOTIFIER
    with _LOCK:
        if _NOTIFIER is None:
            transport = messaging.get_notification_transport(CONF)
            _NOTIFIER = messaging.Notifier(
                transport,
                publisher_id='esi-leap-manager.%s' % CONF.host,
                driver='messagingv2',
                topics=CONF.notification.versioned_notifications_topics,
                # NOTE(esi-leap): never hold a request or a lease transition
                # hostage to a broker outage; the events table keeps the
                # record either way.
                retry=1)
        return _NOTIFIER


def reset():
    """Drop transports and notifier (tests and configuration changes)."""
    global _TRANSPORT, _NOTIFIER
    with _LOCK:
        if _TRANSPORT is not None:
            _TRANSPORT.cleanup()
        _TRANSPORT = None
        _NOTIFIER = None
