"""Fixtures shared by every esi-leap test."""
import pytest

from esi_leap.common import policy
from esi_leap.common import projects
from esi_leap.common import service  # noqa: F401  (registers options)
from esi_leap import conf as esi_conf
from esi_leap.db import api as db_api
from esi_leap.db import migration
from esi_leap import resource_types
from esi_leap.tests.fixtures import databases
from esi_leap.tests.fixtures import nodes as nodes_fixture

CONF = esi_conf.CONF


def _start_order(item):
    if item.get_closest_marker('longest') is not None:
        return 0
    return 1 if item.get_closest_marker('slow') is not None else 2


def pytest_collection_modifyitems(session, config, items):
    """Put the longest, then the slow modules first (a stable sort).

    NOTE(esi-leap): pytest-xdist hands modules to workers in collection
    order, so the module that takes longest must start at once, or the run
    waits for it at the end.
    """
    items.sort(key=_start_order)


@pytest.fixture(autouse=True)
def config():
    """Parse an empty command line and undo option overrides afterwards."""
    CONF([], project='esi-leap', default_config_files=[])
    overrides = []

    def override(group=None, **values):
        for name, value in values.items():
            CONF.set_override(name, value, group=group)
            overrides.append((name, group))

    override.undo = overrides
    yield override
    for name, group in overrides:
        CONF.clear_override(name, group=group)
    policy.reset()
    projects.set_directory(None)
    resource_types.forget()


def make_migrated_database(request, backend, tmp_path_factory):
    """Create a throwaway database and build it with the migrations."""
    database = databases.ThrowawayDatabase(
        backend, str(tmp_path_factory.mktemp('db'))).create()
    request.addfinalizer(database.drop)
    CONF.set_override('connection', database.url, group='database')
    db_api.reset()
    try:
        migration.upgrade()
    finally:
        db_api.reset()
        CONF.clear_override('connection', group='database')
    return database


@pytest.fixture(scope='session', params=databases.selected_backends())
def migrated_database(request, tmp_path_factory):
    """A throwaway database per backend, built by the migrations."""
    return make_migrated_database(request, request.param, tmp_path_factory)


@pytest.fixture
def database(migrated_database, config):
    """Point esi-leap at the backend's database; empty it afterwards."""
    with databases.in_use(migrated_database, config) as used:
        yield used


@pytest.fixture
def nodes(tmp_path, config):
    """A dummy node directory that the service reads."""
    directory = str(tmp_path / 'nodes')
    config(group='dummy_node', dummy_node_dir=directory)
    return nodes_fixture.DummyNodes(directory)
