"""Every page of the registry opens with no exception: signed out, signed in, and in demo mode."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from voltvault_core.ui.registry import PAGES
from voltvault_core.ui.testing import signed_in

ROOT = Path(__file__).resolve().parents[2]
PAGE_PATHS = [spec.path for spec in PAGES]
TIMEOUT_S = 60


def _errors(at: AppTest) -> list[str]:
    return [str(e.value) for e in at.exception]


def test_every_registered_page_exists():
    missing = [p for p in PAGE_PATHS if not (ROOT / p).exists()]
    assert not missing, f"registry names pages that do not exist: {missing}"


@pytest.mark.parametrize("page", PAGE_PATHS)
def test_page_signed_out_shows_login_only(app_env, page):
    at = AppTest.from_file(str(ROOT / page), default_timeout=TIMEOUT_S).run()
    assert not _errors(at), _errors(at)
    assert [t.value for t in at.title][:1] == ["VoltVault"]  # the login screen, nothing of the page


@pytest.mark.parametrize("page", PAGE_PATHS)
def test_page_signed_in_as_admin(app_env, page):
    at = signed_in(AppTest.from_file(str(ROOT / page), default_timeout=TIMEOUT_S), "admin", "Ada Admin").run()
    assert not _errors(at), _errors(at)
    assert not at.error, [e.value for e in at.error]


@pytest.mark.parametrize("page", PAGE_PATHS)
def test_page_in_demo_mode_is_read_only(app_env, monkeypatch, page):
    monkeypatch.setenv("VOLTVAULT_DEMO", "1")
    at = AppTest.from_file(str(ROOT / page), default_timeout=TIMEOUT_S).run()
    assert not _errors(at), _errors(at)
    assert any("demo" in str(getattr(i, "value", "")).lower() for i in at.sidebar.info)


def test_home_routes_to_the_dashboard(app_env):
    at = signed_in(AppTest.from_file(str(ROOT / "Home.py"), default_timeout=TIMEOUT_S), "admin", "Ada Admin").run()
    assert not _errors(at), _errors(at)
    assert "VoltVault" in [t.value for t in at.title]
    assert any("Demo: LG M50" in m.value for m in at.markdown)


def test_dashboard_template_creates_a_project(app_env):
    at = signed_in(AppTest.from_file(str(ROOT / "pages/dashboard.py"), default_timeout=TIMEOUT_S),
                    "admin", "Ada Admin").run()
    at.button(key="dash.template.nmc811-pouch").click().run()
    assert not _errors(at), _errors(at)
    assert any("NMC811/Graphite Pouch Cell" in m.value for m in at.markdown)


def test_viewer_sees_demo_but_cannot_create_experiments(app_env):
    at = signed_in(AppTest.from_file(str(ROOT / "pages/experiments.py"), default_timeout=TIMEOUT_S),
                    "viewer", "Val Viewer").run()
    assert not _errors(at), _errors(at)
    assert not [f for f in at.get("form") if "exp.new" in str(getattr(f, "id", ""))]
    with pytest.raises(KeyError):
        at.text_input(key="exp.new.name")
