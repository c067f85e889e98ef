"""Ironic provision states, and the sets the hand-back decides by.

The names are Ironic's (``ironic/common/states.py`` of Ironic 39); the sets
are esi-leap's reading of them. Dummy nodes use the same states.
"""

ENROLL = 'enroll'
MANAGEABLE = 'manageable'
AVAILABLE = 'available'
ACTIVE = 'active'
CLEAN_FAILED = 'clean failed'
INSPECT_FAILED = 'inspect failed'
ERROR = 'error'
ADOPT_FAILED = 'adopt failed'

# States in which Ironic is working on its own and the hand-back waits.
BUSY = frozenset([
    'deleting', 'cleaning', 'clean wait', 'unrescuing', 'inspecting',
    'inspect wait', 'verifying', 'deploying', 'servicing', 'rescuing',
    'adopting'])

# States of a node that still holds (or is getting) a tenant's deployment,
# from which Ironic accepts an undeploy (``deleted``) at once.
UNDEPLOYABLE = frozenset([
    ACTIVE, 'deploy failed', 'wait call-back', 'rescue', 'rescue wait',
    'rescue failed', 'unrescue failed', 'service wait', 'service failed'])

# Holding states Ironic leaves only through ``abort`` (to a failed state
# from which the undeploy, or the quarantine, follows).
ABORT_FIRST = frozenset(['deploy hold', 'service hold', 'clean hold'])

# Waiting states that hold a deployment and refuse node changes (Ironic's
# "state transition in progress"): aborted first, so that the lessee can be
# cleared before the undeploy starts.
# NOTE(esi-leap): not ``service wait``: Ironic 39 only flags a service step
# that is not abortable (fake hardware's trigger_servicewait is not) and
# stays in service wait; that node is undeployed at once instead, and its
# lessee cleared once the cleaning that follows is over.
ABORT_TO_CLEAR = frozenset(['wait call-back', 'rescue wait'])

# States Ironic leaves only through ``manage``.
MANAGE_FIRST = frozenset([ADOPT_FAILED])

# Failed states: a node in one of them is quarantined, never handed over.
FAILED = frozenset([CLEAN_FAILED, INSPECT_FAILED, ERROR])

# Transitional states in which Ironic still accepts a node PATCH (its
# UPDATE_ALLOWED_STATES); in any other state with a target state set it
# answers 409 "can not be updated while a state transition is in progress".
UPDATE_ALLOWED = frozenset([
    'deploy failed', 'inspecting', INSPECT_FAILED, 'inspect wait',
    CLEAN_FAILED, ERROR, 'verifying', ADOPT_FAILED, 'rescue failed',
    'unrescue failed', 'service', 'service hold', 'service failed'])

# States in which a node may be handed to a new (top-level) lease.
HANDOVER = frozenset([AVAILABLE])

# NOTE(esi-leap): ``enroll`` nodes are outside Ironic's provisioning (it can
# neither deploy nor clean them): only with [ironic]
# require_available_for_handover off may an owner lend one as it is (for
# its BMC, say); at the hand-back it is quarantined when cleaning is on
# (see UNPROVISIONED), so none reaches a next tenant uncleaned.
HANDOVER_WITH_ENROLL = frozenset([AVAILABLE, ENROLL])

# States Ironic cannot clean a node in: at a lease end such a node is
# quarantined with [ironic] clean_on_lease_end, only scrubbed without.
UNPROVISIONED = frozenset([ENROLL])


def updatable(provision_state, target_provision_state):
    """Whether Ironic accepts a PATCH of a node in this state now."""
    return not target_provision_state or provision_state in UPDATE_ALLOWED


def at_rest(provision_state, target_provision_state):
    """Whether Ironic is done with a node: no transition, no busy state."""
    return not target_provision_state and provision_state not in BUSY
