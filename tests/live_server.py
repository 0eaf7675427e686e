"""A real server for tests that need one: a free local port, and the app served by uvicorn."""

from __future__ import annotations

import contextlib
import gc
import socket
import threading
from collections.abc import Iterator

import uvicorn
from starlette.applications import Starlette


def free_port() -> int:
    """A local TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def serving(app: Starlette) -> Iterator[str]:
    """`app` served by uvicorn on a free local port, in a thread with its own event loop; yields
    the base URL and stops the server (and undoes its collector tuning) afterwards."""
    thresholds = gc.get_threshold()  # the app's start-up tunes the collector for a server
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the server stopped while starting")
        threading.Event().wait(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()
        gc.unfreeze()
        gc.set_threshold(*thresholds)
