"""Starting and stopping local server processes in tests (SPARQL servers, the app)."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process(proc: subprocess.Popen) -> None:
    """Terminate a server process, killing it if it does not exit within 10 s."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stderr:
        proc.stderr.close()


def wait_for_sparql(proc: subprocess.Popen, base: str, timeout_s: float = 60) -> None:
    """Wait until the SPARQL server at `base` answers, failing the test if it dies or never does."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with requests.post(f"{base}/query", data={"query": "ASK {}"}, timeout=2) as resp:
                if resp.status_code == 200:
                    return
        except requests.ConnectionError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            err = proc.stderr.read().decode() if proc.stderr else ""
            proc.kill()
            pytest.fail(f"server did not start: {err}", pytrace=False)
        time.sleep(0.1)


@contextlib.contextmanager
def sparql_server(command: list[str], cwd: Path | None = None) -> Iterator[str]:
    """Run `command --bind 127.0.0.1:PORT` (a SPARQL server) on a free port; yields its base URL."""
    port = free_port()
    proc = subprocess.Popen([*command, "--bind", f"127.0.0.1:{port}"], cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_sparql(proc, base)
        yield base
    finally:
        stop_process(proc)


@contextlib.contextmanager
def oxigraph_server(binary: str) -> Iterator[str]:
    """`oxigraph serve` with a temporary location; yields its base URL."""
    data = Path(tempfile.mkdtemp(prefix="ipkg-oxigraph-"))
    try:
        with sparql_server([binary, "serve", "--location", str(data)]) as base:
            yield base
    finally:
        shutil.rmtree(data, ignore_errors=True)
