#!/usr/bin/env python3
"""fleet_bench.py's claim figures of two checkouts, side by side.

Runs benchmarks/fleet_bench.py (sections 1 and 2: N-node claims against
N single claims, a single claim with and without a quota) of a "before"
checkout and of this one, alternately (``--rounds`` runs of each) on
each backend, in one run on one machine, and prints one table per
backend: p50 (the median of the runs' p50s) and round trips of both, and
the cost of an N-node claim in single claims (its p50 over that of N
single claims, divided by N). Figures only.

Run from the repository root, e.g.::

    python benchmarks/fleet_before_after.py --before /work/main
"""
import argparse
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROW = re.compile(r'^(\S.*?)\s+([0-9.]+)\s+([0-9]+)$')


def run(checkout, backend, repeat):
    """{label: (ms p50, round trips)} of fleet_bench.py in ``checkout``."""
    env = dict(os.environ, PYTHONPATH=checkout, PYTHONDONTWRITEBYTECODE='1')
    out = subprocess.run(
        [sys.executable, os.path.join(checkout, 'benchmarks',
                                      'fleet_bench.py'),
         '--backend', backend, '--repeat', str(repeat), '--skip-usage'],
        cwd=checkout, env=env, check=True, capture_output=True,
        text=True, timeout=3600).stdout
    rows = {}
    for line in out.splitlines():
        match = ROW.match(line.strip())
        if match:
            rows[match.group(1)] = (float(match.group(2)),
                                    int(match.group(3)))
    return rows


def merged(runs):
    """{label: (median of the runs' p50s, round trips of the first)}."""
    return {label: (statistics.median(rows[label][0] for rows in runs),
                    runs[0][label][1]) for label in runs[0]}


def single_cost(rows, n):
    """An n-node claim's p50 in single claims (n single claims' p50 / n)."""
    return rows['%d-node claim' % n][0] / (
        rows['%d single claims' % n][0] / n)


def report(backend, before, after):
    print('\n%s: p50 ms, round trips, and (x1) an N-node claim in single '
          'claims' % backend)
    print('%-24s %10s %6s %6s   %10s %6s %6s' % (
        'request', 'before ms', 'trips', 'x1', 'after ms', 'trips', 'x1'))
    for label in before:
        cells = []
        for rows in (before, after):
            ms, trips = rows[label]
            match = re.match(r'(\d+)-node claim', label)
            cost = '%.2f' % single_cost(rows, int(match.group(1))) \
                if match else ''
            cells.extend([ms, trips, cost])
        print('%-24s %10.2f %6d %6s   %10.2f %6d %6s' % (label, *cells))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--before', required=True,
                        help='the checkout measured as "before"')
    parser.add_argument('--backends', default='mysql,postgresql')
    parser.add_argument('--repeat', type=int, default=11)
    parser.add_argument('--rounds', type=int, default=2,
                        help='runs of each checkout, alternating')
    args = parser.parse_args(argv)
    for backend in args.backends.split(','):
        runs = {'before': [], 'after': []}
        for _ in range(args.rounds):
            runs['before'].append(run(os.path.abspath(args.before), backend,
                                      args.repeat))
            runs['after'].append(run(HERE, backend, args.repeat))
        report(backend, merged(runs['before']), merged(runs['after']))


if __name__ == '__main__':
    sys.exit(main())
