"""Load on the ledger's proof endpoint: inclusion proofs over HTTP from a second process.

A ledger of ``--entries`` disclosure entries (about 3 KB each, like a manifest) is built in a
temporary workspace; ``minshare serve``'s app runs in a child process under uvicorn on a loopback
port (SQLite state, as embedded); this process sends ``--requests`` inclusion-proof requests for
random entries from ``--clients`` concurrent clients, each authenticated as an auditor, and
verifies every proof it gets against the checkpoint's root (RFC 9162 §2.1.3.2).

The reference is the same proof made by the library in one process (open the ledger, build the
proof and the root for the latest tree size), without HTTP, authentication or the access log:
the ratio is what the service costs on top of the proof itself. Latency percentiles are per
request, as the clients saw them; the clients share this process's interpreter, so every proof
is verified after the clock stops. One run per concurrency level (``--clients``, default 4 and
8), against the same server.

    .venv/bin/python -m benchmarks.bench_proofs          # 10,000 entries and requests; 4, 8 clients
    .venv/bin/python -m benchmarks.bench_proofs --quick    # 2,000 entries, 600 requests
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from benchmarks._measure import ROOT, figure, write_json

_SERVER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import uvicorn
    from minshare.service import Settings, create_app

    ws, port, token_file = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    app = create_app(Settings(workspace=ws, port=port))
    app.state.auth.add_user("auditor", "auditor")
    token_file.write_text(app.state.auth.issue_token("auditor")[1])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    """
)


def build_ledger(ws: Path, entries: int) -> None:
    from minshare.ledger import open_ledger

    ledger = open_ledger(ws)
    try:
        for i in range(entries):
            ledger.append(json.dumps({"entry": i, "pad": "x" * 3000}).encode())
    finally:
        ledger.close()


def library_rate(ws: Path, indices: list[int]) -> dict[str, float]:
    """The reference: the endpoint's work (open, prove, root) in-process, one proof at a time."""
    from minshare.ledger import ledger_session

    times = []
    for i in indices:
        start = time.perf_counter()
        with ledger_session(ws) as led:
            size = led.size()
            led.inclusion_proof(i, size)
            led.root(size)
        times.append(time.perf_counter() - start)
    return {"per_second": len(times) / sum(times), "p50_ms": statistics.median(times) * 1e3}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, headers: dict[str, str], proc: subprocess.Popen[bytes]) -> None:
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server stopped with status {proc.returncode}")
        try:
            if httpx.get(url, headers=headers, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not start within 60 s")


def load(base: str, headers: dict[str, str], indices: list[int], clients: int) -> dict[str, float]:
    import httpx

    from minshare.ledger.merkle import verify_inclusion

    def one(client: httpx.Client, i: int) -> tuple[float, bytes]:
        start = time.perf_counter()
        r = client.get(f"{base}/api/ledger/proof/inclusion", params={"index": i}, headers=headers)
        elapsed = time.perf_counter() - start
        r.raise_for_status()
        return elapsed, r.content

    per_client = [indices[k::clients] for k in range(clients)]

    def worker(chunk: list[int]) -> list[tuple[float, bytes]]:
        with httpx.Client(timeout=30) as client:
            return [one(client, i) for i in chunk]

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        done = [t for chunk in pool.map(worker, per_client) for t in chunk]
    wall = time.perf_counter() - start
    # Every proof is checked, after the clock stops: the clients share one interpreter, and
    # hashing in one thread would delay another's request and count against the server.
    b = base64.b64decode
    for _, body in done:
        p = json.loads(body)
        verify_inclusion(p["index"], p["size"], b(p["leaf_hash"]), [b(x) for x in p["proof"]],
                         b(p["root"]))  # fmt: skip
    latencies = [t for t, _ in done]
    latencies.sort()
    return {
        "per_second": len(latencies) / wall,
        "p50_ms": latencies[len(latencies) // 2] * 1e3,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1e3,
        "requests": len(latencies),
        "seconds": wall,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument(
        "--clients", type=int, nargs="+", default=[4, 8], help="concurrent clients; one run each"
    )
    parser.add_argument("--quick", action="store_true", help="2,000 entries, 600 requests")
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    args = parser.parse_args(argv)
    if args.quick:
        args.entries, args.requests = min(args.entries, 2_000), min(args.requests, 600)
    rng = random.Random(0)
    indices = [rng.randrange(args.entries) for _ in range(args.requests)]
    runs: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-proofs-") as tmp:
        ws = Path(tmp) / "ws"
        ws.mkdir()
        build_ledger(ws, args.entries)
        ref = library_rate(ws, indices[: min(len(indices), 1_000)])
        port, token_file = _free_port(), Path(tmp) / "token"
        env_path = str(ROOT / "src")
        proc = subprocess.Popen(
            [sys.executable, "-c", _SERVER, str(ws), str(port), str(token_file)],
            env={**__import__("os").environ, "PYTHONPATH": env_path},
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while not token_file.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            headers = {"Authorization": f"Bearer {token_file.read_text()}"}
            _wait(f"{base}/api/ledger/checkpoint", headers, proc)
            for clients in args.clients:
                runs[clients] = load(base, headers, indices, clients)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    label = "the library, in-process (open, prove, root)"
    figures: list[dict[str, Any]] = []
    for clients, http in runs.items():
        print(
            f"proofs     {http['requests']:,} inclusion proofs over HTTP, {clients} clients, "
            f"ledger of {args.entries:,}: {http['per_second']:,.0f} requests/s, "
            f"p50 {http['p50_ms']:.1f} ms, p99 {http['p99_ms']:.1f} ms (every proof verified)"
        )
        n = f"ledger of {args.entries:,} entries, {clients} clients"
        figures += [
            figure(f"inclusion-proof endpoint, requests/s ({n})", http["per_second"], "req/s",
                   label, ref["per_second"]),
            figure(f"inclusion-proof endpoint, p50 latency ({n})", http["p50_ms"], "ms", label,
                   ref["p50_ms"]),
            figure(f"inclusion-proof endpoint, p99 latency ({n})", http["p99_ms"], "ms", label,
                   ref["p50_ms"]),
        ]  # fmt: skip
    print(
        f"reference  the library, in-process: {ref['per_second']:,.0f} proofs/s, "
        f"p50 {ref['p50_ms']:.2f} ms"
    )
    params = {"entries": args.entries, "runs": runs, "library": ref}
    write_json(args.json, "proofs", params, figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
