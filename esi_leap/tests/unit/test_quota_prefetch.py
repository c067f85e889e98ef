"""What a claim's own statements read of its quota, and when it counts."""
import datetime

import pytest

from esi_leap.db.sqlalchemy import quotas

UTC = datetime.timezone.utc
START = datetime.datetime(2030, 1, 1, tzinfo=UTC)
END = datetime.datetime(2030, 1, 2, tzinfo=UTC)


@pytest.mark.parametrize('dialect,rowcount,nodes,took', [
    # PostgreSQL and SQLite count one per row inserted or updated.
    ('postgresql', 1, 1, False), ('postgresql', 2, 1, True),
    ('sqlite', 8, 8, False), ('sqlite', 9, 8, True),
    # MySQL counts 2 for an updated row: up to 2 per node is not sure.
    ('mysql', 1, 1, False), ('mysql', 2, 1, False), ('mysql', 3, 1, True),
    ('mysql', 4, 1, True), ('mysql', 16, 8, False), ('mysql', 17, 8, True),
])
def test_took_project(dialect, rowcount, nodes, took):
    assert quotas.took_project(dialect, rowcount, nodes) is took


def test_read_override_and_usage():
    seen = quotas.Prefetched('p', START, END, True).read(
        (True, 3, None, {'gpu': 1}, 2, 5, None), 'gpu')
    assert seen.done
    assert (seen.override.project_id, seen.override.max_nodes,
            seen.override.max_leases,
            seen.override.max_nodes_by_resource_class) == (
        'p', 3, None, {'gpu': 1})
    assert seen.usage_for(START, END, 'gpu') == (2, 5, 0)


def test_no_override_reads_none():
    seen = quotas.Prefetched('p', None, None, False).read(
        (False, None, None, None))
    assert seen.override is None and seen.usage is None


@pytest.mark.parametrize('locked,start,end,rclass', [
    (False, START, END, 'gpu'),     # read without the project's lock
    (True, START, END + END.resolution, 'gpu'),   # another window
    (True, START, END, 'baremetal'),  # another class
])
def test_usage_only_for_what_was_read_under_the_lock(locked, start, end,
                                                     rclass):
    seen = quotas.Prefetched('p', START, END, locked).read(
        (True, 3, None, None, 2, 5, 1), 'gpu')
    assert seen.usage_for(start, end, rclass) is None


def test_no_class_is_the_empty_class():
    seen = quotas.Prefetched('p', START, END, True).read(
        (True, 3, None, None, 1, 1, 1), None)
    assert seen.usage_for(START, END, '') == (1, 1, 1)
