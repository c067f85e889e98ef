"""pytest plugin for the upstream python-esileapclient functional suite.

test_upstream_functional.py loads it into the client venv's pytest with
``-p upstream_conftest`` (its directory on PYTHONPATH). It adapts the
upstream harness to python-esileapclient 1.1.0 without touching the
client or the tests:

* The tests create offers and leases through helper functions
  (``esileapclient.tests.functional.utils.esi_interfaces.offer_create``
  and ``lease_create``) with ``resource_type="dummy_node"``, which the
  helpers turn into ``--resource-type dummy_node``. Client 1.1.0 crashes
  on that option before sending anything (``Proxy._create() got multiple
  values for argument 'resource_type'``). The helpers are wrapped so that
  a resource type equal to the server's default (``[api]
  default_resource_type``, given here in ESI_LEAP_UPSTREAM_DEFAULT_TYPE)
  is left out: the server then creates exactly what the test asked for.
  Any other resource type is passed on unchanged.
* ``test_create_invalid_resource_type`` must send an unknown resource
  type, which client 1.1.0 cannot do, so it is marked expected-fail.
* Three policy tests expect 403 naming a hidden object where esi-leap
  answers 404 (no existence disclosure): expected-fail too.
* Each test's outcome is written as JSON to ESI_LEAP_UPSTREAM_RESULTS,
  for the calling test to check. Under pytest-xdist the controller writes
  it; each worker leaves its count of dropped resource types beside it.

Nothing from esileapclient is imported before collection, so the test
modules are imported from the unpacked sdist, not site-packages.
"""
import functools
import glob
import importlib
import json
import os

import pytest

HELPERS = 'esileapclient.tests.functional.utils.esi_interfaces'
CREATE_FUNCTIONS = ('offer_create', 'lease_create')
EXPECTED_FAILURES = {
    'test_create_invalid_resource_type': (
        'python-esileapclient 1.1.0 cannot send a resource type on create: '
        '--resource-type crashes the client with "Proxy._create() got '
        'multiple values for argument \'resource_type\'", so the server '
        'never sees the unknown type.'),
}
# NOTE(esi-leap): these three expect the original's existence disclosure:
# a caller who may not see an offer or lease got 403 "Access was denied
# to offer <uuid>." on DELETE and claim while GET answered 404. esi-leap
# answers 404 like GET (issue 7, finding 5), so they fail by design.
_HIDDEN_IS_404 = (
    'esi-leap answers 404 "... not found." like GET, not the original\'s '
    '403 naming the uuid, to a caller who may not see the object (no '
    'existence disclosure).')
EXPECTED_FAILURES.update({
    'test_offer_delete_unauthorized': _HIDDEN_IS_404,
    'test_lease_delete_unauthorized': _HIDDEN_IS_404,
    'test_offer_claim_unauthorized': _HIDDEN_IS_404,
})

_dropped = []
_results = {}


def _without_default_resource_type(function, default):
    """Wrap a create helper so it does not pass the default type."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if kwargs.get('resource_type') == default:
            del kwargs['resource_type']
            _dropped.append(function.__name__)
        return function(*args, **kwargs)
    wrapper.esi_leap_wrapped = True
    return wrapper


def pytest_configure(config):
    """Keep our PYTHONPATH away from the CLI subprocesses."""
    os.environ.pop('PYTHONPATH', None)


def pytest_collection_modifyitems(session, config, items):
    """Wrap the create helpers and mark the known client limitation."""
    default = os.environ.get('ESI_LEAP_UPSTREAM_DEFAULT_TYPE', 'dummy_node')
    helpers = importlib.import_module(HELPERS)
    for name in CREATE_FUNCTIONS:
        function = getattr(helpers, name, None)
        if function is None:
            raise pytest.UsageError('%s.%s not found: the upstream suite '
                                    'changed; adapt upstream_conftest.py'
                                    % (HELPERS, name))
        if not getattr(function, 'esi_leap_wrapped', False):
            setattr(helpers, name,
                    _without_default_resource_type(function, default))
    marked = set()
    for item in items:
        reason = EXPECTED_FAILURES.get(item.name)
        if reason is not None:
            # Not raises=AssertionError: testtools reports a failed
            # assertion to pytest as its own _StringException.
            item.add_marker(pytest.mark.xfail(reason=reason, strict=True))
            marked.add(item.name)
    missing = set(EXPECTED_FAILURES) - marked
    if missing and items:
        raise pytest.UsageError('expected-fail tests not collected: %s'
                                % ', '.join(sorted(missing)))


def pytest_runtest_logreport(report):
    """Record one outcome per test (the worst of its phases)."""
    entry = _results.setdefault(report.nodeid, {'outcome': None,
                                                'details': ''})
    if report.failed:
        outcome = 'failed' if report.when == 'call' else 'error'
        if hasattr(report, 'wasxfail'):
            outcome = 'xpassed-strict'
    elif report.skipped:
        outcome = 'xfailed' if hasattr(report, 'wasxfail') else 'skipped'
    elif report.when == 'call':
        outcome = 'xpassed' if hasattr(report, 'wasxfail') else 'passed'
    else:
        return
    worse = outcome in ('failed', 'error')
    if entry['outcome'] in (None, 'passed') or worse:
        entry['outcome'] = outcome
        if report.failed or report.skipped:
            entry['details'] = report.longreprtext
        if hasattr(report, 'wasxfail'):
            entry['reason'] = report.wasxfail


def _worker_id(config):
    """Return the pytest-xdist worker id, or None in the controller."""
    return getattr(config, 'workerinput', {}).get('workerid')


def _dropped_by_workers(path):
    """Sum the dropped-resource-type counts the xdist workers left."""
    total = 0
    for name in glob.glob(path + '.dropped-*'):
        with open(name) as f:
            total += int(f.read() or 0)
    return total


def pytest_sessionfinish(session, exitstatus):
    """Write the outcomes where the calling test reads them."""
    path = os.environ.get('ESI_LEAP_UPSTREAM_RESULTS')
    if not path:
        return
    worker = _worker_id(session.config)
    if worker is not None:
        # NOTE(esi-leap): the create helpers are wrapped and called in the
        # workers; only the controller sees every test's report.
        with open('%s.dropped-%s' % (path, worker), 'w') as f:
            f.write(str(len(_dropped)))
        return
    dropped = len(_dropped) + _dropped_by_workers(path)
    with open(path, 'w') as f:
        json.dump({'exitstatus': int(exitstatus), 'tests': _results,
                   'resource_type_dropped': dropped}, f, indent=1)
