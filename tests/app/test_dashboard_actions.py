"""The dashboard's buttons do what they say, visibly: the current project changes with them."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from voltvault_core.ui.testing import signed_in

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 120


def _dashboard(username: str = "admin") -> AppTest:
    return signed_in(AppTest.from_file(str(ROOT / "pages/dashboard.py"), default_timeout=TIMEOUT_S), username).run()


def _problems(at: AppTest) -> list[str]:
    return [str(e.value) for e in at.exception] + [e.value for e in at.error]


def _current(at: AppTest) -> str:
    picker = at.sidebar.selectbox(key="vv.project_picker")
    return picker.format_func(picker.value)


def _open(at: AppTest, name_part: str) -> AppTest:
    picker = at.sidebar.selectbox(key="vv.project_picker")
    pid = None
    for button in at.button:
        if str(button.key).startswith("dash.open."):
            project_id = int(str(button.key).rsplit(".", 1)[1])
            if name_part in picker.format_func(project_id) and not button.disabled:
                pid = project_id
                button.click().run()
                break
    return pid


def test_open_makes_a_project_current(app_env):
    at = _dashboard()
    first = _current(at)
    target = "Demo" if "Own cells" in first else "Own cells"
    assert _open(at, target) is not None
    assert not _problems(at), _problems(at)
    assert target in _current(at)
    assert any(target in s.value for s in at.subheader)
    assert any("Opened" in s.value for s in at.success)


def test_create_project_makes_it_current(app_env):
    at = _dashboard()
    at.text_input(key="dash.new.name").set_value("Fresh LFP cells")
    at.text_input(key="dash.new.chemistry").set_value("LFP")
    at.button(key="FormSubmitter:dash.new_project-Create project").click().run()
    assert not _problems(at), _problems(at)
    assert _current(at) == "Fresh LFP cells"
    assert any("Fresh LFP cells" == s.value for s in at.subheader)


def test_quick_start_makes_its_project_current(app_env):
    at = _dashboard()
    at.button(key="dash.template.lfp-21700").click().run()
    assert not _problems(at), _problems(at)
    assert _current(at) == "LFP/Graphite 21700"


def test_a_viewer_of_the_demo_copies_it_and_can_write_there(app_env):
    from voltvault_core.auth.users import add_user
    from voltvault_core.db.engine import create_db_engine, session_scope

    engine = create_db_engine(app_env)  # a newcomer of their own: the shared "viewer" stays without projects
    with session_scope(engine) as session:
        add_user(session, None, username="newcomer", email="newcomer@lab.example", name="New Comer",
                 password="correct horse")
    engine.dispose()
    at = _dashboard("newcomer")
    assert "Demo" in _current(at)
    assert any("Your role: viewer" in c.value for c in at.sidebar.caption)
    at.button(key="dash.copy_demo").click().run()
    assert not _problems(at), _problems(at)
    assert _current(at).endswith("(my copy)")
    assert any("Your role: owner" in c.value for c in at.sidebar.caption)
    assert not [b for b in at.button if b.key == "dash.copy_demo"]
