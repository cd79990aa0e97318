"""Cell Designer: materials selector, drawn electrode stack, live metrics, recipe editor with cost, toolbar."""

import json

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from voltvault_core.design import service as designs
from voltvault_core.design.balance import balance_design
from voltvault_core.design.cost import compute_cost
from voltvault_core.design.examples import lg_m50
from voltvault_core.design.export import design_to_json, import_design_json, parameter_set_to_design
from voltvault_core.design.formats import CYLINDRICAL_SIZES_M
from voltvault_core.design.metrics import compute_metrics, np_ratio_note
from voltvault_core.design.model import CellDesign, DesignError, ElectrodeLayer, Geometry
from voltvault_core.design.stack import stack_layers
from voltvault_core.materials import load_library
from voltvault_core.materials.service import materials_for_org, search_materials
from voltvault_core.simulation import SimulationError, available_parameter_sets, resolve_parameter_set
from voltvault_core.ui import get_job_runner, page_setup, show_error
from voltvault_core.ui.inputs import BoundedInputs
from voltvault_core.ui.state import remember, restore, session_cache, session_keys

UM = 1e-6
LAYER_COLOURS = {
    "positive collector": "#b0b7c3",
    "positive coating": "#2f6db5",
    "separator": "#f2d16b",
    "negative coating": "#3b3b3b",
    "negative collector": "#c77b30",
}

ctx = page_setup("Cell Designer", ":material/stacks:")
project = ctx.require_project()
library = load_library()
with ctx.session() as session:
    custom = materials_for_org(session, project.org_id)
    saved = {row.id: row.name for row in designs.list_designs(session, ctx.user, project.id)}


def ids_of(material_type: str) -> list[str]:
    found = [m.id for m in library.search(material_type=material_type)]
    return found + [k for k, m in custom.items() if m.type == material_type]


def name_of(material_id: str) -> str:
    m = custom.get(material_id) or library.get(material_id)
    return f"{m.name}{' (custom)' if material_id in custom else ''}" if m else material_id


# ------------------------------------------------------------------------------- state <-> widgets
def load_into_widgets(d: CellDesign) -> None:
    """Put a design into the widgets' session state (SI -> display units)."""
    s = st.session_state
    s["design.name"] = d.name
    computed = compute_metrics(d, custom)
    for side, layer in (("pos", d.positive), ("neg", d.negative)):
        m = computed.positive if side == "pos" else computed.negative
        s[f"design.{side}_material"] = layer.active_material
        s[f"design.{side}_thickness_um"] = round(layer.thickness_m / UM, 2)
        s[f"design.{side}_porosity"] = round(m.porosity, 4)
        s[f"design.{side}_active_pct"] = round(layer.active_mass_fraction * 100, 2)
        s[f"design.{side}_binder_pct"] = round(layer.binder_mass_fraction * 100, 2)
        s[f"design.{side}_additive_pct"] = round(layer.additive_mass_fraction * 100, 2)
        s[f"design.{side}_binder"] = layer.binder
        s[f"design.{side}_additive"] = layer.additive
    s["design.separator"] = d.separator
    s["design.electrolyte"] = d.electrolyte
    s["design.fill_factor"] = d.electrolyte_fill_factor
    s["design.v_min"] = d.lower_voltage_V
    s["design.v_max"] = d.upper_voltage_V
    g = d.geometry
    s["design.format"] = g.format
    s["design.size"] = g.size if g.size in CYLINDRICAL_SIZES_M else "custom"
    s["design.electrode_height_mm"] = round(g.electrode_height_m * 1e3, 3)
    s["design.electrode_width_mm"] = round(g.electrode_width_m * 1e3, 3)
    s["design.n_layers"] = int(g.n_layers)
    s["design.winding_length_mm"] = round((g.winding_length_m or 0.0) * 1e3, 2)
    s["design.outer_w_mm"] = round((g.outer_width_m or 0.0) * 1e3, 2)
    s["design.outer_h_mm"] = round((g.outer_height_m or 0.0) * 1e3, 2)
    s["design.outer_t_mm"] = round((g.outer_thickness_m or 0.0) * 1e3, 2)
    s["design.doc"] = d.to_dict()


def design_from_widgets() -> CellDesign:
    s = st.session_state
    base = CellDesign.from_dict(s["design.doc"])
    layers = {}
    for side in ("pos", "neg"):
        layers[side] = ElectrodeLayer(
            s[f"design.{side}_material"],
            s[f"design.{side}_thickness_um"] * UM,
            porosity=s[f"design.{side}_porosity"],
            active_mass_fraction=s[f"design.{side}_active_pct"] / 100,
            binder_mass_fraction=s[f"design.{side}_binder_pct"] / 100,
            additive_mass_fraction=s[f"design.{side}_additive_pct"] / 100,
            binder=s[f"design.{side}_binder"],
            additive=s[f"design.{side}_additive"],
        )
    fmt = s["design.format"]
    wound = fmt in ("cylindrical", "prismatic") and s["design.winding_length_mm"] > 0
    geometry = Geometry(
        format=fmt,
        size=s["design.size"] if fmt == "cylindrical" else "custom",
        electrode_height_m=s["design.electrode_height_mm"] * 1e-3,
        electrode_width_m=s["design.electrode_width_mm"] * 1e-3,
        n_layers=int(s["design.n_layers"]),
        winding_length_m=s["design.winding_length_mm"] * 1e-3 if wound else None,
        outer_width_m=(s["design.outer_w_mm"] * 1e-3 or None) if fmt != "cylindrical" else None,
        outer_height_m=(s["design.outer_h_mm"] * 1e-3 or None) if fmt != "cylindrical" else None,
        outer_thickness_m=(s["design.outer_t_mm"] * 1e-3 or None) if fmt != "cylindrical" else None,
    )
    return base.copy(
        name=s["design.name"],
        positive=layers["pos"],
        negative=layers["neg"],
        separator=s["design.separator"],
        electrolyte=s["design.electrolyte"],
        electrolyte_fill_factor=s["design.fill_factor"],
        lower_voltage_V=s["design.v_min"],
        upper_voltage_V=s["design.v_max"],
        geometry=geometry,
        housing=None,
        separator_thickness_m=base.separator_thickness_m if s["design.separator"] == base.separator else None,
        separator_porosity=base.separator_porosity if s["design.separator"] == base.separator else None,
    )


# The recipe's widgets: Streamlit drops their state when another page is shown (or a widget is hidden by
# the format switch), so their values are kept apart and re-seeded before they are drawn again.
RECIPE_KEYS = tuple(
    [f"design.{side}_{field}" for side in ("pos", "neg") for field in (
        "material", "thickness_um", "porosity", "active_pct", "binder_pct", "additive_pct", "binder", "additive")]
    + [f"design.{field}" for field in (
        "name", "separator", "electrolyte", "fill_factor", "v_min", "v_max", "format", "size", "electrode_height_mm",
        "electrode_width_mm", "n_layers", "winding_length_mm", "outer_w_mm", "outer_h_mm", "outer_t_mm")]
)
DESIGN_KEYS = (*RECIPE_KEYS, *(f"design.{field}" for field in (
    "start_from", "material_search", "material_type", "material_detail", "ragone_model")))
restore(DESIGN_KEYS)
present = session_keys()
if "design.pending" in present:  # a design chosen by a button: loaded before the widgets exist
    load_into_widgets(CellDesign.from_dict(st.session_state.pop("design.pending")))
elif "design.doc" not in present or any(key not in present for key in RECIPE_KEYS):
    load_into_widgets(CellDesign.from_dict(st.session_state["design.doc"]) if "design.doc" in present
                      else lg_m50())

st.title("Cell Designer")
st.caption(f"Project: {project.name} · materials with cited values, metrics recomputed on every change")

# ------------------------------------------------------------------------------------- start from
with st.expander("Start from a reference design, a parameter set or a saved design", expanded=False):
    sources = ["LG M50 (Chen 2020)"] + [f"Parameter set: {n}" for n in available_parameter_sets()]
    sources += [f"Saved: {name} (#{rid})" for rid, name in saved.items()]
    choice = st.selectbox("Start from", sources, key="design.start_from")
    if st.button("Load", key="design.load"):
        try:
            if choice.startswith("Parameter set: "):
                loaded = parameter_set_to_design(resolve_parameter_set(choice.removeprefix("Parameter set: ")))
            elif choice.startswith("Saved: "):
                rid = int(choice.rsplit("#", 1)[1].rstrip(")"))
                with ctx.session() as session:
                    _, loaded = designs.load_design(session, ctx.user, rid)
                st.session_state["design.row_id"] = rid
            else:
                loaded = lg_m50()
            st.session_state["design.pending"] = loaded.to_dict()
            st.rerun()
        except (DesignError, KeyError) as exc:
            st.error(f"Cannot load {choice}: {exc}")
    upload = st.file_uploader(
        "…or import a design JSON or an exported parameter set JSON", type=["json"], key="design.import_file"
    )
    if upload is not None and st.button("Import", key="design.import"):
        try:
            st.session_state["design.pending"] = import_design_json(upload.getvalue()).to_dict()
            st.rerun()
        except (DesignError, SimulationError, ValueError, KeyError) as exc:
            st.error(f"Cannot import {upload.name}: {exc}")

# ---------------------------------------------------------------------------------------- layout
left, centre, right = st.columns([1.1, 1.6, 1.0])

with left:
    st.subheader("Materials")
    query = st.text_input(
        "Search materials", key="design.material_search", placeholder="e.g. nmc, graphite, LP57"
    )
    mtype = st.selectbox(
        "Type",
        ["all", "cathode", "anode", "electrolyte", "separator", "binder", "additive", "collector", "housing"],
        key="design.material_type",
    )
    with ctx.session() as session:
        hits = search_materials(session, ctx.user, query, None if mtype == "all" else mtype)
    table = pd.DataFrame(
        [
            {
                "id": h["id"],
                "name": h["name"],
                "type": h["type"],
                "verified": h["verified"],
                "estimates": ", ".join(h["estimated_properties"]),
            }
            for h in hits
        ]
    )
    st.dataframe(table, hide_index=True, height=240, key="design.material_table")
    st.selectbox(
        "Positive active material", ids_of("cathode"), format_func=name_of, key="design.pos_material"
    )
    st.selectbox("Negative active material", ids_of("anode"), format_func=name_of, key="design.neg_material")
    st.selectbox("Electrolyte", ids_of("electrolyte"), format_func=name_of, key="design.electrolyte")
    st.selectbox("Separator", ids_of("separator"), format_func=name_of, key="design.separator")
    shown = st.selectbox(
        "Show the sources of", [h["id"] for h in hits] or ["NMC811"], key="design.material_detail"
    )
    material = custom.get(shown) or library.get(shown)
    if material is not None:
        with st.expander(f"{material.name}: values and sources"):
            st.dataframe(
                pd.DataFrame(
                    [
                        {"property": k, "value": str(v.value), "source": v.source, "note": v.note}
                        for k, v in material.properties.items()
                    ]
                ),
                hide_index=True,
            )
            for line in material.citations:
                st.caption(line)

# ----------------------------------------------------------------------------------- recipe editor
st.divider()
st.subheader("Electrode recipe, geometry and cell")
bounded = BoundedInputs()
rec_pos, rec_neg, rec_cell = st.columns(3)
for column, side, label in ((rec_pos, "pos", "Positive electrode"), (rec_neg, "neg", "Negative electrode")):
    with column:
        st.markdown(f"**{label}** (per side of a double-coated foil)")
        bounded.number("Coating thickness [µm]", 1.0, 2000.0, step=1.0, where=label, key=f"design.{side}_thickness_um")
        bounded.number("Porosity [-]", 0.0, 0.95, step=0.01, format="%.3f", where=label, key=f"design.{side}_porosity")
        bounded.number("Active material [wt%]", 0.0, 100.0, step=0.5, where=label, key=f"design.{side}_active_pct")
        bounded.number("Binder [wt%]", 0.0, 100.0, step=0.5, where=label, key=f"design.{side}_binder_pct")
        st.selectbox("Binder", ids_of("binder"), format_func=name_of, key=f"design.{side}_binder")
        bounded.number("Conductive additive [wt%]", 0.0, 100.0, step=0.5, where=label, key=f"design.{side}_additive_pct")
        st.selectbox("Additive", ids_of("additive"), format_func=name_of, key=f"design.{side}_additive")
with rec_cell:
    st.markdown("**Cell**")
    st.text_input("Design name", key="design.name")
    fmt = st.selectbox("Format", ["cylindrical", "pouch", "prismatic"], key="design.format")
    if fmt == "cylindrical":
        st.selectbox("Size", [*CYLINDRICAL_SIZES_M, "custom"], key="design.size")
        bounded.number(
            "Winding length (coated cathode) [mm]", 0.0, 20000.0, step=10.0, key="design.winding_length_mm"
        )
    else:
        bounded.number("Sheet width [mm]", 1.0, 2000.0, step=1.0, key="design.electrode_width_mm")
        bounded.number("Cathode sheets (stacked)", 1, 500, step=1, key="design.n_layers")
        if fmt == "prismatic":
            bounded.number(
                "Winding length, 0 = stacked [mm]", 0.0, 50000.0, step=10.0, key="design.winding_length_mm"
            )
            bounded.number("Case width [mm]", 0.0, 1000.0, key="design.outer_w_mm")
            bounded.number("Case height [mm]", 0.0, 1000.0, key="design.outer_h_mm")
            bounded.number("Case thickness [mm]", 0.0, 500.0, key="design.outer_t_mm")
    bounded.number("Electrode (coated) height [mm]", 1.0, 2000.0, step=1.0, key="design.electrode_height_mm")
    bounded.number("Electrolyte fill factor [-]", 0.5, 3.0, step=0.05, key="design.fill_factor")
    bounded.number("Lower cut-off [V]", 0.0, 5.0, step=0.05, key="design.v_min")
    bounded.number("Upper cut-off [V]", 0.0, 5.5, step=0.05, key="design.v_max")

for problem in bounded.problems():
    st.error(f"{problem}: not applied. Enter a value in the range to update the design.")
remember(DESIGN_KEYS)
if bounded.problems():
    st.stop()  # the metrics of a design the user did not mean would mislead
try:
    design = design_from_widgets()
    metrics = compute_metrics(design, custom)
    cost = compute_cost(design, metrics, materials=custom)
    st.session_state["design.doc"] = design.to_dict()  # what a return to this page restores
except DesignError as exc:
    st.error(f"The design cannot be evaluated: {exc}")
    st.stop()

# ------------------------------------------------------------------------------------ stack drawing
with centre:
    st.subheader("Electrode stack (one repeating unit)")
    layers = stack_layers(design, custom)
    # shapes and annotations as plain dicts, validated once in one layout: adding them one by one
    # re-validated the whole list each time and took most of a designer edit (0.3 of 0.5 s)
    shapes, annotations = [], []
    x = 0.0
    for layer in layers:
        width = layer.thickness_m / UM
        shapes.append({"type": "rect", "x0": x, "x1": x + width, "y0": 0, "y1": 1,
                       "line": {"color": "white", "width": 1}, "fillcolor": LAYER_COLOURS[layer.role]})
        annotations.append({"x": x + width / 2, "y": 1.02, "text": f"{width:.1f} µm", "showarrow": False,
                            "textangle": -90, "yanchor": "bottom", "font": {"size": 10}})
        annotations.append({"x": x + width / 2, "y": 0.5, "text": layer.material_name.split(" (")[0],
                            "showarrow": False, "textangle": -90,
                            "font": {"size": 10, "color": "white" if "coating" in layer.role else "black"}})
        x += width
    fig = go.Figure(layout={
        "shapes": shapes, "annotations": annotations, "height": 380, "showlegend": False,
        "margin": {"l": 10, "r": 10, "t": 10, "b": 40},
        "xaxis": {"range": [0, x], "title": {"text": "through-thickness position [µm]"}},
        "yaxis": {"visible": False, "range": [0, 1.35]},
    })
    st.plotly_chart(fig, key="design.stack_plot")
    st.caption(
        "Al foil | cathode | separator | anode | Cu foil | anode | separator | cathode — "
        f"sandwich area {metrics.sandwich_area_m2:.4f} m², stack fill of the housing {metrics.stack_fill_fraction:.0%}"
    )

# ---------------------------------------------------------------------------------------- metrics
with right:
    st.subheader("Metrics")
    st.metric("Capacity", f"{metrics.capacity_Ah * 1000:,.0f} mAh")
    st.metric(
        "Nominal energy",
        f"{metrics.energy_Wh:.2f} Wh",
        help=f"at {metrics.nominal_voltage_V:.3f} V average OCV",
    )
    st.metric(
        "Specific energy",
        f"{metrics.specific_energy_Wh_kg:.0f} Wh/kg",
        help=f"cell mass {metrics.mass_kg * 1e3:.1f} g",
    )
    st.metric(
        "Energy density",
        f"{metrics.energy_density_Wh_L:.0f} Wh/L",
        help=f"outer volume {metrics.volume_m3 * 1e6:.2f} cm³",
    )
    st.metric(
        "N/P ratio",
        f"{metrics.np_ratio:.3f}",
        help=np_ratio_note(metrics),
    )
    st.metric(
        "Electrolyte",
        f"{metrics.electrolyte_volume_m3 * 1e6:.2f} mL",
        help=f"fill factor {metrics.electrolyte_fill_factor:.2f} of {metrics.pore_volume_m3 * 1e6:.2f} mL pores",
    )
    st.markdown(
        f"Loading + / −: **{metrics.positive.loading_kg_m2 * 100:.1f} / {metrics.negative.loading_kg_m2 * 100:.1f} mg/cm²**  \n"
        f"Areal capacity +: **{metrics.positive.areal_capacity_Ah_m2 / 10:.2f} mAh/cm²**  \n"
        f"Porosity + / −: **{metrics.positive.porosity:.3f} / {metrics.negative.porosity:.3f}**  \n"
        f"Electronic conductivity + / −: **{metrics.positive.electronic_conductivity_S_m:.3g} / "
        f"{metrics.negative.electronic_conductivity_S_m:.3g} S/m**  \n"
        f"Cost: **{cost.cost_USD_kWh:.0f} USD/kWh** ({cost.cost_USD:.2f} USD per cell)"
    )
    for warning in metrics.warnings:
        st.warning(warning)

# ------------------------------------------------------------------------------- cost and masses
cost_col, mass_col = st.columns(2)
with cost_col:
    st.markdown("**Cost breakdown** [USD/kWh]")
    per_kwh = cost.breakdown_USD_kWh(metrics.energy_Wh)
    fig = go.Figure(go.Bar(x=list(per_kwh.values()), y=list(per_kwh), orientation="h"))
    fig.update_layout(height=320, margin={"l": 10, "r": 10, "t": 10, "b": 30}, xaxis_title="USD/kWh")
    st.plotly_chart(fig, key="design.cost_plot")
    st.caption("Estimated (not quoted) prices: " + ", ".join(cost.estimated_prices))
with mass_col:
    st.markdown("**Mass breakdown** [g]")
    st.dataframe(
        pd.DataFrame(
            {
                "component": list(metrics.mass_breakdown_kg),
                "mass [g]": [v * 1e3 for v in metrics.mass_breakdown_kg.values()],
            }
        ),
        hide_index=True,
        key="design.mass_table",
    )

# --------------------------------------------------------------------------------------- balancing
with st.expander("Electrode balancing: size the negative electrode for an N/P ratio"):
    b1, b2, b3 = st.columns(3)
    np_target = b1.number_input("Target N/P", 0.8, 2.0, value=1.1, step=0.01, key="design.np_target")
    cap_target = b2.number_input(
        "Target capacity [Ah], 0 = keep the cathode",
        0.0,
        1000.0,
        value=0.0,
        step=0.1,
        key="design.capacity_target",
    )
    neg_eps = b3.number_input(
        "Negative porosity",
        0.05,
        0.8,
        value=round(metrics.negative.porosity, 3),
        step=0.01,
        key="design.balance_porosity",
    )
    try:
        balanced = balance_design(
            design,
            np_ratio=np_target,
            target_capacity_Ah=cap_target or None,
            negative_porosity=neg_eps,
            materials=custom,
        )
        st.write(
            f"Negative: **{balanced.negative_thickness_m / UM:.1f} µm**, "
            f"**{balanced.negative_loading_kg_m2 * 100:.2f} mg/cm²**, porosity {balanced.negative_porosity:.3f}; "
            f"positive {balanced.positive_thickness_m / UM:.1f} µm → {balanced.metrics.capacity_Ah:.3f} Ah"
        )
        if st.button("Apply to the design", key="design.apply_balance"):
            st.session_state["design.pending"] = balanced.design.to_dict()
            st.rerun()
    except DesignError as exc:
        st.error(str(exc))

# ------------------------------------------------------------------------------------------ toolbar
st.divider()
t1, t2, t3, t4, t5 = st.columns(5)
row_id = st.session_state.get("design.row_id")
if t1.button("Save design", disabled=not ctx.can_write, key="design.save"):
    with ctx.session() as session:
        row = designs.save_design(session, ctx.user, project.id, design, row_id)
        st.session_state["design.row_id"] = row.id
    st.success(f"Saved {design.name!r} (#{st.session_state['design.row_id']}).")
clone_name = t2.text_input(
    "Copy name", value=f"{design.name} (copy)", key="design.clone_name", label_visibility="collapsed"
)
if t2.button("Clone", disabled=not ctx.can_write or row_id is None, key="design.clone"):
    with ctx.session() as session:
        row = designs.clone_design(session, ctx.user, project.id, row_id, clone_name)
    st.success(f"Copied to {row.name!r} (#{row.id}).")
if t3.button(
    "Simulate",
    disabled=not ctx.can_write,
    key="design.simulate",
    help="saves the design; pick it on the Simulation page under 'Saved cell design'",
):
    with ctx.session() as session:
        row = designs.save_design(session, ctx.user, project.id, design, row_id)
        st.session_state["design.row_id"] = row.id
    if row.parameter_set is None:
        st.error(f"Saved, but it cannot be simulated: {row.calculated_metrics.get('export_error')}")
    else:
        st.page_link("pages/simulation.py", label="Open the Simulation page", icon=":material/bolt:")
ragone_model = t4.selectbox(
    "Ragone model", ["spme", "dfn"], key="design.ragone_model", label_visibility="collapsed"
)
run_ragone = t4.button("Ragone plot", key="design.ragone")
try:
    exported = json.dumps(design_to_json(design, custom))
    t5.download_button(
        "Export parameter set",
        exported,
        file_name=f"{design.name}.json",
        mime="application/json",
        key="design.export",
    )
except DesignError as exc:
    t5.caption(f"Not exportable: {exc}")
t5.download_button(
    "Download design",
    json.dumps(design.to_dict(), indent=2),
    file_name=f"{design.name}.design.json",
    mime="application/json",
    key="design.download_design",
)

if run_ragone:
    try:
        runner = get_job_runner()
        job_id = runner.submit(
            "voltvault_core.design.ragone:ragone_job",
            {"design": design.to_dict(), "model": ragone_model},
            kind="ragone",
            engine=ctx.engine,
            project_id=project.id,
            user_id=ctx.user.id if ctx.user else None,
        )
        with st.spinner(f"Simulating C/20 to 10C with {ragone_model.upper()} ..."):
            session_cache("design.ragone_result")["points"] = runner.result(job_id, timeout=600)
    except Exception as exc:  # a failed job is reported, the page stays usable
        show_error(exc, "The Ragone run")

points = session_cache("design.ragone_result").get("points")
if points:
    frame = pd.DataFrame(points)
    ok = frame["termination"].str.contains("until")
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=frame.loc[ok, "specific_power_W_kg"],
            y=frame.loc[ok, "specific_energy_Wh_kg"],
            mode="lines+markers",
            name="reached the cut-off",
            text=[f"{c:g}C" for c in frame.loc[ok, "c_rate"]],
        )
    )
    if (~ok).any():
        fig.add_trace(
            go.Scatter(
                x=frame.loc[~ok, "specific_power_W_kg"],
                y=frame.loc[~ok, "specific_energy_Wh_kg"],
                mode="markers",
                name="stopped early (see termination)",
                text=frame.loc[~ok, "termination"],
            )
        )
    fig.update_xaxes(type="log", title_text="specific power [W/kg]")
    fig.update_yaxes(title_text="specific energy [Wh/kg]")
    fig.update_layout(height=380, margin={"l": 10, "r": 10, "t": 30, "b": 40}, title="Ragone plot")
    st.plotly_chart(fig, key="design.ragone_plot")
    st.dataframe(frame, hide_index=True, key="design.ragone_table")
