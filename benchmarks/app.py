"""App benchmarks through Streamlit's AppTest (issue 16): what a user waits for in the page.

1. A Cell Designer edit to updated metrics (one rerun after a thickness change): target <= 0.2 s.
   Measured on a fresh session, and after the Simulation page has put solver results into the session
   (Streamlit deep-copies the session state on every widget call, so what pages keep there matters).
2. Click to plot on the Simulation page (Run pressed -> the run's voltage plot drawn, one rerun that
   submits the job, waits for it and draws the Results tab): target <= 0.5 s warm, per model.

Run ``PYTHONPATH=. .venv/bin/python benchmarks/app.py [--write-docs] [--repeats N]``. AppTest runs the
page script in-process like the server does, without the browser's own rendering time.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("VOLTVAULT_BCRYPT_ROUNDS", "4")


SCRIPT_CPU_S: list[float] = []  # CPU time of each page-script run (its own thread): steadier under load


def _record_script_cpu() -> None:
    import streamlit.runtime.scriptrunner.script_runner as runner

    original = runner.exec_func_with_error_handling

    def timed(func, ctx):
        start = time.thread_time()
        try:
            return original(func, ctx)
        finally:
            SCRIPT_CPU_S.append(time.thread_time() - start)

    runner.exec_func_with_error_handling = timed


def _database() -> tuple[str, int, int]:
    from voltvault_core.auth.users import add_user
    from voltvault_core.db.engine import create_db_engine, session_scope
    from voltvault_core.db.migrate import upgrade
    from voltvault_core.demo import seed_demo
    from voltvault_core.projects import create_project

    url = f"sqlite:///{tempfile.mkdtemp(prefix='vv-bench-app-')}/app.db"
    engine = create_db_engine(url)
    upgrade(engine)
    demo = seed_demo(engine)["project_id"]
    with session_scope(engine) as session:
        admin = add_user(session, None, username="admin", email="admin@lab.example", name="Ada Admin",
                         password="correct horse", is_admin=True)
        own = create_project(session, admin, name="Bench cells").id
    engine.dispose()
    return url, own, demo


def _app(project_id: int | None = None):
    from streamlit.testing.v1 import AppTest

    from voltvault_core.ui.testing import signed_in

    at = signed_in(AppTest.from_file(str(REPO / "Home.py"), default_timeout=600), "admin", "Ada Admin")
    if project_id is not None:
        at.session_state["vv.project_id"] = project_id
    return at.run()


def _check(at) -> None:
    problems = [str(e.value) for e in at.exception] + [e.value for e in at.error]
    if problems:
        raise RuntimeError(f"the page failed: {problems}")


def _edits(at, repeats: int) -> dict[str, list[float]]:
    times, cpu = [], []
    for k in range(repeats + 1):
        box = at.number_input(key="design.pos_thickness_um")
        start = time.perf_counter()
        box.set_value(70.0 + k).run()
        times.append(time.perf_counter() - start)
        cpu.append(SCRIPT_CPU_S[-1])
        _check(at)
        shown = next(m for m in at.metric if m.label == "Capacity").value
        assert shown, "no capacity shown"
    return {"wall": times[1:], "cpu": cpu[1:]}  # the first edit warms the page's imports


def bench_designer(repeats: int, demo_id: int) -> dict:
    at = _app(demo_id)
    at.switch_page("pages/cell_designer.py").run()
    _check(at)
    fresh = _edits(at, repeats)
    # after the Simulation page: the demo's runs loaded into the session (its results cache)
    at.switch_page("pages/simulation.py").run()
    _check(at)
    cache = at.session_state["sim.cache"] if "sim.cache" in at.session_state else {}
    n_results = len(cache)
    at.switch_page("pages/cell_designer.py").run()
    after_sim = _edits(at, repeats)
    at.session_state["sim.cache"] = dict(cache)  # as before this issue: a plain dict, deep-copied per widget
    at.run()
    plain = _edits(at, repeats)
    return {"fresh": fresh, "after_sim": after_sim, "plain_dict": plain, "n_results": n_results}


def bench_click_to_plot(project_id: int, repeats: int, models=("spm", "spme", "dfn")) -> dict:
    from streamlit.testing.v1 import AppTest

    from voltvault_core.ui.testing import signed_in

    # the page on its own (AppTest loses a button's click on a page reached through st.navigation)
    at = signed_in(AppTest.from_file(str(REPO / "pages" / "simulation.py"), default_timeout=600), "admin")
    at.session_state["vv.project_id"] = project_id
    at.run()
    _check(at)
    out = {}
    for model in models:
        at.selectbox(key="sim.model").set_value(model).run()
        times, cpu = [], []
        for _ in range(repeats + 1):  # the first run of a model compiles (numba) in the worker
            start = time.perf_counter()
            at.button(key="sim.run").click().run()
            times.append(time.perf_counter() - start)
            cpu.append(SCRIPT_CPU_S[-1])
            _check(at)
            assert at.get("plotly_chart"), "no plot after the run"
        out[model] = {"cold": times[0], "warm": {"wall": times[1:], "cpu": cpu[1:]}}
    return out


def _row(name: str, target: str, times, limit: float | None) -> str:
    wall = times["wall"] if isinstance(times, dict) else times
    best, median = min(wall), statistics.median(wall)
    cpu = f"{statistics.median(times['cpu']):.3f} s" if isinstance(times, dict) else "-"
    status = "-" if limit is None else ("met" if median <= limit else "not met")
    return f"| {name} | {target} | {median:.3f} s (best {best:.3f} s, n={len(wall)}) | {cpu} | {status} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--skip-simulation", action="store_true")
    args = parser.parse_args()
    url, own, demo = _database()
    os.environ["VOLTVAULT_DATABASE_URL"] = url
    os.environ.setdefault("VOLTVAULT_COOKIE_KEY", "bench-cookie-key")
    load = os.getloadavg()[0]
    _record_script_cpu()
    designer = bench_designer(args.repeats, demo)
    rows = [
        _row("Cell Designer edit -> metrics, fresh session", "<= 0.2 s", designer["fresh"], 0.2),
        _row(f"same, after the Simulation page cached {designer['n_results']} results", "<= 0.2 s",
             designer["after_sim"], 0.2),
        _row("same, results cache as a plain dict (before the fix)", "(none)", designer["plain_dict"], None),
    ]
    if not args.skip_simulation:
        clicks = bench_click_to_plot(own, args.repeats)
        for model, found in clicks.items():
            rows.append(_row(f"Simulation click -> plot, {model.upper()} discharge 1C, warm", "<= 0.5 s",
                             found["warm"], 0.5))
            rows.append(f"| same, first run (cold worker, numba compile) | (none) | {found['cold']:.2f} s | - | - |")
    table = "\n".join(["| benchmark | target | wall time (median) | page-script CPU (median) | status |",
                       "|---|---|---|---|---|", *rows])
    header = (f"Measured with `benchmarks/app.py` on {time.strftime('%Y-%m-%d')} ({platform.machine()}, "
              f"{os.cpu_count()} CPUs, Python {platform.python_version()}); Streamlit AppTest (the page script "
              f"as the server runs it, no browser rendering); SQLite; load average {load:.1f} at the start on a "
              "machine shared with other work, so the times are indicative and noisy.")
    print(header)
    print(table)
    if args.write_docs:
        docs = REPO / "docs" / "benchmarks.md"
        text = docs.read_text(encoding="utf-8")
        start_marker, end_marker = "<!-- app:start -->", "<!-- app:end -->"
        section = f"{start_marker}\n## App\n\n{header}\n\n{table}\n\n{end_marker}"
        if start_marker in text:
            text = text[: text.index(start_marker)] + section + text[text.index(end_marker) + len(end_marker):]
        else:
            text = text.rstrip("\n") + "\n\n" + section + "\n"
        docs.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
