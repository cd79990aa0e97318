"""Project dashboard: overview cards, project grid with chemistry tags, quick-start templates."""

import streamlit as st

from voltvault_core.auth.permissions import PermissionDenied
from voltvault_core.dashboard import (
    QUICK_START_TEMPLATES,
    copy_project,
    create_from_template,
    project_cards,
)
from voltvault_core.projects import ProjectError, create_project, project_overview
from voltvault_core.ui import page_setup
from voltvault_core.ui.state import switch_project

ctx = page_setup("Dashboard", ":material/dashboard:")
st.title("VoltVault")
st.caption("Battery simulation and electrochemistry in the browser")
if "dash.notice" in st.session_state:  # what the last button did, shown once after its rerun
    st.success(st.session_state.pop("dash.notice"))


if ctx.project is not None:
    with ctx.session() as session:
        overview = project_overview(session, ctx.user, ctx.project.id)
    st.subheader(ctx.project.name)
    if ctx.project.description:
        st.write(ctx.project.description)
    cols = st.columns(5)
    cols[0].metric("Running jobs", overview["running_jobs"])
    cols[1].metric("Cell designs", overview["designs"])
    cols[2].metric("Simulations", overview["simulations"])
    cols[3].metric("Cycling datasets", overview["datasets"])
    cols[4].metric("EIS spectra", overview["eis_measurements"])
    if ctx.project.is_demo and not ctx.can_write and ctx.user is not None:
        st.info("You can look at the demo project but not change it. Copy it into a project of your own "
                "to run simulations, import data and fit spectra there.")
        if st.button("Copy the demo into my project", key="dash.copy_demo", type="primary"):
            try:
                with ctx.session() as session:
                    copy = copy_project(session, ctx.user, ctx.project.id)
                    switch_project(copy.id)
                    st.session_state["dash.notice"] = (
                        f"Copied the demo into **{copy.name}**, a project you own: it is now the current project.")
                st.rerun()
            except (PermissionDenied, ProjectError) as exc:
                st.error(f"Cannot copy the demo: {exc}")
    if overview["recent_experiments"]:
        st.markdown("**Recent experiments**")
        for exp in overview["recent_experiments"]:
            badge = {"draft": ":gray-badge[draft]", "completed": ":green-badge[completed]",
                     "reviewed": ":blue-badge[reviewed]"}.get(exp["status"], exp["status"])
            st.markdown(f"- {exp['name']} {badge}")

st.divider()
st.subheader("Projects")
with ctx.session() as session:
    cards = project_cards(session, ctx.user)
if not cards:
    st.info("No projects yet: start one from a template below or create an empty one.")
grid = st.columns(3)
for i, card in enumerate(cards):
    with grid[i % 3].container(border=True):
        st.markdown(f"**{card['name']}**" + (" · demo" if card["is_demo"] else ""))
        if card["chemistry_tag"]:
            st.markdown(f":blue-badge[{card['chemistry_tag']}]")
        st.caption(f"{card['designs']} designs · {card['simulations']} runs · {card['datasets']} datasets · "
                   f"updated {card['updated']}")
        current = ctx.project is not None and ctx.project.id == card["id"]
        if st.button("Current project" if current else "Open", key=f"dash.open.{card['id']}", disabled=current):
            switch_project(card["id"])
            st.session_state["dash.notice"] = f"Opened **{card['name']}**."
            st.rerun()

if ctx.user is not None:
    st.divider()
    left, right = st.columns(2)
    with left:
        st.subheader("Quick start")
        for key, template in QUICK_START_TEMPLATES.items():
            if st.button(template["title"], key=f"dash.template.{key}", help=template["description"]):
                try:
                    with ctx.session() as session:
                        project = create_from_template(session, ctx.user, key)
                        session.flush()
                        switch_project(project.id)
                        st.session_state["dash.notice"] = (
                            f"Created **{project.name}** from the template: it is now the current project; "
                            "its starting design is in the Cell Designer under 'Saved'.")
                    st.rerun()
                except (ProjectError, ValueError) as exc:
                    st.error(str(exc))
    with right:
        st.subheader("New empty project")
        with st.form("dash.new_project"):
            name = st.text_input("Name", key="dash.new.name")
            chemistry = st.text_input("Chemistry tag (e.g. NMC811, LFP, Si/C)", key="dash.new.chemistry")
            description = st.text_area("Description", key="dash.new.description")
            if st.form_submit_button("Create project"):
                try:
                    with ctx.session() as session:
                        project = create_project(session, ctx.user, name=name, description=description,
                                                 chemistry_tag=chemistry)
                        switch_project(project.id)
                        st.session_state["dash.notice"] = f"Created **{project.name}**: it is now the current project."
                    st.rerun()
                except ProjectError as exc:
                    st.error(str(exc))
