"""DOE Results Dashboard: define a study, run it on the job pool with progress that survives a reload,
and look at it: summary, Sobol bars, Morris plot, heatmap and 3D response surface, Pareto scatter, the run
table and exports. All computing happens in ``voltvault_core.doe``."""

import json

import pandas as pd
import streamlit as st

from voltvault_core.auth.permissions import PermissionDenied
from voltvault_core.doe import service
from voltvault_core.doe.export import EXPORT_FORMATS, export_frame, runs_frame
from voltvault_core.doe.metrics import METRICS
from voltvault_core.doe.plots import morris_figure, pareto_figure, response_surface_figure, sobol_figure
from voltvault_core.doe.study import DISTRIBUTIONS, METHODS, DOEError
from voltvault_core.ui import get_job_runner, page_setup

ctx = page_setup("DOE", ":material/grid_view:")
project = ctx.require_project()
st.title("DOE studies")
st.caption(f"Project: {project.name}")

MODELS = {"SPMe": "spme", "SPM": "spm", "DFN": "dfn",
          "Ishigami (teaching)": "python:voltvault_core.doe.testfunctions:ishigami",
          "Sobol-G (teaching)": "python:voltvault_core.doe.testfunctions:sobol_g"}
DEFAULT_INPUTS = {
    "cell": pd.DataFrame([
        {"input": "Positive electrode thickness [m]", "low": 60e-6, "high": 90e-6, "distribution": "uniform", "group": ""},
        {"input": "Negative electrode porosity", "low": 0.2, "high": 0.35, "distribution": "uniform", "group": ""},
        {"input": "Positive particle radius [m]", "low": 3e-6, "high": 8e-6, "distribution": "uniform", "group": ""},
    ]),
    "python": pd.DataFrame([{"input": f"x{i}", "low": -3.14159265, "high": 3.14159265, "distribution": "uniform",
                             "group": ""} for i in (1, 2, 3)]),
}

# ---------------------------------------------------------------------------------------- define
if ctx.can_write:
    with st.expander("Define a study", expanded=True):
        model_label = st.selectbox("Model", list(MODELS), key="doe.model")
        model = MODELS[model_label]
        is_python = model.startswith("python:")
        c1, c2, c3 = st.columns(3)
        method = c1.selectbox("Sampling", METHODS[:-1], index=METHODS.index("sobol"), key="doe.method")
        samples = c2.number_input("Samples (Sobol: a power of two; Morris: trajectories)", 4, 65536,
                                  64 if is_python else 32, key="doe.samples")
        seed = c3.number_input("Seed", 0, 10_000, 0, key="doe.seed")
        inputs = st.data_editor(DEFAULT_INPUTS["python" if is_python else "cell"], num_rows="dynamic",
                                key=f"doe.inputs.{'python' if is_python else 'cell'}",
                                column_config={"distribution": st.column_config.SelectboxColumn(
                                    options=list(DISTRIBUTIONS)),
                                    "low": st.column_config.NumberColumn(format="%.4g"),
                                    "high": st.column_config.NumberColumn(format="%.4g")})
        if is_python:
            outputs = ["y"]
            experiment, parameter_set = None, "Chen2020"
        else:
            outputs = st.multiselect("Outputs", list(METRICS), ["discharge_capacity_Ah", "energy_Wh",
                                                              "specific_energy_Wh_kg"], key="doe.outputs")
            c1, c2 = st.columns(2)
            parameter_set = c1.text_input("Parameter set", "Chen2020", key="doe.parameter_set")
            experiment = c2.text_input("Experiment ({C-rate} for a C-rate input)", "Discharge at 1C until 2.5 V",
                                       key="doe.experiment")
        constraints = st.text_area("Constraints, one a line (inputs in backticks; np_ratio from the designer)",
                                   "", key="doe.constraints", placeholder="`Negative electrode porosity` >= 0.25")
        name = st.text_input("Study name", f"{model_label} {method}", key="doe.name")
        if st.button("Run study", key="doe.run", type="primary"):
            spec = {"name": name, "model": model, "parameter_set": parameter_set, "experiment": experiment,
                    "method": method, "samples": int(samples), "seed": int(seed), "outputs": outputs,
                    "constraints": [c for c in constraints.splitlines() if c.strip()],
                    "inputs": {str(r["input"]): {"bounds": [float(r["low"]), float(r["high"])],
                                                 "distribution": r["distribution"] or "uniform",
                                                 **({"group": str(r["group"])} if str(r["group"] or "").strip() else {})}
                               for r in inputs.to_dict("records") if str(r.get("input") or "").strip()}}
            try:
                with ctx.session() as session:
                    row = service.create_study(session, ctx.user, project.id, spec=spec)
                    new_id, n_runs = row.id, row.total_runs
                with ctx.session() as session:  # committed first: the job rows are written by the runner
                    service.submit_study(session, ctx.user, new_id, get_job_runner())
                st.session_state["doe.study_id"] = new_id
                st.success(f"study {name!r} submitted: {n_runs} runs")
            except (DOEError, ValueError) as exc:
                st.error(str(exc))
            except PermissionDenied as exc:
                st.error(str(exc))

# ---------------------------------------------------------------------------------------- follow
with ctx.session() as session:
    studies = [(s.id, s.name, s.status, s.total_runs) for s in service.list_studies(session, ctx.user, project.id)]
if not studies:
    st.info("No DOE study in this project yet.")
    st.stop()
labels = {sid: f"#{sid} {name} ({status}, {runs} runs)" for sid, name, status, runs in studies}
ids = list(labels)
chosen = st.session_state.get("doe.study_id")
study_id = st.selectbox("Study", ids, index=ids.index(chosen) if chosen in ids else 0,
                        format_func=labels.get, key="doe.study")
st.button("Refresh progress", key="doe.refresh")
try:
    with ctx.session() as session:
        progress = service.refresh_study(session, ctx.user, study_id, get_job_runner())
except PermissionDenied as exc:
    st.error(str(exc))
    st.stop()
total = max(progress["total"], 1)
st.progress((progress["completed"] + progress["failed_chunks_runs"]) / total,
            text=f"{progress['completed']} completed, {progress['running']} running, {progress['queued']} queued, "
                 f"{progress['failed']} failed of {progress['total']} runs")
if progress["completed"] == 0:
    st.info("No runs in yet: press Refresh progress.")
    st.stop()
with ctx.session() as session:
    result = service.load_result(session, ctx.user, study_id)
for note in result.notes:
    st.caption(note)

# ---------------------------------------------------------------------------------------- views
frame = runs_frame(result)
summary = result.summary_json()
c1, c2, c3, c4 = st.columns(4)
c1.metric("Runs", summary["runs"])
c2.metric("Failed", len(summary["failed"]))
c3.metric("Rejected samples", summary["rejected_samples"])
c4.metric("Method", result.spec.method)
outputs = result.runs.columns
tabs = st.tabs(["Sensitivity", "Response surface", "Pareto", "Runs", "Export"])
with tabs[0]:
    out = st.selectbox("Output", outputs, key="doe.sens_output")
    if result.sobol is not None:
        st.plotly_chart(sobol_figure(result.sobol, out), key="doe.sobol_chart")
        st.caption(result.sobol.treatment[result.sobol.outputs.index(out)])
    elif result.morris is not None:
        st.plotly_chart(morris_figure(result.morris, out), key="doe.morris_chart")
        st.caption(result.morris.treatment[result.morris.outputs.index(out)])
    else:
        st.info("Sensitivity indices need a Sobol or Morris study; the other views work for every design.")
with tabs[1]:
    names = result.design.names
    if len(names) < 2:
        st.info("A response surface needs two inputs.")
    else:
        c1, c2, c3 = st.columns(3)
        x = c1.selectbox("x", names, 0, key="doe.surf_x")
        y = c2.selectbox("y", names, 1, key="doe.surf_y")
        z = c3.selectbox("Output", outputs, key="doe.surf_z")
        if x == y:
            st.info("Choose two different inputs.")
        else:
            st.plotly_chart(response_surface_figure(result, x, y, z), key="doe.heatmap")
            st.plotly_chart(response_surface_figure(result, x, y, z, kind="surface"), key="doe.surface3d")
with tabs[2]:
    if len(outputs) < 2:
        st.info("A Pareto front needs two or three outputs.")
    else:
        objectives = st.multiselect("Objectives (2 or 3)", outputs, outputs[:2], key="doe.objectives")
        senses = [st.radio(o, ["max", "min"], horizontal=True, key=f"doe.sense.{o}") for o in objectives]
        if 2 <= len(objectives) <= 3:
            st.plotly_chart(pareto_figure(result, objectives, senses), key="doe.pareto")
with tabs[3]:
    st.dataframe(frame, key="doe.table", hide_index=True)
    if summary["failed"]:
        st.caption("Failed runs")
        st.dataframe(pd.DataFrame(summary["failed"]).assign(inputs=lambda d: d["inputs"].map(json.dumps)),
                     key="doe.failed", hide_index=True)
with tabs[4]:
    for fmt in EXPORT_FORMATS:
        st.download_button(f"Download {fmt.upper()}", export_frame(frame, fmt), file_name=f"doe-{study_id}.{fmt}",
                           mime=EXPORT_FORMATS[fmt], key=f"doe.export.{fmt}")
