"""The DOE page as a user drives it: define a teaching study, run it on the job pool, follow its progress
across reruns (a reload), then every view: Sobol bars, heatmap and 3D surface, run table, exports."""

from __future__ import annotations

import re
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from voltvault_core.ui.testing import signed_in

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "doe.py")


def test_define_run_and_view(app_env):
    at = signed_in(AppTest.from_file(PAGE, default_timeout=120), "admin", "Ada Admin").run()
    assert not at.exception, [e.value for e in at.exception]
    at.selectbox(key="doe.model").set_value("Ishigami (teaching)").run()
    at.number_input(key="doe.samples").set_value(64).run()
    at.button(key="doe.run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        at.button(key="doe.refresh").click().run()
        assert not at.exception, [e.value for e in at.exception]
        text = " ".join(str(p.proto.text) for p in at.get("progress"))
        if re.search(r"\b0 running, 0 queued", text):
            break
        time.sleep(1.0)
    else:
        raise AssertionError(f"the study did not finish on the pool: {text}")
    assert "320 completed" in text
    # a reload (a new session): the study, its runs and indices come back from the database
    at = signed_in(AppTest.from_file(PAGE, default_timeout=120), "admin", "Ada Admin").run()
    assert not at.exception, [e.value for e in at.exception]
    charts = at.get("plotly_chart")
    assert len(charts) >= 3  # Sobol bars, heatmap, 3D surface
    assert at.get("arrow_data_frame") or at.get("dataframe")
    assert len(at.get("download_button")) == 3
    assert any("no failed runs" in c.value for c in at.caption)
