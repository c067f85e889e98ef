"""esi-leap: lend Ironic bare-metal nodes between OpenStack projects."""
from oslo_service import backend as _backend

# NOTE(esi-leap): esi-leap runs on native threads. Libraries below it load
# oslo.service lazily and would otherwise pick its eventlet backend.
try:
    _backend.init_backend(_backend.BackendType.THREADING)
except _backend.exceptions.BackendAlreadySelected:
    pass
