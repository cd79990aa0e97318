"""Real-browser tests: Playwright driving Debian's chromium against the app served on loopback.

The suite starts its own Streamlit server on a free 127.0.0.1 port with a throw-away SQLite database
(an administrator, a project with demo spectra), and stops it with all its children (the job pool's
workers) when the session ends, pass or fail. It skips cleanly when Playwright or a chromium binary is
missing: Playwright cannot download browsers here, so it uses the system one (``packages-test.txt`` lists
``chromium``; ``VOLTVAULT_CHROMIUM`` names another binary). Screenshots of every step are kept under
``test-artifacts/e2e/`` (git-ignored), for people and for CI to keep.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from e2e_settings import ADMIN, ARTIFACTS, PROJECT, REPO_ROOT

START_TIMEOUT_S = 90


def chromium_path() -> str | None:
    for candidate in (os.environ.get("VOLTVAULT_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if candidate and (found := shutil.which(candidate)):
            return found
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM to the server's whole process group, SIGKILL to what is left after 10 s."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # workers that outlived the server too
    except ProcessLookupError:
        pass
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def chromium() -> str:
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
    path = chromium_path()
    if path is None:
        pytest.skip("no chromium binary (apt-get install chromium, or set VOLTVAULT_CHROMIUM)")
    return path


@pytest.fixture(scope="session")
def server(chromium, tmp_path_factory):
    """``{"url", "database_url", "engine", "project_id", "log"}`` of a live app on loopback."""
    from voltvault_core.auth.users import add_user
    from voltvault_core.db.engine import create_db_engine, session_scope
    from voltvault_core.db.migrate import upgrade
    from voltvault_core.eis.demo import seed_demo as seed_eis
    from voltvault_core.projects import create_project

    home = tmp_path_factory.mktemp("e2e-home")
    database_url = f"sqlite:///{home / 'voltvault.db'}"
    engine = create_db_engine(database_url)
    upgrade(engine)
    with session_scope(engine) as session:
        admin = add_user(session, None, username=ADMIN["username"], email="ada@lab.example", name=ADMIN["name"],
                         password=ADMIN["password"], is_admin=True)
        project = create_project(session, admin, name=PROJECT, chemistry_tag="NMC811")
        seed_eis(session, project.id)
        project_id = project.id
    port = _free_port()
    env = dict(os.environ, VOLTVAULT_DATABASE_URL=database_url, VOLTVAULT_HOME=str(home),
               VOLTVAULT_COOKIE_KEY="e2e-cookie-key", VOLTVAULT_WORKERS="1", VOLTVAULT_DEMO="",
               PYTHONPATH=str(REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    log_path = home / "server.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "Home.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    atexit.register(_stop, process)  # even if pytest itself is interrupted
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"the app server exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the app server did not answer within {START_TIMEOUT_S} s")
            time.sleep(0.5)
        yield {"url": url, "database_url": database_url, "engine": engine, "project_id": project_id,
               "log": log_path, "pid": process.pid}
    finally:
        _stop(process)
        log.close()
        engine.dispose()


@pytest.fixture(scope="session")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                             args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser context (no cookies: logged out) whose last state is screenshotted on failure."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        page.screenshot(path=str(ARTIFACTS / f"FAILED-{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
