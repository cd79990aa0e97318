"""Cycling Data Explorer: find datasets by project, cell and metadata; look at voltage curves, dQ/dV,
per-cycle metrics, fade and resistance trends; compare hundreds of cells; import cycler files."""

import io
import time
import zipfile
from datetime import datetime
from datetime import time as dtime

import pandas as pd
import streamlit as st

from voltvault_core.simulation import service as sim_svc
from voltvault_core.auth.permissions import PermissionDenied
from voltvault_core.cycling import CyclingError, list_formats, read_cycling_bytes
from voltvault_core.cycling import service as svc
from voltvault_core.cycling.analysis import MAX_CHART_POINTS
from voltvault_core.cycling.export import EXPORTERS
from voltvault_core.cycling.figures import (
    batch_figure,
    dqdv_figure,
    time_series_figure,
    trend_figure,
    voltage_figure,
)
from voltvault_core.cycling.jobs import submit_import, worker_threshold_bytes
from voltvault_core.cycling.mapping import (
    TARGETS,
    load_table,
    match_saved_mapping,
    suggest_mapping,
    validate_mapping,
)
from voltvault_core.cycling.metadata import (
    CHEMISTRY_SUGGESTIONS,
    PRIMARY_FIELDS,
    SECONDARY_FIELDS,
    suggest_primary,
)
from voltvault_core.cycling.quality import quality_flags
from voltvault_core.cycling.resistance import find_current_steps
from voltvault_core.cycling.trends import TREND_MODELS, fit_trend
from voltvault_core.projects import projects_for
from voltvault_core.ui import get_job_runner, page_setup, show_error

JOB_THRESHOLD_BYTES = worker_threshold_bytes()  # larger uploads are parsed by a worker with limits, with progress
TREND_METRICS = {
    "discharge_capacity_Ah": ("discharge capacity [mAh]", 1000.0),
    "charge_capacity_Ah": ("charge capacity [mAh]", 1000.0),
    "dcir_ohm": ("DC resistance [mΩ]", 1000.0),
    "coulombic_efficiency": ("coulombic efficiency", 1.0),
    "energy_efficiency": ("energy efficiency", 1.0),
    "end_of_discharge_voltage_V": ("end-of-discharge voltage [V]", 1.0),
}

ctx = page_setup("Cycling Data", ":material/monitoring:")
project = ctx.require_project()
st.title("Cycling Data")
st.caption(f"Project: {project.name} · cycler files in the Battery Data Format, per-cycle metrics, fade trends")


@st.cache_data(max_entries=6, show_spinner="Loading the time series ...")
def _frame(dataset_id: int, artifact_id: int) -> pd.DataFrame:
    """The BDF frame of a dataset (called only after the role check of ``svc.get_dataset``)."""
    with ctx.session() as session:
        return svc.load_frame(session, ctx.user, dataset_id)


@st.cache_data(max_entries=6, show_spinner=False)
def _flags_and_steps(dataset_id: int, artifact_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Quality flags and current steps of a dataset (same access rule as :func:`_frame`)."""
    frame = _frame(dataset_id, artifact_id)
    return quality_flags(frame), find_current_steps(frame)


def _flag_text(flags) -> str:
    if not isinstance(flags, list) or not flags:
        return ""
    return "; ".join(f"{f['kind']} ×{f['count']}" for f in flags)


# ------------------------------------------------------------------------------------ dataset filters
with ctx.session() as session:
    visible_projects = {p.id: p.name for p in projects_for(session, ctx.user)}
with st.sidebar:
    st.subheader("Datasets")
    scope = st.radio("Projects", ["This project", "All my projects"], horizontal=True, key="cyc.scope")
    search = st.text_input("Search (cell, name, file)", key="cyc.search")
project_ids = [project.id] if scope == "This project" else list(visible_projects) or [project.id]
with ctx.session() as session:
    everything = svc.list_datasets(session, ctx.user, project_ids)
with st.sidebar:
    chemistry = st.multiselect("Chemistry", sorted(set(everything["chemistry"])), key="cyc.chemistry")
    max_cycles = int(everything["total_cycles"].max()) if len(everything) else 0
    cycle_range = st.slider("Cycle count", 0, max(max_cycles, 1), (0, max(max_cycles, 1)), key="cyc.cycles")
    capacities = everything["nominal_capacity_Ah"].dropna()
    cap_low, cap_high = (float(capacities.min()), float(capacities.max())) if len(capacities) else (0.0, 0.0)
    capacity_range = st.slider("Nominal capacity [Ah]", 0.0, max(cap_high * 1.5, 1.0), (0.0, max(cap_high * 1.5, 1.0)),
                               key="cyc.capacity")
    use_dates = st.checkbox("Filter by upload date", key="cyc.use_dates")
    dates = st.date_input("Uploaded between", value=(datetime(2000, 1, 1).date(), datetime.now().date()),
                          key="cyc.dates", disabled=not use_dates)
    tag_text = st.text_input("Metadata tags (key=value; ...)", key="cyc.tags", placeholder="operator=Bo; batch=B-17")
tags = dict(part.split("=", 1) for part in tag_text.split(";") if "=" in part)
tags = {k.strip(): v.strip() for k, v in tags.items() if k.strip()}
uploaded = (None, None)
if use_dates and isinstance(dates, tuple) and len(dates) == 2:
    uploaded = (datetime.combine(dates[0], dtime.min), datetime.combine(dates[1], dtime.max))
with ctx.session() as session:
    datasets = svc.list_datasets(
        session, ctx.user, project_ids, search=search, chemistry=chemistry, cycles=cycle_range,
        capacity_Ah=capacity_range, uploaded=uploaded, tags=tags,
    )
labels = {int(r.id): f"{visible_projects.get(r.project_id, r.project_id)} / {r.cell}" for r in datasets.itertuples()}
if len(set(labels.values())) < len(labels):  # datasets of the same cell are told apart by name, id and upload
    seen = pd.Series(list(labels.values())).value_counts()
    for r in datasets.itertuples():
        if seen[labels[int(r.id)]] > 1:
            extra = f"{r.name} · " if r.name and r.name != r.cell else ""
            labels[int(r.id)] += f" · {extra}#{int(r.id)}, uploaded {pd.Timestamp(r.uploaded_at):%Y-%m-%d %H:%M}"
hidden_new = [i for i in st.session_state.get("cyc.last_import_ids", []) if i not in labels
              and i in set(everything["id"].astype(int))]

with st.sidebar:
    st.caption(f"{len(datasets)} of {len(everything)} datasets")
    if hidden_new:
        names = ", ".join(everything.loc[everything["id"].astype(int).isin(hidden_new), "name"].astype(str))
        st.warning(f"Your new import ({names}) is hidden by the filters above (search, chemistry, cycle count, "
                   "capacity, dates or tags): widen them to see it.")
    for project_id, group in datasets.groupby("project_id"):
        with st.expander(f"{visible_projects.get(project_id, project_id)} ({len(group)})", expanded=len(datasets) < 30):
            st.dataframe(group[["cell", "chemistry", "total_cycles"]], hide_index=True, width="stretch")

explorer, trends_tab, batch_tab, import_tab = st.tabs(["Explorer", "Trends", "Batch comparison", "Import"])

# ------------------------------------------------------------------------------------------- explorer
with explorer:
    if datasets.empty:
        st.info("No dataset matches. Import a cycler file in the Import tab, or widen the filters.")
    else:
        ids = list(labels)
        dataset_id = st.selectbox("Dataset", ids, format_func=labels.get, key="cyc.dataset")
        with ctx.session() as session:
            dataset = svc.get_dataset(session, ctx.user, dataset_id)
            metrics = svc.load_metrics(session, ctx.user, dataset_id)
            simulations = [s for s in sim_svc.list_simulations(session, ctx.user, dataset.project_id) if s.status == "completed"]
        frame = _frame(dataset.id, dataset.timeseries_artifact_id)
        meta = dataset.metadata_ or {}
        st.caption(
            f"{dataset.source_format} · {dataset.n_rows:,} rows · {dataset.total_cycles} cycles · "
            f"{dataset.total_time_hours:.1f} h · {dataset.chemistry} · {dataset.nominal_capacity_Ah} Ah"
        )
        cycles = metrics["cycle"].astype(int).tolist()
        flagged = {int(c): f for c, f in zip(metrics["cycle"], metrics["flags"], strict=True) if isinstance(f, list) and f}
        left, right = st.columns([2, 1])
        with right:
            x_axis = st.radio("x axis", ["capacity", "time"], horizontal=True, key="cyc.xaxis")
            if len(cycles) > 1:
                chosen = st.select_slider("Cycles", options=cycles, value=(cycles[0], cycles[min(len(cycles) - 1, 4)]),
                                          key="cyc.cycle")
                chosen_cycles = [c for c in cycles if chosen[0] <= c <= chosen[1]]
            else:
                chosen_cycles = cycles
            step = max(1, len(chosen_cycles) // 40)
            shown = chosen_cycles[::step]
            sim_options = {s.id: s.name or f"simulation {s.id}" for s in simulations}
            sim_id = st.selectbox("Overlay a simulation", [0, *sim_options], key="cyc.simulation",
                                  format_func=lambda i: sim_options.get(i, "none"))
            direction = st.radio("dQ/dV of", ["discharge", "charge"], horizontal=True, key="cyc.dqdv_direction")
        simulated = None
        if sim_id:
            try:
                with ctx.session() as session:
                    simulated = sim_svc.load_result(session, ctx.user, sim_id).to_frame()
            except Exception as exc:  # a failed or missing result must not break the explorer
                show_error(exc, "Overlaying the simulation")
        with left:
            st.plotly_chart(voltage_figure(frame, shown, x=x_axis, simulated=simulated, flagged=flagged),
                            key="cyc.voltage_chart")
            if step > 1:
                st.caption(f"Every {step}th cycle of the {len(chosen_cycles)} selected is drawn.")
        other = [i for i in ids if i != dataset_id]
        overlay_ids = st.multiselect("Overlay other cells (same cycle range)", other, format_func=labels.get,
                                     key="cyc.overlay", max_selections=8)
        if overlay_ids:
            overlay = voltage_figure(frame, shown[:1], x=x_axis, title=labels[dataset_id])
            with ctx.session() as session:
                for other_id in overlay_ids:
                    other_set = svc.get_dataset(session, ctx.user, other_id)
                    other_frame = _frame(other_id, other_set.timeseries_artifact_id)
                    for trace in voltage_figure(other_frame, shown[:1], x=x_axis).data:
                        trace.name = f"{labels[other_id]} · {trace.name}"
                        overlay.add_trace(trace)
            st.plotly_chart(overlay, key="cyc.overlay_chart")
        a, b = st.columns(2)
        with a:
            st.plotly_chart(dqdv_figure(frame, shown[:10], direction), key="cyc.dqdv_chart")
        with b:
            quality, current_steps = _flags_and_steps(dataset.id, dataset.timeseries_artifact_id)
            st.plotly_chart(time_series_figure(frame, flags=quality), key="cyc.timeseries_chart")
            st.caption(f"Charts ship at most {MAX_CHART_POINTS:,} points (min/max decimation).")
        st.subheader("Per-cycle metrics")
        table = metrics.assign(flags=metrics["flags"].map(_flag_text))
        st.dataframe(table.style.apply(lambda row: ["background-color: #fde3c8" if row["flags"] else "" for _ in row], axis=1),
                     hide_index=True, width="stretch", key="cyc.metrics_table")
        with st.expander(f"Data-quality flags ({len(quality)})"):
            st.dataframe(quality, hide_index=True, width="stretch", key="cyc.flags_table")
        with st.expander("Current steps and HPPC pulses (DC resistance)"):
            st.dataframe(current_steps, hide_index=True, width="stretch", key="cyc.steps_table")
        with st.expander("Metadata"):
            st.json({k: meta.get(k) for k in ("primary", "secondary", "tertiary", "source")}, expanded=False)
        export_left, export_right = st.columns([1, 2])
        kind = export_left.selectbox("Export as", list(EXPORTERS), key="cyc.export_kind")
        prepared = st.session_state.get("cyc.export_prepared")
        if export_left.button("Prepare the export", key="cyc.export_prepare"):
            with ctx.session() as session, st.spinner("Writing the export ..."):
                prepared = (dataset_id, kind, *svc.export_dataset_bytes(session, ctx.user, dataset_id, kind))
            st.session_state["cyc.export_prepared"] = prepared
        if prepared and prepared[:2] == (dataset_id, kind):
            export_right.download_button(f"Download {prepared[3]}", prepared[2], file_name=prepared[3], key="cyc.download")

# --------------------------------------------------------------------------------------------- trends
with trends_tab:
    if datasets.empty:
        st.info("No dataset to fit.")
    else:
        trend_id = st.selectbox("Dataset", list(labels), format_func=labels.get, key="cyc.trend_dataset")
        metric = st.selectbox("Metric", list(TREND_METRICS), format_func=lambda m: TREND_METRICS[m][0], key="cyc.trend_metric")
        models = st.multiselect("Models", list(TREND_MODELS), default=["linear", "sqrt"], key="cyc.trend_models")
        confidence = st.slider("Confidence band", 0.5, 0.99, 0.95, key="cyc.trend_confidence")
        x_kind = st.radio("Against", ["cycle", "time"], horizontal=True, key="cyc.trend_x",
                          format_func={"cycle": "cycle number", "time": "test time [days]"}.get)
        with ctx.session() as session:
            trend_metrics = svc.load_metrics(session, ctx.user, trend_id)
        if x_kind == "time":  # days at the start of each cycle, from the cycle durations
            durations = trend_metrics["duration_s"].fillna(0.0).to_numpy(float)
            trend_metrics["x"] = (durations.cumsum() - durations) / 86400.0
        else:
            trend_metrics["x"] = trend_metrics["cycle"].astype(float)
        series = trend_metrics[["x", metric]].dropna()
        series = series[series[metric] > 0] if metric != "coulombic_efficiency" else series
        fits, problems = [], []
        for model in models:
            try:
                fits.append(fit_trend(series["x"].to_numpy(float), series[metric].to_numpy(float), model,
                                      confidence=confidence))
            except (ValueError, RuntimeError) as exc:
                problems.append(f"{model}: {exc}")
        title, scale = TREND_METRICS[metric]
        st.plotly_chart(trend_figure(trend_metrics, metric, fits, y_title=title, scale=scale, x_column="x",
                                     x_title="cycle" if x_kind == "cycle" else "test time [days]"),
                        key="cyc.trend_chart")
        for problem in problems:
            st.warning(problem)
        if fits:
            st.dataframe(pd.DataFrame([f.to_dict() for f in sorted(fits, key=lambda f: f.aic)]), hide_index=True,
                         key="cyc.trend_table")
        st.caption("Orange points are cycles with data-quality flags; hover for the explanation.")

# ------------------------------------------------------------------------------------ batch comparison
with batch_tab:
    if datasets.empty:
        st.info("No dataset matches the filters.")
    else:
        st.caption("Cells are selected by the sidebar filters (metadata tags included); curves come from the stored "
                   "per-cycle metrics, not the time series.")
        use_all = st.checkbox(f"All {len(labels)} cells that match the filters", value=True, key="cyc.batch_all")
        batch_ids = list(labels) if use_all else st.multiselect(
            "Cells", list(labels), default=list(labels)[:10], format_func=labels.get, key="cyc.batch_ids")
        batch_metric = st.selectbox("Metric", list(TREND_METRICS), format_func=lambda m: TREND_METRICS[m][0],
                                    key="cyc.batch_metric")
        normalise = st.checkbox("Normalise to the first cycle", value=batch_metric.endswith("_Ah"), key="cyc.batch_normalise")
        started = time.perf_counter()
        with ctx.session() as session:
            curves = svc.fade_curves(session, ctx.user, batch_ids, batch_metric)
        st.plotly_chart(batch_figure(curves, labels, normalise=normalise, y_title=TREND_METRICS[batch_metric][0]),
                        key="cyc.batch_chart")
        st.caption(f"{len(batch_ids)} cells, {len(curves):,} cycles in {time.perf_counter() - started:.2f} s.")

# --------------------------------------------------------------------------------------------- import
with import_tab:
    if not ctx.can_write:
        st.info(f"Read-only: importing needs the editor role ({ctx.read_only_reason or f'your role is {ctx.role}'}).")
    else:
        formats = list_formats()
        if "cyc.import_notice" in st.session_state:  # what the last import did, shown after the uploader was cleared
            st.success(st.session_state.pop("cyc.import_notice"))
        upload_round = st.session_state.setdefault("cyc.upload_round", 0)  # a new key clears the uploader
        files = st.file_uploader("Cycler file(s): each file becomes its own dataset unless you join them below",
                                 accept_multiple_files=True, key=f"cyc.upload.{upload_round}")
        join_parts = False
        if files and len(files) > 1:
            join_parts = st.checkbox(
                f"These {len(files)} files are the parts of one split export (same test, same instrument and "
                "channel): join them into one dataset", key="cyc.join_parts",
                help="Checked against the files: parts from different formats, channels or cells are refused.")
            if not join_parts:
                st.caption(f"{len(files)} files → {len(files)} datasets, each named after its cell and file.")
        upload_hash = svc.content_sha256([f.getvalue() for f in files]) if files and join_parts else None
        duplicates = {}
        if files:
            with ctx.session() as session:
                for part in files if not join_parts else []:
                    found = svc.find_duplicates(session, ctx.user, project.id, svc.content_sha256([part.getvalue()]))
                    if found:
                        duplicates[part.name] = found
                if upload_hash:
                    found = svc.find_duplicates(session, ctx.user, project.id, upload_hash)
                    if found:
                        duplicates["the joined parts"] = found
        for name, found in duplicates.items():
            st.warning(f"{name} is already in this project: " + "; ".join(
                f"#{d['id']} {d['name']!r} (cell {d['cell']}, uploaded {d['uploaded']})" for d in found))
        allow_duplicate = bool(duplicates) and st.checkbox("Import even if a duplicate (keep two copies)",
                                                           key="cyc.allow_duplicate")
        fmt = st.selectbox("Format", ["auto", *[f["name"] for f in formats]], key="cyc.format",
                           format_func=lambda n: "detect from the content" if n == "auto"
                           else next(f["label"] for f in formats if f["name"] == n))
        mapping = None
        parsed_upload = None
        if files and len(files) == 1 and files[0].size <= JOB_THRESHOLD_BYTES and fmt != "generic":
            upload_key = (files[0].name, files[0].size, fmt)
            cached = st.session_state.get("cyc.upload_parsed")
            if not cached or cached[0] != upload_key:
                try:
                    cached = (upload_key, read_cycling_bytes(files[0].getvalue(), files[0].name, fmt))
                    vendor = next(f["vendor"] for f in formats if f["name"] == cached[1].format_name)
                    hints = suggest_primary(cached[1].source_metadata, vendor, files[0].name)
                    st.session_state["cyc.cell"] = hints.get("cell_identifier", "")
                    st.session_state["cyc.instrument"] = hints.get("instrument", "")
                except CyclingError as exc:
                    cached = (upload_key, exc)
                st.session_state["cyc.upload_parsed"] = cached
            if isinstance(cached[1], CyclingError):
                st.error(str(cached[1]))
            else:
                parsed_upload = cached[1]
                st.success(f"Read as {parsed_upload.format_name}: {len(parsed_upload.frame):,} rows, "
                           f"{parsed_upload.frame['Cycle Count / 1'].nunique()} cycles.")
                for warning in parsed_upload.warnings:
                    st.caption(f"Note: {warning}")
        if files and fmt == "generic":
            st.markdown("**Column mapping** (the wizard's suggestion; check units and the current's sign)")
            sample = files[0]
            import tempfile
            from pathlib import Path

            head = sample.getvalue()
            if len(head) > JOB_THRESHOLD_BYTES:  # the web process previews the head only (the job reads it all)
                head = b"" if head.startswith(b"PK") else head[: head.rfind(b"\n", 0, JOB_THRESHOLD_BYTES) + 1]
            with tempfile.TemporaryDirectory() as tmp:
                target = Path(tmp) / f"upload{Path(sample.name).suffix}"
                target.write_bytes(head)
                try:
                    table = load_table(target, sample.name)
                except CyclingError as exc:
                    st.error(str(exc) if head else f"{sample.name}: a workbook this large is mapped from a CSV "
                             "export of its first rows; export one, or import it with a saved mapping")
                    table = None
            if table is not None:
                with ctx.session() as session:
                    saved = svc.list_column_mappings(session, ctx.user)
                remembered = match_saved_mapping(list(table.columns), saved)
                base = remembered["mapping"] if remembered else suggest_mapping(list(table.columns))
                if remembered:
                    st.success(f"Using your lab's saved mapping '{remembered['name']}'.")
                rows = [{"BDF column": t.label, "source column": base["columns"].get(t.label, {}).get("source", ""),
                         "unit": base["columns"].get(t.label, {}).get("unit", "")} for t in TARGETS]
                edited = st.data_editor(
                    pd.DataFrame(rows), hide_index=True, key="cyc.mapping_editor",
                    column_config={"source column": st.column_config.SelectboxColumn(options=["", *map(str, table.columns)])},
                )
                sign = st.radio("In this file, positive current means", ["charge", "discharge"], horizontal=True,
                                index=0 if base.get("current_positive", "charge") == "charge" else 1, key="cyc.mapping_sign")
                counters = st.radio("Capacity columns restart", ["auto", "cycle", "segment", "test", "none"], horizontal=True,
                                    key="cyc.mapping_counters",
                                    format_func={"auto": "judge from the data", "cycle": "every cycle", "segment": "every step",
                                                 "test": "never", "none": "(integrate current)"}.get)
                mapping = {
                    "version": 1,
                    "columns": {r["BDF column"]: ({"source": r["source column"]} | ({"unit": r["unit"]} if r["unit"] else {}))
                                for r in edited.to_dict("records") if r["source column"]},
                    "current_positive": sign, "counters_reset": counters, "header_row": None, "sheet": None,
                }
                for problem in validate_mapping(mapping):
                    st.warning(problem)
                st.dataframe(table.head(8), key="cyc.mapping_preview")
                mapping_name = st.text_input("Remember this mapping for the lab as", key="cyc.mapping_name")
                if st.button("Save mapping", key="cyc.mapping_save", disabled=not mapping_name):
                    with ctx.session() as session:
                        svc.save_column_mapping(session, ctx.user, project.id, name=mapping_name, mapping=mapping)
                    st.success(f"Saved '{mapping_name}'.")

        st.markdown("**Primary metadata** (required, Battery Data Genome)")
        c1, c2, c3 = st.columns(3)
        primary = {
            "cell_identifier": c1.text_input(PRIMARY_FIELDS["cell_identifier"], key="cyc.cell"),
            "chemistry": c2.selectbox(PRIMARY_FIELDS["chemistry"], CHEMISTRY_SUGGESTIONS, key="cyc.chemistry_in",
                                      accept_new_options=True),
            "nominal_capacity_Ah": c3.number_input(PRIMARY_FIELDS["nominal_capacity_Ah"], min_value=0.0, value=0.0,
                                                   format="%.4f", key="cyc.capacity_Ah"),
            "instrument": c1.text_input(PRIMARY_FIELDS["instrument"], key="cyc.instrument"),
            "owner": c2.text_input(PRIMARY_FIELDS["owner"], value=ctx.user.name if ctx.user else "", key="cyc.owner"),
            "test_objective": c3.text_input(PRIMARY_FIELDS["test_objective"], key="cyc.objective"),
        }
        with st.expander("Secondary and free-form metadata"):
            s1, s2 = st.columns(2)
            secondary = {}
            for i, (key, label) in enumerate(SECONDARY_FIELDS.items()):
                value = (s1 if i % 2 == 0 else s2).text_input(label, key=f"cyc.secondary_{key}")
                if value.strip():
                    secondary[key] = value.strip()
            tertiary_text = st.text_area("Free-form (key=value, one per line)", key="cyc.tertiary")
        tertiary = {k.strip(): v.strip() for k, v in (line.split("=", 1) for line in tertiary_text.splitlines() if "=" in line)}
        if st.button("Import", type="primary", key="cyc.import", disabled=not files):
            if len(files) > 1 and not join_parts:
                done, failed, new_ids = [], [], []
                with st.status(f"Importing {len(files)} files as separate datasets ...") as status_box:
                    for part in files:
                        label = f"{primary['cell_identifier'].strip() or 'cell'} · {part.name}"
                        try:
                            if part.size > JOB_THRESHOLD_BYTES:  # parsed by a worker with limits
                                runner = get_job_runner()
                                job_id = submit_import(
                                    runner, ctx.engine, project_id=project.id, user_id=ctx.user.id,
                                    parts=[(part.name, part.getvalue())], primary=primary, secondary=secondary,
                                    tertiary=tertiary, format=fmt, mapping=mapping, name=label,
                                    allow_duplicate=allow_duplicate,
                                )
                                while not (job := runner.status(job_id)).done:
                                    status_box.update(label=f"{part.name}: {job.message or job.status}")
                                    time.sleep(0.5)
                                result = runner.result(job_id, timeout=5)
                                done.append(f"{label} ({result['format']}, {result['cycles']} cycles)")
                                new_ids.append(result["dataset_id"])
                                continue
                            with ctx.session() as session:
                                dataset = svc.import_dataset(
                                    session, ctx.user, project.id, data=part.getvalue(), filename=part.name,
                                    primary=primary, secondary=secondary, tertiary=tertiary, format=fmt,
                                    mapping=mapping, name=label, allow_duplicate=allow_duplicate,
                                )
                                done.append(f"{dataset.name} ({dataset.source_format}, {dataset.total_cycles} cycles)")
                                new_ids.append(dataset.id)
                        except (CyclingError, PermissionDenied) as exc:
                            failed.append(str(exc))
                    status_box.update(label=f"Imported {len(done)} of {len(files)} files",
                                      state="complete" if not failed else "error")
                for problem in failed:
                    st.error(problem)
                if done:
                    st.session_state["cyc.last_import_ids"] = new_ids
                    st.session_state["cyc.import_notice"] = "Imported " + "; ".join(done) + "."
                    if not failed:
                        st.session_state["cyc.upload_round"] = upload_round + 1
                        st.rerun()
                    st.success(st.session_state.pop("cyc.import_notice"))
                st.stop()
            if len(files) == 1:
                data, filename = files[0].getvalue(), files[0].name
            else:
                buffer = io.BytesIO()
                with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                    for part in files:
                        archive.writestr(part.name, part.getvalue())
                data, filename = buffer.getvalue(), f"{files[0].name} (+{len(files) - 1} parts).zip"
            summary_text = None
            try:
                if sum(p.size for p in files) > JOB_THRESHOLD_BYTES:
                    runner = get_job_runner()
                    job_id = submit_import(
                        runner, ctx.engine, project_id=project.id, user_id=ctx.user.id,
                        parts=[(p.name, p.getvalue()) for p in files], primary=primary, secondary=secondary,
                        tertiary=tertiary, format=fmt, mapping=mapping, allow_duplicate=allow_duplicate,
                    )
                    bar = st.progress(0.0, text="queued")
                    while not (status := runner.status(job_id)).done:
                        bar.progress(min(max(status.progress, 0.0), 1.0), text=status.message or status.status)
                        time.sleep(0.5)
                    result = runner.result(job_id, timeout=5)
                    summary_text = f"Imported {result['rows']:,} rows, {result['cycles']} cycles ({result['format']})."
                    st.session_state["cyc.last_import_ids"] = [result["dataset_id"]]
                else:
                    with st.status("Importing ...") as status_box:
                        parsed = parsed_upload
                        if len(files) > 1:
                            parsed = svc.join_split_export([read_cycling_bytes(p.getvalue(), p.name, fmt) for p in files])
                        with ctx.session() as session:
                            dataset = svc.import_dataset(
                                session, ctx.user, project.id, data=data, filename=filename, primary=primary,
                                secondary=secondary, tertiary=tertiary, format=fmt, mapping=mapping, parsed=parsed,
                                progress=lambda f, m=None: status_box.update(label=m or "importing"),
                                content_hash=upload_hash, allow_duplicate=allow_duplicate,
                            )
                            summary_text = f"Imported {dataset.n_rows:,} rows, {dataset.total_cycles} cycles ({dataset.source_format})."
                            st.session_state["cyc.last_import_ids"] = [dataset.id]
                        status_box.update(label=summary_text, state="complete")
            except (CyclingError, PermissionDenied) as exc:
                st.error(str(exc))
            except Exception as exc:  # a job failure carries the worker's message
                show_error(exc, "The import")
            if summary_text is not None:  # done: clear the uploader so the next import starts empty
                st.session_state["cyc.import_notice"] = summary_text
                st.session_state["cyc.upload_round"] = upload_round + 1
                st.rerun()
