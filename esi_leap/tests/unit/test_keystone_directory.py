"""KeystoneDirectory: one cached project list answers every lookup."""
import types

from openstack import exceptions as sdk_exc
import pytest

from esi_leap.common import exception
from esi_leap.common import keystone


def project(pid, name, parent=None, domain='default'):
    return types.SimpleNamespace(id=pid, name=name, parent_id=parent,
                                 domain_id=domain)


class FakeIdentity(object):
    def __init__(self, listed):
        self.listed = listed
        self.calls = 0
        self.fail = False

    def projects(self):
        self.calls += 1
        if self.fail:
            raise sdk_exc.SDKException('keystone is down')
        return list(self.listed)


@pytest.fixture
def identity():
    return FakeIdentity([
        project('root-id', 'root'), project('mid-id', 'mid', 'root-id'),
        project('leaf-id', 'leaf', 'mid-id'),
        project('other-id', 'twin', domain='other'),
        project('twin-id', 'twin')])


@pytest.fixture
def directory(identity, config):
    config(group='keystone', cache_ttl=60)
    return keystone.KeystoneDirectory(
        lambda: types.SimpleNamespace(identity=identity))


def test_names_lineage_resolve_share_one_call(directory, identity):
    assert directory.names(['leaf-id', 'root-id', 'gone', None]) == {
        'leaf-id': 'leaf', 'root-id': 'root', 'gone': ''}
    assert directory.lineage('leaf-id') == ['leaf-id', 'mid-id', 'root-id']
    assert directory.lineage('root-id') == ['root-id']
    assert directory.lineage(None) == []
    assert directory.resolve('mid') == 'mid-id'
    assert directory.resolve('mid-id') == 'mid-id'
    assert identity.calls == 1


def test_name_in_several_domains_prefers_default(directory):
    assert directory.resolve('twin') == 'twin-id'


def test_unknown_name_is_refetched_then_refused(directory, identity):
    with pytest.raises(exception.ProjectNoSuchName) as info:
        directory.resolve('nobody')
    assert info.value.code == 400
    assert str(info.value) == 'No project named nobody.'
    assert identity.calls == 2
    identity.listed.append(project('new-id', 'new'))
    assert directory.resolve('new') == 'new-id'


def test_cache_expires(directory, identity, config):
    directory.names(['root-id'])
    config(group='keystone', cache_ttl=0)
    directory.names(['root-id'])
    assert identity.calls == 2


def test_outage_uses_the_cached_list_or_fails_clearly(directory, identity,
                                                      config):
    identity.fail = True
    with pytest.raises(exception.BackendUnavailable) as info:
        directory.names(['root-id'])
    assert info.value.code == 503
    identity.fail = False
    directory.names(['root-id'])
    config(group='keystone', cache_ttl=0)
    identity.fail = True
    assert directory.names(['root-id']) == {'root-id': 'root'}


def test_cycles_do_not_loop(identity, config):
    identity.listed[:] = [project('a', 'a', 'b'), project('b', 'b', 'a')]
    directory = keystone.KeystoneDirectory(
        lambda: types.SimpleNamespace(identity=identity))
    assert directory.lineage('a') == ['a', 'b']
