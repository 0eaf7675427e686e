"""Helpers the benchmarks share: timing, percentiles, waiting for a server to be ready."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Callable

import httpx


def best_seconds(run: Callable[[], object], repeats: int) -> float:
    """The fastest of `repeats` runs, in seconds: the least disturbed by the rest of the machine."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def percentile(samples: list[float], q: float) -> float:
    """The `q` quantile (0-1) of `samples`, nearest rank."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def wait_ready(
    http: httpx.AsyncClient, server: subprocess.Popen[bytes] | None = None, *, tries: int = 1200
) -> None:
    """Poll `/ready` every 0.1 s until the API answers 200; fail if `server` exits first.

    The default allows two minutes: a busy machine takes a while to start several processes.
    """
    for _ in range(tries):
        if server is not None and server.poll() is not None:
            raise RuntimeError(f"server exited with {server.returncode}")
        try:
            if (await http.get("/ready")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("server did not become ready")
