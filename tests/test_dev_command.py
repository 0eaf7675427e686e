"""`sigmasight dev` stops the databases it started, on Ctrl-C and on SIGTERM alike."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.live_server import free_port

SIGMASIGHT = Path(sys.executable).parent / "sigmasight"
# Hang guards for a slow machine (first start runs initdb and migrations), not timing checks.
START_SECONDS = 180
STOP_SECONDS = 60

pytestmark = pytest.mark.skipif(
    not SIGMASIGHT.exists() or not Path("/proc/self/cwd").exists(),
    reason="needs the installed command and /proc",
)


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _processes_working_in(folder: Path) -> set[int]:
    """Pids of processes whose working directory is inside `folder`: the embedded PostgreSQL
    (in its data directory) and Redis (in the folder of its dump file)."""
    found: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cwd = Path(os.readlink(entry / "cwd"))
        except OSError:
            continue
        if cwd == folder or folder in cwd.parents:
            found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not Path(f"/proc/{pid}/stat").read_text().split(") ")[-1].startswith("Z")


@pytest.mark.parametrize("stop_with", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_dev_stops_the_servers_it_started(tmp_path: Path, stop_with: signal.Signals) -> None:
    # given `dev` serving on embedded PostgreSQL and Redis
    data_dir = tmp_path / "data"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    dev = subprocess.Popen(  # noqa: S603  # our own command and arguments
        [SIGMASIGHT, "dev", "--data-dir", str(data_dir), "--port", str(port), "--no-seed"],
        env={**env, "ENVIRONMENT": "development"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + START_SECONDS
        while not _answers(port):
            assert dev.poll() is None, "dev exited before serving"
            assert time.monotonic() < deadline, "dev never answered /health"
            time.sleep(0.2)
        servers = _processes_working_in(data_dir.resolve())
        assert len(servers) >= 2  # the postmaster (and its children) and redis-server
        # when
        dev.send_signal(stop_with)
        dev.wait(timeout=STOP_SECONDS)
    finally:
        if dev.poll() is None:
            dev.kill()
            dev.wait()
    # then nothing it started is left running
    left = [pid for pid in servers if _alive(pid)]
    for pid in left:  # so a failure here leaves no servers behind either
        os.kill(pid, signal.SIGKILL)
    assert left == []
    assert dev.returncode == 0
