"""Experiment tracker: hypothesis, linked runs and datasets, notes, conclusions, comments."""

import plotly.graph_objects as go
import streamlit as st

from voltvault_core.simulation import service as sim_svc
from voltvault_core.auth.permissions import NotFound
from voltvault_core.cycling.service import list_datasets
from voltvault_core.projects import ProjectError, add_comment, list_comments
from voltvault_core.reports.comparison import compare_runs
from voltvault_core.simulation.service import SimulationServiceError
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
    simulations = {s.id: s.name or f"run {s.id}" for s in sim_svc.list_simulations(session, ctx.user, project.id)}
    datasets = {int(row.id): row.name or row.cell for row in list_datasets(session, ctx.user, [project.id]).itertuples()}

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
st.markdown("**Compare runs**")
if simulations:
    default_runs = [i for i in experiment.linked_simulations or [] if i in simulations] or list(simulations)[:3]
    compare_ids = st.multiselect("Runs", list(simulations), default=default_runs, format_func=simulations.get,
                                 key="exp.compare.runs")
    linked_measured = [i for i in experiment.linked_datasets or [] if i in datasets]
    measured_id = st.selectbox("Against measured data", [None, *datasets], key="exp.compare.dataset",
                               index=(1 + list(datasets).index(linked_measured[0])) if linked_measured else 0,
                               format_func=lambda i: "none" if i is None else datasets[i])
    if compare_ids:
        try:
            with ctx.session() as session:
                comparison = compare_runs(session, ctx.user, compare_ids, measured_id)
        except (SimulationServiceError, NotFound) as exc:
            st.error(str(exc))
        else:
            st.dataframe({"": list(comparison["inputs"]),
                          **{run: [comparison["inputs"][f][k] for f in comparison["inputs"]]
                             for k, run in enumerate(comparison["runs"])}}, hide_index=True, key="exp.compare.inputs")
            st.dataframe({"": list(comparison["metrics"]),
                          **{run: [comparison["metrics"][m][k] for m in comparison["metrics"]]
                             for k, run in enumerate(comparison["runs"])}}, hide_index=True, key="exp.compare.metrics")
            figure = go.Figure()
            for curve in comparison["curves"]:
                figure.add_scatter(x=curve["capacity_Ah"], y=curve["voltage_V"], mode="lines", name=curve["name"])
            if comparison["measured"] is not None:
                m = comparison["measured"]
                figure.add_scatter(x=m["capacity_Ah"], y=m["voltage_V"], mode="markers", marker={"size": 4},
                                   name=f"measured: {m['name']}")
            figure.update_layout(xaxis_title="Discharged capacity / Ah", yaxis_title="Voltage / V", height=420,
                                 margin={"t": 30})
            st.plotly_chart(figure, key="exp.compare.chart")
            if comparison["fit"]:
                st.markdown("Simulation against the measured first discharge (on discharged capacity):")
                st.dataframe(comparison["fit"], hide_index=True, key="exp.compare.fit")
else:
    st.caption("No simulations in this project to compare yet.")

st.divider()
st.markdown("**Comments**")
with ctx.session() as session:
    comments = list_comments(session, ctx.user, project.id, target_type="experiment", target_id=experiment.id)
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
