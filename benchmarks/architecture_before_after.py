#!/usr/bin/env python3
"""The booking and listing paths of two esi-leap revisions, side by side.

In one run on one machine: checks the "before" revision (``--before``,
default 2e339b3, the last commit before the architecture reshape of
issue 24) out into a temporary git worktree, builds a fresh database of
the same kind for it and for this working tree (``--backend``, MariaDB by
default), each migrated by its own tree's ``esi-leap-dbsync upgrade``,
starts each tree's ``esi-leap-api`` on 127.0.0.1 (noauth, dummy nodes,
casts to ``fake://``), seeds the same data through each API and then
measures, in rounds alternating between the two servers (before, after,
before, after, ...) so that machine noise falls on both alike:

* the booking paths: a claim on one offer, ``POST /v1/leases`` and the
  ``DELETE`` of such a lease, each on its own;
* the listing paths at ``--nodes`` (1,000) rows: offers, leases (admin,
  ``view=all``), nodes, and filtered listings (one project's).

It prints p50, p95 and the server's CPU time per request of each side and
the ratios after/before, then the SQL round trips of the same requests
from ``roundtrips.py`` run in-process against each tree. Every process it
starts is stopped by PID, both databases are dropped and the worktree is
removed at the end; it talks to loopback only. Figures, never a verdict.
See benchmarks/README.rst.
"""
import argparse
import datetime
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import requests

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH)
import api_bench  # noqa: E402
import side_by_side as sbs  # noqa: E402

from esi_leap.tests.fixtures import databases  # noqa: E402
from esi_leap.tests.fixtures import server as server_fixture  # noqa: E402

TREE = os.path.dirname(BENCH)
VENV_BIN = os.path.dirname(sys.executable)
DEFAULT_BEFORE = '2e339b3'
# The roundtrips.py rows reported, as that script names them.
ROUNDTRIP_ROWS = ('POST /v1/offers/<uuid>/claim', 'POST /v1/leases',
                  'DELETE /v1/leases/<uuid>', 'GET /v1/offers (admin)',
                  'GET /v1/leases?view=all (admin)',
                  'GET /v1/leases (owner)',
                  'GET /v1/leases?project_id (admin)',
                  'GET /v1/nodes (admin)', 'GET /v1/nodes?owner (admin)')
ROUNDTRIP_NAME_WIDTH = 34


# The two trees ---------------------------------------------------------------

def add_worktree(revision, path):
    """Check ``revision`` out into a new detached worktree at ``path``."""
    subprocess.run(['git', '-C', TREE, 'worktree', 'add', '--detach',
                    '--quiet', path, revision], check=True, timeout=120)
    return path


def remove_worktree(path):
    """Remove the worktree at ``path`` and git's record of it."""
    done = subprocess.run(['git', '-C', TREE, 'worktree', 'remove',
                           '--force', path], capture_output=True,
                          timeout=120)
    if done.returncode:
        shutil.rmtree(path, ignore_errors=True)
        subprocess.run(['git', '-C', TREE, 'worktree', 'prune'],
                       timeout=120)


def tree_env(tree):
    """The environment that runs esi-leap's code from ``tree``."""
    env = dict(os.environ)
    # NOTE(esi-leap): the venv's editable install finder comes after
    # sys.path, so PYTHONPATH decides which tree's esi_leap is imported,
    # by the console scripts too.
    env['PYTHONPATH'] = tree
    env['PYTHONWARNINGS'] = 'ignore::DeprecationWarning'
    return env


def describe(tree):
    """``git describe`` of a tree and where its esi_leap is imported from."""
    head = subprocess.run(['git', '-C', tree, 'describe', '--always',
                           '--dirty'], capture_output=True, text=True,
                          timeout=30).stdout.strip()
    module = subprocess.run(
        [sys.executable, '-c', 'import esi_leap; print(esi_leap.__file__)'],
        env=tree_env(tree), cwd=tree, capture_output=True, text=True,
        timeout=60).stdout.strip()
    return '%s (esi_leap from %s)' % (head, os.path.dirname(module))


def start_side(name, tree, args, workdir, plan, processes):
    """Database, schema, nodes and API server of one tree; its Side."""
    database = databases.ThrowawayDatabase(args.backend, workdir).create()
    processes.append(database)
    nodes_dir = os.path.join(workdir, name + '-nodes')
    sbs.write_nodes(nodes_dir, plan)
    port = server_fixture.free_port()
    conf = server_fixture.write_config(
        os.path.join(workdir, name + '.conf'), database.url, nodes_dir,
        port, workers=args.workers)
    env = tree_env(tree)
    with open(conf + '.log', 'ab') as log:
        subprocess.run([os.path.join(VENV_BIN, 'esi-leap-dbsync'),
                        '--config-file', conf, 'upgrade'], check=True,
                       env=env, stdout=log, stderr=subprocess.STDOUT,
                       timeout=600)
    server = sbs.Process([os.path.join(VENV_BIN, 'esi-leap-api'),
                          '--config-file', conf], conf + '.log',
                         'http://127.0.0.1:%d' % port, env=env)
    processes.append(server.start())
    return sbs.Side(name, server.url, sbs.hdrs(sbs.ADMIN, 'admin'),
                    'esi_leap_owner', 'esi_leap_lessee',
                    server.process.pid, args.seed_threads)


def uptime():
    """The machine's ``uptime`` line (its load average)."""
    return subprocess.run(['uptime'], capture_output=True, text=True,
                          timeout=10).stdout.strip()


# Phases ----------------------------------------------------------------------

def listings(plan):
    """(label, path, params, key of the rows) of every listing measured."""
    n = len(plan.nodes)
    lessee, owner = sbs.LESSEES[0], sbs.OWNERS[0]
    return (
        ('GET /v1/offers, %d offers' % n, '/v1/offers', None, 'offers'),
        ('GET /v1/leases?view=all, %d leases' % n, '/v1/leases',
         {'view': 'all'}, 'leases'),
        ('GET /v1/nodes, %d nodes' % n, '/v1/nodes', None, 'nodes'),
        ('GET /v1/offers?project_id=<owner>', '/v1/offers',
         {'project_id': owner}, 'offers'),
        ('GET /v1/leases?project_id=<lessee>', '/v1/leases',
         {'project_id': lessee}, 'leases'),
        ('GET /v1/nodes?owner=<owner>', '/v1/nodes', {'owner': owner},
         'nodes'),
    )


def count_rows(side, path, params, key):
    """How many rows one admin listing of ``side`` returns."""
    body = sbs._check(requests.get(side.url + path, params=params,
                                   headers=side.admin,
                                   timeout=sbs.HTTP_TIMEOUT), path)
    return len(body[key])


def opened(side):
    """A warm-up that only opens the client's keep-alive connection."""
    return lambda session, _index: session.get(
        side.url + '/', timeout=sbs.HTTP_TIMEOUT)


def lease_create_phase(plan, made):
    """POST /v1/leases, hour-long slots far ahead; uuids into ``made``."""
    node_index = len(plan.nodes) - 1
    base = plan.base + datetime.timedelta(days=5000)
    lock = threading.Lock()
    slots = {}

    def make(side):
        made.setdefault(side.name, [])
        slots.setdefault(side.name, 0)
        owner = side.owner(plan.owner_of(node_index))

        def send(session, _index):
            with lock:
                start = base + datetime.timedelta(hours=slots[side.name])
                slots[side.name] += 1
            response = session.post(side.url + '/v1/leases', json={
                'resource_uuid': plan.nodes[node_index],
                'project_id': sbs.LESSEES[0], 'start_time': sbs.iso(start),
                'end_time': sbs.iso(start + datetime.timedelta(minutes=30))},
                headers=owner, timeout=sbs.HTTP_TIMEOUT)
            if response.status_code == 201:
                with lock:
                    made[side.name].append(response.json()['uuid'])
            return response
        return send, opened(side)
    return make


def lease_delete_phase(plan, made):
    """DELETE /v1/leases/<uuid> of the leases the create phase made."""
    owner_of_last = plan.owner_of(len(plan.nodes) - 1)
    lock = threading.Lock()

    def make(side):
        owner = side.owner(owner_of_last)

        def send(session, _index):
            with lock:
                if not made.get(side.name):
                    return None
                uuid = made[side.name].pop()
            return session.delete(side.url + '/v1/leases/%s' % uuid,
                                  headers=owner, timeout=sbs.HTTP_TIMEOUT)
        return send, opened(side)
    return make


def measure_listings(args, sides, plan):
    rows = []
    for label, path, params, key in listings(plan):
        counts = '/'.join(str(count_rows(side, path, params, key))
                          for side in sides)
        name, clients, merged = sbs.run_phase(
            label, sides, sbs.get_phase(path, params, lambda s: s.admin),
            1, 5, args.rounds, args.time_limit)
        rows.append((name, clients, merged, counts))
    return rows


def measure_bookings(args, sides, plan):
    rows = []
    windows = {side.name: sbs.ClaimWindows(side.offers[0])
               for side in sides}
    for clients in args.claim_clients:
        rows.append(sbs.run_phase(
            'POST /v1/offers/<uuid>/claim, one offer', sides,
            sbs.claim_phase(windows), clients, args.claim_requests,
            args.rounds, args.time_limit) + ('',))
    made = {}
    for label, phase in (('POST /v1/leases', lease_create_phase),
                         ('DELETE /v1/leases/<uuid>', lease_delete_phase)):
        rows.append(sbs.run_phase(
            label, sides, phase(plan, made), 1, args.claim_requests,
            args.rounds, args.time_limit) + ('',))
    return rows


# Round trips -----------------------------------------------------------------

def roundtrips(tree, args):
    """{row: [statements, commits, rollbacks, to server, cpu ms, calls]}.

    From this tree's roundtrips.py run in-process against ``tree``'s code.
    """
    out = subprocess.run(
        [sys.executable, os.path.join(BENCH, 'roundtrips.py'), '--backend',
         args.backend, '--offers', str(args.rt_offers), '--repeat',
         str(args.rt_repeat), '--calls'], env=tree_env(tree), cwd=tree,
        capture_output=True, text=True, timeout=1800)
    if out.returncode:
        raise RuntimeError('roundtrips.py on %s: %s' % (tree,
                                                        out.stderr[-500:]))
    found = {}
    for line in out.stdout.splitlines():
        name = line[:ROUNDTRIP_NAME_WIDTH].strip()
        if name in ROUNDTRIP_ROWS:
            fields = line[ROUNDTRIP_NAME_WIDTH:].split()
            found[name] = fields[:4] + [fields[5], fields[8]]
    return found


def _roundtrip_cells(runs, row):
    """The cells of one tree's row; (cells, cpu ms, calls)."""
    first = runs[0].get(row)
    if first is None:
        return ['-', '-', '-'], None, None
    cpu = statistics.median(float(r[row][4]) for r in runs)
    calls = statistics.median(float(r[row][5]) for r in runs)
    return ['/'.join(first[:4]), '%.2f' % cpu, '%d' % calls], cpu, calls


def print_roundtrips(trees, args):
    runs = {name: [] for name, _tree in trees}
    for _round in range(args.rt_rounds):
        for name, tree in trees:
            runs[name].append(roundtrips(tree, args))
    print('\nSQL round trips per request (roundtrips.py --calls, in-process, '
          'no HTTP; %s, %d offers on %d nodes, one lease each; median of %d '
          'requests, %d alternating runs per tree). "stm/c/rb/srv": '
          'statements, COMMITs, ROLLBACKs and commands PyMySQL sent (pings '
          'included); "cpu ms" the app\'s CPU time and "calls" its Python '
          'function calls (cProfile; other work on the machine moves the '
          'first, not the second), medians over the runs'
          % (args.backend, args.rt_offers, max(1, args.rt_offers // 10),
             args.rt_repeat, args.rt_rounds))
    cell = '%-14s %6s %7s'
    header = ('%-34s | ' + cell + ' | ' + cell + ' | %5s %7s') % (
        'request', 'before', 'cpu ms', 'calls', 'after', 'cpu ms', 'calls',
        'x cpu', 'x calls')
    print(header)
    print('-' * len(header))
    for row in ROUNDTRIP_ROWS:
        (before, cpu_b, calls_b), (after, cpu_a, calls_a) = (
            _roundtrip_cells(runs[name], row) for name, _tree in trees)
        print(('%-34s | ' + cell + ' | ' + cell + ' | %5s %7s') % tuple(
            [row] + before + after + [_ratio(cpu_a, cpu_b),
                                      _ratio(calls_a, calls_b, 3)]))


# Report ----------------------------------------------------------------------

def _ratio(after, before, digits=2):
    return '%.*f' % (digits, after / before) if after and before else '-'


def print_table(rows):
    cell = '%9s %7s %7s %6s'
    header = ('%-40s %3s %9s | ' + cell + ' | ' + cell + ' | %5s %5s %5s') % (
        'request', 'cli', 'rows b/a', 'before ok', 'p50 ms', 'p95 ms',
        'cpu ms', 'after ok', 'p50 ms', 'p95 ms', 'cpu ms', 'x p50',
        'x p95', 'x cpu')
    print(header)
    print('-' * len(header))
    for name, clients, merged, counts in rows:
        cells, figures = [], []
        for side in ('before', 'after'):
            fig = merged[side]
            cpu = fig.cpu * 1000.0 / fig.sent if fig.sent else None
            p50, p95 = fig.percentile(50), fig.percentile(95)
            figures.append((p50, p95, cpu))
            cells.extend(['%d/%d' % (fig.ok, fig.sent), sbs._f(p50),
                          sbs._f(p95), sbs._f(cpu)])
        ratios = tuple(_ratio(figures[1][i], figures[0][i])
                       for i in range(3))
        print('%-40s %3d %9s | %9s %7s %7s %6s | %9s %7s %7s %6s | %5s %5s '
              '%5s' % ((name[:40], clients, counts) + tuple(cells) + ratios))
    for name, clients, merged, _counts in rows:
        for side, fig in merged.items():
            if fig.errors:
                print('  %s, %s, %d clients: %s'
                      % (side, name, clients, fig.errors[:2]))


# Main ------------------------------------------------------------------------

def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--before', default=DEFAULT_BEFORE,
                        help='revision measured as "before" (default: '
                             '%(default)s); "after" is this working tree')
    parser.add_argument('--backend', default='mysql',
                        choices=('mysql', 'mysqlclient', 'postgresql'))
    parser.add_argument('--workers', type=int, default=2,
                        help='API worker processes of each server')
    parser.add_argument('--nodes', type=int, default=1000,
                        help='nodes, one offer and one lease on each '
                             '(default: %(default)s)')
    parser.add_argument('--rounds', type=int, default=3,
                        help='alternating rounds per phase (default: '
                             '%(default)s)')
    parser.add_argument('--time-limit', type=float, default=12.0,
                        help='most seconds per round and side')
    parser.add_argument('--min-read-time', type=float, default=3.0,
                        help='least seconds of listing per round and side '
                             '(default: %(default)s)')
    parser.add_argument('--claim-requests', type=int, default=60,
                        help='bookings per round and side (default: '
                             '%(default)s)')
    parser.add_argument('--claim-clients', type=api_bench._int_list,
                        default=[1, 4],
                        help='client threads of the claim phases '
                             '(default: 1,4)')
    parser.add_argument('--seed-threads', type=int, default=4)
    parser.add_argument('--client', choices=sorted(api_bench.SESSIONS),
                        default=api_bench.CLIENT)
    parser.add_argument('--after-first', action='store_true',
                        help='each round measures "after" first')
    parser.add_argument('--only', choices=('listings', 'bookings'),
                        help='measure only these paths over HTTP')
    parser.add_argument('--rt-offers', type=int, default=100,
                        help='offers of the roundtrips.py runs')
    parser.add_argument('--rt-repeat', type=int, default=20)
    parser.add_argument('--rt-rounds', type=int, default=2,
                        help='roundtrips.py runs per tree, alternating '
                             '(0: none)')
    return parser.parse_args(argv)


def run(args, workdir, processes):
    before_tree = add_worktree(args.before, os.path.join(workdir, 'before'))
    trees = (('before', before_tree), ('after', TREE))
    try:
        print('before: %s\nafter:  %s' % (describe(before_tree),
                                          describe(TREE)))
        print('backend %s, %d API workers each, %d nodes with one offer and '
              'one lease each; %d alternating rounds per phase (%s, ...), '
              'at most %.0f s each, listings at least %.1f s; %s HTTP '
              'client' % (
                  args.backend, args.workers, args.nodes, args.rounds,
                  'after, before' if args.after_first else 'before, after',
                  args.time_limit, args.min_read_time, args.client))
        print('machine: %d CPUs, a fixed pure-Python loop took %.0f ms; '
              'uptime at start: %s' % (os.cpu_count(),
                                       api_bench._calibration_ms(),
                                       uptime()), flush=True)
        plan = sbs.Plan(datetime.datetime.now(sbs.UTC).replace(
            minute=0, second=0, microsecond=0) + datetime.timedelta(days=1),
            args.nodes)
        # NOTE(esi-leap): --after-first puts "after" first in every
        # round, to tell an effect of the order from one of the code.
        sides = [start_side(name, tree, args, workdir, plan, processes)
                 for name, tree in (trees[::-1] if args.after_first
                                    else trees)]
        began = time.monotonic()
        for side in sides:
            sbs.seed_offers(side, plan, args.nodes, side.seed_threads)
            sbs.seed_leases(side, args.nodes, side.seed_threads)
        print('seeded both in %.0f s through the APIs; uptime: %s'
              % (time.monotonic() - began, uptime()), flush=True)
        rows = []
        if args.only in (None, 'listings'):
            rows += measure_listings(args, sides, plan)
        if args.only in (None, 'bookings'):
            rows += measure_bookings(args, sides, plan)
        sbs.stop_all(processes)
        del processes[:]      # stopped: the round trips run alone
        print()
        print_table(rows)
        print('\n"ok" is 2xx answers of requests sent; p50/p95 count 2xx '
              'only; "cpu ms" is the server\'s CPU time (all workers) per '
              'request sent; "x" is after/before (above 1: after is '
              'slower); "rows b/a" the rows one listing returned.')
        print('uptime after the HTTP phases: %s' % uptime(), flush=True)
        if args.rt_rounds:
            print_roundtrips(trees, args)
    finally:
        sbs.stop_all(processes)
        del processes[:]
        remove_worktree(before_tree)


def main(argv=None):
    args = parse_args(argv)
    api_bench.CLIENT = args.client
    sbs.READ_MIN_TIME = args.min_read_time
    workdir = tempfile.mkdtemp(prefix='esi-leap-arch-')
    processes = []
    started = time.monotonic()
    try:
        run(args, workdir, processes)
        print('\ntotal %.0f s; uptime at the end: %s'
              % (time.monotonic() - started, uptime()))
    finally:
        sbs.stop_all(processes)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == '__main__':
    main()
