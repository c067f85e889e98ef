"""The /healthcheck application and its database backend.

oslo.middleware's Healthcheck answers the request; it asks each backend
named in ``[healthcheck] backends`` (stevedore namespace
``oslo.middleware.healthcheck``). Ours, ``esi_leap_database``, runs
``SELECT 1``, waits at most ``database_timeout`` seconds and reuses its
result for ``database_cache_ttl`` seconds.
"""
import threading
import time

from oslo_log import log
from oslo_middleware import healthcheck
from oslo_middleware.healthcheck import pluginbase

from esi_leap.db import api as db_api

LOG = log.getLogger(__name__)


class _Probe(threading.Thread):
    """One SELECT 1 in a daemon thread.

    A hung database then holds no request thread past the timeout.
    """

    def __init__(self):
        super().__init__(name='esi-leap-healthcheck-db', daemon=True)
        self.error = None

    def run(self):
        try:
            db_api.ping()
        except Exception as e:  # any failure means unhealthy
            self.error = e


class DatabaseHealthcheck(pluginbase.HealthcheckBaseExtension):
    """Reports the database unreachable (or failing) as unhealthy."""

    def __init__(self, oslo_conf, conf):
        super().__init__(oslo_conf, conf)
        self._lock = threading.Lock()
        self._probe = None
        self._result = None
        self._checked_at = None

    def _cached(self, now):
        ttl = self.oslo_conf.healthcheck.database_cache_ttl
        if self._result is None or now - self._checked_at >= ttl:
            return None
        return self._result

    def _current_probe(self):
        # NOTE(esi-leap): at most one probe runs at a time; concurrent
        # checks wait on the same one instead of piling up connections.
        if self._probe is None:
            self._probe = _Probe()
            self._probe.start()
        return self._probe

    def _finish(self, probe, now):
        if probe.is_alive():
            self._result = pluginbase.HealthcheckResult(
                available=False,
                reason='database did not answer within %ss'
                       % self.oslo_conf.healthcheck.database_timeout)
            self._checked_at = now
        elif self._probe is probe:
            self._probe = None
            if probe.error is not None:
                LOG.warning('Health check: database unreachable: %s',
                            probe.error)
                self._result = pluginbase.HealthcheckResult(
                    available=False, reason='database unreachable',
                    details=type(probe.error).__name__)
            else:
                self._result = pluginbase.HealthcheckResult(
                    available=True, reason='database OK')
            self._checked_at = now
        return self._result

    def healthcheck(self, server_port):
        """Return whether the database answers SELECT 1 in time."""
        with self._lock:
            cached = self._cached(time.monotonic())
            if cached is not None:
                return cached
            probe = self._current_probe()
        probe.join(self.oslo_conf.healthcheck.database_timeout)
        with self._lock:
            return self._finish(probe, time.monotonic())


def make_app(conf, fallback):
    """Return the WSGI application answering /healthcheck.

    Requests the health check ignores (sources outside ``[healthcheck]
    allowed_source_ranges``, proxied requests when
    ``ignore_proxied_requests``) go to ``fallback``, the authenticated API.
    """
    return healthcheck.Healthcheck(fallback, conf)
