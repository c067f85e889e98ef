"""When the manager works: at the next due instant, when woken, and on a
regular sweep."""
from concurrent import futures
import datetime
import threading
import uuid

from oslo_config import cfg
from oslo_log import log

from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.manager import lifecycle

CONF = cfg.CONF
LOG = log.getLogger(__name__)

# Seconds before a node claimed by another manager is tried again.
CLAIM_RECHECK = 1.0


class Scheduler(object):
    """Runs the lease lifecycle on time.

    It sleeps until the earliest due instant in the database (a lease start
    or end, an offer end, a retry), or until woken over RPC, or at most
    ``[manager] sweep_interval`` seconds. Nodes are claimed in the database
    before they are worked on, so several managers can run at once.
    """

    def __init__(self, name=None, on_run=None):
        self.name = name or '%s:%s' % (CONF.host, uuid.uuid4().hex[:12])
        # Called after every run (the notifier looks for new notices).
        self._on_run = on_run
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = None
        self._pool = futures.ThreadPoolExecutor(
            max_workers=CONF.manager.workers,
            thread_name_prefix='esi-leap-node')
        self._last_sweep = None
        # Nodes found claimed by another manager are looked at again soon:
        # that manager may have died, and its claim lapses.
        self._claimed_elsewhere = False

    def wake(self):
        """Look for due work now rather than at the next planned time."""
        self._wake.set()

    def start(self):
        """Run the loop in a background thread."""
        self._thread = threading.Thread(target=self.run, name='scheduler',
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout=30):
        """Stop the loop and wait for work in progress to finish."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._pool.shutdown(wait=True)

    def run(self):
        """Loop until stopped; a failing run is logged and retried."""
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.run_once()
                if self._on_run is not None:
                    self._on_run()
                delay = self.seconds_to_next_due()
            except Exception:
                LOG.exception('Manager run failed; trying again shortly')
                delay = min(5.0, CONF.manager.sweep_interval)
            if delay > 0:
                self._wake.wait(delay)

    def seconds_to_next_due(self):
        """Seconds until the next due instant, capped by the sweep."""
        now = timeutils.utcnow()
        cap = CONF.manager.sweep_interval
        if self._last_sweep is not None:
            cap = max(0.0, cap - (now - self._last_sweep).total_seconds())
        if self._claimed_elsewhere:
            cap = min(cap, CLAIM_RECHECK)
        due = db_api.next_due(now)
        if due is None:
            return cap
        return max(0.0, min(cap, (due - now).total_seconds()))

    def run_once(self, now=None):
        """Do all work due at ``now``; return the nodes worked on."""
        now = now or timeutils.utcnow()
        lifecycle.expire_offers(now)
        due = db_api.due_resources(now)
        jobs = [self._pool.submit(self._converge, rtype, ruuid, False, now)
                for rtype, ruuid in due]
        self._claimed_elsewhere = not all([job.result() for job in jobs])
        if self._last_sweep is None or now - self._last_sweep >= \
                datetime.timedelta(seconds=CONF.manager.sweep_interval):
            self._last_sweep = now
            self.sweep(now)
        return due

    def _converge(self, resource_type, resource_uuid, force=False,
                  now=None):
        ttl = datetime.timedelta(seconds=CONF.manager.claim_ttl)
        if not db_api.claim_resource(resource_type, resource_uuid,
                                     self.name, now or timeutils.utcnow(),
                                     ttl):
            LOG.debug('%s %s is claimed by another manager',
                      resource_type, resource_uuid)
            return False
        try:
            lifecycle.converge(resource_type, resource_uuid, now=now,
                               force=force)
        except Exception:
            LOG.exception('Converging %s %s failed', resource_type,
                          resource_uuid)
        finally:
            db_api.release_resource(resource_type, resource_uuid, self.name)
        return True

    def sweep(self, now=None):
        """Repair nodes whose backend state drifted from their leases."""
        held = {}
        for rtype, ruuid, lease_uuid, lessee, parent in \
                db_api.held_resources():
            entry = held.setdefault(rtype, {})
            # A running sub-lease, not its parent, holds the node.
            if ruuid not in entry or parent is not None:
                entry[ruuid] = (lease_uuid, lessee)
        jobs = [self._pool.submit(self._converge, rtype, ruuid, True, now)
                for rtype, nodes in held.items()
                for ruuid in lifecycle.drifted(rtype, nodes)]
        for job in jobs:
            job.result()
