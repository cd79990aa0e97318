"""The EIS page through Streamlit's AppTest: import shown, fit run by key, DRT and KK tabs render."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from voltvault_core.auth.users import add_user
from voltvault_core.db.engine import create_db_engine, session_scope
from voltvault_core.db.migrate import upgrade
from voltvault_core.eis import service
from voltvault_core.eis.circuit import Circuit
from voltvault_core.projects import create_project, set_member_role
from voltvault_core.ui.testing import signed_in

ROOT = Path(__file__).resolve().parents[3]
PAGE = str(ROOT / "pages" / "eis.py")
TRUE = [0.5, 2.0, 1e-3, 0.85, 0.3]


@pytest.fixture
def eis_app(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'eis_page.db'}"
    engine = create_db_engine(url)
    upgrade(engine)
    f = np.geomspace(1e4, 1e-2, 40)
    lines = ["Frequency (Hz),Z' (Ohm),-Z'' (Ohm),Cycle"]
    for cycle in (1, 2):
        z = Circuit("R0-p(R1,CPE1)-W1").impedance([0.5, 2.0 * cycle, 1e-3, 0.85, 0.3], f)
        lines += [f"{a},{b},{-c},{cycle}" for a, b, c in zip(f, z.real, z.imag, strict=True)]
    with session_scope(engine) as session:
        admin = add_user(
            session,
            None,
            username="ada",
            email="ada@lab.example",
            name="Ada",
            password="correct horse",
            is_admin=True,
        )
        add_user(session, None, username="val", email="val@lab.example", name="Val", password="correct horse")
        project = create_project(session, admin, name="EIS cells")
        set_member_role(session, admin, project.id, username="val", role="viewer")
        service.import_measurements(
            session, admin, project.id, data="\n".join(lines).encode(), filename="two.csv", cell_id_label="A1"
        )
    engine.dispose()
    monkeypatch.setenv("VOLTVAULT_DATABASE_URL", url)
    monkeypatch.delenv("VOLTVAULT_DEMO", raising=False)
    monkeypatch.setenv("VOLTVAULT_COOKIE_KEY", "test-cookie-key")
    return url


def _as(username: str, name: str) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    signed_in(at, username, name)
    return at


def test_page_fits_by_key_and_shows_parameters(eis_app) -> None:
    at = _as("ada", "Ada").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.text_input(key="eis.circuit").value == "R0-p(R1,CPE1)-W1"
    at.button(key="eis.fit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    fit = at.session_state["eis.fit_result"]
    assert (
        min(abs(fit.parameters["R1"] - r) for r in (2.0, 4.0)) < 1e-4
    )  # cycle 1 or 2, whichever is selected
    assert fit.rmse_ohm < 1e-6
    assert any("RMSE" in m.value for m in at.markdown)
    # the builder writes the string
    at.selectbox(key="eis.builder.element").set_value("L")
    at.selectbox(key="eis.builder.mode").set_value("series")
    at.button(key="eis.builder.add").click().run()
    assert at.text_input(key="eis.circuit").value == "R0-p(R1,CPE1)-W1-L0"
    # DRT: lambda always shown; KK: verdict shown
    assert any(m.label == "λ used" for m in at.metric)
    assert at.success or at.warning
    # back to the fitted circuit: its fit shows again, and the link tab converts it (Randles + Warburg
    # roles preselected: i0 and D for the chosen design)
    at.text_input(key="eis.circuit").set_value("R0-p(R1,CPE1)-W1").run()
    assert any("i0 = RT/(F R_ct A)" in m.value for m in at.markdown)
    # multi-spectrum: both cycles, R1 independent
    at.multiselect(key="eis.multi.shared").set_value(["R0", "CPE1_0", "CPE1_1", "W1"]).run()
    at.button(key="eis.multi.run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    multi = at.session_state["eis.multi.result"]
    assert sorted(round(p["R1"], 4) for p in multi.parameters) == [2.0, 4.0]


def test_viewer_sees_no_import_or_save(eis_app) -> None:
    at = _as("val", "Val").run()
    assert not at.exception, [e.value for e in at.exception]
    keys = {b.key for b in at.button}
    assert "eis.import" not in keys
    at.button(key="eis.fit").click().run()
    assert "eis.save_fit" not in {b.key for b in at.button}


def test_saved_fit_is_shown_when_the_spectrum_is_opened_again(eis_app) -> None:
    at = _as("ada", "Ada").run()
    at.button(key="eis.fit").click().run()
    at.button(key="eis.save_fit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Fit saved" in s.value for s in at.success)
    viewer = _as("val", "Val").run()  # a new session: nothing in its state, the stored fit is read
    assert not viewer.exception, [e.value for e in viewer.exception]
    assert any("Saved fit of" in c.value for c in viewer.caption)
    assert any("RMSE" in m.value for m in viewer.markdown)
