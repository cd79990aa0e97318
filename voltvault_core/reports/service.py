"""Build a project's report from the database: the templates, and what goes in each (viewer or higher).

Templates (``--template``): ``project`` (every section that has data), ``executive-summary``,
``cell-design``, ``simulation-results``, ``experiment-comparison``, ``degradation`` and ``doe``. The
degradation and DOE sections say what the project holds: measured capacity fade of its cycling datasets,
and its DOE studies, or plainly that there are none.

>>> with session_scope(engine) as session:
...     report = build_report(session, user, project_id, template="project")
>>> pdf = render_pdf(report)       # voltvault_core.reports.pdf
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlmodel import Session

from solvers import bdf
from voltvault_core.auth.permissions import NotFound, require_role
from voltvault_core.db.models import (
    CellDesign,
    CyclingDataset,
    DOEStudy,
    EISFit,
    EISMeasurement,
    Experiment,
    Project,
    RunProvenance,
    Simulation,
    User,
)
from voltvault_core.reports.figures import FigureStyle, Series, bar_figure, line_figure
from voltvault_core.reports.model import FigureBlock, Paragraph, Report, Section, SourceRef, Table
from voltvault_core.tracking.provenance import package_version, source_revision

TEMPLATES = {
    "project": ("executive-summary", "cell-design", "simulation-results", "experiment-comparison",
                "measurements", "degradation", "doe"),
    "executive-summary": ("executive-summary",),
    "cell-design": ("cell-design",),
    "simulation-results": ("simulation-results",),
    "experiment-comparison": ("experiment-comparison",),
    "degradation": ("degradation",),
    "doe": ("doe",),
}


class ReportError(ValueError):
    """A report cannot be made as asked (unknown template, project or experiment); the message says which."""


def find_project(session: Session, actor: User | None, name: str) -> Project:
    """A project by exact name, else by a unique name prefix (``"Demo: LG M50 21700"``), that ``actor`` may read."""
    rows = list(session.scalars(select(Project)).all())
    readable = []
    for project in rows:
        try:
            require_role(session, actor, project.id, "viewer")
        except Exception: # PermissionDenied: not listed
            continue
        readable.append(project)
    exact = [p for p in readable if p.name == name]
    if exact:
        return exact[0]
    prefix = [p for p in readable if p.name.lower().startswith(name.lower())]
    if len(prefix) == 1:
        return prefix[0]
    names = ", ".join(repr(p.name) for p in readable) or "none"
    if prefix:
        raise ReportError(f"project name {name!r} matches {len(prefix)} projects; give more of it. Projects: {names}")
    raise ReportError(f"no project {name!r} that you can read. Projects: {names}")


# --------------------------------------------------------------------------------------------------
# Provenance references
# --------------------------------------------------------------------------------------------------


class _Sources:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.refs: dict[tuple[str, int], SourceRef] = {}

    def ref(self, kind: str, target_id: int, label: str, *, note: str = "") -> str:
        key = (kind, int(target_id))
        if key in self.refs:
            return self.refs[key].ref
        ref = SourceRef(ref=f"P{len(self.refs) + 1}", kind=kind, target_id=int(target_id), label=label, note=note)
        record = self.session.scalars(select(RunProvenance).where(
            RunProvenance.target_type == kind, RunProvenance.target_id == target_id)
            .order_by(RunProvenance.id.desc())).first()
        if record is not None:
            ref.input_sha256 = record.input_sha256
            ref.parameter_set_sha256 = record.parameter_set_sha256
            ref.input_data_sha256 = record.input_data_sha256
            ref.result_sha256 = record.result_sha256
            ref.package_version = record.package_version
            ref.source_revision = record.source_revision
            ref.finished_at = _stamp(record.finished_at)
            ref.who = (record.record or {}).get("created_by_username") or "installation (demo seed or script)"
        elif not note:
            ref.note = "stored row without a provenance record (made before provenance was recorded)"
        self.refs[key] = ref
        return ref.ref


def _stamp(moment: datetime | None) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _fmt(value: Any, digits: int = 4) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        if not np.isfinite(value):
            return "—"
        return f"{value:.{digits}g}"
    return str(value)


# --------------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------------


@dataclass
class _Run:
    row: Simulation
    result: Any  # SolverResult or None
    ref: str


def _runs(session: Session, actor: User | None, rows: Iterable[Simulation], sources: _Sources) -> list[_Run]:
    from voltvault_core.simulation.service import load_result

    out = []
    for row in rows:
        if row.result_artifact_id is None or row.status != "completed":
            continue
        result = load_result(session, actor, row.id)
        out.append(_Run(row, result, sources.ref("simulation", row.id, row.name or f"simulation {row.id}")))
    return out


def _label(run: _Run) -> str:
    return run.row.name or f"simulation {run.row.id}"


def _curve(run: _Run, x_key: str) -> tuple[np.ndarray, np.ndarray]:
    ts = run.result.timeseries
    v = np.asarray(ts[bdf.VOLTAGE], float)
    if x_key == "capacity":
        x = np.asarray(ts.get(bdf.DISCHARGING_CAPACITY, np.zeros_like(v)), float)
    else:
        x = np.asarray(ts[bdf.TEST_TIME], float) / 3600.0
    return x, v


def _simulation_table(runs: Sequence[_Run], caption: str) -> Table:
    rows = []
    for run in runs:
        s = run.row.summary or {}
        rows.append([_label(run), run.row.model_type.upper(), run.row.parameter_set_name,
                     "; ".join((run.row.inputs or {}).get("experiment", [])),
                     _fmt(s.get("discharge_capacity_Ah")), _fmt(s.get("discharge_energy_Wh")),
                     _fmt(s.get("end_voltage_V")), _fmt((s.get("duration_s") or 0) / 3600.0),
                     run.row.termination or "—", run.ref])
    return Table(caption, ["Run", "Model", "Parameters", "Protocol", "Capacity / Ah", "Energy / Wh",
                           "End voltage / V", "Duration / h", "Termination", "Source"], rows,
                 sources=[r.ref for r in runs])


def _overlay(runs: Sequence[_Run], x_key: str, style: FigureStyle, caption: str, name: str) -> FigureBlock:
    series = [Series(_label(r), *_curve(r, x_key)) for r in runs]
    x_label = "Discharged capacity / Ah" if x_key == "capacity" else "Time / h"
    fig = line_figure(series, x_label=x_label, y_label="Voltage / V", style=style)
    return FigureBlock(caption, fig, sources=[r.ref for r in runs], name=name)


# --------------------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------------------


class _Builder:
    def __init__(self, session: Session, actor: User | None, project: Project, experiment: Experiment | None,
                 style: FigureStyle, simulation_ids: Sequence[int] | None = None) -> None:
        self.session, self.actor, self.project, self.style = session, actor, project, style
        self.simulation_ids = None if simulation_ids is None else {int(i) for i in simulation_ids}
        self.experiment = experiment
        self.sources = _Sources(session)
        self._runs: list[_Run] | None = None

    # data, loaded once
    @property
    def runs(self) -> list[_Run]:
        if self._runs is None:
            rows = self.session.scalars(select(Simulation).where(Simulation.project_id == self.project.id)
                                        .order_by(Simulation.id)).all()
            if self.simulation_ids is not None:
                rows = [r for r in rows if r.id in self.simulation_ids]
            self._runs = _runs(self.session, self.actor, rows, self.sources)
        return self._runs

    def designs(self) -> list[CellDesign]:
        return list(self.session.scalars(select(CellDesign).where(CellDesign.project_id == self.project.id)
                                         .order_by(CellDesign.id)).all())

    def datasets(self) -> list[CyclingDataset]:
        return list(self.session.scalars(select(CyclingDataset).where(
            CyclingDataset.project_id == self.project.id).order_by(CyclingDataset.id)).all())

    def experiments(self) -> list[Experiment]:
        if self.experiment is not None:
            return [self.experiment]
        return list(self.session.scalars(select(Experiment).where(Experiment.project_id == self.project.id)
                                         .order_by(Experiment.id)).all())

    # sections
    def executive_summary(self) -> Section:
        section = Section("executive-summary", "Executive summary")
        p = self.project
        counts = {"cell designs": len(self.designs()), "completed simulations": len(self.runs),
                  "cycling datasets": len(self.datasets()), "experiments": len(self.experiments())}
        section.blocks.append(Paragraph(p.description or f"Project {p.name}."))
        section.blocks.append(Paragraph("This report holds " + ", ".join(f"{v} {k}" for k, v in counts.items())
                                        + ". Every number cites its source (P1, P2, ...); the provenance appendix "
                                        "gives each source's input, parameter-set and result hashes, the code "
                                        "version that produced it, when, and who."))
        if self.runs:
            best = max(self.runs, key=lambda r: (r.row.summary or {}).get("discharge_energy_Wh") or 0.0)
            s = best.row.summary or {}
            section.blocks.append(Paragraph(
                f"Highest simulated discharge energy: {_fmt(s.get('discharge_energy_Wh'))} Wh "
                f"({_fmt(s.get('discharge_capacity_Ah'))} Ah) from {_label(best)} [{best.ref}]."))
            section.blocks.append(_simulation_table(self.runs, "Key results of the completed simulations."))
            section.blocks.append(_overlay(self.runs, "capacity", self.style,
                                           "Discharge voltage against discharged capacity, all simulations.",
                                           "summary_voltage_capacity"))
        return section

    def cell_design(self) -> Section:
        section = Section("cell-design", "Cell design")
        designs = self.designs()
        if not designs:
            section.blocks.append(Paragraph("This project has no saved cell designs."))
            return section
        metric_keys = (("capacity_Ah", "Capacity / Ah"), ("energy_Wh", "Energy / Wh"),
                       ("nominal_voltage_V", "Nominal voltage / V"), ("specific_energy_Wh_kg", "Specific energy / Wh kg⁻¹"),
                       ("energy_density_Wh_L", "Energy density / Wh L⁻¹"), ("np_ratio", "N/P ratio"),
                       ("mass_kg", "Mass / kg"), ("limiting_electrode", "Limiting electrode"))
        refs = [self.sources.ref("cell_design", d.id, d.name, note=f"saved design, updated {_stamp(d.updated_at)}")
                for d in designs]
        rows = [[label] + [_fmt((d.calculated_metrics or {}).get(key)) for d in designs] for key, label in metric_keys]
        rows.append(["Source", *refs])
        section.blocks.append(Table("Calculated metrics of the saved designs.", ["Metric", *[d.name for d in designs]],
                                    rows, sources=refs))
        breakdowns = [(d, (d.calculated_metrics or {}).get("mass_breakdown_kg") or {}) for d in designs]
        breakdowns = [(d, b) for d, b in breakdowns if b]
        if breakdowns:
            d, b = breakdowns[0]
            parts = list(b)
            fig = bar_figure(parts, [1e3 * float(b[k]) for k in parts], y_label="Mass / g", style=self.style,
                             rotate_labels_deg=30)
            section.blocks.append(FigureBlock(f"Mass breakdown of {d.name}.", fig,
                                              sources=[refs[designs.index(d)]], name="design_mass_breakdown"))
        if len(designs) > 1:
            energies = [float((d.calculated_metrics or {}).get("specific_energy_Wh_kg") or 0.0) for d in designs]
            section.blocks.append(FigureBlock(
                "Specific energy of the saved designs.",
                bar_figure([f"D{k + 1}" for k in range(len(designs))], energies, y_label="Specific energy / Wh kg⁻¹",
                           style=self.style), sources=refs, name="design_specific_energy"))
            section.blocks.append(Paragraph("; ".join(f"D{k + 1}: {d.name}" for k, d in enumerate(designs)) + "."))
        return section

    def simulation_results(self) -> Section:
        section = Section("simulation-results", "Simulation results")
        runs = self.runs
        if not runs:
            section.blocks.append(Paragraph("This project has no completed simulations."))
            return section
        section.blocks.append(_simulation_table(runs, "Completed simulations: inputs and results."))
        section.blocks.append(_overlay(runs, "time", self.style, "Voltage against time.", "simulation_voltage_time"))
        settings_rows = []
        for run in runs:
            opts = (run.row.inputs or {}).get("options", {})
            info = run.result.info
            settings_rows.append([_label(run), _fmt(info.get("rtol", opts.get("rtol"))),
                                  _fmt(info.get("atol", opts.get("atol"))), str(info.get("backend", opts.get("backend", "—"))),
                                  _fmt(info.get("n_states")), _fmt(run.row.runtime_seconds, 3), run.ref])
        section.blocks.append(Table("Solver settings of each run.", ["Run", "rtol", "atol", "Backend", "States",
                                                                    "Wall time / s", "Source"], settings_rows,
                                    sources=[r.ref for r in runs], key=False))
        reference = next((r for r in runs if r.row.model_type == "dfn"), None)
        others = [r for r in runs if r is not reference]
        if reference is not None and others:
            t_ref, v_ref = _curve(reference, "time")
            series = []
            for run in others:
                t, v = _curve(run, "time")
                mask = (t_ref >= t[0]) & (t_ref <= t[-1])
                series.append(Series(f"{_label(run)} − DFN", t_ref[mask], 1e3 * (np.interp(t_ref[mask], t, v) - v_ref[mask])))
            fig = line_figure(series, x_label="Time / h", y_label="Voltage difference / mV", style=self.style)
            section.blocks.append(FigureBlock(f"Voltage of each model minus the DFN ({_label(reference)}).", fig,
                                              sources=[r.ref for r in runs], name="simulation_model_difference"))
        if len(runs) > 1:
            energies = [float((r.row.summary or {}).get("discharge_energy_Wh") or 0.0) for r in runs]
            section.blocks.append(FigureBlock("Discharge energy of each run.",
                                              bar_figure([f"R{k + 1}" for k in range(len(runs))], energies,
                                                         y_label="Discharge energy / Wh", style=self.style),
                                              sources=[r.ref for r in runs], name="simulation_energy"))
            section.blocks.append(Paragraph("; ".join(f"R{k + 1}: {_label(r)}" for k, r in enumerate(runs)) + "."))
        return section

    def experiment_comparison(self) -> Section:
        from voltvault_core.reports.comparison import compare_to_measured

        section = Section("experiment-comparison", "Experiments")
        experiments = self.experiments()
        if not experiments:
            section.blocks.append(Paragraph("This project has no experiments recorded."))
            return section
        by_id = {r.row.id: r for r in self.runs}
        for exp in experiments:
            ref = self.sources.ref("experiment", exp.id, exp.name, note=f"experiment record, updated {_stamp(exp.updated_at)}")
            section.blocks.append(Paragraph(f"{exp.name} ({exp.status}) [{ref}]. Hypothesis: {exp.hypothesis or '—'}"))
            if exp.notes:
                section.blocks.append(Paragraph(f"Notes: {exp.notes}"))
            if exp.conclusions:
                section.blocks.append(Paragraph(f"Conclusions: {exp.conclusions}"))
            linked = [by_id[i] for i in exp.linked_simulations or [] if i in by_id]
            if not linked:
                section.blocks.append(Paragraph("No completed simulations are linked to this experiment."))
            else:
                inputs_rows = []
                for run in linked:
                    inp = run.row.inputs or {}
                    inputs_rows.append([_label(run), inp.get("model", "").upper(),
                                        inp["parameter_set"] if isinstance(inp.get("parameter_set"), str) else "custom set",
                                        "; ".join(inp.get("experiment", [])),
                                        ", ".join(f"{k}={v}" for k, v in sorted((inp.get("options") or {}).items())) or "defaults",
                                        run.ref])
                section.blocks.append(Table(f"Inputs of the runs linked to {exp.name}.",
                                            ["Run", "Model", "Parameters", "Protocol", "Options", "Source"], inputs_rows,
                                            sources=[r.ref for r in linked]))
                section.blocks.append(_simulation_table(linked, f"Results of the runs linked to {exp.name}."))
                section.blocks.append(_overlay(linked, "capacity", self.style, f"Linked runs of {exp.name}.",
                                               f"experiment_{exp.id}_overlay"))
            datasets = {d.id: d for d in self.datasets()}
            measured = [datasets[i] for i in exp.linked_datasets or [] if i in datasets]
            if linked and measured:
                rows, series = [], [Series(_label(r), *_curve(r, "capacity")) for r in linked]
                for dataset in measured:
                    dref = self.sources.ref("cycling_dataset", dataset.id, dataset.name)
                    for run in linked:
                        stats = compare_to_measured(self.session, self.actor, run.result, dataset.id)
                        if stats is None:
                            continue
                        rows.append([_label(run), dataset.name, _fmt(1e3 * stats["rmse_V"]), _fmt(1e3 * stats["mae_V"]),
                                     _fmt(stats["r2"]), f"{run.ref}, {dref}"])
                        if run is linked[0]:
                            series.append(Series(f"measured {dataset.name}", stats["measured_capacity_Ah"],
                                                 stats["measured_voltage_V"], kind="markers"))
                if rows:
                    section.blocks.append(Table("Simulation against measurement (first discharge, on capacity).",
                                                ["Run", "Dataset", "RMSE / mV", "MAE / mV", "R²", "Sources"], rows))
                    section.blocks.append(FigureBlock(
                        "Simulated and measured discharge.",
                        line_figure(series, x_label="Discharged capacity / Ah", y_label="Voltage / V", style=self.style),
                        sources=sorted({s for r in rows for s in r[-1].split(", ")}), name=f"experiment_{exp.id}_measured"))
        return section

    def measurements(self) -> Section:
        section = Section("measurements", "Measured data")
        datasets = self.datasets()
        measurements = list(self.session.scalars(select(EISMeasurement).where(
            EISMeasurement.project_id == self.project.id).order_by(EISMeasurement.id)).all())
        if not datasets and not measurements:
            section.blocks.append(Paragraph("This project holds no measured data."))
            return section
        if datasets:
            rows = [[d.name, d.cell_id_label, d.cycler_type or d.source_format, _fmt(d.nominal_capacity_Ah),
                     _fmt(d.total_cycles), _fmt(d.total_time_hours, 4), _fmt(d.n_rows),
                     self.sources.ref("cycling_dataset", d.id, d.name)] for d in datasets]
            section.blocks.append(Table("Cycling datasets.", ["Dataset", "Cell", "Format", "Nominal / Ah", "Cycles",
                                                              "Duration / h", "Rows", "Source"], rows,
                                        sources=[r[-1] for r in rows]))
        fit_rows = []
        for m in measurements:
            for fit in self.session.scalars(select(EISFit).where(EISFit.measurement_id == m.id).order_by(EISFit.id)).all():
                params = {p.get("param") or p.get("name"): p.get("value") for p in fit.fitted_parameters or []
                          if isinstance(p, dict)}
                quality = fit.fit_quality or {}
                fit_rows.append([m.name, fit.circuit, _fmt(params.get("R0")), _fmt(quality.get("rmse_ohm")),
                                 _fmt(quality.get("n_points")), self.sources.ref("eis_fit", fit.id, f"fit of {m.name}")])
        if fit_rows:
            section.blocks.append(Table("Equivalent-circuit fits of the impedance spectra.",
                                        ["Spectrum", "Circuit", "R0 / Ω", "RMSE / Ω", "Points", "Source"], fit_rows,
                                        sources=[r[-1] for r in fit_rows]))
        return section

    def degradation(self) -> Section:
        from voltvault_core.cycling.service import fade_curves

        section = Section("degradation", "Degradation")
        datasets = [d for d in self.datasets() if d.total_cycles > 1]
        if not datasets:
            section.blocks.append(Paragraph("This project has no multi-cycle data and no degradation study."))
            return section
        section.blocks.append(Paragraph("Capacity fade of the measured cells, from their per-cycle metrics "
                                        "(no degradation simulation is stored in this project)."))
        refs = {d.id: self.sources.ref("cycling_dataset", d.id, d.name) for d in datasets}
        for metric, label, name in (("discharge_capacity_Ah", "Discharge capacity / Ah", "degradation_capacity"),
                                    ("coulombic_efficiency", "Coulombic efficiency / 1", "degradation_ce")):
            frame = fade_curves(self.session, self.actor, [d.id for d in datasets], metric)
            series = []
            for d in datasets:
                part = frame[frame["dataset_id"] == d.id]
                if len(part) and np.isfinite(part["value"]).any():
                    series.append(Series(d.name, part["cycle"].to_numpy(float), part["value"].to_numpy(float)))
            if series:
                section.blocks.append(FigureBlock(f"{label.split(' /')[0]} against cycle.",
                                                  line_figure(series, x_label="Cycle / 1", y_label=label, style=self.style),
                                                  sources=list(refs.values()), name=name))
        frame = fade_curves(self.session, self.actor, [d.id for d in datasets], "discharge_capacity_Ah")
        rows = []
        for d in datasets:
            values = frame[frame["dataset_id"] == d.id]["value"].dropna().to_numpy(float)
            if values.size > 1:
                rows.append([d.name, _fmt(values[0]), _fmt(values[-1]), _fmt(100 * values[-1] / values[0], 4),
                             _fmt(values.size), refs[d.id]])
        if rows:
            section.blocks.append(Table("Retention of discharge capacity.", ["Dataset", "First / Ah", "Last / Ah",
                                                                           "Retention / %", "Cycles", "Source"], rows,
                                        sources=[r[-1] for r in rows]))
        return section

    def doe(self) -> Section:
        section = Section("doe", "Design of experiments")
        studies = list(self.session.scalars(select(DOEStudy).where(DOEStudy.project_id == self.project.id)).all())
        if not studies:
            section.blocks.append(Paragraph("This project has no DOE studies."))
            return section
        refs = [self.sources.ref("doe_study", s.id, s.name, note=f"DOE study record, created {_stamp(s.created_at)}")
                for s in studies]
        rows = [[s.name, s.sampling_method, _swept_inputs(s.sweep_parameters), f"{s.completed_runs}/{s.total_runs}",
                 s.status, ref] for s, ref in zip(studies, refs, strict=True)]
        section.blocks.append(Table("DOE studies.", ["Study", "Sampling", "Swept inputs", "Runs done", "Status",
                                                     "Source"], rows, sources=refs))
        return section


def _swept_inputs(sweep) -> str:
    """The swept inputs' names from a study's stored spec (``{"inputs": {name: ...}}``) or a list of them."""
    if isinstance(sweep, dict):
        sweep = sweep.get("inputs") or {}
    if isinstance(sweep, dict):
        return ", ".join(str(name) for name in sweep)
    return ", ".join(str(p.get("name", p)) if isinstance(p, dict) else str(p) for p in sweep or [])


_SECTION_METHODS = {
    "executive-summary": "executive_summary",
    "cell-design": "cell_design",
    "simulation-results": "simulation_results",
    "experiment-comparison": "experiment_comparison",
    "measurements": "measurements",
    "degradation": "degradation",
    "doe": "doe",
}


def build_report(session: Session, actor: User | None, project_id: int, *, experiment_id: int | None = None,
                 template: str = "project", style: FigureStyle | None = None,
                 generated_at: datetime | None = None, simulation_ids: Sequence[int] | None = None) -> Report:
    """Collect a report of a project (viewer or higher).

    Parameters
    ----------
    experiment_id : int, optional
        Restrict the experiment section to this experiment (it must belong to the project).
    template : str
        One of :data:`TEMPLATES`.
    generated_at : datetime, optional
        The report's date (default now); equal inputs and date give an identical PDF.
    simulation_ids : sequence of int, optional
        Only these runs of the project (a run's own report, as in a run bundle).
    """
    if template not in TEMPLATES:
        raise ReportError(f"unknown report template {template!r}; templates: {', '.join(TEMPLATES)}")
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound(f"project {project_id} does not exist")
    require_role(session, actor, project_id, "viewer")
    experiment = None
    if experiment_id is not None:
        experiment = session.get(Experiment, experiment_id)
        if experiment is None or experiment.project_id != project_id:
            raise ReportError(f"experiment {experiment_id} is not in project {project.name!r}")
    if simulation_ids is not None:
        foreign = [i for i in simulation_ids if (session.get(Simulation, i) or Simulation(project_id=-1)).project_id != project_id]
        if foreign:
            raise ReportError(f"simulation(s) {foreign} are not in project {project.name!r}")
    builder = _Builder(session, actor, project, experiment, style or FigureStyle.preset("report"), simulation_ids)
    sections = [getattr(builder, _SECTION_METHODS[key])() for key in TEMPLATES[template]]
    moment = generated_at or datetime.now(UTC).replace(microsecond=0)
    title_part = {"project": "Project report"}.get(template, template.replace("-", " ").capitalize())
    return Report(title=f"{title_part}: {project.name}",
                  subtitle=f"{experiment.name}" if experiment else (project.chemistry_tag or ""),
                  generated_at=moment, template=template, sections=sections,
                  sources=list(builder.sources.refs.values()), project_name=project.name,
                  generator=f"VoltVault {package_version()} ({source_revision()[:12]})")


# --------------------------------------------------------------------------------------------------
# One call per page action
# --------------------------------------------------------------------------------------------------

REPORT_FORMATS = {"pdf": "application/pdf",
                  "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                  "html": "text/html"}


@dataclass(frozen=True)
class RenderedReport:
    data: bytes
    filename: str
    media_type: str
    figures: int
    tables: int
    sources: int


def make_report(session: Session, actor: User | None, project_id: int, *, fmt: str = "pdf",
                template: str = "project", experiment_id: int | None = None, figure_preset: str = "report",
                generated_at: datetime | None = None) -> RenderedReport:
    """Build and render a report in one call (viewer or higher): what the Reports page and jobs use."""
    if fmt not in REPORT_FORMATS:
        raise ReportError(f"unknown report format {fmt!r}; use one of {', '.join(REPORT_FORMATS)}")
    from voltvault_core.reports.cli import render

    report = build_report(session, actor, project_id, experiment_id=experiment_id, template=template,
                          style=FigureStyle.preset(figure_preset), generated_at=generated_at)
    data = render(report, f".{fmt}")
    stem = "".join(c if c.isalnum() else "-" for c in report.project_name).strip("-").lower()[:60] or "report"
    return RenderedReport(data, f"{stem}-{template}.{fmt}", REPORT_FORMATS[fmt], len(report.figures),
                          len(report.tables), len(report.sources))


def publication_figure(session: Session, actor: User | None, simulation_ids: Sequence[int], *, x_axis: str = "capacity",
                       style: FigureStyle | None = None, fmt: str = "svg", x_label: str | None = None,
                       y_label: str | None = None) -> bytes:
    """Voltage curves of saved runs as a publication figure (SVG, PNG, PDF or EPS), viewer or higher.

    Parameters
    ----------
    x_axis : str
        ``"capacity"`` (discharged capacity, Ah) or ``"time"`` (hours).
    x_label, y_label : str, optional
        Axis labels instead of the defaults.
    """
    from voltvault_core.reports.figures import figure_bytes

    if x_axis not in ("capacity", "time"):
        raise ReportError(f"x_axis must be 'capacity' or 'time', got {x_axis!r}")
    if not simulation_ids:
        raise ReportError("choose at least one run for the figure")
    rows = []
    for sim_id in simulation_ids:
        row = session.get(Simulation, sim_id)
        if row is None:
            raise NotFound(f"simulation {sim_id} does not exist")
        rows.append(row)
    sources = _Sources(session)
    runs = _runs(session, actor, rows, sources)
    if not runs:
        raise ReportError("none of the chosen runs has completed")
    style = style or FigureStyle()
    series = [Series(_label(r), *_curve(r, x_axis)) for r in runs]
    fig = line_figure(series, x_label=x_label or ("Discharged capacity / Ah" if x_axis == "capacity" else "Time / h"),
                      y_label=y_label or "Voltage / V", style=style)
    return figure_bytes(fig, fmt, style=style)
