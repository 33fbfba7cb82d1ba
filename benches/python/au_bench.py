"""End-to-end throughput and round-trip latency of Python strand.au, to set
beside `cargo bench -p strand-benches --bench au` on the same machine.

    python benches/python/au_bench.py [--backend process|thread] [--n 300]
                                      [--rounds 50] [--dir DIR] [--ttl 3600]

What it measures, like the Rust bench:

- throughput: launch N computations of a trivial function (`x * 3`), then
  wait for every one (`get_result(timeout=...)`): computations per second;
- round trip: one computation in flight, launch then `get_result`: p50 and
  p90 over ROUNDS.

The store is strand.au's default `FileSystemStore` (JSON, `ttl_seconds=3600`
as `async_compute` sets by default) in a fresh directory under DIR (default:
the system temp dir, like `async_compute`'s default `/tmp/computations`), so
records of earlier runs do not count. The default backend of `async_compute`
is `ProcessBackend` (a forked process per call); `--backend thread` uses its
`ThreadBackend`. `--ttl 0` turns the TTL (and so its auto-cleanup) off.

Needs a `strand` with the `au` module: see benches/README.md.
"""

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time

try:
    from strand.au import FileSystemStore, ThreadBackend, async_compute
except ImportError as e:  # PyPI's strand 0.1.8 has no `au` module
    sys.exit(f"cannot import strand.au ({e}); see benches/README.md")


def triple(x):
    return x * 3


TORN = 0


def wait(handle, timeout):
    """`get_result`, retried when it fails on a torn read: strand.au writes
    records in place, so a reader can see a half-written (often empty) file,
    which `get_result` raises as a JSONDecodeError. Counted in TORN."""
    global TORN
    while True:
        try:
            return handle.get_result(timeout=timeout)
        except json.JSONDecodeError:
            TORN += 1


def make(backend_name, base, ttl):
    ttl = ttl or None
    if backend_name == "process":
        # Exactly what `@async_compute(base_path=..., ttl_seconds=...)` builds.
        return async_compute(base_path=base, ttl_seconds=ttl)(triple)
    store = FileSystemStore(base, ttl_seconds=ttl)
    return async_compute(backend=ThreadBackend(store), store=store)(triple)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--backend", choices=["process", "thread"], default="process")
    p.add_argument("--n", type=int, default=300, help="computations per throughput run")
    p.add_argument("--rounds", type=int, default=50, help="round trips for the p50")
    p.add_argument("--dir", default=tempfile.gettempdir(), help="where the store directory goes")
    p.add_argument("--ttl", type=int, default=3600, help="ttl_seconds (0: none)")
    args = p.parse_args()

    base = tempfile.mkdtemp(prefix="strand-au-py-bench-", dir=args.dir)
    try:
        # Throughput: launch N, then wait for all.
        f = make(args.backend, base + "/throughput", args.ttl)
        start = time.perf_counter()
        handles = [f(i) for i in range(args.n)]
        total = sum(wait(h, 600) for h in handles)
        elapsed = time.perf_counter() - start
        assert total == 3 * sum(range(args.n))

        # Round trip: one in flight.
        f = make(args.backend, base + "/round_trip", args.ttl)
        times = []
        for i in range(args.rounds):
            start = time.perf_counter()
            assert wait(f(i), 60) == 3 * i
            times.append(time.perf_counter() - start)
    finally:
        shutil.rmtree(base, ignore_errors=True)

    times.sort()
    p90 = times[min(len(times) - 1, int(0.9 * len(times)))]
    print(
        f"python strand.au  backend={args.backend}  dir={args.dir}  ttl={args.ttl or None}\n"
        f"  throughput  {args.n / elapsed:10.1f} computations/s  (N={args.n}, {elapsed:.2f} s)\n"
        f"  round trip  p50 {statistics.median(times) * 1e3:8.2f} ms   p90 {p90 * 1e3:8.2f} ms"
        f"   (rounds={args.rounds})\n"
        f"  torn reads retried: {TORN}"
    )


if __name__ == "__main__":
    main()
