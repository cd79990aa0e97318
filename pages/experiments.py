"""Experiment tracker: hypothesis, linked runs and datasets, notes, conclusions, comments."""

import streamlit as st
from sqlmodel import select

from voltvault_core.db.models import Comment, CyclingDataset, Simulation
from voltvault_core.projects import ProjectError, add_comment
from voltvault_core.tracking.service import (
    EXPERIMENT_STATUSES,
    ExperimentError,
    create_experiment,
    list_experiments,
    update_experiment,
)
from voltvault_core.ui import page_setup

ctx = page_setup("Experiments", ":material/science:")
project = ctx.require_project()
st.title("Experiments")
st.caption(f"Project: {project.name}")

with ctx.session() as session:
    experiments = list_experiments(session, ctx.user, project.id)
    simulations = {s.id: s.name or f"run {s.id}" for s in
                   session.exec(select(Simulation).where(Simulation.project_id == project.id)).all()}
    datasets = {d.id: d.name or d.cell_id_label for d in
                session.exec(select(CyclingDataset).where(CyclingDataset.project_id == project.id)).all()}

if ctx.can_write:
    with st.expander("New experiment", expanded=not experiments):
        with st.form("exp.new"):
            name = st.text_input("Name", key="exp.new.name")
            hypothesis = st.text_area("Hypothesis", key="exp.new.hypothesis")
            tags = st.text_input("Tags (comma-separated)", key="exp.new.tags")
            sims = st.multiselect("Linked simulations", list(simulations), format_func=simulations.get,
                                  key="exp.new.sims")
            data = st.multiselect("Linked datasets", list(datasets), format_func=datasets.get, key="exp.new.data")
            if st.form_submit_button("Create"):
                try:
                    with ctx.session() as session:
                        create_experiment(session, ctx.user, project.id, name=name, hypothesis=hypothesis,
                                          tags=[t.strip() for t in tags.split(",") if t.strip()],
                                          linked_simulations=sims, linked_datasets=data)
                    st.rerun()
                except ExperimentError as exc:
                    st.error(str(exc))

if not experiments:
    st.info("No experiments recorded in this project yet.")
    st.stop()

by_id = {e.id: e for e in experiments}
chosen = st.selectbox("Experiment", list(by_id), format_func=lambda i: f"{by_id[i].name} ({by_id[i].status})",
                      key="exp.selected")
experiment = by_id[chosen]
left, right = st.columns([2, 1])
with left:
    st.markdown(f"### {experiment.name}")
    st.markdown(f"**Hypothesis.** {experiment.hypothesis or '—'}")
    if experiment.tags:
        st.markdown(" ".join(f":blue-badge[{t}]" for t in experiment.tags))
    st.markdown("**Notes**")
    st.markdown(experiment.notes or "—")
    if experiment.conclusions:
        st.markdown(f"**Conclusions.** {experiment.conclusions}")
    st.caption(f"Created {experiment.created_at:%Y-%m-%d %H:%M} UTC · updated {experiment.updated_at:%Y-%m-%d %H:%M} UTC")
    linked = [simulations.get(i, f"run {i}") for i in experiment.linked_simulations or []]
    linked_data = [datasets.get(i, f"dataset {i}") for i in experiment.linked_datasets or []]
    st.markdown(f"**Linked simulations:** {', '.join(linked) or '—'}  \n**Linked datasets:** {', '.join(linked_data) or '—'}")
with right:
    if ctx.can_write:
        with st.form("exp.edit"):
            status = st.selectbox("Status", EXPERIMENT_STATUSES, index=EXPERIMENT_STATUSES.index(experiment.status),
                                  key="exp.edit.status")
            notes = st.text_area("Notes (Markdown, LaTeX with $...$)", value=experiment.notes, key="exp.edit.notes")
            conclusions = st.text_area("Conclusions", value=experiment.conclusions, key="exp.edit.conclusions")
            if st.form_submit_button("Save"):
                try:
                    with ctx.session() as session:
                        update_experiment(session, ctx.user, experiment.id, status=status, notes=notes,
                                          conclusions=conclusions)
                    st.rerun()
                except ExperimentError as exc:
                    st.error(str(exc))

st.divider()
st.markdown("**Comments**")
with ctx.session() as session:
    comments = session.exec(select(Comment).where(Comment.project_id == project.id, Comment.target_type == "experiment",
                                                  Comment.target_id == experiment.id)).all()
for comment in comments:
    st.markdown(f"> {comment.body}  \n<small>{comment.created_at:%Y-%m-%d %H:%M}</small>", unsafe_allow_html=True)
if ctx.can_comment:
    with st.form("exp.comment", clear_on_submit=True):
        body = st.text_area("Add a comment", key="exp.comment.body")
        if st.form_submit_button("Comment"):
            try:
                with ctx.session() as session:
                    add_comment(session, ctx.user, project.id, target_type="experiment", target_id=experiment.id,
                                body=body)
                st.rerun()
            except ProjectError as exc:
                st.error(str(exc))
