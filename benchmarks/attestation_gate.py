"""The attested hand-over's own cost: enrol to verdict, per hand-over.

Starts a real Keylime verifier and registrar (the test fixture's), a
swtpm and the stand-in agent per node, then runs gates through the
Keylime provider exactly as the manager does (one step every --step
seconds) and prints, per quote interval, the seconds from the first step
(enrolment) to the pass, and to the enrolment's removal.

    python benchmarks/attestation_gate.py [--gates 5] [--intervals 1,2]
        [--burst 0]

--burst N gates N nodes at once on one verifier (N swtpms and agents).
Keylime's default quote_interval is 2 s.
"""
import argparse
import os
import statistics
import tempfile
import time
import types
import uuid

from esi_leap.attestation import base
from esi_leap.attestation import keylime as provider
from esi_leap.attestation import tpm_policy
from esi_leap.tests.fixtures import keylime as keylime_fixture


def conf(stack):
    return types.SimpleNamespace(api_version='2.5', request_timeout=10.0,
                                 min_quotes=1, **stack.options())


def one_gate(prov, stack, n, step):
    gate = base.Gate('node-%d' % n, stack.agents[n].agent_id,
                     str(uuid.uuid4()), int(time.time()),
                     tpm_policy.parse(stack.known_good(n)))
    return gate, time.monotonic()


def run_gates(prov, stack, gates, step, timeout=120):
    """Step every gate until it passes; seconds to pass and to release."""
    pending = {n: one_gate(prov, stack, n, step) for n in gates}
    passed = []
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        for n, (gate, began) in list(pending.items()):
            result = prov.step(gate)
            if result.verdict is base.Verdict.PASS:
                to_pass = time.monotonic() - began
                prov.release(gate)
                passed.append((to_pass, time.monotonic() - began))
                del pending[n]
            elif result.verdict is base.Verdict.FAIL:
                raise SystemExit('gate failed: %s' % result.reason)
        time.sleep(step)
    return passed, len(pending)


def measure(interval, count, nodes, step):
    workdir = tempfile.mkdtemp(prefix='attest-bench-')
    stack = keylime_fixture.Stack(workdir, count=nodes,
                                  quote_interval=interval)
    try:
        stack.start()
        prov = provider.KeylimeProvider(conf(stack))
        if nodes == 1:
            results = []
            for _ in range(count):
                done, _ = run_gates(prov, stack, [0], step)
                results.extend(done)
            return results, 0
        return run_gates(prov, stack, list(range(nodes)), step)
    finally:
        stack.stop()


def show(label, results, missing):
    passes = [r[0] for r in results]
    releases = [r[1] for r in results]
    print('%-28s n=%-3d pass: median %.2f s  min %.2f  max %.2f   '
          'released: median %.2f s   no verdict: %d' % (
              label, len(results), statistics.median(passes), min(passes),
              max(passes), statistics.median(releases), missing))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--gates', type=int, default=5)
    parser.add_argument('--intervals', default='1,2')
    parser.add_argument('--burst', type=int, default=0)
    parser.add_argument('--step', type=float, default=0.5,
                        help='seconds between two steps of a gate (the '
                             "manager's [manager] retry_initial_delay)")
    args = parser.parse_args()
    for interval in [float(i) for i in args.intervals.split(',')]:
        results, missing = measure(interval, args.gates, 1, args.step)
        show('quote_interval %g s' % interval, results, missing)
        if args.burst:
            results, missing = measure(interval, 1, args.burst, args.step)
            show('burst of %d, interval %g s' % (args.burst, interval),
                 results, missing)


if __name__ == '__main__':
    os.environ.setdefault('PYTHONWARNINGS', 'ignore')
    main()
