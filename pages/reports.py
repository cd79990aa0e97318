"""Reports: PDF and PowerPoint reports, publication figures, and the provenance of every run."""

import streamlit as st

from voltvault_core.reports.figures import FORMATS, JOURNAL_PRESETS, FigureError, FigureStyle
from voltvault_core.reports.jobs import BatchReportError, submit_batch_reports
from voltvault_core.reports.service import TEMPLATES, ReportError, make_report, publication_figure
from voltvault_core.simulation.service import list_simulations
from voltvault_core.tracking.bundle import BundleError, export_bundle, import_bundle
from voltvault_core.tracking.provenance import (
    ProvenanceError,
    get_provenance,
    reproduce_simulation,
    verify_record,
)
from voltvault_core.tracking.service import list_experiments
from voltvault_core.ui import get_job_runner, page_setup

ctx = page_setup("Reports", ":material/description:")
project = ctx.require_project()
st.title("Reports")
st.caption(f"Project: {project.name}")

with ctx.session() as session:
    runs = {r.id: r.name or f"run {r.id}" for r in list_simulations(session, ctx.user, project.id)
            if r.status == "completed"}
    experiments = {e.id: e.name for e in list_experiments(session, ctx.user, project.id)}

report_tab, figure_tab, provenance_tab = st.tabs(["Report", "Publication figure", "Runs & provenance"])

with report_tab:
    left, right = st.columns(2)
    template = left.selectbox("Template", list(TEMPLATES), key="reports.template")
    fmt = right.radio("Format", ["pdf", "pptx"], horizontal=True, key="reports.format",
                      format_func={"pdf": "PDF", "pptx": "PowerPoint"}.get)
    experiment_id = left.selectbox("Experiment", [None, *experiments], key="reports.experiment",
                                   format_func=lambda i: "all experiments" if i is None else experiments[i])
    preset = right.selectbox("Figure style", list(JOURNAL_PRESETS), key="reports.preset")
    if st.button("Make report", type="primary", key="reports.make"):
        try:
            with st.spinner("Rendering the report…"), ctx.session() as session:
                rendered = make_report(session, ctx.user, project.id, fmt=fmt, template=template,
                                       experiment_id=experiment_id, figure_preset=preset)
            st.session_state["reports.rendered"] = rendered
        except ReportError as exc:
            st.error(str(exc))
    rendered = st.session_state.get("reports.rendered")
    if rendered is not None:
        st.success(f"{rendered.filename}: {rendered.figures} figures, {rendered.tables} tables, "
                   f"{rendered.sources} provenance sources.")
        st.download_button("Download", rendered.data, file_name=rendered.filename, mime=rendered.media_type,
                           key="reports.download")

    st.divider()
    st.markdown("**Batch: a report for every completed run, in one zip** (runs as a background job)")
    if st.button("Queue batch reports", key="reports.batch", disabled=not runs):
        try:
            with ctx.session() as session:
                st.session_state["reports.batch_job"] = submit_batch_reports(
                    session, ctx.user, project.id, runner=get_job_runner(), simulation_ids=list(runs))
        except BatchReportError as exc:
            st.error(str(exc))
    batch_job = st.session_state.get("reports.batch_job")
    if batch_job is not None:
        runner = get_job_runner()
        status = runner.status(batch_job)
        if not status.done:
            st.progress(float(status.progress or 0.0), text=f"job {batch_job}: {status.status}")
            st.button("Refresh", key="reports.batch_refresh")
        elif status.status == "completed":
            outcome = runner.result(batch_job, timeout=5.0)
            st.download_button(f"Download {outcome['reports']} reports (zip)", outcome["artifact"],
                               file_name="reports.zip", mime="application/zip", key="reports.batch_download")
        else:
            st.error(f"job {batch_job} {status.status}: {status.error or ''}")

with figure_tab:
    if not runs:
        st.info("No completed simulations in this project yet.")
    else:
        chosen = st.multiselect("Runs", list(runs), default=list(runs)[:3], format_func=runs.get, key="fig.runs")
        c1, c2, c3 = st.columns(3)
        preset = c1.selectbox("Journal preset", list(JOURNAL_PRESETS), key="fig.preset")
        base = JOURNAL_PRESETS[preset]
        fig_format = c2.selectbox("Format", list(FORMATS), key="fig.format")
        x_axis = c3.selectbox("x axis", ["capacity", "time"], key="fig.x")
        width = c1.number_input("Width / mm", 20.0, 500.0, base.width_mm, key="fig.width")
        height = c2.number_input("Height / mm", 20.0, 500.0, base.height_mm, key="fig.height")
        font_size = c3.number_input("Font size / pt", 4.0, 30.0, base.font_size_pt, key="fig.font_size")
        font = c1.selectbox("Font", ["DejaVu Sans", "DejaVu Serif", "DejaVu Sans Mono"], key="fig.font")
        dpi = c2.number_input("PNG resolution / dpi", 300, 2400, max(base.dpi, 300), step=100, key="fig.dpi")
        colours = c3.text_input("Colours (comma-separated)", ", ".join(base.colours[:4]), key="fig.colours")
        x_label = c1.text_input("x label", "", key="fig.xlabel", placeholder="default")
        y_label = c2.text_input("y label", "", key="fig.ylabel", placeholder="Voltage / V")
        try:
            style = FigureStyle(width_mm=width, height_mm=height, font_family=font, font_size_pt=font_size,
                                line_width_pt=base.line_width_pt, dpi=int(dpi),
                                colours=tuple(c.strip() for c in colours.split(",") if c.strip()))
            with ctx.session() as session:
                figure = publication_figure(session, ctx.user, chosen, x_axis=x_axis, style=style, fmt=fig_format,
                                            x_label=x_label or None, y_label=y_label or None)
            if fig_format == "svg":
                st.image(figure.decode(), width="stretch")
            elif fig_format == "png":
                st.image(figure, width="stretch")
            st.download_button(f"Download {fig_format.upper()}", figure, file_name=f"voltage.{fig_format}",
                               mime=FORMATS[fig_format], key="fig.download")
        except (FigureError, ReportError) as exc:
            st.error(str(exc))

with provenance_tab:
    if runs:
        run_id = st.selectbox("Run", list(runs), format_func=runs.get, key="prov.run")
        try:
            with ctx.session() as session:
                record = get_provenance(session, ctx.user, "simulation", run_id)
                problems = verify_record(record)
                doc = dict(record.record or {})
        except ProvenanceError as exc:
            st.warning(str(exc))
        else:
            if problems:
                st.error("This record does not match its hash: " + "; ".join(problems))
            else:
                st.caption("Immutable record; its SHA-256 matches its content.")
            st.table({
                "field": ["inputs SHA-256", "parameter set SHA-256", "result SHA-256", "solver", "seeds",
                          "package version", "source revision", "started", "finished", "by", "record SHA-256"],
                "value": [record.input_sha256, record.parameter_set_sha256, record.result_sha256,
                          ", ".join(f"{k}={v}" for k, v in (doc.get("solver_settings") or {}).items()),
                          "none (deterministic)" if not doc.get("seeds") else str(doc["seeds"]),
                          record.package_version, record.source_revision, str(doc.get("started_at")),
                          str(doc.get("finished_at")), doc.get("created_by_username") or "installation",
                          record.record_sha256],
            })
            with st.expander("Inputs (re-run this to reproduce the result)"):
                st.json(doc.get("inputs", {}))
            a, b = st.columns(2)
            if a.button("Re-run from the record and compare", key="prov.reproduce"):
                try:
                    with st.spinner("Re-running…"), ctx.session() as session:
                        outcome = reproduce_simulation(session, ctx.user, run_id)
                    (st.success if outcome.reproduced else st.error)(outcome.message)
                except ProvenanceError as exc:
                    st.error(str(exc))
            if b.button("Prepare run bundle (.vvrun)", key="prov.bundle"):
                try:
                    with st.spinner("Bundling…"), ctx.session() as session:
                        st.session_state["prov.bundle_data"] = (run_id, export_bundle(session, ctx.user, run_id))
                except BundleError as exc:
                    st.error(str(exc))
            bundle = st.session_state.get("prov.bundle_data")
            if bundle and bundle[0] == run_id:
                b.download_button("Download .vvrun", bundle[1], file_name=f"run-{run_id}.vvrun",
                                  mime="application/zip", key="prov.bundle_download")
    else:
        st.info("No completed simulations in this project yet.")
    if ctx.can_write:
        upload = st.file_uploader("Import a run bundle (.vvrun)", type=["vvrun"], key="prov.import")
        if upload is not None and st.button("Import", key="prov.import_go"):
            try:
                with ctx.session() as session:
                    row = import_bundle(session, ctx.user, project.id, data=upload.getvalue())
                    st.success(f"Imported {row.name!r} as simulation {row.id}.")
            except BundleError as exc:
                st.error(str(exc))
