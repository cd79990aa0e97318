"""The login gate: streamlit-authenticator over users kept in the database, first-run admin, demo, share links."""

from __future__ import annotations

import os
import secrets

import streamlit as st
from sqlalchemy.engine import Engine
from sqlmodel import select

from voltvault_core.auth.users import (
    UserError,
    authenticator_credentials,
    create_first_admin,
    get_user,
    has_users,
)
from voltvault_core.db.engine import session_scope
from voltvault_core.db.models import AppSetting, User

COOKIE_NAME = "voltvault_auth"


def _cookie_key(engine: Engine) -> str:
    """Secret that signs the re-login cookie: secrets.toml, the environment, or one kept in the database."""
    try:
        key = st.secrets.get("auth", {}).get("cookie_key")
    except Exception:  # no secrets.toml at all
        key = None
    key = key or os.environ.get("VOLTVAULT_COOKIE_KEY")
    if key:
        return key
    with session_scope(engine) as session:
        row = session.get(AppSetting, "cookie_key")
        if row is None:
            row = AppSetting(key="cookie_key", value=secrets.token_urlsafe(32))
            session.add(row)
        return row.value


def _first_run(engine: Engine) -> None:
    st.title("Welcome to VoltVault")
    st.write("This installation has no users yet. Create the administrator account; you can add colleagues "
             "afterwards on the Admin page or with `voltvault user add`.")
    with st.form("auth.first_run"):
        username = st.text_input("Username", key="auth.first.username")
        name = st.text_input("Full name", key="auth.first.name")
        email = st.text_input("E-mail", key="auth.first.email")
        password = st.text_input("Password (at least 8 characters)", type="password", key="auth.first.password")
        repeat = st.text_input("Repeat password", type="password", key="auth.first.repeat")
        submitted = st.form_submit_button("Create administrator")
    if submitted:
        if password != repeat:
            st.error("The two passwords differ.")
        else:
            try:
                with session_scope(engine) as session:
                    create_first_admin(session, username=username, email=email, name=name or username,
                                       password=password)
                st.success("Administrator created. Sign in below.")
                st.rerun()
            except UserError as exc:
                st.error(str(exc))
    st.stop()


def _authenticator(engine: Engine):
    import streamlit_authenticator as stauth

    with session_scope(engine) as session:
        credentials = authenticator_credentials(session)
    return stauth.Authenticate(credentials, cookie_name=COOKIE_NAME, cookie_key=_cookie_key(engine),
                               cookie_expiry_days=7, auto_hash=False, login_sleep_time=0)


def current_user(engine: Engine) -> tuple[User | None, str | None]:
    """Who is looking: ``(user, None)`` when signed in, ``(None, reason)`` for anonymous read-only access.

    Stops the script (showing the login or first-run form) when nobody may look yet.
    """
    from voltvault_core.ui.context import demo_mode

    # A share link (``?share=``) is served by Home.py's share view, never through a page's gate.
    if demo_mode():
        return None, "public demo"
    with session_scope(engine) as session:
        first_run = not has_users(session)
    if first_run:
        _first_run(engine)
    authenticator = _authenticator(engine)
    st.session_state["vv.authenticator"] = authenticator
    if not st.session_state.get("authentication_status"):
        st.title("VoltVault")
        st.caption("Battery simulation and electrochemistry in the browser")
        authenticator.login(location="main", key="auth.login")
    status = st.session_state.get("authentication_status")
    if status is False:
        st.error("Username or password is incorrect.")
        st.stop()
    if not status:
        st.stop()
    with session_scope(engine) as session:
        user = get_user(session, st.session_state.get("username") or "")
    if user is None or not user.is_active:
        st.session_state["authentication_status"] = None
        st.error("This account no longer exists or was disabled. Ask an administrator.")
        st.stop()
    return user, None


def logout_button() -> None:
    authenticator = st.session_state.get("vv.authenticator")
    if authenticator is not None and st.session_state.get("authentication_status"):
        authenticator.logout("Sign out", location="sidebar", key="auth.logout")


def list_users(engine: Engine) -> list[User]:
    with session_scope(engine) as session:
        return list(session.exec(select(User).order_by(User.username)).all())
