"""Splitting the manager's work on many nodes into transactions.

Each batch is decided in one transaction holding the lock rows of its
nodes (db_api.run_bookings): few enough that a booking on one of them
never waits long, many enough that a burst costs few transactions.
"""

# Most nodes locked by one of the manager's transactions.
MAX_NODES = 100


def by_node(rows, size=None):
    """Yield (pairs, rows) batches covering ``rows``, node by node.

    ``rows`` have ``resource_type`` and ``resource_uuid``. Each batch holds
    every row of at most ``size`` nodes (MAX_NODES by default), ``pairs``
    being those nodes' (resource_type, resource_uuid): a node's rows are
    never split between two batches. Nodes come in the order of their
    first row, and each node's rows in their given order.
    """
    size = size or MAX_NODES
    grouped = {}
    for row in rows:
        grouped.setdefault((row.resource_type, row.resource_uuid),
                           []).append(row)
    pairs = list(grouped)
    for i in range(0, len(pairs), size):
        part = pairs[i:i + size]
        yield part, [row for pair in part for row in grouped[pair]]
