"""esi-leap-manager: carries out lease starts and ends on the nodes."""
import sys

from oslo_config import cfg
from oslo_service import service as oslo_service

from esi_leap.common import service
from esi_leap.manager import service as manager_service

CONF = cfg.CONF


def main():
    """Parse configuration and run the manager until stopped."""
    service.prepare_service(sys.argv)

    class _Service(oslo_service.Service):
        def __init__(self):
            super().__init__()
            self.manager = manager_service.ManagerService()

        def start(self):
            super().start()
            self.manager.start()

        def stop(self, graceful=False):
            self.manager.stop()
            super().stop(graceful)

    launcher = oslo_service.launch(CONF, _Service(), restart_method='mutate')
    launcher.wait()
