"""A user's unsaved inputs survive a visit to another page (Streamlit drops the state of widgets it does
not render; the pages keep the values apart and re-seed them)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from voltvault_core.ui.testing import signed_in

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 120


def _home(username: str = "admin") -> AppTest:
    return signed_in(AppTest.from_file(str(ROOT / "Home.py"), default_timeout=TIMEOUT_S), username).run()


def _problems(at: AppTest) -> list[str]:
    return [str(e.value) for e in at.exception] + [e.value for e in at.error]


def test_cell_designer_edits_survive_another_page(app_env):
    at = _home()
    at.switch_page("pages/cell_designer.py").run()
    assert not _problems(at), _problems(at)
    # arriving from the sidebar shows the real design, not the widgets' minimum values
    assert at.number_input(key="design.pos_thickness_um").value > 10.0
    assert at.number_input(key="design.pos_porosity").value > 0.1
    assert at.number_input(key="design.v_max").value > 3.5
    at.number_input(key="design.pos_thickness_um").set_value(91.0).run()
    at.text_input(key="design.name").set_value("My thick cathode").run()
    at.switch_page("pages/experiments.py").run()
    at.switch_page("pages/cell_designer.py").run()
    assert not _problems(at), _problems(at)
    assert at.number_input(key="design.pos_thickness_um").value == 91.0
    assert at.text_input(key="design.name").value == "My thick cathode"
    assert at.number_input(key="design.neg_porosity").value > 0.1


def test_cell_designer_keeps_a_hidden_widget_through_a_format_switch(app_env):
    at = _home()
    at.switch_page("pages/cell_designer.py").run()
    at.selectbox(key="design.format").set_value("pouch").run()
    at.number_input(key="design.n_layers").set_value(12).run()
    at.selectbox(key="design.format").set_value("cylindrical").run()
    at.selectbox(key="design.format").set_value("pouch").run()
    assert not _problems(at), _problems(at)
    assert at.number_input(key="design.n_layers").value == 12


def test_simulation_protocol_model_and_temperature_survive_another_page(app_env):
    at = _home()
    at.switch_page("pages/simulation.py").run()
    assert not _problems(at), _problems(at)
    at.selectbox(key="sim.model").set_value("spm").run()
    at.text_area(key="sim.experiment").set_value("Discharge at 2C until 3.0 V").run()
    temperature = next(n for n in at.number_input if str(n.key).startswith("sim.temperature_C."))
    temperature.set_value(35.0).run()
    at.switch_page("pages/dashboard.py").run()
    at.switch_page("pages/simulation.py").run()
    assert not _problems(at), _problems(at)
    assert at.selectbox(key="sim.model").value == "spm"
    assert at.text_area(key="sim.experiment").value == "Discharge at 2C until 3.0 V"
    temperature = next(n for n in at.number_input if str(n.key).startswith("sim.temperature_C."))
    assert temperature.value == 35.0


def test_an_out_of_range_number_is_named_not_silently_dropped(app_env):
    at = _home()
    at.switch_page("pages/cell_designer.py").run()
    at.number_input(key="design.neg_thickness_um").set_value(5000.0).run()
    errors = [e.value for e in at.error]
    assert any("Negative electrode: Coating thickness [µm] = 5000 is outside 1 to 2000" in e for e in errors), errors
    assert not [m for m in at.metric if m.label == "Capacity"]  # no metrics of a design the user did not mean
    at.number_input(key="design.neg_thickness_um").set_value(90.0).run()
    assert not at.error
    assert [m for m in at.metric if m.label == "Capacity"]
