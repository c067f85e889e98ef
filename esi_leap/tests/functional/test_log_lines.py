"""Log lines that quote client text: one line each, escaped.

A project id, a path or a user id chosen by a client never starts a log
line of its own (exception.shown() escapes it wherever it is logged).
"""
from esi_leap.manager import drift


def test_drift_log_escapes_project_ids(database, nodes, caplog):
    caplog.set_level('INFO')
    nodes.add('node-1', 'owner-project', project_id='other\nFORGED a',
              lease_uuid='lease-on-node')
    wrong = drift.drifted('dummy_node', {
        'node-1': ('lease-wanted', 'holder\nFORGED b')})
    assert wrong == ['node-1']
    assert "'other\\nFORGED a'" in caplog.text
    assert "'holder\\nFORGED b'" in caplog.text
    assert not [line for line in caplog.text.splitlines()
                if line.startswith('FORGED')]
