"""The only Streamlit-aware code: page setup with the login gate and project picker, cached resources, plots.

Pages call :func:`page_setup` first::

    ctx = page_setup("Cycling Data", ":material/monitoring:")
    project = ctx.require_project()
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from voltvault_core.projects import projects_for
from voltvault_core.ui.auth import current_user, logout_button
from voltvault_core.ui.context import PageContext, demo_mode, get_engine, get_job_runner
from voltvault_core.ui.errors import page_errors, show_error
from voltvault_core.ui.registry import PAGES, PageSpec

__all__ = [
    "PAGES", "PageContext", "PageSpec", "get_engine", "get_job_runner", "page_errors", "page_setup", "show_error",
    "unbuilt_page",
]

PROJECT_KEY = "vv.project_id"
REPO_ROOT = Path(__file__).resolve().parents[2]


def _use_home_navigation() -> None:
    """Make sure Home.py's ``st.navigation`` serves this request, not Streamlit's pages/-folder mode.

    Streamlit runs ``pages/*.py`` directly (its first multipage mode, with a navigation built from file
    names) until some session of the server process has called ``st.navigation``. The first visitor of a
    fresh server who opens a page's URL would get that. Switch the process over and rerun, which goes
    through Home.py. (Uses Streamlit's PagesManager flag; harmless if a later version drops it.)
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # pragma: no cover - depends on the Streamlit version
        return
    if getattr(PagesManager, "uses_pages_directory", False) and (REPO_ROOT / "Home.py").exists():
        PagesManager.uses_pages_directory = False
        st.rerun()


def page_setup(title: str, icon: str = ":material/bolt:", *, layout: str = "wide") -> PageContext:
    """Page config, login gate, sidebar (user, project picker, sign-out); returns the :class:`PageContext`."""
    _use_home_navigation()
    try:
        st.set_page_config(page_title=f"{title} · VoltVault", page_icon=icon, layout=layout)
    except st.errors.StreamlitAPIException:  # already set by the navigation entry point
        pass
    engine = get_engine()
    user, read_only_reason = current_user(engine)
    from voltvault_core.auth.permissions import role_of

    with st.sidebar:
        if user is not None:
            st.markdown(f"**{user.name}**  \n`{user.username}`{' · admin' if user.is_admin else ''}")
        else:
            st.markdown(f"**Read-only** · {read_only_reason}")
        with PageContext(engine, user, None, None).session() as session:
            projects = projects_for(session, user)
            by_id = {p.id: p for p in projects}
            project = None
            if projects:
                ids = list(by_id)
                current = st.session_state.get(PROJECT_KEY)
                index = ids.index(current) if current in by_id else 0
                chosen = st.selectbox("Project", ids, index=index, key="vv.project_picker",
                                      format_func=lambda pid: by_id[pid].name + (" (demo)" if by_id[pid].is_demo else ""))
                st.session_state[PROJECT_KEY] = chosen
                project = by_id[chosen]
            role = role_of(session, user, project.id) if project else None
        if project is not None:
            st.caption(f"Your role: {role}" + (f" · {project.chemistry_tag}" if project.chemistry_tag else ""))
        if user is not None:
            logout_button()
    if demo_mode() and user is None:
        st.sidebar.info("Public demo: everything is read-only.")
    return PageContext(engine=engine, user=user, project=project, role=role, read_only_reason=read_only_reason)


def unbuilt_page(title: str, icon: str, what: str, issue_hint: str) -> None:
    """A page whose feature is not built yet says so plainly, and what it will do."""
    page_setup(title, icon)
    st.title(title)
    st.warning(f"**Not built yet.** {what}")
    st.caption(issue_hint)
