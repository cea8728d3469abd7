"""The real spacekg server, `spacekg serve`, in a child process on a free loopback port.

Started exactly as a deployment starts it (waitress with the CLI's settings,
the query worker pool, the access log), with `SPACEKG_*` variables naming the
store; the benchmark's own `SPACEKG_*` environment is not passed on, so the
figures do not depend on the shell they were taken from.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.corpus import ONTOLOGY, ROOT

STARTUP_SECONDS = 120.0


@dataclass(frozen=True)
class Server:
    url: str  # no trailing slash
    pid: int
    log: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def spacekg_server(
    store: Path | str, data: Path, log: Path, settings: Mapping[str, str] | None = None
) -> Iterator[Server]:
    """Serve the store `store` (a folder, or an external store's URL) built from `data`,
    until the block ends; `settings` are further `SPACEKG_*` variables."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPACEKG_")}
    env.update(
        {
            "SPACEKG_STORE": str(store),
            "SPACEKG_DATA": str(data),
            "SPACEKG_ONTOLOGY": str(ONTOLOGY),
            "SPACEKG_HOST": "127.0.0.1",
            "SPACEKG_PORT": str(port),
            "SPACEKG_REASONER": "rules",  # if serve finds the store stale, it rebuilds quickly
            "SPACEKG_PROGRESS": "false",
            **(settings or {}),
        }
    )
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "spacekg", "serve"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its query workers share its process group
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(process, url, log)
        yield Server(url, process.pid, log)
    finally:
        _stop(process)


def _wait_until_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"spacekg serve exited with {process.returncode}; see {log}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError(f"spacekg serve did not answer within {STARTUP_SECONDS:.0f} s; see {log}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    with contextlib.suppress(ProcessLookupError):  # query workers left in its group
        os.killpg(process.pid, signal.SIGKILL)
