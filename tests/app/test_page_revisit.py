"""Coming back to a page in the same session works: Streamlit drops a widget's state when a run of
another page does not draw it, and the Cell Designer then drew its reference design as all zeros
("mass fractions (0.0, 0.0, 0.0) must ... add up to 1"), which the browser suite ran into."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from voltvault_core.ui.registry import PAGES
from voltvault_core.ui.testing import signed_in

HOME = str(Path(__file__).resolve().parents[2] / "Home.py")


@pytest.mark.parametrize("page", [p.path for p in PAGES if p.built and p.path != "pages/dashboard.py"])
def test_a_page_opens_again_after_another_page(app_env, page):
    at = signed_in(AppTest.from_file(HOME, default_timeout=120), "admin", "Ada Admin").run()
    for target in (page, "pages/dashboard.py", page):
        at.switch_page(target).run()
        assert not at.exception, (target, [e.value for e in at.exception])
        assert not at.error, (target, [e.value for e in at.error])
