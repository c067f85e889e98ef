"""The hand-back of an Ironic node, one step per call (see handback)."""
import contextlib
import dataclasses
import json

from keystoneauth1 import exceptions as ks_exc
from openstack import exceptions as sdk_exc
from oslo_config import cfg
from oslo_log import log

from esi_leap.common import exception
from esi_leap.common import timeutils
from esi_leap.resource_types import base
from esi_leap.resource_types import handback

CONF = cfg.CONF
LOG = log.getLogger(__name__)

# Node field holding a node's own lease-end clean steps (JSON list).
CLEAN_STEPS_KEY = 'esi_leap_clean_steps'
# Oldest Ironic API version with the node's lessee.
API_VERSION = '1.65'
# Most clean steps one list may hold.
MAX_STEPS = 50

_ACTIONS = {handback.Step.ABORT: 'abort', handback.Step.UNDEPLOY: 'deleted',
            handback.Step.MANAGE: 'manage', handback.Step.CLEAN: 'clean',
            handback.Step.PROVIDE: 'provide'}


class CleanStepsInvalid(ValueError):
    """A clean step list that is not a JSON list of clean steps."""


def parse_clean_steps(value):
    """Return the clean steps of ``value`` (JSON text or a list) as a tuple.

    Each step is an object with string ``interface`` and ``step`` and an
    optional ``args`` object. Raises CleanStepsInvalid saying what is
    wrong; None and the empty string give no steps.
    """
    if value is None or value == '':
        return ()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise CleanStepsInvalid('not valid JSON')
    if not isinstance(value, list) or len(value) > MAX_STEPS:
        raise CleanStepsInvalid('not a JSON list of at most %d clean steps'
                                % MAX_STEPS)
    for step in value:
        if not isinstance(step, dict) or \
                not isinstance(step.get('interface'), str) or \
                not isinstance(step.get('step'), str) or \
                not isinstance(step.get('args', {}), dict) or \
                set(step) - {'interface', 'step', 'args'}:
            raise CleanStepsInvalid(
                'every clean step must be an object with "interface" and '
                '"step" strings and an optional "args" object')
    return tuple(value)


def policy_of(node):
    """The hand-back Policy of a node (raw Ironic JSON).

    Raises CleanStepsInvalid when the node's or the configured clean
    steps are not a list of clean steps.
    """
    extra = node.get('extra') or {}
    if CLEAN_STEPS_KEY in extra:
        steps = parse_clean_steps(extra[CLEAN_STEPS_KEY])
    else:
        steps = parse_clean_steps(CONF.ironic.lease_end_clean_steps)
    return handback.Policy(
        clean_on_lease_end=CONF.ironic.clean_on_lease_end,
        clean_steps=steps,
        cleaning_timeout=CONF.ironic.cleaning_timeout,
        undeploy=CONF.ironic.undeploy_on_lease_end)


def facts_of(node):
    """The hand-back Facts of a node (raw Ironic JSON)."""
    return handback.Facts(
        name=node.get('name') or node['uuid'],
        provision_state=node.get('provision_state'),
        target_provision_state=node.get('target_provision_state'),
        maintenance=bool(node.get('maintenance')),
        lessee=node.get('lessee'),
        last_error=node.get('last_error'),
        provision_updated_at=node.get('provision_updated_at'))


@contextlib.contextmanager
def errors(uuid):
    """Ironic's answers to a hand-back step, as esi-leap's exceptions.

    NOTE(esi-leap): a 409 means the node is locked or in a transition
    (openstacksdk has already retried the lock): the hand-back is busy,
    Ironic is not unavailable. A 400 is Ironic refusing the step.
    """
    try:
        yield
    except sdk_exc.NotFoundException as e:
        raise exception.NodeNotFound(uuid=uuid, resource_type='ironic_node',
                                     err=e.details or str(e))
    except sdk_exc.ConflictException as e:
        raise exception.NodeBusy(uuid=uuid, state='changing state (%s)'
                                 % handback.bounded(e.details or str(e)))
    except sdk_exc.BadRequestException as e:
        raise exception.NodeRefused(uuid=uuid, reason=handback.bounded(
            e.details or str(e)))
    except (sdk_exc.SDKException, ks_exc.ClientException) as e:
        raise exception.BackendUnavailable(service='Ironic', reason=str(e))


def read(baremetal, uuid):
    """Node ``uuid`` as Ironic's JSON (provision_updated_at included)."""
    response = baremetal.get('/nodes/%s' % uuid, microversion=API_VERSION)
    sdk_exc.raise_from_response(response)
    return response.json()


# Most steps one call takes: the lessee, then steps Ironic carries out at
# once (manage from available, abort...), until one it works on.
MAX_STEPS_PER_CALL = 5


def hand_back(baremetal, uuid, lease_uuid, successor=None, now=None):
    """Take the steps of the hand-back of node ``uuid`` it allows now.

    Step after step until Ironic has work to do (undeploy, cleaning) or
    the hand-back is done or quarantined: the ex-tenant is out before the
    undeploy starts, a step Ironic finishes at once (``manage`` from
    available) is followed by the next without waiting for another
    manager pass, and a node with nothing to clean is done in one call.
    Returns a base.HandBack; a finished one carries the node as the last
    PATCH left it (``node``, Ironic's JSON). ``successor`` (a
    base.Successor whose gate reads Ironic's JSON): see finish().
    """
    now = now or timeutils.utcnow()
    cleared = False
    node = read(baremetal, uuid)
    for _ in range(MAX_STEPS_PER_CALL):
        properties = node.get('properties') or {}
        if properties.get('lease_uuid') != lease_uuid:
            return base.HandBack(base.Progress.DONE, node=node)
        result, step, node = _one_step(baremetal, node, properties, now,
                                       successor)
        cleared = cleared or result.reached
        if node is None or not _goes_on(step, node):
            break
    result.reached = cleared
    return result


def _goes_on(step, node):
    """Whether the next step can follow ``step`` in the same call.

    NOTE(esi-leap): only once Ironic is at rest again; the record then
    counts the step done (see handback.settle) and the plan moves on.
    """
    if step in (handback.Step.WAIT, handback.Step.QUARANTINE,
                handback.Step.FINISH):
        return False
    return step is handback.Step.REACH or facts_of(node).at_rest


def _one_step(baremetal, node, properties, now, successor=None):
    """Plan and take one step; return (HandBack, Step, node after it).

    The node after the step is Ironic's answer to it (None when the step
    changed nothing).
    """
    facts = facts_of(node)
    record = handback.settle(handback.Record.from_json(
        properties.get(base.HANDBACK_KEY), now), facts)
    try:
        policy = policy_of(node)
    except CleanStepsInvalid as e:
        # A node that cannot be cleaned as configured is kept back.
        policy, broken = handback.Policy(), 'node %s: its clean steps are ' \
            'invalid: %s' % (facts.name, e)
    else:
        broken = None
    step, reason = handback.plan(facts, record, policy, now)
    if broken is not None and step not in (handback.Step.REACH,
                                           handback.Step.WAIT,
                                           handback.Step.ABORT,
                                           handback.Step.UNDEPLOY):
        step, reason = handback.Step.QUARANTINE, broken
    since = record.since if record is not None else now
    LOG.info('Hand-back of node %s from lease %s: %s%s', node['uuid'],
             properties.get('lease_uuid'), step.value,
             ' (%s)' % reason if reason else '')
    if step is handback.Step.FINISH:
        handed = _handing(node, successor)
        return base.HandBack(
            base.Progress.DONE, outcome=handback.outcome(record),
            since=since, node=finish(baremetal, node, handed),
            handed_to=handed and handed.lease_uuid), step, None
    if step is handback.Step.QUARANTINE:
        return base.HandBack(base.Progress.QUARANTINED, reason, since=since,
                             reached=False), step, None
    reached, after = False, None
    if step is handback.Step.REACH:
        after = _patch(baremetal, node, _lessee_off(node) + [_record_op(
            _reach_record(facts, record, policy, now, broken))])
        reached = True
    elif step is not handback.Step.WAIT:
        after = _take(baremetal, node, facts, record, step, policy, now)
        reason = 'node %s: %s asked of Ironic' % (facts.name, step.value)
    return base.HandBack(base.Progress.BUSY, reason or 'node %s is being '
                         'taken back' % facts.name, since=since,
                         reached=reached), step, after


def _handing(node, successor):
    """``successor`` if its gate lets the node go to it now, else None."""
    if successor is None:
        return None
    why = successor.gate(node)
    if why is not None:
        LOG.info('Node %s is not handed to lease %s with its scrub: %s',
                 node['uuid'], successor.lease_uuid, why)
        return None
    return successor


def _reach_record(facts, record, policy, now, broken):
    """The record the PATCH that clears the lessee writes.

    NOTE(esi-leap): it already names the step planned next (undeploy,
    manage...) as asked, with the node's provision_updated_at, as that
    step's own PATCH of the record would: one Ironic PATCH less before
    the undeploy starts. The step is asked right after, in the same call.
    """
    fresh = record or handback.Record(since=now)
    if broken is not None:
        return fresh
    after = dataclasses.replace(facts, lessee=None)
    following, _ = handback.plan(after, fresh, policy, now)
    if not following.recorded:
        return fresh
    return fresh.asking(following, facts, now)


def _lessee_off(node):
    return [{'op': 'remove', 'path': '/lessee'}] if node.get('lessee') \
        else []


def _record_op(record):
    return {'op': 'add', 'path': '/properties/%s' % base.HANDBACK_KEY,
            'value': record.to_json()}


def _patch(baremetal, node, patch):
    """PATCH the node; return Ironic's answer (the node after it) or None.

    NOTE(esi-leap): Ironic answers a PATCH with the whole node: the
    hand-back reads that rather than GETting the node again.
    """
    if not patch:
        return None
    response = baremetal.patch('/nodes/%s' % node['uuid'], json=patch,
                               microversion=API_VERSION)
    sdk_exc.raise_from_response(response)
    return response.json()


def _take(baremetal, node, facts, record, step, policy, now):
    """Ask Ironic for ``step``, written in the node's record first.

    Returns the node as Ironic has it just after (one GET).
    """
    if step.recorded and record is not None and facts.updatable and \
            not record.asked(step, facts):
        _patch(baremetal, node, [_record_op(record.asking(step, facts,
                                                          now))])
    body = {'target': _ACTIONS[step]}
    if step is handback.Step.CLEAN:
        body['clean_steps'] = [dict(s) for s in policy.clean_steps]
    # NOTE(esi-leap): a plain PUT: openstacksdk's set_node_provision_state
    # GETs the node after it into an object this module has no use for.
    response = baremetal.put('/nodes/%s/states/provision' % node['uuid'],
                             json=body, microversion=API_VERSION)
    sdk_exc.raise_from_response(response)
    return read(baremetal, node['uuid'])


def finish(baremetal, node, successor=None):
    """Scrub the node and clear its lessee, record and mark in one PATCH.

    With a ``successor`` (whose gate has let it), that PATCH sets its
    lessee and lease mark instead: one write from the old tenant's node
    to the new tenant's. Returns the node as that PATCH left it (Ironic's
    JSON).

    VIFs detached, console off, instance_info and the configured extra
    keys removed; the lease mark goes in the last PATCH, so a failure
    before it leaves the node marked and a retry resumes.
    """
    uuid = node['uuid']
    for vif in baremetal.list_node_vifs(uuid):
        baremetal.detach_vif_from_node(uuid, vif)
    if node.get('console_enabled'):
        baremetal.disable_node_console(uuid)
    patch = _lessee_off(node) if successor is None else [
        {'op': 'add', 'path': '/lessee', 'value': successor.project_id}]
    if node.get('instance_info'):
        patch.append({'op': 'remove', 'path': '/instance_info'})
    patch.extend(_extra_off(node))
    if base.HANDBACK_KEY in (node.get('properties') or {}):
        patch.append({'op': 'remove',
                      'path': '/properties/%s' % base.HANDBACK_KEY})
    patch.append({'op': 'remove', 'path': '/properties/lease_uuid'}
                 if successor is None else
                 {'op': 'add', 'path': '/properties/lease_uuid',
                  'value': successor.lease_uuid})
    return _patch(baremetal, node, patch)


def _extra_off(node):
    extra = node.get('extra') or {}
    return [{'op': 'remove', 'path': '/extra/%s' % key}
            for key in CONF.ironic.scrub_extra_keys if key in extra]


def return_to_parent(baremetal, uuid, lease_uuid):
    """Take the node from a sub-lease for its parent, deployment kept.

    Only the sub-lessee, the mark and the configured extra keys go: the
    parent lent the node as it was. Returns a base.HandBack.
    """
    node = read(baremetal, uuid)
    if (node.get('properties') or {}).get('lease_uuid') == lease_uuid:
        _patch(baremetal, node, _lessee_off(node) + _extra_off(node) + [
            {'op': 'remove', 'path': '/properties/lease_uuid'}])
    return base.HandBack(base.Progress.DONE, outcome='returned')
