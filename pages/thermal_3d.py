"""Thermal 3D: a cell in 3D (pouch, cylindrical, prismatic), heat from the electrochemistry, cooling per
face, then volume, slices, point histories, collector current density, VTK export and abuse tests."""

import pandas as pd
import streamlit as st

from voltvault_core.simulation import service as sim_svc
from voltvault_core.simulation import available_parameter_sets
from voltvault_core.thermal import plots
from voltvault_core.thermal.demo import EXAMPLE, example_pack
from voltvault_core.thermal.export import vtk_bytes
from voltvault_core.thermal.jobs import JOB_LIMITS
from voltvault_core.thermal.model import CYLINDRICAL_SIZES_M, GEOMETRIES, build_cell_grid, default_boundaries
from voltvault_core.thermal.service import load_design_for
from voltvault_core.ui import get_job_runner, page_setup
from voltvault_core.ui.jobs import follow_job

ZERO_C_K = 273.15
KINDS = ["convection", "cold_plate", "fixed", "adiabatic"]

ctx = page_setup("Thermal 3D", ":material/thermostat:")
project = ctx.require_project()
st.title("Thermal 3D")
st.caption("Anisotropic conduction through the layer stack, heat from SPM/SPMe/DFN and the current collectors, "
           "per-face cooling, runaway onset.")  # fmt: skip

with ctx.session() as session:
    designs = {d.id: d.name for d in sim_svc.list_cell_designs(session, ctx.user, project.id)}

left, right = st.columns(2)
with left:
    source = st.radio("Cell", ["Parameter set", "Saved cell design"], horizontal=True, key="t3d.source")
    size, dims = None, {}
    if source == "Saved cell design" and designs:
        design_id = st.selectbox("Cell design", list(designs), format_func=designs.get, key="t3d.design")
        with ctx.session() as session:
            parameters, geometry, size, dims = load_design_for(session, ctx.user, design_id)
        st.caption(f"Format from the design: {geometry}" + (f" {size}" if size else ""))
    else:
        if source == "Saved cell design":
            st.info("No saved cell design in this project yet: save one from the Cell Designer, or pick a set.")
        names = available_parameter_sets()
        parameters = st.selectbox("Parameter set", names, index=names.index("Chen2020"), key="t3d.set")
        geometry = st.selectbox("Geometry", GEOMETRIES, index=1, key="t3d.geometry")
        if geometry == "cylindrical":
            size = st.selectbox("Format", list(CYLINDRICAL_SIZES_M), index=1, key="t3d.size")
    model = st.selectbox("Model", ["spm", "spme", "dfn"], index=1, key="t3d.model")
    experiment = st.text_input("Experiment", "Discharge at 1C until 2.5 V", key="t3d.experiment")
with right:
    cells = st.select_slider("Finite volumes", [500, 1000, 2000, 5000, 10000, 20000, 50000], 2000, key="t3d.cells")
    coupling = st.radio("Coupling", ["two-way", "one-way"], horizontal=True, key="t3d.coupling")
    tabs = st.selectbox("Tabs (collector Joule heating)", ["single", "dual", "multi", "tabless", "none"],
                        key="t3d.tabs")  # fmt: skip
    h = st.number_input("Convection h [W/m²K]", 0.0, 5000.0, 10.0, key="t3d.h")
    ambient_C = st.number_input("Ambient [°C]", -40.0, 80.0, 25.0, key="t3d.ambient")

st.subheader("Boundaries")
try:
    from voltvault_core.simulation import resolve_parameter_set

    ps = resolve_parameter_set(parameters)
    preview = build_cell_grid(ps, geometry, size=size, cells=64, dimensions_m=dims)
    faces = list(default_boundaries(preview, h, ambient_C + ZERO_C_K))
except ValueError as exc:
    st.error(str(exc))
    st.stop()
table = pd.DataFrame({"face": faces, "kind": "convection", "h [W/m²K]": h, "T [°C]": ambient_C})
edited = st.data_editor(table, key="t3d.boundaries", hide_index=True, disabled=["face"],
                        column_config={"kind": st.column_config.SelectboxColumn(options=KINDS)})  # fmt: skip
boundaries = {row["face"]: {"kind": row["kind"], "h_W_m2_K": float(row["h [W/m²K]"]),
                            "temperature_K": float(row["T [°C]"]) + ZERO_C_K} for _, row in edited.iterrows()}  # fmt: skip

run_tab, abuse_tab = st.tabs(["Electro-thermal run", "Runaway onset (oven, ARC)"])


with run_tab:
    if st.button("Run", key="t3d.run", disabled=not ctx.can_write, type="primary"):
        options = {"model": model, "parameter_set": ps, "experiment": experiment, "geometry": geometry,
                   "size": size, "dimensions_m": dims, "cells": int(cells), "h_W_m2_K": h,
                   "ambient_temperature_K": ambient_C + ZERO_C_K, "boundaries": boundaries, "coupling": coupling,
                   "tab_layout": None if tabs == "none" else tabs, "collector_heating": tabs != "none"}  # fmt: skip
        runner = get_job_runner()
        job = runner.submit("voltvault_core.thermal.jobs:thermal_run", {"options": options}, kind="thermal-run",
                            project_id=project.id, user_id=ctx.user.id if ctx.user else None,
                            **JOB_LIMITS)  # fmt: skip
        st.session_state["t3d.job"] = job
    pack = follow_job("t3d.job", ctx.engine, label="3D thermal run")
    if pack is None and not ctx.can_write:
        st.info(EXAMPLE["title"])
        pack = st.cache_data(show_spinner="Computing the example")(example_pack)()
    if pack:
        s = pack["summary"]
        c = st.columns(4)
        c[0].metric("Mean at end", f"{s['T_mean_end_K'] - ZERO_C_K:.2f} °C")
        c[1].metric("Max at end", f"{s['T_max_end_K'] - ZERO_C_K:.2f} °C")
        c[2].metric("Spread", f"{s['T_max_end_K'] - s['T_min_end_K']:.2f} K")
        c[3].metric("Energy balance", f"{100 * abs(s['energy_imbalance']):.2g} %")
        st.caption(f"{s['cells']} finite volumes · heat from {s['heat_source']} · {s['coupling']} · "
                   f"{s['wall_s']:.1f} s")  # fmt: skip
        frame = st.slider("Frame", 0, len(pack["frame_time_s"]) - 1, len(pack["frame_time_s"]) - 1, key="t3d.frame")
        st.plotly_chart(plots.volume_figure(pack, frame), key="t3d.volume")
        a1, a2 = st.columns(2)
        axis = a1.radio("Slice normal", ["x", "y", "z"], index=2, horizontal=True, key="t3d.axis")
        position = a2.slider("Slice position", 0.0, 1.0, 0.5, key="t3d.position")
        st.plotly_chart(plots.slice_figure(pack, axis, position), key="t3d.slice")
        st.plotly_chart(plots.history_figure(pack), key="t3d.history")
        for polarity, sheet in pack.get("collector", {}).items():
            st.plotly_chart(plots.current_density_figure(sheet, f"{polarity.capitalize()} collector"),
                            key=f"t3d.cc.{polarity}")  # fmt: skip
        st.download_button("Download .vtu (ParaView)", vtk_bytes(pack, ".vtu"), "thermal.vtu", key="t3d.vtu")

with abuse_tab:
    protocol = st.radio("Protocol", ["oven", "arc"], horizontal=True, key="t3d.protocol")
    oven_C = st.number_input("Oven temperature [°C]", 60.0, 300.0, 155.0, key="t3d.oven")
    if st.button("Run abuse test", key="t3d.abuse", disabled=not ctx.can_write):
        runner = get_job_runner()
        job = runner.submit("voltvault_core.thermal.jobs:abuse_run",
                            {"parameters": ps, "geometry": geometry, "protocol": protocol, "size": size,
                             "dimensions_m": dims, "cells": 600, "oven_temperature_K": oven_C + ZERO_C_K},
                            kind="thermal-abuse", project_id=project.id,
                            user_id=ctx.user.id if ctx.user else None, **JOB_LIMITS)  # fmt: skip
        st.session_state["t3d.abuse_job"] = job
    result = follow_job("t3d.abuse_job", ctx.engine, label=f"{protocol} test")
    if result:
        s = result["summary"]
        onset = s.get("onset_temperature_K")
        st.metric("Onset (self-heating > 0.02 K/min)", "none" if onset is None else
                  f"{onset - ZERO_C_K:.1f} °C after {s['onset_time_s'] / 60:.0f} min")  # fmt: skip
        st.caption(f"{100 * s['flagged_fraction']:.0f} % of the cell passed {s['flag_temperature_K'] - ZERO_C_K:.0f} °C "
                   "(SEI decomposition onset, Spotnitz & Franklin 2003)")  # fmt: skip
        st.plotly_chart(plots.abuse_figure(result), key="t3d.abuse_fig")
