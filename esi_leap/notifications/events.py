"""Lifecycle events: a row in the same transaction as the change, then a
versioned notification once that transaction has committed."""
import functools

from oslo_config import cfg
from oslo_log import log

from esi_leap.common import outbox
from esi_leap.common import rpc
from esi_leap.common import timeutils

CONF = cfg.CONF
LOG = log.getLogger(__name__)
_LEVELS = ('debug', 'info', 'warning', 'error', 'critical')


def _payload(obj_type, obj, status_before):
    fields = {
        'uuid': obj.uuid, 'name': obj.name, 'project_id': obj.project_id,
        'resource_type': obj.resource_type,
        'resource_uuid': obj.resource_uuid,
        'start_time': timeutils.isoformat(obj.start_time),
        'end_time': timeutils.isoformat(obj.end_time),
        'status': status_before, 'properties': obj.properties or {},
        'parent_lease_uuid': obj.parent_lease_uuid,
    }
    if obj_type == 'lease':
        fields.update({
            'owner_id': obj.owner_id, 'purpose': obj.purpose,
            'offer_uuid': obj.offer_uuid,
            'fulfill_time': timeutils.isoformat(obj.fulfill_time),
            'expire_time': timeutils.isoformat(obj.expire_time),
        })
        name = 'LeaseCRUDPayload'
    else:
        fields['lessee_id'] = obj.lessee_id
        name = 'OfferCRUDPayload'
    return {'esi_leap_object.name': name,
            'esi_leap_object.namespace': 'esi_leap',
            'esi_leap_object.version': '1.0',
            'esi_leap_object.data': fields}


class Recorder(object):
    """Collects the events of one transaction and sends them after it.

    record() writes the event rows into the transaction; send() is called
    after the commit and emits one notification per event. The
    transaction is a ResourceTransaction or a ResourcesTransaction: the
    rows go through its ``add_event``.
    """

    def __init__(self, transaction):
        self._add_event = transaction.add_event
        self.pending = []

    def record(self, obj_type, obj, action, phase, status_before=None,
               when=None, extra=None):
        """Record ``esi_leap.<obj_type>.<action>.<phase>`` for ``obj``.

        ``extra`` adds fields to the notification's payload data.
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
            lessee_id=lessee_id, owner_id=owner_id, created_at=now)
        level = 'error' if phase == 'error' else 'info'
        payload = _payload(obj_type, obj, status_before or obj.status)
        if extra:
            payload['esi_leap_object.data'].update(extra)
        self.pending.append((level, event_type, payload))

    def record_node(self, lease, action, phase, reason, lessee_id=False):
        """Record ``esi_leap.node.<action>.<phase>`` for the node of a lease.

        The event is the owner's (``lease.owner_id``) and, unless
        ``lessee_id`` is given (None: nobody's), the lease's lessee's.
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
            owner_id=lease.owner_id, created_at=now)
        self.pending.append(('warning' if phase == 'start' else 'info',
                             event_type, {
                                 'esi_leap_object.name': 'NodePayload',
                                 'esi_leap_object.namespace': 'esi_leap',
                                 'esi_leap_object.version': '1.0',
                                 'esi_leap_object.data': {
                                     'resource_type': lease.resource_type,
                                     'resource_uuid': lease.resource_uuid,
                                     'lease_uuid': lease.uuid,
                                     'reason': reason}}))

    def send(self):
        """Emit the notifications (after the commit); never raises.

        They leave in order from the process's outbox thread: the caller
        never waits on the message bus.
        """
        threshold = CONF.notification.notification_level
        for level, event_type, payload in self.pending:
            if _LEVELS.index(level) < _LEVELS.index(threshold):
                continue
            outbox.OUTBOX.put(functools.partial(_notify, level, event_type,
                                                payload),
                              'notification %s' % event_type)
        self.pending = []


def _notify(level, event_type, payload):
    """Send one versioned notification (from the outbox thread)."""
    getattr(rpc.get_notifier(), level)({}, event_type, payload)
