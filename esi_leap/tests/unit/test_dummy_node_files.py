"""Dummy node files are parsed once per version of the file."""
import json
import os

import pytest

from esi_leap.resource_types import dummy_node


@pytest.fixture
def node_file(tmp_path):
    path = str(tmp_path / 'node-1')

    def write(data, in_place=False):
        target = path if in_place else path + '.new'
        with open(target, 'w') as f:
            json.dump(data, f)
        if not in_place:
            os.replace(target, path)
    return path, write


def test_an_unchanged_file_is_parsed_once(node_file):
    path, write = node_file
    write({'project_owner_id': 'a'})
    assert dummy_node._load(path) is dummy_node._load(path)


def test_a_replaced_file_is_read_again(node_file):
    path, write = node_file
    write({'project_owner_id': 'a'})
    assert dummy_node._load(path)['project_owner_id'] == 'a'
    write({'project_owner_id': 'b'})    # same size, new inode
    assert dummy_node._load(path)['project_owner_id'] == 'b'


def test_a_file_edited_in_place_is_read_again(node_file):
    path, write = node_file
    write({'project_owner_id': 'a'})
    dummy_node._load(path)
    write({'project_owner_id': 'longer'}, in_place=True)
    assert dummy_node._load(path)['project_owner_id'] == 'longer'


def test_errors_are_not_cached(node_file):
    path, write = node_file
    with pytest.raises(OSError):
        dummy_node._load(path)
    with open(path, 'w') as f:
        f.write('{not json')
    with pytest.raises(ValueError):
        dummy_node._load(path)
    write({'project_owner_id': 'a'})
    assert dummy_node._load(path) == {'project_owner_id': 'a'}


def test_the_cache_is_bounded(node_file, monkeypatch, tmp_path):
    monkeypatch.setattr(dummy_node, 'MAX_PARSED', 3)
    monkeypatch.setattr(dummy_node, '_PARSED', {})
    for i in range(10):
        path = str(tmp_path / ('n%d' % i))
        with open(path, 'w') as f:
            json.dump({'i': i}, f)
        assert dummy_node._load(path) == {'i': i}
    assert len(dummy_node._PARSED) <= 3


def test_node_properties_are_the_callers_own(node_file, config):
    path, write = node_file
    write({'project_owner_id': 'a', 'properties': {'cpus': 4}})
    config(group='dummy_node', dummy_node_dir=os.path.dirname(path))
    nodes = dummy_node.DummyNodeType()
    nodes.get('node-1').properties['cpus'] = 99
    assert nodes.get('node-1').properties == {'cpus': 4}
