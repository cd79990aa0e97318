"""Load on loopback: 20 app sessions at once and 400 queued jobs finish, and memory stays bounded.

The sessions are Streamlit AppTest runs of Home.py in 20 threads of one process (as 20 browser tabs
share one server process): signed-in dashboards, experiment pages and logged-out share views, each run
three times. The jobs are 400 small ones through the process pool (two workers). Both assert completion
and a bound on the growth of this process's resident memory; the figures go to docs/reliability.md.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
import types
from pathlib import Path

import pytest
from sqlmodel import func, select
from streamlit.testing.v1 import AppTest

from voltvault_core import projects
from voltvault_core.auth.users import add_user
from voltvault_core.db.engine import create_db_engine, session_scope
from voltvault_core.db.migrate import upgrade
from voltvault_core.db.models import Job
from voltvault_core.eis.demo import seed_demo as seed_eis
from voltvault_core.ui.testing import signed_in

pytestmark = pytest.mark.slow

HOME = str(Path(__file__).resolve().parents[3] / "Home.py")
SESSIONS = 20
RUNS_PER_SESSION = 3
JOBS = 400
SESSION_MEMORY_BOUND_MB = 300  # 20 live sessions with their widgets, figures and caches (measured: ~60)
JOB_MEMORY_BOUND_MB = 100  # 400 rows and results through the pool (measured: ~1)


def rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.fixture(scope="module")
def loaded_database(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('load') / 'app.db'}"
    engine = create_db_engine(url)
    upgrade(engine)
    with session_scope(engine) as session:
        admin = add_user(session, None, username="admin", email="a@lab.example", name="Ada", password="correct horse",
                         is_admin=True)
        users = [add_user(session, None, username=f"user{k}", email=f"u{k}@lab.example", name=f"User {k}",
                          password="correct horse") for k in range(SESSIONS)]
        project = projects.create_project(session, admin, name="Load cells")
        seed_eis(session, project.id)
        for user in users:
            projects.set_member_role(session, admin, project.id, username=user.username, role="editor")
        _, token = projects.create_share_link(session, admin, project.id, expires_in_days=1)
    yield url, engine, token
    engine.dispose()


@pytest.fixture
def one_runtime(monkeypatch):
    """One Streamlit runtime for every AppTest of the test, as one server process has.

    AppTest installs a mock runtime (media files, caches, components) for the length of one run and
    removes it at the end, sets ``global.appTest`` around each run, and compiles the scripts afresh for
    each run: two runs in two threads then pull the runtime from under each other. Here every run sees the same runtime, so their
    ``st.cache_resource`` (the engine) is shared as it is between the sessions of a real server.
    """
    from contextlib import nullcontext
    from unittest.mock import MagicMock

    from streamlit.components.v2.component_manager import BidiComponentManager
    from streamlit.runtime import Runtime
    from streamlit.runtime.caching.storage.dummy_cache_storage import MemoryCacheStorageManager
    from streamlit.runtime.dataframe_source_manager import DataframeSourceManager
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
    from streamlit.testing.v1 import app_test
    from streamlit.testing.v1.util import patch_config_options

    runtime = MagicMock(spec=Runtime)
    runtime.media_file_mgr = MediaFileManager(MemoryMediaFileStorage("/mock/media"))
    runtime.dataframe_source_mgr = DataframeSourceManager()
    runtime.cache_storage_manager = MemoryCacheStorageManager()
    components = BidiComponentManager()
    components.discover_and_register_components(start_file_watching=False)
    runtime.bidi_component_registry = components
    monkeypatch.setattr(Runtime, "instance", classmethod(lambda cls: runtime))
    monkeypatch.setattr(Runtime, "exists", classmethod(lambda cls: True))
    monkeypatch.setattr(app_test, "patch_config_options", lambda options: nullcontext())
    # one compiled-script cache, as a server has (it compiles each page once, under a lock; a cache per
    # run would compile in 20 threads at once, which CPython 3.11's compiler does not survive)
    script_cache = app_test.ScriptCache()
    monkeypatch.setattr(app_test, "ScriptCache", lambda: script_cache)
    with patch_config_options({"global.appTest": True}):
        yield runtime


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="reads memory from /proc")
def test_twenty_concurrent_app_sessions(loaded_database, one_runtime, monkeypatch, record_property):
    url, _, token = loaded_database
    monkeypatch.setenv("VOLTVAULT_DATABASE_URL", url)
    monkeypatch.setenv("VOLTVAULT_COOKIE_KEY", "load-cookie-key")
    monkeypatch.delenv("VOLTVAULT_DEMO", raising=False)
    AppTest.from_file(HOME, default_timeout=120).run()  # warm the imports and the engine once
    gc.collect()
    before = rss_mb()
    failures: list[str] = []
    durations: list[float] = []
    peak = [before]
    lock = threading.Lock()

    def session(k: int) -> None:
        try:
            if k % 4 == 3:  # a logged-out visitor with the share link
                at = AppTest.from_file(HOME, default_timeout=120)
                at.query_params["share"] = token
            else:
                at = signed_in(AppTest.from_file(HOME, default_timeout=120), f"user{k}", f"User {k}")
            for _ in range(RUNS_PER_SESSION):
                start = time.perf_counter()
                at.run()
                with lock:
                    durations.append(time.perf_counter() - start)
                    peak[0] = max(peak[0], rss_mb())
                problems = [str(e.value) for e in at.exception] + [str(e.value) for e in at.error]
                if problems:
                    raise AssertionError(problems)
                title = [t.value for t in at.title]
                expected = "Load cells" if k % 4 == 3 else "VoltVault"
                if expected not in title:
                    raise AssertionError(f"session {k} saw {title}")
        except Exception as exc:  # collected and reported by the main thread
            with lock:
                failures.append(f"session {k}: {exc!r}")

    start = time.perf_counter()
    threads = [threading.Thread(target=session, args=(k,)) for k in range(SESSIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    wall_s = time.perf_counter() - start
    gc.collect()
    after = rss_mb()
    assert not failures, failures
    assert not any(t.is_alive() for t in threads), "a session did not finish"
    assert len(durations) == SESSIONS * RUNS_PER_SESSION
    figures = {"sessions": SESSIONS, "runs": len(durations), "wall_s": round(wall_s, 1),
               "median_run_s": round(sorted(durations)[len(durations) // 2], 2), "max_run_s": round(max(durations), 2),
               "rss_before_MB": round(before), "rss_peak_MB": round(peak[0]), "rss_after_MB": round(after)}
    record_property("figures", figures)
    print("app sessions:", figures)
    assert peak[0] - before < SESSION_MEMORY_BOUND_MB, figures


@pytest.fixture
def job_runner(request, loaded_database):
    """The process pool (two workers), or a client of a two-worker Dask cluster on 127.0.0.1."""
    _, engine, _ = loaded_database
    if request.param == "process":
        from voltvault_core.jobs.pool import ProcessPoolJobRunner

        runner = ProcessPoolJobRunner(engine, workers=2)
        yield runner
        runner.shutdown(wait=False)
        return
    distributed = pytest.importorskip("distributed")
    from voltvault_core.jobs.dask_runner import DaskJobRunner

    real_main = sys.modules["__main__"]  # spawned nannies re-run __main__ (see tests/integration/jobs)
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        with distributed.LocalCluster(host="127.0.0.1", n_workers=2, threads_per_worker=1, processes=True,
                                      dashboard_address=None, silence_logs=50) as cluster:
            runner = DaskJobRunner(engine, cluster.scheduler_address)
            yield runner
            runner.shutdown(wait=False)
    finally:
        sys.modules["__main__"] = real_main


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="reads memory from /proc")
@pytest.mark.parametrize("job_runner", ["process", "dask"], indirect=True)
@pytest.mark.xdist_group("jobs")
def test_four_hundred_queued_jobs(loaded_database, job_runner, record_property):
    _, engine, _ = loaded_database
    kind = f"load-{type(job_runner).__name__}"
    gc.collect()
    before = rss_mb()
    peak = before
    runner = job_runner
    start = time.perf_counter()
    ids = [runner.submit("voltvault_core.jobs.testing_tasks:add", {"a": k, "b": 0.5}, kind=kind)
           for k in range(JOBS)]
    submitted_s = time.perf_counter() - start
    peak = max(peak, rss_mb())
    done = runner.wait(ids, timeout=600)
    wall_s = time.perf_counter() - start
    peak = max(peak, rss_mb())
    assert not done.not_done, f"{len(done.not_done)} jobs unfinished after 600 s"
    # every job ran once and its row says so (the spot check reads results the runner kept)
    assert [runner.result(i, timeout=5) for i in ids[-5:]] == [k + 0.5 for k in range(JOBS - 5, JOBS)]
    with session_scope(engine) as session:
        statuses = dict(session.exec(select(Job.status, func.count()).where(Job.kind == kind)
                                     .group_by(Job.status)).all())
    gc.collect()
    after = rss_mb()
    assert statuses == {"completed": JOBS}, statuses
    figures = {"runner": type(job_runner).__name__, "jobs": JOBS, "workers": 2, "submit_s": round(submitted_s, 2),
               "wall_s": round(wall_s, 1),
               "jobs_per_s": round(JOBS / wall_s, 1), "rss_before_MB": round(before), "rss_peak_MB": round(peak),
               "rss_after_MB": round(after)}
    record_property("figures", figures)
    print("jobs:", figures)
    assert peak - before < JOB_MEMORY_BOUND_MB, figures
