"""The demo project's report, made by the command a user types, read back as pixels and text."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

REPO_ROOT = Path(__file__).resolve().parents[3]
DEMO_NAME = "Demo: LG M50 21700"


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "VOLTVAULT_HOME": str(home), "PYTHONPATH": str(REPO_ROOT)}
    env.pop("VOLTVAULT_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "voltvault_core", *args], capture_output=True, text=True,
                          env=env, cwd=home, timeout=900)


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("demo-home")
    seeded = _cli(home, "demo", "seed", "--json")
    assert seeded.returncode == 0, seeded.stderr
    return home


@pytest.fixture(scope="module")
def demo_engine(demo_home):
    from voltvault_core.db.engine import create_db_engine

    engine = create_db_engine(f"sqlite:///{demo_home / 'voltvault.db'}")
    yield engine
    engine.dispose()


def _demo_report(engine, **kwargs):
    from voltvault_core.db.engine import session_scope
    from voltvault_core.reports.service import build_report, find_project

    with session_scope(engine) as session:
        project = find_project(session, None, DEMO_NAME)
        return build_report(session, None, project.id, **kwargs)


def _figure_regions(pdf: Path) -> list[tuple[int, float, float]]:
    """(page, caption top, page height) of every "Figure N." caption, from pdftotext's word boxes [pt]."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    regions = []
    for page_no, page in enumerate(re.findall(r"<page (.*?)</page>", html, flags=re.S), start=1):
        height = float(re.search(r'height="([\d.]+)"', page).group(1))
        words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">([^<]*)</word>', page)
        for (_x, y, w), (_x2, _y2, w2) in itertools.pairwise(words):
            if w == "Figure" and re.fullmatch(r"\d+\.", w2):
                regions.append((page_no, float(y), height))
    return regions


@pytest.mark.skipif(shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
                    reason="poppler-utils (pdftoppm, pdftotext) not installed; see packages-test.txt")
def test_demo_report_from_the_command_line_has_figures_and_text_on_its_pages(demo_home, tmp_path):
    out = tmp_path / "r.pdf"
    done = _cli(demo_home, "report", "--project", DEMO_NAME, "--output", str(out), "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["figures"] >= 6
    assert summary["tables"] >= 5
    assert out.read_bytes()[:5] == b"%PDF-"

    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    for heading in ("Executive summary", "Cell design", "Simulation results", "Degradation", "Provenance"):
        assert heading in text
    assert "LG M50 · DFN 1C discharge" in text
    assert re.search(r"[0-9a-f]{32}", text), "the provenance appendix prints the hashes"

    regions = _figure_regions(out)
    assert len(regions) == summary["figures"]
    subprocess.run(["pdftoppm", "-r", "72", "-png", str(out), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"), key=lambda p: int(p.stem.split("-")[1]))
    for page_no, caption_top_pt, height_pt in regions:
        image = Image.open(pages[page_no - 1]).convert("RGB")
        scale = image.height / height_pt
        top, bottom = int((caption_top_pt - 140) * scale), int((caption_top_pt - 8) * scale)
        region = np.asarray(image.crop((int(50 * scale), max(top, 0), image.width - int(50 * scale), bottom)), float)
        grey = region.mean(axis=2)
        colourful = (region.max(axis=2) - region.min(axis=2)) > 60  # the curves and bars are coloured
        assert grey.std() > 15, f"figure above the caption at {caption_top_pt} pt on page {page_no} is blank"
        assert colourful.mean() > 0.002, f"no coloured curves in the figure on page {page_no}"


def test_same_inputs_give_the_same_pdf(demo_engine, tmp_path):
    from voltvault_core.reports.pdf import render_pdf

    moment = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    first = render_pdf(_demo_report(demo_engine, generated_at=moment))
    second = render_pdf(_demo_report(demo_engine, generated_at=moment))
    assert first == second
    later = render_pdf(_demo_report(demo_engine, generated_at=datetime(2026, 12, 3, 9, 30, tzinfo=UTC)))
    assert later != first
    if shutil.which("pdfinfo"):  # the PDF's dates are the report's date, not the time it was rendered
        (tmp_path / "a.pdf").write_bytes(first)
        info = subprocess.run(["pdfinfo", str(tmp_path / "a.pdf")], capture_output=True, text=True, check=True).stdout
        assert re.search(r"CreationDate:\s+Wed Dec\s+2 12:00:00 2026 UTC", info), info


def test_powerpoint_deck_has_the_key_figures_and_tables(demo_engine):
    import io

    from pptx import Presentation

    from voltvault_core.reports.pptx import render_pptx

    report = _demo_report(demo_engine)
    deck = Presentation(io.BytesIO(render_pptx(report)))
    pictures = sum(1 for s in deck.slides for shape in s.shapes if shape.shape_type == 13)
    tables = [shape.table for s in deck.slides for shape in s.shapes if shape.has_table]
    assert pictures == sum(1 for f in report.figures if f.key)
    assert tables
    assert tables[0].cell(0, 0).text == "Run"
    texts = " ".join(shape.text_frame.text for s in deck.slides for shape in s.shapes if shape.has_text_frame)
    assert "Provenance" in texts
    assert "P1" in texts


def test_templates_errors_and_experiment_selection(demo_engine):
    from voltvault_core.reports.service import ReportError

    summary = _demo_report(demo_engine, template="executive-summary")
    assert [s.key for s in summary.sections] == ["executive-summary"]
    doe = _demo_report(demo_engine, template="doe")  # the demo holds one completed Sobol study
    (table,) = doe.sections[0].blocks
    assert table.columns[:3] == ["Study", "Sampling", "Swept inputs"]
    assert len(table.rows) == 1
    assert "Positive electrode thickness [m]" in table.rows[0][2]
    assert table.sources
    with pytest.raises(ReportError, match="unknown report template 'nope'"):
        _demo_report(demo_engine, template="nope")
    with pytest.raises(ReportError, match="experiment 999 is not in project"):
        _demo_report(demo_engine, experiment_id=999)


def test_every_number_cites_a_source_that_the_appendix_lists(demo_engine):
    report = _demo_report(demo_engine)
    listed = {s.ref for s in report.sources}
    for table in report.tables:
        assert table.sources, f"table {table.caption!r} cites no source"
        assert set(table.sources) <= listed
    for figure in report.figures:
        assert figure.sources
        assert set(figure.sources) <= listed
    runs = [s for s in report.sources if s.kind == "simulation"]
    assert runs
    assert all(len(s.input_sha256) == 64 and len(s.result_sha256) == 64 for s in runs)


def test_batch_reports_of_every_run_in_one_zip(demo_engine):
    import io
    import zipfile

    from voltvault_core.db.engine import session_scope
    from voltvault_core.reports.jobs import BatchReportError, batch_report_job, submit_batch_reports
    from voltvault_core.reports.service import find_project

    with session_scope(demo_engine) as session:
        project = find_project(session, None, DEMO_NAME)
        with pytest.raises(BatchReportError, match="give a DOE study or a list of runs"):
            submit_batch_reports(session, None, project.id, runner=None)
    messages = []
    out = batch_report_job(database_url=demo_engine.url.render_as_string(hide_password=False), user_id=None,
                           project_id=project.id, simulation_ids=[1, 2, 3, 999],
                           progress=lambda f, m=None: messages.append(m))
    with zipfile.ZipFile(io.BytesIO(out["artifact"])) as zf:
        index = json.loads(zf.read("index.json"))
        assert sorted(zf.namelist()) == ["index.json", "run-1.pdf", "run-2.pdf", "run-3.pdf"]
        assert all(zf.read(f"run-{i}.pdf").startswith(b"%PDF-") for i in (1, 2, 3))
    assert out["reports"] == 3
    assert index[-1] == {"simulation_id": 999, "skipped": "not a completed run of this project"}
    assert messages[-1] == "done"
