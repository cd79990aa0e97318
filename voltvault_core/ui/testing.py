"""Helpers for driving pages under Streamlit's AppTest, kept next to the login gate whose contract
they encode (the session-state keys streamlit-authenticator sets after a successful login)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def signed_in(at: AppTest, username: str, name: str | None = None) -> AppTest:
    """Mark ``at``'s session as signed in as ``username``, as the login form would; returns ``at``."""
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    at.session_state["name"] = name if name is not None else username.title()
    at.session_state["logout"] = None
    return at
