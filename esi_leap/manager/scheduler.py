"""When the manager works: at the next due instant, when woken, and on a
regular sweep. The thread is a loop.Loop; a pass is run_once()."""
from concurrent import futures
import datetime
import queue
import time
import uuid

from oslo_config import cfg
from oslo_log import log

from esi_leap.common import statuses
from esi_leap.common import timeutils
from esi_leap.db import api as db_api
from esi_leap.manager import batches
from esi_leap.manager import drift
from esi_leap.manager import ending
from esi_leap.manager import loop
from esi_leap.manager import offer_expiry
from esi_leap.manager import plan as plan_mod
from esi_leap.manager import recording
from esi_leap.manager import steps
from esi_leap.manager import watch

CONF = cfg.CONF
LOG = log.getLogger(__name__)

# Seconds before a node claimed by another manager is tried again.
CLAIM_RECHECK = 1.0
# Most nodes whose outcomes are recorded in one transaction.
RECORD_BATCH = batches.MAX_NODES


class Scheduler(loop.Loop):
    """Runs the lease lifecycle on time.

    It sleeps until the earliest due instant in the database (a lease start
    or end, an offer end, a retry), or until woken over RPC, or at most
    ``[manager] sweep_interval`` seconds. Nodes are claimed in the database
    before they are worked on, so several managers can run at once.
    """

    thread_name = 'scheduler'
    failed = 'Manager run failed; trying again shortly'

    def __init__(self, name=None, on_run=None):
        super(Scheduler, self).__init__()
        self.name = name or '%s:%s' % (CONF.host, uuid.uuid4().hex[:12])
        # Called after every run (the notifier looks for new notices).
        self._on_run = on_run
        self._pool = futures.ThreadPoolExecutor(
            max_workers=CONF.manager.workers,
            thread_name_prefix='esi-leap-node')
        self._last_sweep = None
        # The planning instant of the last run: work due after it and
        # before the next run is planned must not wait for the sweep.
        self._ran_at = None
        # Nodes found claimed by another manager are looked at again soon:
        # that manager may have died, and its claim lapses.
        self._claimed_elsewhere = False
        # A node the backend was still busy with (cleaning) in the last
        # run: looked at again after [manager] busy_recheck_delay.
        self._busy_seen = False
        # Those nodes, read often until the backend is done (see watch),
        # and those found done: worked on at the next run, due or not.
        self._watch = watch.Watch()
        self._ripe = {}

    def stop(self, timeout=30):
        """Stop the loop and wait for work in progress to finish."""
        super(Scheduler, self).stop(timeout)
        self._pool.shutdown(wait=True)

    def _pass(self):
        """One run, then the notifier's turn; seconds to the next run."""
        self.run_once()
        if self._on_run is not None:
            self._on_run()
        return self.seconds_to_next_due()

    def _pause(self, delay):
        """Wait ``delay`` seconds, or until woken or a watched node is done.

        Meanwhile the nodes a hand-back waits on are read every
        ``[manager] handback_poll_interval`` (see watch).
        """
        deadline = time.monotonic() + delay
        poll = CONF.manager.handback_poll_interval
        while not self.stopping:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            if not (poll and self._watch):
                self._wake.wait(left)
                return
            if self._wake.wait(min(left, poll)):
                return
            try:
                self._ripe.update(self._watch.ripe())
            except Exception:
                LOG.exception('Looking at the watched nodes failed')
            if self._ripe:
                return

    def seconds_to_next_due(self):
        """Seconds until the next due instant, capped by the sweep."""
        now = timeutils.utcnow()
        cap = CONF.manager.sweep_interval
        if self._last_sweep is not None:
            cap = max(0.0, cap - (now - self._last_sweep).total_seconds())
        if self._claimed_elsewhere:
            cap = min(cap, CLAIM_RECHECK)
        if self._busy_seen:
            # NOTE(esi-leap): the recheck time recorded on the lease may
            # have passed while the run went on, and next_due() looks only
            # ahead: without this cap the recheck would wait for the sweep.
            cap = min(cap, CONF.manager.busy_recheck_delay)
        # NOTE(esi-leap): from the last run's planning instant, not from
        # now: an instant that passed while that run went on (a busy
        # node's recheck, a lease end, an ending event) is due at once.
        # Looking only ahead of now, the manager slept until the sweep
        # ([manager] sweep_interval: the ~5 s pauses between hand-back
        # steps seen with the test harness's 5 s sweep; up to a minute by
        # default).
        since = min(now, self._ran_at or now)
        due = _earliest(db_api.next_due(since), ending.next_due(since))
        if due is None:
            return cap
        return max(0.0, min(cap, (due - now).total_seconds()))

    def run_once(self, now=None):
        """Do all work due at ``now``; return the nodes worked on."""
        now = now or timeutils.utcnow()
        self._ran_at = now
        offer_expiry.expire_offers(now)
        # NOTE(esi-leap): the ending events of running leases go before
        # the nodes' backend steps, which may take a while (they need no
        # backend, only their time). A lease started now gets its own with
        # its start (recording.record()); one whose start is still being
        # retried, after the steps.
        ending.announce(now, statuses.MANAGER_ENDING_EARLY)
        due = db_api.due_resources(now)
        ripe, self._ripe = {p: node for p, node in self._ripe.items()
                            if p not in due}, {}
        self._busy_seen = False
        self._claimed_elsewhere = not self._work(due, False, now)
        if ripe:
            # NOTE(esi-leap): their leases' recheck is not due yet; the
            # backend is done with them now (see watch).
            self._claimed_elsewhere = not self._work(
                list(ripe), True, now, ripe) or self._claimed_elsewhere
        ending.announce(now)
        if self._last_sweep is None or now - self._last_sweep >= \
                datetime.timedelta(seconds=CONF.manager.sweep_interval):
            self._last_sweep = now
            self.sweep(now)
        return due

    def _work(self, pairs, force, now, looked=None):
        """Claim, plan, act on and record the nodes of ``pairs``.

        ``looked`` ({pair: NodeInfo}) are nodes just read from their
        backend. Returns False if another manager held some of them. The
        claims are taken and released in bulk (a few statements per 500
        nodes), and all the nodes won go through one pipeline, so that
        backend calls and recording overlap from the first node to the
        last.
        """
        if not pairs:
            return True
        ttl = datetime.timedelta(seconds=CONF.manager.claim_ttl)
        won = db_api.claim_resources(pairs, self.name, now, ttl)
        if len(won) < len(pairs):
            LOG.debug('%d of %d nodes are claimed by another manager',
                      len(pairs) - len(won), len(pairs))
        if won:
            try:
                self._converge_many(won, force, now, looked)
            finally:
                db_api.release_resources(won, self.name)
        return len(won) == len(set(pairs))

    def _converge_many(self, won, force, now, given=None):
        """Plan the claimed nodes in one read, act on each, record in bulk.

        The backend steps run in the worker pool; their outcomes are
        recorded as they come in, whatever has arrived (up to RECORD_BATCH
        nodes) in each transaction.
        """
        plans = plan_mod.plan_many(won, now)
        todo = [pair for pair in won
                if force or plan_mod.is_due(plans[pair], now)]
        # One backend listing rather than a read per node, when many.
        given = given or {}
        looked = steps.look_many([p for p in todo if p not in given])
        looked.update((p, given[p]) for p in todo if p in given)
        done = queue.Queue()
        for pair in todo:
            self._pool.submit(self._act, pair, plans[pair], now, done,
                              [looked[pair]] if pair in looked else None)
        # NOTE(esi-leap): publishing a notification costs about as much CPU
        # as recording the transition; sent while a burst is recorded they
        # slow every lease of it down. They leave (in order) once the
        # burst is recorded; the events table has them at once.
        held = []
        try:
            for works in _arrivals(done, len(todo), RECORD_BATCH):
                self._busy_seen = self._busy_seen or any(
                    work.outcome.busy for work in works)
                self._watch_busy(works)
                self._record(works, now, held)
        finally:
            for found in held:
                found.send()

    def _watch_busy(self, works):
        """Watch the nodes a hand-back waits on; stop watching the rest."""
        for work in works:
            if work.outcome.busy:
                self._watch.add(work.pair)
            else:
                self._watch.discard(work.pair)

    @staticmethod
    def _act(pair, plan, now, done, looked):
        """Run the backend steps of one node; put its Work (or None)."""
        work = None
        try:
            work = steps.Work(pair[0], pair[1], plan, steps.act(
                pair[0], pair[1], plan, now, looked))
        except Exception:
            LOG.exception('Converging %s %s failed', *pair)
        finally:
            done.put(work)

    def _record(self, works, now, held):
        """Record outcomes; if a batch fails, each node on its own.

        What each committed transaction recorded (an emitter.Recorded)
        is appended to ``held``.
        """
        try:
            recording.record(works, now, held)
            return
        except Exception:
            if len(works) == 1:
                LOG.exception('Recording %s %s failed', *works[0].pair)
                return
            LOG.exception('Recording %d nodes failed; recording them one '
                          'at a time', len(works))
        for work in works:
            try:
                recording.record([work], now, held)
            except Exception as e:
                # The node's leases stay due: the next run does it again.
                LOG.error('Recording %s %s failed: %s', work.resource_type,
                          work.resource_uuid, e)

    def sweep(self, now=None):
        """Repair nodes whose backend state drifted from their leases."""
        now = now or timeutils.utcnow()
        self._work(drift.drifted_nodes(), True, now)


def _earliest(*instants):
    """The earliest of ``instants`` that are not None, or None."""
    known = [instant for instant in instants if instant is not None]
    return min(known) if known else None


def _arrivals(done, count, size):
    """Yield lists of the ``count`` items put on ``done``, as they come.

    Each list holds what has arrived (at least one item, at most
    ``size``); None items (failed nodes) are left out.
    """
    left = count
    while left > 0:
        items = [done.get()]
        while len(items) < min(size, left):
            try:
                items.append(done.get_nowait())
            except queue.Empty:
                break
        left -= len(items)
        works = [item for item in items if item is not None]
        if works:
            yield works
