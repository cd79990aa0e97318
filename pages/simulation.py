"""Simulation workspace: configure a run, solve it with live progress, compare runs, profiles, export.

Runs go to the job runner; the page never waits for them. A fragment polls the runs it queued
(every :data:`POLL_S` seconds, their status derived from their jobs) and reruns the page once they have
finished; the Results tab reads what is stored.
"""

from functools import partial

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from voltvault_core import bdf
from voltvault_core.simulation import service as svc
from voltvault_core.simulation import (
    EXPORT_FORMATS,
    MESH_KEYS,
    ProtocolError,
    SimulationError,
    available_drive_cycles,
    available_parameter_sets,
    cccv_charge,
    gitt,
    hppc,
    measured_segment,
    profile_variables,
    resolve_parameter_set,
    result_to_bytes,
    rmse_matrix_V,
    spatial_profile,
    voltage_rmse_V,
    x_averaged_value,
)
from voltvault_core.ui import get_job_runner, page_setup
from voltvault_core.ui.state import remember, restore_prefixed, session_cache, value_keys

MODELS = {"spm": "SPM (single particle)", "spme": "SPMe (with electrolyte)", "dfn": "DFN / P2D (Newman)"}
ZERO_C_K = 273.15
GRADING_KINDS = {"uniform": "uniform", "linear": "linear porosity gradient", "layers": "layers"}
THICKNESS_MODES = ["fraction of the electrode", "thickness [µm]"]
FRACTION_TOLERANCE = 0.005  # layer fractions adding up to 1 within this are rescaled to exactly 1
POLL_S = 1.0  # how often the progress of queued runs is read while any is unfinished [s]


def _mean(parameters, key: str) -> float:
    """A set's value of a (possibly x-dependent) parameter, x-averaged: the prefill of the grading."""
    return x_averaged_value(parameters, key)


def _grading_widgets(parameters, electrode: str) -> dict | None:
    """The widgets of one electrode's grading; its ``electrode_grading`` entry (None when uniform)."""
    d = electrode.capitalize()
    eps = _mean(parameters, f"{d} electrode porosity")
    eps_s = _mean(parameters, f"{d} electrode active material volume fraction")
    radius_um = 1e6 * _mean(parameters, f"{d} particle radius [m]")
    thickness_um = 1e6 * float(parameters[f"{d} electrode thickness [m]"])
    tag = f"sim.grading.{electrode}"
    kind = st.selectbox(
        f"{d} electrode", list(GRADING_KINDS), format_func=GRADING_KINDS.get, key=f"{tag}.kind"
    )
    if kind == "uniform":
        return None
    if kind == "linear":
        c1, c2 = st.columns(2)
        at_separator = c1.number_input(
            "Porosity at the separator side",
            value=eps,
            step=0.01,
            format="%.3f",
            key=f"{tag}.eps_separator.{parameters.name}",
        )
        at_collector = c2.number_input(
            "Porosity at the current-collector side",
            value=eps,
            step=0.01,
            format="%.3f",
            key=f"{tag}.eps_collector.{parameters.name}",
        )
        return {
            "kind": "linear",
            "porosity_at_separator": float(at_separator),
            "porosity_at_current_collector": float(at_collector),
        }
    c1, c2 = st.columns(2)
    n_layers = int(c1.number_input("Layers", 2, 4, 2, 1, key=f"{tag}.n_layers"))
    mode = c2.radio("Layer thickness as", THICKNESS_MODES, horizontal=True, key=f"{tag}.thickness_mode")
    st.caption(
        f"Layer 1 lies on the current collector, layer {n_layers} on the separator. "
        f"Prefilled from {parameters.name}: {thickness_um:.4g} µm, porosity {eps:.3g}, "
        f"active material {eps_s:.3g}, particle radius {radius_um:.3g} µm."
    )
    layers, sizes = [], []
    for k in range(1, n_layers + 1):
        cols = st.columns(4)
        if mode == THICKNESS_MODES[0]:
            sizes.append(
                cols[0].number_input(
                    f"Layer {k} thickness fraction",
                    value=1.0 / n_layers,
                    step=0.05,
                    format="%.3f",
                    key=f"{tag}.{k}.fraction.{n_layers}.{parameters.name}",
                )
            )
        else:
            sizes.append(
                1e-6
                * cols[0].number_input(
                    f"Layer {k} thickness [µm]",
                    value=thickness_um / n_layers,
                    step=1.0,
                    format="%.2f",
                    key=f"{tag}.{k}.thickness_um.{n_layers}.{parameters.name}",
                )
            )
        layers.append(
            {
                "porosity": float(
                    cols[1].number_input(
                        f"Layer {k} porosity",
                        value=eps,
                        step=0.01,
                        format="%.3f",
                        key=f"{tag}.{k}.porosity.{parameters.name}",
                    )
                ),
                "active_fraction": float(
                    cols[2].number_input(
                        f"Layer {k} active material fraction",
                        value=eps_s,
                        step=0.01,
                        format="%.3f",
                        key=f"{tag}.{k}.active_fraction.{parameters.name}",
                    )
                ),
                "particle_radius_m": 1e-6
                * float(
                    cols[3].number_input(
                        f"Layer {k} particle radius [µm]",
                        value=radius_um,
                        step=0.1,
                        format="%.3f",
                        key=f"{tag}.{k}.radius_um.{parameters.name}",
                    )
                ),
            }
        )
    if mode == THICKNESS_MODES[0]:
        total = float(np.sum(sizes))
        if abs(total - 1.0) > FRACTION_TOLERANCE:
            raise svc.LayerError(
                f"{electrode} electrode: the layer thickness fractions add up to {total:.4g}, not 1"
            )
        sizes = [thickness_um * 1e-6 * float(f) / total for f in sizes]
    return {
        "kind": "layers",
        "layers": [{"thickness_m": float(t), **layer} for t, layer in zip(sizes, layers, strict=True)],
    }


def _grading_preview(parameters) -> go.Figure:
    """Porosity and particle radius across the sandwich (x from the negative current collector)."""
    profiles = svc.grading_profiles(parameters)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    colours = {"negative": "#1f77b4", "separator": "#7f7f7f", "positive": "#d62728"}
    for domain, values in profiles.items():
        for row, field in ((1, "porosity"), (2, "particle_radius_um")):
            if domain == "separator" and row == 2:
                continue
            fig.add_trace(
                go.Scatter(
                    x=values["x_um"].tolist(),
                    y=values[field].tolist(),
                    mode="lines",
                    name=domain,
                    line={"color": colours[domain]},
                    showlegend=row == 1,
                ),
                row=row,
                col=1,
            )
    x_sep = profiles["separator"]["x_um"]
    half = 0.5 * (x_sep[1] - x_sep[0]) if x_sep.size > 1 else 0.0
    for row in (1, 2):
        fig.add_vrect(
            x0=x_sep[0] - half,
            x1=x_sep[-1] + half,
            fillcolor="grey",
            opacity=0.12,
            line_width=0,
            layer="below",
            row=row,
            col=1,
        )
    fig.update_yaxes(rangemode="tozero")
    fig.update_yaxes(title_text="Porosity [-]", row=1, col=1)
    fig.update_yaxes(title_text="Particle radius [µm]", row=2, col=1)
    fig.update_xaxes(title_text="x from the negative current collector [µm]", row=2, col=1)
    fig.update_layout(height=360, margin={"t": 20, "b": 10}, legend={"orientation": "h", "y": 1.08})
    return fig


@st.fragment(run_every=POLL_S)
def _follow_queued_runs(ctx, project_id: int) -> None:
    """Progress of the runs this session queued; once all have finished, rerun the page (Results)."""
    pending = list(st.session_state.get("sim.pending") or [])
    if not pending:
        return
    with ctx.session() as session:
        runs = {r.id: r for r in svc.list_simulations(session, ctx.user, project_id) if r.id in pending}
    unfinished = [i for i in pending if i in runs and runs[i].status not in svc.FINISHED_STATES]
    done = len(pending) - len(unfinished)
    fraction = (done + sum(float(runs[i].progress or 0.0) for i in unfinished)) / len(pending)
    states = ", ".join(f"#{i} {runs[i].status}" for i in unfinished)
    st.progress(
        min(1.0, fraction),
        text=f"Solving: {done} of {len(pending)} finished" + (f" ({states})" if states else ""),
    )
    if unfinished:
        st.session_state["sim.pending_seen"] = True
        st.caption("You can leave this page: the runs go on, and the Results tab shows them when done.")
        return
    st.session_state["sim.pending"] = []
    if st.session_state.pop("sim.pending_seen", False):
        st.rerun()  # the whole page, so that the Results tab shows the new runs


ctx = page_setup("Simulation", ":material/bolt:")
project = ctx.require_project()
restore_prefixed("sim.")  # the configure widgets' values survive a visit to another page
st.title("Simulation")
st.caption(f"Project: {project.name} · SPM, SPMe and DFN on a parameter set or a saved cell design")

with ctx.session() as session:
    designs = {d.id: d.name for d in svc.list_cell_designs(session, ctx.user, project.id)}

configure, results_tab = st.tabs(["Configure & run", "Results"])

# ------------------------------------------------------------------------------------------ configure
with configure:
    left, right = st.columns(2)
    with left:
        model = st.selectbox("Model", list(MODELS), format_func=MODELS.get, index=2, key="sim.model")
        source = st.radio("Cell", ["Parameter set", "Saved cell design"], horizontal=True, key="sim.source")
        cell_design_id = None
        if source == "Saved cell design" and designs:
            cell_design_id = st.selectbox(
                "Cell design", list(designs), format_func=designs.get, key="sim.design"
            )
            with ctx.session() as session:
                parameter_spec = svc.design_parameter_set(session, ctx.user, cell_design_id)
        else:
            if source == "Saved cell design":
                st.info(
                    "No saved cell design with a parameter set in this project yet: save one from the Cell "
                    "Designer, or pick a published parameter set."
                )
            parameter_spec = st.selectbox(
                "Parameter set",
                available_parameter_sets(),
                index=available_parameter_sets().index("Chen2020"),
                key="sim.parameter_set",
            )
        try:
            params = resolve_parameter_set(parameter_spec)
        except SimulationError as exc:
            st.error(str(exc))
            st.stop()
        v_lo = float(params.get("Lower voltage cut-off [V]", 2.5))
        v_hi = float(params.get("Upper voltage cut-off [V]", 4.2))
        st.caption(
            f"{params.name}: nominal {float(params.get('Nominal cell capacity [A.h]', float('nan'))):g} A.h, "
            f"{v_lo:g}–{v_hi:g} V" + (f" · cite: {', '.join(params.citations)}" if params.citations else "")
        )

    with right:
        st.markdown("**Protocol** (PyBaMM experiment strings, one step per line, `(...) x N` for cycles)")
        if "sim.experiment" not in st.session_state:
            st.session_state["sim.experiment"] = f"Discharge at 1C until {v_lo:g} V"

        def _append(text) -> None:
            lines = [text] if isinstance(text, str) else list(text)
            current = st.session_state.get("sim.experiment", "").rstrip()
            st.session_state["sim.experiment"] = "\n".join([current, *lines]).strip()

        with st.expander("Protocol builder"):
            kind = st.selectbox(
                "Add",
                ["CC discharge", "CCCV charge", "Rest", "GITT", "HPPC", "Drive cycle"],
                key="sim.builder.kind",
            )
            rate = st.number_input("C-rate [1/h]", 0.01, 20.0, 1.0, 0.05, key="sim.builder.c_rate")
            if kind == "CC discharge":
                text = f"Discharge at {rate:g}C until {v_lo:g} V"
            elif kind == "CCCV charge":
                text = cccv_charge(rate, v_hi, 0.02)
            elif kind == "Rest":
                minutes = st.number_input("Minutes", 1.0, 10000.0, 60.0, key="sim.builder.rest_min")
                text = f"Rest for {minutes:g} minutes"
            elif kind == "GITT":
                pulses = st.number_input("Pulses", 1, 200, 20, key="sim.builder.pulses")
                text = gitt(rate, 600.0, 3600.0, int(pulses), cutoff_V=v_lo)
            elif kind == "HPPC":
                text = hppc(pulse_c_rate=rate, lower_V=v_lo, upper_V=v_hi)
            else:
                cycles = available_drive_cycles()
                name = st.selectbox("Drive cycle", cycles, key="sim.builder.drive_cycle") if cycles else None
                text = f"Run {name} until {v_lo:g} V" if name else ""
            st.code("\n".join(text) if isinstance(text, list) else text, language=None)
            st.button(
                "Append to protocol", key="sim.builder.add", on_click=_append, args=(text,), disabled=not text
            )
        experiment_text = st.text_area("Experiment", height=140, key="sim.experiment")

    c1, c2, c3, c4 = st.columns(4)
    ambient_K = ZERO_C_K + c1.number_input(
        "Ambient temperature [°C]",
        -40.0,
        80.0,
        float(params.get("Ambient temperature [K]", 298.15)) - ZERO_C_K,
        0.5,
        key=f"sim.temperature_C.{params.name}",
    )
    thermal = c2.selectbox("Thermal", ["isothermal", "lumped"], key="sim.thermal")
    use_soc = c3.checkbox("Set initial SOC", key="sim.use_soc")
    initial_soc = (
        c3.slider("Initial SOC [%]", 0, 100, 100, key="sim.initial_soc", disabled=not use_soc) / 100.0
    )
    v_min = c4.number_input("Lower cut-off [V]", 0.5, 5.0, v_lo, 0.05, key=f"sim.v_min.{params.name}")
    v_max = c4.number_input("Upper cut-off [V]", 0.5, 5.0, v_hi, 0.05, key=f"sim.v_max.{params.name}")
    with st.expander("Mesh (finite volumes per domain)"):
        mesh_cols = st.columns(len(MESH_KEYS))
        mesh = {
            key: int(col.number_input(key, 2, 200, 20, key=f"sim.mesh.{key}"))
            for key, col in zip(MESH_KEYS, mesh_cols, strict=True)
        }
    grading, grading_error = {}, None
    with st.expander("Electrode grading"):
        st.caption(
            "Vary porosity, active material and particle size through an electrode's thickness. "
            "The DFN resolves it along x; SPM and SPMe use x-averaged values."
        )
        g1, g2 = st.columns(2)
        for column, electrode in ((g1, "negative"), (g2, "positive")):
            with column:
                try:
                    entry = _grading_widgets(params, electrode)
                except svc.LayerError as exc:
                    grading_error = str(exc)
                else:
                    if entry is not None:
                        grading[electrode] = entry
        graded_params = None
        if grading_error is None and grading:
            try:
                graded_params = svc.apply_electrode_grading(params, grading)
            except (svc.LayerError, ValueError) as exc:
                grading_error = str(exc)
        if grading_error is not None:
            st.error(f"Electrode grading: {grading_error}")
        elif graded_params is not None:
            st.plotly_chart(_grading_preview(graded_params), width="stretch", key="sim.grading.preview")
        else:
            st.caption("Both electrodes are uniform.")
    if grading and grading_error is None and model in ("spm", "spme"):
        st.caption(
            f"{MODELS[model]} uses the x-averaged porosity, active material fraction and particle radius "
            "of a graded electrode; choose the DFN to resolve the grading."
        )
    elif grading_error is not None:
        st.error(f"Fix the electrode grading before running: {grading_error}")

    o1, o2 = st.columns([1, 3])
    output_period_s = o1.number_input(
        "Output every [s] (0: solver steps)",
        0.0,
        3600.0,
        10.0,
        1.0,
        key="sim.output_period_s",
        help="Dense output shows fast relaxations after a step change; raise it for long cycling runs.",
    )
    run_name = o2.text_input("Run name (optional)", key="sim.name")
    remember(value_keys("sim.", exclude=("sim.builder.add", "sim.run", "sim.compare", "sim.refresh", "sim.cache",
                                         "sim.overlay", "sim.runs_table", "sim.plot.*", "sim.grading.preview",
                                         "sim.export.*", "sim.rmse*", "sim.profile*", "sim.dataset*")))

    options = {
        "ambient_temperature_K": ambient_K,
        "thermal": thermal,
        "mesh": mesh,
        "initial_soc": initial_soc if use_soc else None,
        "output_period_s": output_period_s or None,
    }
    updates = {"Lower voltage cut-off [V]": v_min, "Upper voltage cut-off [V]": v_max}
    b1, b2 = st.columns(2)
    blocked = not ctx.can_write or grading_error is not None
    run_one = b1.button("Run", type="primary", key="sim.run", disabled=blocked)
    run_all = b2.button("Run SPM, SPMe and DFN", key="sim.compare", disabled=blocked)
    if not ctx.can_write:
        st.caption(f"Read-only: running and saving needs the editor role (yours: {ctx.role or 'none'}).")

    if run_one or run_all:
        experiment = [line.strip() for line in experiment_text.splitlines() if line.strip()]
        queued, runner = [], None
        try:
            runner = get_job_runner()
            for m in ["spm", "spme", "dfn"] if run_all else [model]:
                inputs = svc.make_inputs(
                    m,
                    parameter_spec,
                    experiment,
                    options=options,
                    parameter_updates=updates,
                    electrode_grading=grading,
                )
                with ctx.session() as session:
                    row = svc.submit_simulation(
                        session,
                        ctx.user,
                        project.id,
                        inputs=inputs,
                        runner=runner,
                        name=f"{run_name} ({m.upper()})" if run_name and run_all else run_name,
                        cell_design_id=cell_design_id,
                    )
                    queued.append(row.id)
        except (ProtocolError, SimulationError, ValueError) as exc:
            st.error(str(exc))
        if queued:
            st.session_state["sim.pending"] = [*st.session_state.get("sim.pending", []), *queued]
            st.session_state["sim.select_when_done"] = queued
    _follow_queued_runs(ctx, project.id)

# -------------------------------------------------------------------------------------------- results
with results_tab:
    with ctx.session() as session:  # each run as it stands, derived from its job: nothing to collect
        rows = svc.list_simulations(session, ctx.user, project.id)
    if any(r.status not in svc.FINISHED_STATES for r in rows) and st.button("Refresh", key="sim.refresh"):
        st.rerun()
    finished = {r.id: r for r in rows if r.result_artifact_id is not None}
    completed = [i for i in finished if finished[i].status == "completed"]
    if not rows:
        st.info("No runs in this project yet: configure one and press Run.")
        st.stop()
    table = pd.DataFrame(
        [
            {
                "id": r.id,
                "name": r.name,
                "model": r.model_type,
                "parameter set": r.parameter_set_name,
                "grading": ", ".join(
                    f"{electrode} {entry.get('kind', '')}"
                    for electrode, entry in ((r.inputs or {}).get("electrode_grading") or {}).items()
                ),
                "status": r.status,
                "progress": f"{100 * float(r.progress or 0):.0f} %" if r.status == "running" else "",
                "termination": r.error or r.termination or "",
                "capacity [A.h]": (r.summary or {}).get("discharge_capacity_Ah"),
                "end voltage [V]": (r.summary or {}).get("end_voltage_V"),
                "runtime [s]": r.runtime_seconds,
            }
            for r in rows
        ]
    )
    st.dataframe(table, hide_index=True, width="stretch", key="sim.runs_table")
    if not finished:
        st.info("No finished run yet.")
        st.stop()

    # new runs are selected once finished, if they completed; a failed run's points can be looked at
    # when the user picks it, but it is never selected as if it were a result
    states = {r.id: r.status for r in rows}
    new_runs = list(st.session_state.get("sim.select_when_done") or [])
    chosen = []
    if new_runs and all(states.get(i, "failed") in svc.FINISHED_STATES for i in new_runs):
        st.session_state.pop("sim.select_when_done")
        chosen = [i for i in new_runs if i in completed]
    current = [i for i in st.session_state.get("sim.overlay", []) if i in finished]
    st.session_state["sim.overlay"] = chosen or current or completed[:1]
    if not completed:
        st.info("No completed run yet: the runs above failed (see why in the table).")
    selected = st.multiselect(
        "Runs to overlay",
        list(finished),
        format_func=lambda i: f"#{i} {finished[i].name}"
        + ("" if finished[i].status == "completed" else f" ({finished[i].status})"),
        key="sim.overlay",
    )
    if not selected:
        st.info("Pick at least one run.")
        st.stop()
    with st.expander("Inputs of the selected runs"):
        for sim_id in selected:
            inputs = finished[sim_id].inputs or {}
            st.markdown(f"**#{sim_id} {finished[sim_id].name}**")
            try:
                st.text(svc.describe_electrode_grading(inputs.get("electrode_grading")))
            except svc.LayerError as exc:
                st.warning(f"Stored electrode grading cannot be read: {exc}")
            st.json(inputs, expanded=False)
    # the results of the selected runs only (bounded by the selection; not deep-copied on every widget)
    cache = session_cache("sim.cache")
    for stale in [k for k in cache if k not in selected]:
        del cache[stale]
    with ctx.session() as session:
        for sim_id in selected:
            if sim_id not in cache:
                try:
                    cache[sim_id] = svc.load_result(session, ctx.user, sim_id)
                except Exception as exc:  # a damaged or missing artifact must not take the page down
                    st.warning(f"#{sim_id}: its result cannot be read ({exc}).")
    results = {f"#{i} {finished[i].name}": cache[i] for i in selected if i in cache}
    if not results:
        st.stop()
    for label, result in results.items():
        if result.failed:
            st.warning(f"{label}: {result.termination}")

    by_time, by_capacity = go.Figure(), go.Figure()
    for label, result in results.items():
        by_time.add_trace(go.Scatter(x=result[bdf.TEST_TIME] / 3600.0, y=result[bdf.VOLTAGE], name=label))
        if bdf.DISCHARGING_CAPACITY in result:
            by_capacity.add_trace(
                go.Scatter(x=result[bdf.DISCHARGING_CAPACITY], y=result[bdf.VOLTAGE], name=label)
            )

    with ctx.session() as session:
        datasets = {
            d.id: d.name or d.cell_id_label or f"dataset {d.id}"
            for d in svc.list_cycling_datasets(session, ctx.user, project.id)
        }
    measured = None
    if datasets:
        dataset_id = st.selectbox(
            "Overlay a measured dataset",
            [None, *datasets],
            format_func=lambda i: "none" if i is None else datasets[i],
            key="sim.dataset",
        )
        if dataset_id is not None:
            with ctx.session() as session:
                measured = svc.load_measured_frame(session, ctx.user, dataset_id)
            cycles = (
                sorted(int(c) for c in measured[bdf.CYCLE].unique()) if bdf.CYCLE in measured.columns else []
            )
            cycle = st.selectbox(
                "Measured cycle (time and capacity restart at its start)",
                [None, *cycles],
                format_func=lambda c: "all" if c is None else f"cycle {c}",
                key="sim.dataset_cycle",
            )
            measured = measured_segment(measured, cycle)
            by_time.add_trace(
                go.Scatter(
                    x=measured[bdf.TEST_TIME] / 3600.0,
                    y=measured[bdf.VOLTAGE],
                    name=f"measured: {datasets[dataset_id]}",
                    line={"dash": "dot", "color": "black"},
                )
            )
            if bdf.DISCHARGING_CAPACITY in measured.columns:
                by_capacity.add_trace(
                    go.Scatter(
                        x=measured[bdf.DISCHARGING_CAPACITY],
                        y=measured[bdf.VOLTAGE],
                        name="measured",
                        line={"dash": "dot", "color": "black"},
                    )
                )
    else:
        st.caption(
            "No parsed cycling dataset in this project yet: import one on the Cycling Data page to overlay it."
        )

    by_time.update_layout(xaxis_title="Time [h]", yaxis_title="Voltage [V]", height=420, margin={"t": 30})
    by_capacity.update_layout(
        xaxis_title="Discharged capacity [A.h]", yaxis_title="Voltage [V]", height=420, margin={"t": 30}
    )
    p1, p2 = st.columns(2)
    p1.plotly_chart(by_time, width="stretch", key="sim.plot.time")
    p2.plotly_chart(by_capacity, width="stretch", key="sim.plot.capacity")

    if len(results) > 1:
        matrix = rmse_matrix_V(results)
        st.markdown("**Voltage RMSE between runs [mV]** (over the common time window)")
        st.dataframe(
            pd.DataFrame(matrix).map(lambda v: v * 1e3).round(2), width="stretch", key="sim.rmse_table"
        )
    if measured is not None:
        st.markdown("**Voltage RMSE against the measured curve [mV]**")
        st.dataframe(
            pd.DataFrame(
                {
                    "run": list(results),
                    "RMSE [mV]": [
                        1e3
                        * voltage_rmse_V(
                            measured[bdf.TEST_TIME], measured[bdf.VOLTAGE], r[bdf.TEST_TIME], r[bdf.VOLTAGE]
                        )
                        for r in results.values()
                    ],
                }
            ),
            hide_index=True,
            key="sim.rmse_measured",
        )

    st.subheader("Spatial profiles")
    profile_label = st.selectbox("Run", list(results), key="sim.profile_run")
    profile_result = results[profile_label]
    names = profile_variables(profile_result)
    if not names or profile_result[bdf.TEST_TIME].size < 2:
        st.info("This run has no spatial profiles over time (it has fewer than two output points).")
    else:
        var = st.selectbox("Variable", names, key="sim.profile_var")
        times = profile_result.time_s
        k = st.slider("Time step", 0, len(times) - 1, len(times) // 2, key="sim.profile_t")
        x, values, t_used = spatial_profile(profile_result, var, float(times[k]))
        radial = "particle concentration" in var
        scale, unit = (1e6, "µm")
        fig = go.Figure(go.Scatter(x=x * scale, y=values, mode="lines+markers", name=f"t = {t_used:.0f} s"))
        if st.checkbox("Animate over time", key="sim.profile_animate"):
            frames_idx = np.unique(np.linspace(0, len(times) - 1, 40).astype(int))
            frames = [
                go.Frame(
                    data=[
                        go.Scatter(x=x * scale, y=spatial_profile(profile_result, var, float(times[j]))[1])
                    ],
                    name=f"{times[j]:.0f}",
                )
                for j in frames_idx
            ]
            fig.frames = frames
            all_values = np.asarray(profile_result[var])
            fig.update_layout(
                yaxis_range=[float(np.nanmin(all_values)), float(np.nanmax(all_values))],
                updatemenus=[
                    {"type": "buttons", "buttons": [{"label": "Play", "method": "animate", "args": [None]}]}
                ],
                sliders=[
                    {
                        "steps": [
                            {"label": f.name, "method": "animate", "args": [[f.name], {"mode": "immediate"}]}
                            for f in frames
                        ],
                        "currentvalue": {"prefix": "t [s] = "},
                    }
                ],
            )
        fig.update_layout(
            xaxis_title=("r" if radial else "x from the negative current collector") + f" [{unit}]",
            yaxis_title=var,
            height=420,
            margin={"t": 30},
            title=f"t = {t_used:.0f} s",
        )
        st.plotly_chart(fig, width="stretch", key="sim.plot.profile")

    st.subheader("Export")
    export_cols = st.columns(len(EXPORT_FORMATS))
    for col, fmt in zip(export_cols, EXPORT_FORMATS.values(), strict=True):
        col.download_button(
            f"{fmt.name.upper()}",
            data=partial(result_to_bytes, profile_result, fmt.name),  # built only when clicked
            file_name=f"simulation{fmt.extensions[0]}",
            mime=fmt.media_type,
            key=f"sim.export.{fmt.name}",
            help="BDF time series only" if not fmt.full else "Time series, profiles, mesh and info",
        )
