"""esi-leap: lend Ironic bare-metal nodes between OpenStack projects."""
import warnings

# NOTE(esi-leap): eventlet is installed only because oslo.service still
# depends on it; esi-leap never runs on it. futurist (through oslo.messaging
# and oslo.service) imports it when present, and eventlet then warns on
# every start that it is deprecated: a warning no operator can act on. This
# filters exactly that warning, and eventlet's fork warning, nothing else.
warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')
warnings.filterwarnings('ignore', message=r'Using fork\(\) is a bad idea',
                        category=DeprecationWarning)

from oslo_service import backend as _backend  # noqa: E402

# NOTE(esi-leap): esi-leap runs on native threads. Libraries below it load
# oslo.service lazily and would otherwise pick its eventlet backend.
try:
    _backend.init_backend(_backend.BackendType.THREADING)
except _backend.exceptions.BackendAlreadySelected:
    pass
