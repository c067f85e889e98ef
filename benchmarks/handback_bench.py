#!/usr/bin/env python3
"""From a lease's end to the next tenant's hand-over, on a real Ironic.

Ironic 39 with fake hardware cleans for real here (automated cleaning on,
a one-second automated clean step: fixtures.ironic CLEANING). esi-leap-api
and esi-leap-manager run on MariaDB, woken over RabbitMQ, as in the
integration tests. Each round takes a fresh available node, a first lease
that ends in a few seconds and a second, back-to-back, lease of another
project; the node is polled every few milliseconds until the second
lessee holds it.

The time from the first lease's end to the hand-over is split into
Ironic's time (the node in a busy state or on its way to a target state:
deleting, cleaning, manage...) and esi-leap's own (the rest: noticing the
end, clearing the lessee, noticing that Ironic is done, the readiness gate
and the hand-over). Scenarios: a deployed node (undeploy, automated
cleaning) and a never-deployed one (manage, provide).

    python benchmarks/handback_bench.py [--rounds 3] [--recheck 1.0]
        [--watch 0.2] [--poll 0.05]

``--watch`` sets [manager] handback_poll_interval (0: off), ``--poll`` how
often this script reads the node: Ironic's API runs one worker here, and
a very tight poll slows the calls of esi-leap it measures.

It prints figures, never a verdict. Needs the Ironic virtualenv
(ESI_LEAP_IRONIC_VENV), MariaDB and RabbitMQ as the integration tests do.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time

from esi_leap.common import ironic_states
from esi_leap.tests.fixtures import ironic as ironic_fixture
from esi_leap.tests.integration import test_ironic_handback as hb
from esi_leap.tests.integration import test_ironic_manager as itest

TIMEOUT = 60


def ironic_working(state, target):
    """Whether Ironic, not esi-leap, is what the node waits for."""
    return bool(target) or state in ironic_states.BUSY


def watch(ironic, node, lease_uuid, end, poll):
    """Poll the node until THIRD holds it; return (total, Ironic's time)."""
    samples = []
    deadline = time.time() + TIMEOUT
    while time.time() < deadline:
        found = ironic.get_node(node)
        now = time.time()
        samples.append((now, found['provision_state'],
                        found.get('target_provision_state'),
                        found.get('lessee')))
        if itest.holds(found, hb.THIRD, lease_uuid):
            break
        time.sleep(poll)
    else:
        raise RuntimeError('node %s not handed over within %ss'
                           % (node, TIMEOUT))
    handed = samples[-1][0]
    busy = sum(later[0] - max(earlier[0], end)
               for earlier, later in zip(samples, samples[1:])
               if later[0] > end and ironic_working(earlier[1], earlier[2]))
    cleared = next(t for t, _, _, lessee in samples if lessee != hb.LESSEE)
    return handed - end, busy, cleared - end


def one_round(deployment, ironic, deployed, poll):
    node = hb.available_node(ironic)
    first, second, end = hb.back_to_back(deployment, node, length=3)
    if deployed:
        ironic.deploy(node)
    return watch(ironic, node, second['uuid'], itest.epoch(end), poll)


def report(name, rounds):
    totals = [t for t, _, _ in rounds]
    busies = [b for _, b, _ in rounds]
    own = [t - b for t, b, _ in rounds]
    print('%-16s rounds %d  end->hand-over median %.2f s (max %.2f)  '
          'Ironic %.2f s  esi-leap %.2f s (max %.2f)'
          % (name, len(rounds), statistics.median(totals), max(totals),
             statistics.median(busies), statistics.median(own), max(own)))
    for total, busy, cleared in rounds:
        print('    total %.3f s = Ironic %.3f s + esi-leap %.3f s (lessee '
              'cleared %.3f s after the end)'
              % (total, busy, total - busy, cleared))


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--recheck', type=float, default=1.0,
                        help='[manager] busy_recheck_delay, seconds')
    parser.add_argument('--watch', type=float, default=None,
                        help='[manager] handback_poll_interval, seconds '
                             '(default: the option\'s default)')
    parser.add_argument('--poll', type=float, default=0.05,
                        help='how often this script reads the node, '
                             'seconds')
    args = parser.parse_args(argv)
    workdir = tempfile.mkdtemp(prefix='handback-bench-')
    os.makedirs(os.path.join(workdir, 'ironic'))
    os.makedirs(os.path.join(workdir, 'esi'))
    ironic = ironic_fixture.Ironic(os.path.join(workdir, 'ironic'),
                                   options=ironic_fixture.CLEANING)
    ironic.start()
    deployment = hb.CleaningDeployment(os.path.join(workdir, 'esi'), ironic)
    deployment.manager_options = {'busy_recheck_delay': str(args.recheck)}
    if args.watch is not None:
        deployment.manager_options['handback_poll_interval'] = str(
            args.watch)
    try:
        deployment.setup()
        print('[manager] busy_recheck_delay = %s s, handback_poll_interval '
              '= %s s; node polled every %.0f ms'
              % (args.recheck, 'default' if args.watch is None
                 else args.watch, args.poll * 1000))
        for name, deployed in (('deployed', True), ('never deployed',
                                                    False)):
            report(name, [one_round(deployment, ironic, deployed, args.poll)
                          for _ in range(args.rounds)])
    finally:
        deployment.teardown()
        ironic.stop()


if __name__ == '__main__':
    main(sys.argv[1:])
