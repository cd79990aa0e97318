"""The voltvault command: help, db upgrade, user add, demo seed, serve (through a real subprocess)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from voltvault_core.cli import main


def _run(args, db_url, stdin=None):
    env = dict(os.environ, VOLTVAULT_DATABASE_URL=db_url)
    return subprocess.run([sys.executable, "-m", "voltvault_core", *args], input=stdin, capture_output=True,
                          text=True, env=env, timeout=120)


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("db", "user", "serve", "demo"):
        assert command in out


def test_a_command_imports_only_its_own_feature_module():
    """``voltvault simulate`` must not pay for importing the EIS (scipy.signal) and design modules."""
    probe = (
        "import sys; from voltvault_core.cli import build_parser, FEATURE_COMMANDS; "
        "build_parser('simulate').parse_args(['simulate', '--model', 'spm']); "
        "print(sorted(m for m in FEATURE_COMMANDS.values() if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['voltvault_core.simulation.cli']"
    every = subprocess.run(
        [sys.executable, "-c", "import sys; from voltvault_core.cli import build_parser, FEATURE_COMMANDS; "
         "build_parser(); print(all(m in sys.modules for m in FEATURE_COMMANDS.values()))"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert every.stdout.strip() == "True", every.stderr


def test_db_upgrade_user_add_and_demo(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    done = _run(["db", "upgrade", "--json"], url)
    assert done.returncode == 0, done.stderr
    from voltvault_core.db.migrate import head_revision

    assert json.loads(done.stdout)["revision"] == head_revision()  # the newest migration, whichever it is
    added = _run(["user", "add", "--username", "grace", "--email", "grace@lab.example", "--admin",
                  "--password-stdin", "--json"], url, stdin="long enough password\n")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout) == {"id": 1, "username": "grace", "is_admin": True}
    again = _run(["user", "add", "--username", "grace", "--email", "g@lab.example", "--password-stdin"], url,
                 stdin="long enough password\n")
    assert again.returncode == 2
    assert "taken" in again.stderr
    seeded = _run(["demo", "seed", "--json"], url)
    assert seeded.returncode == 0, seeded.stderr
    summary = json.loads(seeded.stdout)
    assert summary["created"] is True
    # every feature contributes samples to the demo project
    for kind in ("cell_designs", "simulations", "cycling_datasets", "eis_measurements", "experiments"):
        assert summary["contents"].get(kind, 0) >= 1, (kind, summary)
    assert json.loads(_run(["demo", "seed", "--json"], url).stdout)["created"] is False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_serve_answers_on_its_port(tmp_path):
    port = _free_port()
    env = dict(os.environ, VOLTVAULT_DATABASE_URL=f"sqlite:///{tmp_path / 'serve.db'}")
    proc = subprocess.Popen([sys.executable, "-m", "voltvault_core", "serve", "--port", str(port),
                             "--address", "127.0.0.1"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
                    assert response.read() == b"ok"
                    return
            except OSError:
                time.sleep(0.5)
        pytest.fail("voltvault serve did not answer within 60 s")
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        _assert_port_closes(port)


def _assert_port_closes(port: int, within_s: float = 20.0) -> None:
    """The server stopped with its parent: nothing answers on the port any more (no orphaned Streamlit)."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1):
                pass
        except OSError:
            return
        time.sleep(0.5)
    pytest.fail(f"a server still answers on port {port} after `voltvault serve` was terminated")
