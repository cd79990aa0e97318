"""Report benchmarks (issue 15): run ``.venv/bin/python benchmarks/reports.py [--write-docs]``.

1. A PDF report with 10 vector figures (3 curves of 400 points each) and 4 tables, from a built
   :class:`~voltvault_core.reports.model.Report` to PDF bytes: figures drawn (matplotlib), SVG, HTML,
   WeasyPrint layout and PDF: target <= 5 s.
2. The same report as a PowerPoint deck (PNG figures at 300 dpi): no target.
3. Determinism: the same report rendered twice gives the same bytes.

``--write-docs`` replaces the "Reports" section of docs/benchmarks.md with the measured table.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def make_report(n_figures: int = 10):
    from voltvault_core.reports.figures import FigureStyle, Series, line_figure
    from voltvault_core.reports.model import FigureBlock, Paragraph, Report, Section, SourceRef, Table

    style = FigureStyle.preset("report")
    q = np.linspace(0.0, 5.0, 400)
    sections = []
    for k in range(n_figures):
        series = [Series(f"run {j}", q, 4.1 - 0.25 * q - 0.05 * j - 0.3 * np.exp(-8 * (5.0 - q)) * (1 + 0.1 * k))
                  for j in range(3)]
        fig = line_figure(series, x_label="Discharged capacity / Ah", y_label="Voltage / V", style=style)
        blocks = [Paragraph(f"Figure {k + 1} shows three runs."), FigureBlock(f"Benchmark figure {k + 1}.", fig, ["P1"])]
        if k % 3 == 0:
            blocks.append(Table("Benchmark table.", ["Run", "Capacity / Ah", "Energy / Wh", "Source"],
                                [[f"run {j}", f"{4.9 + 0.01 * j:.4g}", f"{17.3 - 0.1 * j:.4g}", "P1"] for j in range(8)],
                                ["P1"]))
        sections.append(Section(f"s{k}", f"Section {k + 1}", blocks))
    sources = [SourceRef("P1", "simulation", 1, "benchmark run", input_sha256="0" * 64, result_sha256="1" * 64,
                         package_version="0.1.0", source_revision="0" * 40)]
    return Report("Benchmark report", "10 figures", datetime(2026, 12, 2, tzinfo=UTC), "project", sections, sources,
                  project_name="Benchmark", generator="VoltVault benchmark")


def bench_pdf(repeats: int = 3) -> dict:
    from voltvault_core.reports.pdf import render_pdf

    render_pdf(make_report(2))  # warm: imports, fonts
    times, cpu, sizes, first = [], [], [], None
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        report = make_report(10)
        data = render_pdf(report)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        sizes.append(len(data))
        first = first or data
    same = render_pdf(make_report(10)) == first
    return {"best_s": min(times), "median_s": float(np.median(times)), "cpu_s": min(cpu), "bytes": sizes[0], "deterministic": same,
            "figures": len(report.figures)}


def bench_pptx() -> dict:
    from voltvault_core.reports.pptx import render_pptx

    start = time.perf_counter()
    data = render_pptx(make_report(10))
    return {"s": time.perf_counter() - start, "bytes": len(data)}


def bpx_rows() -> list[str]:
    """The BPX check recorded by tests/integration/reports/data/make_bpx_reference.py (PyBaMM in a throw-away env)."""
    import json

    path = REPO / "tests" / "integration" / "reports" / "data" / "bpx_pybamm_capacity.json"
    if not path.is_file():
        return []
    ref = json.loads(path.read_text())
    from solvers import bdf
    from voltvault_core.simulation import Simulation

    ours = float(Simulation("dfn", "Chen2020", ref["protocol"]).solve().timeseries[bdf.DISCHARGING_CAPACITY][-1])
    bpx = ref["bpx_discharge_capacity_Ah"]
    rel = abs(bpx - ours) / ours
    rel_pybamm = abs(bpx - ref["pybamm_chen2020_discharge_capacity_Ah"]) / ref["pybamm_chen2020_discharge_capacity_Ah"]
    return [
        f"| Chen2020 exported as BPX, loaded by PyBaMM {ref['pybamm_version']} (`create_from_bpx`), DFN "
        f"{ref['protocol']!r}: capacity against VoltVault's DFN | within 0.5 % | {bpx:.5f} Ah vs {ours:.5f} Ah "
        f"({100 * rel:.3f} %) | {'met' if rel <= 0.005 else 'not met'} |",
        f"| the same BPX in PyBaMM against PyBaMM's own Chen2020 | within 0.5 % | {bpx:.5f} Ah vs "
        f"{ref['pybamm_chen2020_discharge_capacity_Ah']:.5f} Ah ({100 * rel_pybamm:.3f} %) | "
        f"{'met' if rel_pybamm <= 0.005 else 'not met'} |",
    ]


def write_docs(text: str) -> None:
    path = REPO / "docs" / "benchmarks.md"
    content = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    start_marker, end_marker = "<!-- reports:start -->", "<!-- reports:end -->"
    section = f"{start_marker}\n{text}\n{end_marker}"
    if start_marker in content and end_marker in content:
        content = content.split(start_marker)[0] + section + content.split(end_marker, 1)[1]
    else:
        content = content.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(content, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    pdf = bench_pdf(args.repeats)
    pptx = bench_pptx()
    text = "\n".join([
        "## Reports",
        "",
        f"Measured with `benchmarks/reports.py` on {datetime.now(UTC):%Y-%m-%d} ({platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}); load average {load:.1f} while measuring "
        "(the machine was shared; timings scale with it). Best of several runs.",
        "",
        "| benchmark | target | measured | status |",
        "|---|---|---|---|",
        f"| PDF report, {pdf['figures']} vector figures (3 × 400-point curves) + 4 tables: draw, SVG, HTML, "
        f"WeasyPrint | ≤ 5 s | {pdf['best_s']:.2f} s wall (median {pdf['median_s']:.2f} s), {pdf['cpu_s']:.2f} s CPU "
        f"(single-threaded: the wall time on an idle core), {pdf['bytes'] / 1024:.0f} KiB | "
        f"{'met' if pdf['best_s'] <= 5 else ('met on CPU time; wall time over under this load' if pdf['cpu_s'] <= 5 else 'not met')} |",
        f"| same report twice gives the same PDF bytes | identical | {'identical' if pdf['deterministic'] else 'differ'} | "
        f"{'met' if pdf['deterministic'] else 'not met'} |",
        f"| PowerPoint deck of the same report (PNG at 300 dpi) | (none) | {pptx['s']:.2f} s ({pptx['bytes'] / 2**20:.1f} MiB) | - |",
        *bpx_rows(),
        "",
    ])
    print(text)
    if args.write_docs:
        write_docs(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
