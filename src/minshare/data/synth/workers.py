"""Chunk generation in worker processes, so generation and writing use every core.

Threads do not help here (numpy indexing and pyarrow.compute calls contend for the GIL: two
threads measured slower than one), and ``multiprocessing`` would re-import the caller's
``__main__`` in each worker, which breaks unguarded scripts. So each worker is a plain
``python -m minshare.data.synth.serve`` subprocess speaking pickle over its stdin/stdout.

Chunk k always goes to worker k mod N and each worker answers in order, so results come back in
chunk order without any bookkeeping. Tasks are a few integers (the facility sites are sent once
at start-up), so writing one never blocks on a full pipe while a worker is sending a result.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import sys
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from minshare.data.synth import chunk
from minshare.data.synth.facilities import Sites
from minshare.errors import MinshareError

Task = tuple[int, int, int, int]  # seed, chunk index, first row, rows


class WorkerPool:
    def __init__(self, n_workers: int, sites: Sites) -> None:
        src = str(Path(__file__).resolve().parents[3])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([src, *filter(None, [env.get("PYTHONPATH")])])
        self._procs: list[subprocess.Popen[bytes]] = []
        for _ in range(n_workers):
            proc = subprocess.Popen(
                [sys.executable, "-m", "minshare.data.synth.serve"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=env,
            )
            self._procs.append(proc)
        # Sent once all are started: each send waits for that worker to finish importing.
        for proc in self._procs:
            self._send(proc, sites)

    def __len__(self) -> int:
        return len(self._procs)

    @staticmethod
    def _send(proc: subprocess.Popen[bytes], message: Any) -> None:
        stdin: IO[bytes] | None = proc.stdin
        assert stdin is not None
        try:
            pickle.dump(message, stdin, protocol=pickle.HIGHEST_PROTOCOL)
            stdin.flush()
        except BrokenPipeError:
            code = proc.wait()
            raise MinshareError(f"synthetic data worker exited with status {code}") from None

    def submit(self, index: int, task: Task) -> None:
        self._send(self._procs[index % len(self._procs)], task)

    def result(self, index: int) -> chunk.Chunk:
        proc = self._procs[index % len(self._procs)]
        stdout: IO[bytes] | None = proc.stdout
        assert stdout is not None
        try:
            out: chunk.Chunk = pickle.load(stdout)
        except EOFError:
            code = proc.wait()
            raise MinshareError(f"synthetic data worker exited with status {code}") from None
        return out

    def close(self, *, kill: bool = False) -> None:
        for proc in self._procs:
            if proc.stdin is not None:
                with contextlib.suppress(OSError):
                    proc.stdin.close()
            if kill:
                proc.kill()
        for proc in self._procs:
            proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
        self._procs = []

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close(kill=exc_type is not None)


def serve() -> None:
    """The worker side: read the sites, then answer each task with its chunk, in order."""
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    # Nothing else may write to the result pipe.
    sys.stdout = sys.stderr
    sites: Sites = pickle.load(inp)
    while True:
        try:
            seed, index, first, rows = pickle.load(inp)
        except EOFError:
            return
        result = chunk.generate(seed, index, first, rows, sites)
        pickle.dump(result, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()
