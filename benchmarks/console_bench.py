#!/usr/bin/env python3
"""Serial console proxy: time to first byte, throughput, concurrency.

Starts esi-leap-api and esi-leap-serial-console-proxy on 127.0.0.1 (noauth,
a throwaway database) with dummy nodes whose consoles are real socat
processes, then measures with the websockets client:

* token to first byte: POST /v1/console_auth_tokens, open the access_url,
  receive the console's first byte (a fresh backend session each time);
* bytes/s through one session: a console streaming zeros as fast as it
  can, read through the proxy in binary frames; and echoed round trips;
* 50 concurrent sessions on 50 nodes (echo consoles), each sending
  messages and waiting for their echo.

It prints figures, never a verdict. See benchmarks/README.rst.
"""
import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time

from websockets.asyncio import client as ws_client

from esi_leap.tests.fixtures import consoles
from esi_leap.tests.fixtures import databases


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * fraction), len(ordered) - 1)]


def _ms(values):
    return 'median %.1f ms, p95 %.1f ms, max %.1f ms' % (
        statistics.median(values) * 1000, _percentile(values, 0.95) * 1000,
        max(values) * 1000)


class Setup(consoles.Deployment):
    """The servers, the database and the consoles of one run."""

    def node(self, name, command):
        """A dummy node whose console is a socat running ``command``."""
        socat = consoles.Socat(command)
        self.others.append(socat)
        self.nodes.add(name, 'owner-project',
                       console={'type': 'socat', 'url': socat.url})
        return name


async def first_byte(setup, node, rounds):
    """Seconds from asking for a token to the console's first byte."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        url = await asyncio.to_thread(setup.access_url, node)
        async with ws_client.connect(url, subprotocols=['binary']) as ws:
            await ws.recv()
            times.append(time.perf_counter() - start)
    return times


async def stream(setup, node, seconds):
    """Bytes per second read from a console that streams zeros."""
    url = await asyncio.to_thread(setup.access_url, node)
    received = 0
    async with ws_client.connect(url, subprotocols=['binary'],
                                 max_size=None) as ws:
        await ws.recv()
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            received += len(await ws.recv())
        elapsed = time.perf_counter() - start
    return received / elapsed


async def echo_session(url, messages, size):
    """Connect, then round-trip ``messages`` messages; return timings."""
    start = time.perf_counter()
    payload = b'x' * (size - 1) + b'\n'
    async with ws_client.connect(url, subprotocols=['binary'],
                                 open_timeout=60) as ws:
        connected = time.perf_counter() - start
        trips = []
        for _ in range(messages):
            sent = time.perf_counter()
            await ws.send(payload)
            got = 0
            while got < len(payload):
                got += len(await ws.recv())
            trips.append(time.perf_counter() - sent)
    return connected, trips


async def concurrent(setup, nodes, messages, size):
    urls = [await asyncio.to_thread(setup.access_url, n) for n in nodes]
    start = time.perf_counter()
    results = await asyncio.gather(*[echo_session(u, messages, size)
                                     for u in urls])
    elapsed = time.perf_counter() - start
    return elapsed, [c for c, _ in results], [t for _, ts in results
                                              for t in ts]


async def run(setup, args):
    banner = setup.node('bench-banner', 'SYSTEM:echo ready')
    times = await first_byte(setup, banner, args.rounds)
    print('token to first byte (%d rounds): %s' % (len(times), _ms(times)))

    zeros = setup.node('bench-zeros', 'SYSTEM:cat /dev/zero')
    rate = await stream(setup, zeros, args.seconds)
    print('one session, console to client: %.1f MB/s' % (rate / 1e6))

    echo = setup.node('bench-echo', 'EXEC:cat')
    connected, trips = await echo_session(
        await asyncio.to_thread(setup.access_url, echo), args.messages,
        args.size)
    print('one session, %d-byte echo round trip: %s' % (args.size,
                                                        _ms(trips)))

    nodes = [setup.node('bench-many-%d' % i, 'EXEC:cat')
             for i in range(args.sessions)]
    elapsed, connects, trips = await concurrent(setup, nodes,
                                                args.messages, args.size)
    total = len(trips)
    print('%d concurrent sessions: all connected and %d round trips in '
          '%.2f s (%.0f round trips/s)' % (len(nodes), total, elapsed,
                                           total / elapsed))
    print('  connect: %s' % _ms(connects))
    print('  round trip: %s' % _ms(trips))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--backend', default='sqlite',
                        choices=databases.ALL_BACKENDS)
    parser.add_argument('--rounds', type=int, default=20)
    parser.add_argument('--seconds', type=float, default=3.0)
    parser.add_argument('--sessions', type=int, default=50)
    parser.add_argument('--messages', type=int, default=50)
    parser.add_argument('--size', type=int, default=64)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix='esi-leap-console-bench-')
    setup = Setup(workdir, args.backend, workers=2,
                  max_token_ttl='3600', check_interval='1.0')
    try:
        setup.start()
        print('backend %s, proxy %s' % (args.backend, setup.proxy.url))
        asyncio.run(run(setup, args))
    finally:
        setup.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
