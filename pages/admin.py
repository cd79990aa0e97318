"""Administration: users (admins), project members and roles, share links, audit trail."""

import pandas as pd
import streamlit as st
from sqlmodel import col, select

from voltvault_core.auth.permissions import PermissionDenied
from voltvault_core.auth.users import UserError, add_user, set_user_active
from voltvault_core.db.models import ROLES, AuditEvent, ProjectMember, ShareLink, User
from voltvault_core.projects import (
    ProjectError,
    create_share_link,
    remove_member,
    revoke_share_link,
    set_member_role,
)
from voltvault_core.sharing import shareable_items
from voltvault_core.ui import page_setup, show_error

ctx = page_setup("Admin", ":material/admin_panel_settings:")
st.title("Admin")
if ctx.user is None:
    st.info("Sign in to manage users and project members.")
    st.stop()

if ctx.user.is_admin:
    st.subheader("Users")
    with ctx.session() as session:
        users = session.exec(select(User).order_by(User.username)).all()
        st.dataframe(pd.DataFrame([{"username": u.username, "name": u.name, "email": u.email,
                                    "admin": u.is_admin, "active": u.is_active} for u in users]),
                     hide_index=True, use_container_width=True)
    with st.form("admin.add_user", clear_on_submit=True):
        st.markdown("**Add a user**")
        c1, c2 = st.columns(2)
        username = c1.text_input("Username", key="admin.user.username")
        name = c2.text_input("Full name", key="admin.user.name")
        email = c1.text_input("E-mail", key="admin.user.email")
        password = c2.text_input("Initial password", type="password", key="admin.user.password")
        is_admin = st.checkbox("Administrator", key="admin.user.is_admin")
        if st.form_submit_button("Add user"):
            try:
                with ctx.session() as session:
                    add_user(session, ctx.user, username=username, email=email, name=name or username,
                             password=password, is_admin=is_admin)
                st.success(f"Added {username}.")
            except (UserError, PermissionDenied) as exc:
                st.error(str(exc))
    with st.form("admin.user_active"):
        st.markdown("**Disable or enable an account** (a disabled user cannot sign in and every service refuses them)")
        c1, c2 = st.columns(2)
        target = c1.selectbox("User", [u.username for u in users if u.id != ctx.user.id], key="admin.active.user")
        enable = c2.radio("Account", ["disable", "enable"], horizontal=True, key="admin.active.action") == "enable"
        if st.form_submit_button("Apply") and target:
            try:
                with ctx.session() as session:
                    set_user_active(session, ctx.user, target, enable)
                st.rerun()
            except (UserError, PermissionDenied) as exc:
                show_error(exc)

project = ctx.project
if project is None:
    st.stop()
st.subheader(f"Members of {project.name}")
with ctx.session() as session:
    rows = session.exec(select(ProjectMember, User).where(ProjectMember.project_id == project.id,
                                                           ProjectMember.user_id == User.id)).all()
    st.dataframe(pd.DataFrame([{"username": u.username, "name": u.name, "role": m.role} for m, u in rows]),
                 hide_index=True, use_container_width=True)
if ctx.role == "owner":
    with st.form("admin.member"):
        c1, c2 = st.columns(2)
        member = c1.text_input("Username", key="admin.member.username")
        role = c2.selectbox("Role", ROLES, index=ROLES.index("editor"), key="admin.member.role")
        add, remove = st.columns(2)
        if add.form_submit_button("Add or change role"):
            try:
                with ctx.session() as session:
                    set_member_role(session, ctx.user, project.id, username=member, role=role)
                st.rerun()
            except (ProjectError, PermissionDenied) as exc:
                st.error(str(exc))
        if remove.form_submit_button("Remove member"):
            try:
                with ctx.session() as session:
                    remove_member(session, ctx.user, project.id, username=member)
                st.rerun()
            except (ProjectError, PermissionDenied) as exc:
                st.error(str(exc))

if ctx.can_write:
    st.subheader("Read-only share links")
    st.caption("Anyone with the link sees the chosen item and its plots, without signing in, until it expires "
               "or you revoke it.")
    with ctx.session() as session:
        shareable = shareable_items(session, ctx.user, project.id)
    with st.form("admin.share"):
        c1, c2 = st.columns([3, 1])
        choice = c1.selectbox("Share", list(range(len(shareable))), format_func=lambda k: shareable[k][2],
                              key="admin.share.item")
        days = c2.number_input("Expires after [days]", min_value=1, max_value=365, value=30, key="admin.share.days")
        if st.form_submit_button("Create a share link"):
            kind, item_id, _ = shareable[choice]
            try:
                with ctx.session() as session:
                    _, token = create_share_link(session, ctx.user, project.id, target_type=kind,
                                                 target_id=item_id, expires_in_days=days)
                st.success("Copy this link now; it is not shown again. Add it to this app's address.")
                st.code(f"?share={token}")
            except (ProjectError, PermissionDenied) as exc:
                show_error(exc)
    with ctx.session() as session:
        links = session.exec(select(ShareLink).where(ShareLink.project_id == project.id,
                                                     ShareLink.revoked_at == None)).all()  # noqa: E711
    for link in links:
        c1, c2 = st.columns([3, 1])
        what = link.target_type if link.target_type == "project" else f"{link.target_type} {link.target_id}"
        c1.caption(f"link {link.id} · {what} · created {link.created_at:%Y-%m-%d} · "
                   + (f"expires {link.expires_at:%Y-%m-%d %H:%M} UTC" if link.expires_at else "no expiry"))
        if c2.button("Revoke", key=f"admin.share.revoke.{link.id}"):
            with ctx.session() as session:
                revoke_share_link(session, ctx.user, link.id)
            st.rerun()

st.subheader("Audit trail")
with ctx.session() as session:
    events = session.exec(select(AuditEvent, User).join(User, AuditEvent.user_id == User.id, isouter=True)
                          .where(AuditEvent.project_id == project.id)
                          .order_by(col(AuditEvent.created_at).desc()).limit(200)).all()
st.dataframe(pd.DataFrame([{"when": e.created_at.strftime("%Y-%m-%d %H:%M:%S"), "who": u.username if u else "—",
                            "action": e.action, "target": f"{e.target_type} {e.target_id or ''}".strip(),
                            "details": e.details} for e, u in events]),
             hide_index=True, use_container_width=True)
