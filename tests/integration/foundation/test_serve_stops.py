"""Stopping ``voltvault serve`` stops the server: it used to run Streamlit as a child, which a SIGTERM to
the command left running (and holding its port) after the command had exited."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_terminating_serve_stops_the_server(tmp_path):
    port = _free_port()
    env = dict(os.environ, VOLTVAULT_DATABASE_URL=f"sqlite:///{tmp_path / 'serve.db'}")
    proc = subprocess.Popen([sys.executable, "-m", "voltvault_core", "serve", "--port", str(port), "--address",
                             "127.0.0.1"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while not _answers(port):
            assert time.monotonic() < deadline, "voltvault serve did not answer within 90 s"
            time.sleep(0.5)
        proc.terminate()
        proc.wait(timeout=20)
        deadline = time.monotonic() + 10
        while _answers(port):
            assert time.monotonic() < deadline, "the server still answers after voltvault serve was stopped"
            time.sleep(0.5)
    finally:
        try:
            os.killpg(proc.pid, 9)  # whatever is left of this test's process group
        except ProcessLookupError:
            pass
