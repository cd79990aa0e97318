"""The app in a real headless chromium: sign in, create a design, run a DFN, upload a cycler file, fit a
spectrum, and open a share link logged out (and see it stop once revoked). Each step leaves a screenshot
in ``test-artifacts/e2e/``."""

from __future__ import annotations

import re
import time

import pytest
from e2e_settings import ADMIN, ARTIFACTS, PROJECT
from sqlmodel import select

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]  # one server, one worker

RUN_TIMEOUT_S = 240  # a cold numba compile of the DFN in the job worker, on two busy cores


def shot(page, name: str) -> None:
    page.wait_for_timeout(300)  # let Plotly finish drawing
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def idle(page, timeout_s: float = 60) -> None:
    """Wait until Streamlit has finished running the script: its status widget shows while it runs
    (after a short delay), so it must stay hidden for a while before the page counts as settled."""
    deadline = time.monotonic() + timeout_s
    quiet_since = None
    while True:
        if page.locator('[data-testid="stStatusWidget"]').is_visible():
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 0.8:
            return
        if time.monotonic() > deadline:
            raise TimeoutError("the app kept running")
        page.wait_for_timeout(100)


def widget(page, key: str):
    """The element container Streamlit gives a widget with ``key`` (class ``st-key-<key>``)."""
    return page.locator(f".st-key-{re.sub(r'[^A-Za-z0-9_-]', '-', key)}")


def sign_in(page, server) -> None:
    page.goto(server["url"])
    page.get_by_role("textbox", name="Username").fill(ADMIN["username"])
    page.get_by_role("textbox", name="Password").fill(ADMIN["password"])
    page.get_by_role("button", name="Login").click()
    page.get_by_text(ADMIN["name"]).first.wait_for()
    page.get_by_text(PROJECT).first.wait_for()
    idle(page)


def open_page(page, title: str, ready_key: str) -> None:
    """Follow the sidebar link to a page and wait for its widget ``ready_key`` and the end of the run
    (a click that lands while the previous page is still running can be lost: it is repeated)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(3):
        page.get_by_role("link", name=title).first.click()
        try:
            widget(page, ready_key).first.wait_for(state="attached", timeout=30_000 * (attempt + 1))
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    idle(page)


def rows(server, model):
    from voltvault_core.db.engine import session_scope

    with session_scope(server["engine"]) as session:
        return list(session.exec(select(model).where(model.project_id == server["project_id"])).all())


def runs(server):
    """The project's simulations as the app shows them (status and summary derived from their jobs)."""
    from voltvault_core.simulation import service as svc
    from voltvault_core.db.engine import session_scope
    from voltvault_core.db.models import Simulation

    with session_scope(server["engine"]) as session:
        found = session.exec(select(Simulation).where(Simulation.project_id == server["project_id"])).all()
        return svc._derive_all(session, list(found))


def test_sign_in(page, server):
    page.goto(server["url"])
    page.get_by_role("textbox", name="Username").wait_for()
    shot(page, "01-login")
    sign_in(page, server)
    assert page.get_by_text("Your role: owner").first.is_visible()
    shot(page, "02-signed-in-dashboard")


def test_create_a_design(page, server):
    from voltvault_core.db.models import CellDesign

    sign_in(page, server)
    open_page(page, "Cell Designer", "design.save")
    # start from the reference design, as a user would (the expander's Load button)
    page.get_by_text("Start from a reference design").first.click()
    widget(page, "design.load").get_by_role("button").click()
    idle(page)
    page.get_by_text("Cost breakdown").first.wait_for()  # metrics of the reference design are computed
    widget(page, "design.save").get_by_role("button").click()
    page.get_by_text(re.compile(r"Saved '.+' \(#\d+\)")).wait_for()
    assert [d.name for d in rows(server, CellDesign)] == ["LG M50 (Chen 2020)"]
    shot(page, "03-design-saved")


def test_run_a_dfn(page, server):
    sign_in(page, server)
    open_page(page, "Simulation", "sim.run")
    widget(page, "sim.run").get_by_role("button").click()
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while not any(s.model_type == "dfn" and s.status in ("completed", "failed") for s in runs(server)):
        assert time.monotonic() < deadline, f"the DFN did not finish in {RUN_TIMEOUT_S} s"
        page.wait_for_timeout(1000)
    run = next(s for s in runs(server) if s.model_type == "dfn")
    assert run.status == "completed", run.error
    assert run.termination.startswith("event"), run.termination
    idle(page, RUN_TIMEOUT_S)
    page.get_by_role("tab", name="Results").click()
    page.locator(".js-plotly-plot").first.wait_for()
    shot(page, "04-dfn-results")


def test_upload_a_cycler_file(page, server, shared_dir):
    from voltvault_core.db.models import CyclingDataset

    source = shared_dir / "data" / "cycler" / "maccor_two.txt"
    if not source.exists():
        pytest.skip(f"{source} is not there")
    sign_in(page, server)
    open_page(page, "Cycling Data", "cyc.upload.0")  # the uploader's key counts the imports done (it clears after each)
    page.get_by_role("tab", name="Import").click()
    widget(page, "cyc.upload.0").locator("input[type=file]").set_input_files(str(source))
    page.get_by_text("Read as").first.wait_for(timeout=60_000)
    idle(page)
    for key, value in (("cyc.cell", "MACCOR-E2E"), ("cyc.capacity_Ah", "1.5"), ("cyc.instrument", "Maccor"),
                       ("cyc.objective", "browser test")):
        box = widget(page, key).locator("input")
        box.fill(value)
        box.press("Enter")
        idle(page)
    widget(page, "cyc.import").get_by_role("button").click()
    imported = page.get_by_text(re.compile(r"Imported [\d,]+ rows")).first
    imported.wait_for(timeout=120_000)
    idle(page)  # the import reruns the script, which redraws the message; scroll to the settled one
    page.get_by_text(re.compile(r"Imported [\d,]+ rows")).first.scroll_into_view_if_needed()  # the app scrolls inside its own container
    assert [d.cell_id_label for d in rows(server, CyclingDataset)] == ["MACCOR-E2E"]
    shot(page, "05-cycler-file-imported")


def test_fit_a_spectrum(page, server):
    sign_in(page, server)
    open_page(page, "EIS", "eis.fit")
    widget(page, "eis.fit").get_by_role("button").click()
    idle(page, 120)
    widget(page, "eis.plot.nyquist").locator(".js-plotly-plot").wait_for()
    page.get_by_text("RMSE").first.wait_for()  # the fit's quality line under the Fit button
    assert not page.locator('[data-testid="stException"]').count()
    shot(page, "06-spectrum-fitted")


def test_a_share_link_opens_logged_out_and_stops_when_revoked(page, server):
    from voltvault_core import projects
    from voltvault_core.db.engine import session_scope
    from voltvault_core.db.models import EISMeasurement, User

    measurement, other = sorted(rows(server, EISMeasurement), key=lambda m: m.id)[:2]
    with session_scope(server["engine"]) as session:
        admin = session.exec(select(User).where(User.username == ADMIN["username"])).one()
        link, token = projects.create_share_link(session, admin, server["project_id"], target_type="eis_measurement",
                                                 target_id=measurement.id, expires_in_days=1)
        link_id = link.id
    page.goto(f"{server['url']}/?share={token}")
    page.get_by_role("heading", name=measurement.name).wait_for()
    plots = page.locator(".js-plotly-plot")
    plots.nth(1).wait_for()
    assert plots.count() >= 2  # Nyquist and Bode, interactive
    body = page.locator("body").inner_text()
    assert PROJECT in body
    assert other.name not in body
    assert not page.get_by_role("textbox", name="Username").count(), "a visitor gets no login form"
    assert not page.get_by_role("link", name="Cell Designer").count(), "and no navigation"
    plots.first.hover()  # Plotly's hover layer works: it is a live chart, not a picture
    shot(page, "07-share-link-logged-out")
    with session_scope(server["engine"]) as session:
        admin = session.exec(select(User).where(User.username == ADMIN["username"])).one()
        projects.revoke_share_link(session, admin, link_id)
    page.reload()
    page.get_by_text("unknown, expired or revoked").wait_for()
    assert not page.locator(".js-plotly-plot").count()
    shot(page, "08-share-link-revoked")
