"""Lifecycle events: a row in the same transaction as the change, then a
versioned notification once that transaction has committed.

The one shape of "record then send": recorded(body) is the transaction
body, handed a Recorder; the transaction returns a Recorded, whose send()
(after the commit) emits the events and returns the body's value.
"""
import functools
import typing

from oslo_config import cfg
from oslo_log import log

from esi_leap.common import outbox
from esi_leap.common import rpc
from esi_leap.common import timeutils
from esi_leap.notifications import payloads

CONF = cfg.CONF
LOG = log.getLogger(__name__)
_LEVELS = ('debug', 'info', 'warning', 'error', 'critical')


class Recorder(object):
    """Collects the events of one transaction and sends them after it.

    record() writes the event rows into the transaction; send() is called
    after the commit and emits one notification per event. The
    transaction is a ResourceTransaction or a ResourcesTransaction: the
    rows go through its ``add_event``. ``nodes`` ({(resource_type, uuid):
    NodeInfo}) are the nodes the caller has already read: their facts go
    into the payloads (never read here: unknown facts are null).
    """

    def __init__(self, transaction, nodes=None):
        self._add_event = transaction.add_event
        self.nodes = dict(nodes or {})
        self.pending = []   # (level, event_type, payload)
        self._resources = []  # (resource_type, uuid) of each pending

    def record(self, obj_type, obj, action, phase, status_before=None,
               when=None, extra=None, ends=(None, None)):
        """Record ``esi_leap.<obj_type>.<action>.<phase>`` for ``obj``.

        ``extra`` adds fields to the notification's payload data; ``ends``
        (end_time, previous_end_time) are the end times the event is
        about, kept on its row (null when not given).
        """
        event_type = 'esi_leap.%s.%s.%s' % (obj_type, action, phase)
        if obj_type == 'lease':
            lessee_id, owner_id = obj.project_id, obj.owner_id
        else:
            lessee_id, owner_id = obj.lessee_id, obj.project_id
        now = timeutils.utcnow()
        self._add_event(
            event_type=event_type, event_time=when or now,
            object_type=obj_type, object_uuid=obj.uuid,
            resource_type=obj.resource_type,
            resource_uuid=obj.resource_uuid,
            lessee_id=lessee_id, owner_id=owner_id, end_time=ends[0],
            previous_end_time=ends[1], created_at=now)
        level = 'error' if phase == 'error' else 'info'
        build = payloads.lease_payload if obj_type == 'lease' \
            else payloads.offer_payload
        key = (obj.resource_type, obj.resource_uuid)
        payload = build(obj, status_before or obj.status, self.nodes.get(key))
        if extra:
            payload['esi_leap_object.data'].update(extra)
        self.pending.append((level, event_type, payload))
        self._resources.append(key)

    def record_node(self, lease, action, phase, reason, lessee_id=False):
        """Record ``esi_leap.node.<action>.<phase>`` for the node of a lease.

        The event is the owner's (``lease.owner_id``) and, unless
        ``lessee_id`` is given (None: nobody's), the lease's lessee's. Its
        payload carries the node fields as lease and offer payloads do.
        """
        event_type = 'esi_leap.node.%s.%s' % (action, phase)
        if lessee_id is False:
            lessee_id = lease.project_id
        now = timeutils.utcnow()
        self._add_event(
            event_type=event_type, event_time=now, object_type='node',
            object_uuid=lease.resource_uuid
            if len(lease.resource_uuid) <= 36 else None,
            resource_type=lease.resource_type,
            resource_uuid=lease.resource_uuid, lessee_id=lessee_id,
            owner_id=lease.owner_id, end_time=None, previous_end_time=None,
            created_at=now)
        key = (lease.resource_type, lease.resource_uuid)
        level = {'error': 'error', 'start': 'warning'}.get(phase, 'info')
        self.pending.append((
            level, event_type,
            payloads.node_payload(lease, reason, self.nodes.get(key))))
        self._resources.append(key)

    def send(self, nodes=None):
        """Emit the notifications (after the commit); never raises.

        ``nodes`` (as in the constructor) are nodes read since the events
        were recorded: payloads whose node was unknown get their facts.
        They leave in order from the process's outbox thread: the caller
        never waits on the message bus.
        """
        threshold = CONF.notification.notification_level
        late = {key: node for key, node in (nodes or {}).items()
                if key not in self.nodes}
        for (level, event_type, payload), key in zip(self.pending,
                                                     self._resources):
            if key in late:
                payload['esi_leap_object.data'].update(
                    payloads.node_fields(key[1], late[key]))
            if _LEVELS.index(level) < _LEVELS.index(threshold):
                continue
            outbox.OUTBOX.put(functools.partial(_notify, level, event_type,
                                                payload),
                              'notification %s' % event_type)
        self.pending, self._resources = [], []


class Recorded(typing.NamedTuple):
    """What a recorded() body returns: its value and its committed events."""

    value: object
    recorder: Recorder

    def send(self, nodes=None):
        """Send the events (after the commit, see Recorder.send()).

        Returns the body's value.
        """
        if nodes is None:
            self.recorder.send()
        else:
            self.recorder.send(nodes)
        return self.value


def recorded(body, nodes=None):
    """Make ``body(txn, recorder, ...)`` a transaction body with events.

    The body returned takes the transaction (and any further arguments
    of ``body``), hands ``body`` a fresh Recorder of it (``nodes`` as in
    Recorder) and returns a Recorded: the caller calls its send() once
    the transaction has committed. A body that returns None (it found
    nothing to act on) makes it return None: nothing to send. A retried
    transaction runs it afresh, so only the committed attempt's events
    are sent.
    """
    @functools.wraps(body)
    def in_transaction(txn, *args, **kwargs):
        recorder = Recorder(txn, nodes)
        value = body(txn, recorder, *args, **kwargs)
        return None if value is None else Recorded(value, recorder)
    return in_transaction


def _notify(level, event_type, payload):
    """Send one versioned notification (from the outbox thread)."""
    getattr(rpc.get_notifier(), level)({}, event_type, payload)
