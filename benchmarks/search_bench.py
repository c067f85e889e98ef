#!/usr/bin/env python3
"""GET /v1/offers with the search filters against the unfiltered listing.

For each size N (default 1000 and 10000) this script seeds N offers on
N/10 dummy nodes with random public properties (api_bench.seed(): 1-3
leases in each offer), starts ``esi-leap-api`` on 127.0.0.1 in noauth
mode and times, as an admin, the whole listing and the first page of 100
without filters and with ``property`` expressions, ``available_for``,
the client's ``--now`` and both kinds together. It prints medians and the
ratio of each filtered request to its unfiltered counterpart; it never
passes or fails. Only 127.0.0.1 is used.
"""
import argparse
import datetime
import os
import shutil
import statistics
import tempfile
import time

import requests

import api_bench

from esi_leap.tests.fixtures import databases
from esi_leap.tests.fixtures import nodes as nodes_fixture

ADMIN = {'X-Project-Id': 'admin-project', 'X-Roles': 'admin'}
MEMORY = (8192, 65536, 131072, 262144)
ARCHES = ('x86_64', 'aarch64')


def add_properties(nodes_dir, seeded, rng):
    """Give every seeded dummy node random public properties."""
    dummy = nodes_fixture.DummyNodes(nodes_dir)
    for i, node in enumerate(seeded.nodes):
        dummy.add(node, seeded.owners[i % len(seeded.owners)],
                  properties={'memory_mb': rng.choice(MEMORY),
                              'cpus': rng.choice((8, 16, 32, 64)),
                              'cpu_arch': rng.choice(ARCHES),
                              'rack': 'r%d' % rng.randint(1, 40)})


def cases(base):
    """(name, query pairs, unfiltered counterpart) of each measurement."""
    start = (base + datetime.timedelta(hours=1)).strftime('%Y-%m-%dT%H:%M:%S')
    now = datetime.datetime.now(datetime.timezone.utc).strftime(
        '%Y-%m-%dT%H:%M:%S')
    memory = [('property', 'memory_mb>=65536')]
    two = memory + [('property', 'cpu_arch=x86_64')]
    free = [('available_start_time', start), ('available_for', '43200')]
    page = [('limit', '100')]
    return [
        ('all, unfiltered', [], None),
        ('all, property memory_mb>=65536', memory, 'all, unfiltered'),
        ('all, two properties', two, 'all, unfiltered'),
        ('all, available_for 12 h', free, 'all, unfiltered'),
        ('all, --now (year 9999)', [('available_start_time', now),
                                    ('available_end_time',
                                     '9999-12-31T00:00:00')],
         'all, unfiltered'),
        ('all, two properties + available_for', two + free,
         'all, unfiltered'),
        ('page of 100, unfiltered', page, None),
        ('page of 100, two properties', page + two,
         'page of 100, unfiltered'),
        ('page of 100, two properties + available_for', page + two + free,
         'page of 100, unfiltered'),
        ('page of 100, sorted desc, two properties',
         page + two + [('sort_key', 'start_time'), ('sort_dir', 'desc')],
         'page of 100, unfiltered'),
    ]


def timed(session, url, measured, repeat):
    """Median seconds and rows of each case's GETs.

    NOTE(esi-leap): the cases take turns, round after round, so that the
    load of a shared machine weighs on all of them alike.
    """
    samples = {name: [] for name, _, _ in measured}
    rows = {}
    for name, params, _ in measured:
        session.get(url, params=params, headers=ADMIN, timeout=600)  # warm
    for _ in range(repeat):
        for name, params, _ in measured:
            t0 = time.perf_counter()
            response = session.get(url, params=params, headers=ADMIN,
                                   timeout=600)
            samples[name].append(time.perf_counter() - t0)
            response.raise_for_status()
            rows[name] = len(response.json()['offers'])
    return {name: statistics.median(s) for name, s in samples.items()}, rows


def bench_size(args, n, workdir):
    with api_bench.seeded_server(args, n, workdir, 10, 1) as site:
        seeded, now = site.seeded, site.now
        add_properties(site.nodes_dir, seeded, site.rng)
        site.server.start()
        base = now.replace(minute=0, second=0, microsecond=0) + \
            datetime.timedelta(days=1)
        print('\n== N=%d offers on %d nodes, %d leases; %s, 1 API worker; '
              'median of %d' % (n, len(seeded.nodes), seeded.lease_count,
                                args.backend, args.repeat), flush=True)
        print('%-46s %9s %7s %7s' % ('request', 'ms', 'rows', 'ratio'))
        measured = cases(base)
        medians, rows = timed(requests.Session(),
                              site.server.url + '/v1/offers', measured,
                              args.repeat)
        for name, _, versus in measured:
            ratio = '' if versus is None else '%.2f' % (
                medians[name] / medians[versus])
            print('%-46s %9.1f %7d %7s' % (
                name, medians[name] * 1000, rows[name], ratio), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--sizes', default='1000,10000')
    parser.add_argument('--repeat', type=int, default=7)
    parser.add_argument('--seed', type=int, default=22)
    parser.add_argument('--backend', default='mysql',
                        choices=databases.ALL_BACKENDS)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix='esi-leap-search-bench-')
    print('esi-leap search benchmark: backend %s; load average %s on %s '
          'CPUs' % (args.backend, os.getloadavg()[0], os.cpu_count()))
    try:
        for n in [int(s) for s in args.sizes.split(',')]:
            bench_size(args, n, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print('\n"ratio" is the median of the filtered request divided by the '
          'median of its unfiltered counterpart (the whole list or the '
          'first page of 100).')


if __name__ == '__main__':
    main()
