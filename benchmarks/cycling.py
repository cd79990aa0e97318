"""Cycling-data benchmarks (issue 5): run ``.venv/bin/python benchmarks/cycling.py [--write-docs]``.

1. Per-cycle metrics (with DC resistance) of a 1,000,000-row dataset: target < 1 s.
2. Batch comparison of 500 datasets' fade curves "in the page": list the datasets, read their
   per-cycle capacity rows from SQL, build the Plotly figure and serialise it (what ships to the
   browser): target < 2 s.
3. Decimation: a chart of the 1,000,000-row time series ships at most ~100k points.

``--write-docs`` replaces the "Cycling" section of docs/benchmarks.md with the measured table.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("VOLTVAULT_BCRYPT_ROUNDS", "4")


def bench_metrics(repeats: int = 5) -> dict:
    from voltvault_core.cycling.metrics import compute_cycle_metrics
    from voltvault_core.cycling.quality import quality_flags
    from voltvault_core.cycling.synthetic import synthetic_cycling_frame

    frame = synthetic_cycling_frame(1000, points_per_step=480, rest_points=20, hppc_every=10, noise_V=1e-4)
    frame = frame.iloc[:1_000_000]
    compute_cycle_metrics(frame)  # warm caches
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        metrics = compute_cycle_metrics(frame)
        times.append(time.perf_counter() - start)
    start = time.perf_counter()
    flags = quality_flags(frame)
    flag_time = time.perf_counter() - start
    return {"rows": len(frame), "cycles": len(metrics), "metrics_s": min(times), "metrics_median_s": float(np.median(times)),
            "quality_flags_s": flag_time, "n_flags": len(flags)}


def bench_batch(n_datasets: int = 500, n_cycles: int = 500) -> dict:
    from sqlalchemy import insert
    from sqlmodel import select

    from voltvault_core.auth.users import add_user
    from voltvault_core.cycling import service
    from voltvault_core.cycling.figures import batch_figure, figure_points
    from voltvault_core.db.engine import create_db_engine, session_scope
    from voltvault_core.db.migrate import upgrade
    from voltvault_core.db.models import CycleMetric, CyclingDataset
    from voltvault_core.projects import create_project

    with tempfile.TemporaryDirectory() as tmp:
        engine = create_db_engine(f"sqlite:///{tmp}/bench.db")
        upgrade(engine)
        rng = np.random.default_rng(0)
        with session_scope(engine) as session:
            user = add_user(session, None, username="bench", email="b@x.org", name="Bench", password="correct horse", is_admin=True)
            project = create_project(session, user, name="bench")
            datasets = [
                {"project_id": project.id, "name": f"CELL-{i:03d}", "cell_id_label": f"CELL-{i:03d}",
                 "chemistry": "LFP/graphite" if i % 2 else "NMC811/graphite", "nominal_capacity_Ah": 2.0,
                 "total_cycles": n_cycles, "parsed": True, "metadata_": {"primary": {"cell_identifier": f"CELL-{i:03d}"}}}
                for i in range(n_datasets)
            ]
            session.execute(insert(CyclingDataset), datasets)
            ids = list(session.exec(select(CyclingDataset.id).order_by(CyclingDataset.id)))
            cycles = np.arange(1, n_cycles + 1)
            rows = []
            for dataset_id in ids:
                k = rng.uniform(0.005, 0.02)
                capacity = 2.0 * (1 - k * np.sqrt(cycles - 1)) + rng.normal(0, 1e-3, n_cycles)
                rows.extend({"dataset_id": dataset_id, "cycle": int(c), "discharge_capacity_Ah": float(q)}
                            for c, q in zip(cycles, capacity, strict=True))
            session.execute(insert(CycleMetric), rows)
            user_id, project_id = user.id, project.id
        timings = []
        for _ in range(3):
            start = time.perf_counter()
            with session_scope(engine) as session:
                from voltvault_core.db.models import User

                actor = session.get(User, user_id)
                listed = service.list_datasets(session, actor, [project_id])
                curves = service.fade_curves(session, actor, listed["id"].tolist())
            figure = batch_figure(curves, dict(zip(listed["id"], listed["cell"], strict=True)))
            payload = figure.to_json()
            timings.append(time.perf_counter() - start)
        engine.dispose()
    return {"datasets": n_datasets, "cycles_each": n_cycles, "metric_rows": len(curves), "batch_s": min(timings),
            "batch_median_s": float(np.median(timings)), "points_shipped": figure_points(figure), "json_MB": len(payload) / 1e6}


def bench_import() -> dict:
    """A 1,000,000-row BDF CSV through the whole import service (parse, metrics, flags, artifacts, rows)."""
    from voltvault_core.auth.users import add_user
    from voltvault_core.cycling import service
    from voltvault_core.cycling.export import to_csv_bytes
    from voltvault_core.cycling.synthetic import synthetic_cycling_frame
    from voltvault_core.db.engine import create_db_engine, session_scope
    from voltvault_core.db.migrate import upgrade
    from voltvault_core.db.models import User
    from voltvault_core.projects import create_project

    frame = synthetic_cycling_frame(1000, points_per_step=480, rest_points=20, hppc_every=10, noise_V=1e-4).iloc[:1_000_000]
    data = to_csv_bytes(frame)
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_db_engine(f"sqlite:///{tmp}/import.db")
        upgrade(engine)
        with session_scope(engine) as session:
            user = add_user(session, None, username="bench", email="b@x.org", name="Bench", password="correct horse", is_admin=True)
            project = create_project(session, user, name="bench")
            user_id, project_id = user.id, project.id
        start = time.perf_counter()
        with session_scope(engine) as session:
            service.import_dataset(
                session, session.get(User, user_id), project_id, data=data, filename="big.bdf.csv",
                primary={"cell_identifier": "BIG", "chemistry": "NMC", "nominal_capacity_Ah": 2.0, "instrument": "synthetic",
                         "owner": "bench", "test_objective": "benchmark"},
            )
        elapsed = time.perf_counter() - start
        engine.dispose()
    return {"rows": len(frame), "csv_MB": len(data) / 1e6, "import_s": elapsed}


def bench_decimation() -> dict:
    from voltvault_core.cycling.figures import figure_points, time_series_figure, voltage_figure
    from voltvault_core.cycling.synthetic import synthetic_cycling_frame

    frame = synthetic_cycling_frame(1000, points_per_step=480, rest_points=20).iloc[:1_000_000]
    start = time.perf_counter()
    figure = time_series_figure(frame)
    elapsed = time.perf_counter() - start
    overlay = voltage_figure(frame, list(range(1, 300)))
    return {"rows": len(frame), "time_series_points": figure_points(figure), "time_series_s": elapsed,
            "overlay_299_cycles_points": figure_points(overlay)}


def table(results: dict) -> str:
    m, b, d, i = results["metrics"], results["batch"], results["decimation"], results["import"]
    lines = [
        "| benchmark | target | measured | status |",
        "|---|---|---|---|",
        f"| per-cycle metrics incl. DCIR, {m['rows']:,} rows / {m['cycles']} cycles | < 1 s | {m['metrics_s']:.3f} s "
        f"(median {m['metrics_median_s']:.3f} s) | {'met' if m['metrics_s'] < 1 else 'MISSED'} |",
        f"| data-quality flags, same dataset | (none) | {m['quality_flags_s']:.3f} s | - |",
        f"| batch comparison, {b['datasets']} datasets × {b['cycles_each']} cycles ({b['metric_rows']:,} metric rows): "
        f"list + SQL + figure + JSON | < 2 s | {b['batch_s']:.3f} s (median {b['batch_median_s']:.3f} s, "
        f"{b['json_MB']:.1f} MB JSON) | {'met' if b['batch_s'] < 2 else 'MISSED'} |",
        f"| import of a {i['rows']:,}-row BDF CSV ({i['csv_MB']:.0f} MB): parse, metrics, flags, artifacts, rows | (none) | "
        f"{i['import_s']:.2f} s | - |",
        f"| points shipped by the batch chart | ≤ ~100k | {b['points_shipped']:,} | "
        f"{'met' if b['points_shipped'] <= 100_000 else 'MISSED'} |",
        f"| time-series chart of {d['rows']:,} rows (min/max decimation) | ≤ ~100k points | {d['time_series_points']:,} points "
        f"in {d['time_series_s']:.3f} s | {'met' if d['time_series_points'] <= 100_000 else 'MISSED'} |",
        f"| voltage–capacity overlay of 299 cycles | ≤ ~100k points | {d['overlay_299_cycles_points']:,} | "
        f"{'met' if d['overlay_299_cycles_points'] <= 100_000 else 'MISSED'} |",
    ]
    return "\n".join(lines)


def write_docs(text: str) -> None:
    path = REPO / "docs" / "benchmarks.md"
    content = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    start_marker, end_marker = "<!-- cycling:start -->", "<!-- cycling:end -->"
    section = f"{start_marker}\n{text}\n{end_marker}"
    if start_marker in content and end_marker in content:
        before = content.split(start_marker)[0]
        after = content.split(end_marker, 1)[1]
        content = before + section + after
    else:
        content = content.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(content, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-docs", action="store_true", help="update the Cycling section of docs/benchmarks.md")
    args = parser.parse_args()
    results = {"metrics": bench_metrics(), "batch": bench_batch(), "decimation": bench_decimation(), "import": bench_import()}
    body = table(results)
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    text = (
        "## Cycling\n\n"
        f"Measured with `benchmarks/cycling.py` on {time.strftime('%Y-%m-%d')} ({machine}); SQLite database; "
        f"synthetic data (`voltvault_core.cycling.synthetic`); load average {os.getloadavg()[0]:.1f} while measuring "
        "(timings scale with it). Best of several runs.\n\n" + body + "\n"
    )
    print(text)
    if args.write_docs:
        write_docs(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
