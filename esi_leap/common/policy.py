"""The oslo.policy enforcer and the checks controllers call."""
import threading
import time

from oslo_config import cfg
from oslo_policy import policy

from esi_leap.common import exception
from esi_leap import policies

CONF = cfg.CONF
_ENFORCER = None
_LOCK = threading.Lock()

# NOTE(esi-leap): oslo.policy re-derives every sub-check's signature with
# inspect and looks for changed policy files on each enforce() call, about
# a millisecond a decision on this hardware; a request makes several. A
# decision depends only on the rule, the target and the credentials (all
# part of the key) and on the policy rules, which oslo.policy reloads when
# the policy file changes: decisions are kept DECISION_SECONDS at most, so
# an edited policy file takes effect within that time, as documented.
DECISION_SECONDS = 2.0
_MAX_DECISIONS = 4096
_decisions = {}
_decisions_since = [0.0]


def get_enforcer():
    """Return the process-wide enforcer with every default registered.

    Also the ``oslo.policy.enforcer`` entry point, so oslopolicy tools see
    the same rules as the service.
    """
    global _ENFORCER
    with _LOCK:
        if _ENFORCER is None:
            # NOTE(esi-leap): publish the enforcer only once it is
            # complete; request threads racing at start-up would otherwise
            # check against rules not registered yet and refuse.
            enforcer = policy.Enforcer(CONF)
            enforcer.register_defaults(policies.list_rules())
            enforcer.load_rules()
            _ENFORCER = enforcer
        return _ENFORCER


def reset():
    """Forget the enforcer (tests that change policy options use this)."""
    global _ENFORCER
    with _LOCK:
        if _ENFORCER is not None:
            _ENFORCER.clear()
        _ENFORCER = None
        _decisions.clear()
        _decisions_since[0] = 0.0   # the next decision opens a window


def _frozen(mapping):
    """A hashable form of a flat mapping (list values become tuples)."""
    return tuple(sorted(
        (k, tuple(v) if isinstance(v, list) else v)
        for k, v in mapping.items()))


def _decided(key, decide):
    """Return the kept decision for ``key``, or make and keep it."""
    now = time.monotonic()
    if now - _decisions_since[0] > DECISION_SECONDS or \
            len(_decisions) >= _MAX_DECISIONS:
        _decisions.clear()
        _decisions_since[0] = now
    decision = _decisions.get(key)
    if decision is None:
        decision = _decisions[key] = bool(decide())
    return decision


def check(rule, context, target=None):
    """Return whether ``context`` passes ``rule`` for ``target``.

    The same decision may be reused for DECISION_SECONDS (see the note
    above); it is always the one oslo.policy makes for these arguments.
    """
    creds = context.to_policy_values()
    target = target or {}

    def decide():
        full_target = dict(creds)
        full_target.update(target)
        return get_enforcer().enforce(rule, full_target, creds)
    try:
        key = (rule, _frozen(creds), _frozen(target))
        hash(key)
    except TypeError:   # values that cannot be ordered: no reuse
        return decide()
    return _decided(key, decide)


def authorize(rule, context, target=None):
    """Raise HTTPForbidden naming ``rule`` unless ``context`` passes it."""
    if not check(rule, context, target):
        raise exception.HTTPForbidden(rule=rule)


def authorize_object(rule, context, target, resource_type, resource):
    """Raise HTTPResourceForbidden naming the object unless allowed."""
    if not check(rule, context, target):
        raise exception.HTTPResourceForbidden(resource_type=resource_type,
                                              resource=resource)


def require_project(context, admin_rule=None):
    """Raise ProjectRequired (403) for a caller without a project.

    NOTE(esi-leap): a token without a project (domain- or system-scoped,
    unscoped, or noauth without X-Project-Id) names nobody whose offers or
    leases it could see, so "no project" must never mean "no filter". With
    ``admin_rule``, callers passing it need no project (they see what
    admins see); without it, every caller needs one (creating and claiming
    record the caller's project as owner or lessee).
    """
    if context.project_id is not None:
        return
    if admin_rule is not None and check(admin_rule, context):
        return
    raise exception.ProjectRequired()
