"""Simulation workspace: configure a run, solve it with live progress, compare runs, profiles, export."""

import time
from functools import partial

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from solvers import bdf
from solvers.export import FORMATS, result_to_bytes
from solvers.protocol import ProtocolError, cccv_charge, gitt, hppc
from voltvault_core import simulation_service as svc
from voltvault_core.simulation import (
    MESH_KEYS,
    SimulationError,
    available_drive_cycles,
    available_parameter_sets,
    measured_segment,
    profile_variables,
    resolve_parameter_set,
    rmse_matrix_V,
    spatial_profile,
    voltage_rmse_V,
)
from voltvault_core.ui import get_job_runner, page_setup

MODELS = {"spm": "SPM (single particle)", "spme": "SPMe (with electrolyte)", "dfn": "DFN / P2D (Newman)"}
ZERO_C_K = 273.15

ctx = page_setup("Simulation", ":material/bolt:")
project = ctx.require_project()
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

    options = {
        "ambient_temperature_K": ambient_K,
        "thermal": thermal,
        "mesh": mesh,
        "initial_soc": initial_soc if use_soc else None,
        "output_period_s": output_period_s or None,
    }
    updates = {"Lower voltage cut-off [V]": v_min, "Upper voltage cut-off [V]": v_max}
    b1, b2 = st.columns(2)
    run_one = b1.button("Run", type="primary", key="sim.run", disabled=not ctx.can_write)
    run_all = b2.button("Run SPM, SPMe and DFN", key="sim.compare", disabled=not ctx.can_write)
    if not ctx.can_write:
        st.caption(f"Read-only: running and saving needs the editor role (yours: {ctx.role or 'none'}).")

    if run_one or run_all:
        experiment = [line.strip() for line in experiment_text.splitlines() if line.strip()]
        queued, runner = [], None
        try:
            runner = get_job_runner()
            for m in ["spm", "spme", "dfn"] if run_all else [model]:
                inputs = svc.make_inputs(
                    m, parameter_spec, experiment, options=options, parameter_updates=updates
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
        bar = st.progress(0.0, text="Queued")
        pending = list(queued)
        while pending:
            fractions = []
            for sim_id in list(pending):
                with ctx.session() as session:
                    row = svc.collect_simulation(session, ctx.user, sim_id, runner=runner)
                    status, fraction = row.status, row.progress
                fractions.append(fraction)
                if status in ("completed", "failed", "cancelled"):
                    pending.remove(sim_id)
            done = len(queued) - len(pending)
            bar.progress(
                min(1.0, (done + sum(f for f in fractions if f < 1)) / max(len(queued), 1)),
                text=f"Solving: {done} of {len(queued)} finished",
            )
            if pending:
                time.sleep(0.3)
        if queued:
            bar.progress(1.0, text="Done — see the Results tab")
            st.session_state["sim.overlay"] = queued

# -------------------------------------------------------------------------------------------- results
with results_tab:
    with ctx.session() as session:
        rows = svc.list_simulations(session, ctx.user, project.id)
    unfinished = [r.id for r in rows if r.status in ("queued", "running") and r.job_id is not None]
    if unfinished and ctx.can_write:  # runs left behind by an interrupted page: bring them up to date
        runner = get_job_runner()
        with ctx.session() as session:
            for sim_id in unfinished:
                svc.collect_simulation(session, ctx.user, sim_id, runner=runner)
            rows = svc.list_simulations(session, ctx.user, project.id)
        if st.button("Refresh", key="sim.refresh"):
            st.rerun()
    finished = {r.id: r for r in rows if r.result_artifact_id is not None}
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
                "status": r.status,
                "termination": r.termination or r.error or "",
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

    default = [i for i in st.session_state.get("sim.overlay", []) if i in finished] or [next(iter(finished))]
    st.session_state["sim.overlay"] = default
    selected = st.multiselect(
        "Runs to overlay", list(finished), format_func=lambda i: f"#{i} {finished[i].name}", key="sim.overlay"
    )
    if not selected:
        st.info("Pick at least one run.")
        st.stop()
    cache = st.session_state.setdefault("sim.cache", {})
    with ctx.session() as session:
        for sim_id in selected:
            if sim_id not in cache:
                cache[sim_id] = svc.load_result(session, ctx.user, sim_id)
    results = {f"#{i} {finished[i].name}": cache[i] for i in selected}
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
    if not names or profile_result[bdf.TEST_TIME].size == 0:
        st.info("This run has no spatial profiles.")
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
    export_cols = st.columns(len(FORMATS))
    for col, fmt in zip(export_cols, FORMATS.values(), strict=True):
        col.download_button(
            f"{fmt.name.upper()}",
            data=partial(result_to_bytes, profile_result, fmt.name),  # built only when clicked
            file_name=f"simulation{fmt.extensions[0]}",
            mime=fmt.media_type,
            key=f"sim.export.{fmt.name}",
            help="BDF time series only" if not fmt.full else "Time series, profiles, mesh and info",
        )
