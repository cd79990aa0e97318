"""Read-only share links: what a logged-out visitor with a live link sees, and nothing more.

A link names one item of one project (``target_type``, ``target_id``; ``"project"`` for the whole
project). :func:`shared_content` checks the token (unknown, revoked or expired links, links of a disabled
creator and links into an archived project open nothing), then builds that one item's view: facts,
tables and interactive Plotly figures, read through the feature services with a
:class:`~voltvault_core.auth.permissions.ShareVisitor` as the caller (a viewer of that project only,
refused every write). The share page renders exactly what this returns; it has no navigation, so a
dataset link opens that dataset and not the project around it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from sqlmodel import Session, col, select

from voltvault_core.auth.permissions import ShareVisitor, require_role
from voltvault_core.db.models import (
    CellDesign,
    CyclingDataset,
    EISMeasurement,
    Experiment,
    Project,
    ShareLink,
    Simulation,
    User,
)

#: what a link may point at -> the table holding it
SHARE_TARGETS: dict[str, type] = {
    "project": Project,
    "simulation": Simulation,
    "dataset": CyclingDataset,
    "design": CellDesign,
    "eis_measurement": EISMeasurement,
    "experiment": Experiment,
}
INVALID_LINK = "This share link is unknown, expired or revoked. Ask the project's owner for a new one."


class ShareLinkInvalid(LookupError):
    """The token opens nothing (unknown, revoked, expired, or its project or creator is gone)."""


@dataclass
class SharedContent:
    """One shared item, ready to render: plain data and Plotly figures (no Streamlit here)."""

    kind: str
    title: str
    project_name: str
    expires_at: datetime | None
    facts: dict[str, Any] = field(default_factory=dict)
    markdown: str = ""
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    figures: list[tuple[str, go.Figure]] = field(default_factory=list)


def visitor_for(session: Session, token: str) -> tuple[ShareVisitor, ShareLink]:
    """The visitor a live token stands for; raises :class:`ShareLinkInvalid` otherwise."""
    from voltvault_core.projects import resolve_share_link

    link = resolve_share_link(session, token or "")
    if link is None:
        raise ShareLinkInvalid(INVALID_LINK)
    project = session.get(Project, link.project_id)
    creator = session.get(User, link.created_by) if link.created_by is not None else None
    if project is None or project.status != "active" or (creator is not None and not creator.is_active):
        raise ShareLinkInvalid(INVALID_LINK)
    return ShareVisitor(link.id, link.project_id, link.target_type, link.target_id), link


def check_target(session: Session, project_id: int, target_type: str, target_id: int | None) -> None:
    """Refuse a link to something that is not an item of ``project_id`` (naming what was wrong)."""
    from voltvault_core.projects import ProjectError

    if target_type not in SHARE_TARGETS:
        raise ProjectError(f"cannot share {target_type!r}; shareable items are {', '.join(SHARE_TARGETS)}")
    if target_type == "project":
        if target_id not in (None, project_id):
            raise ProjectError("a project link shares the project it is created in; leave target_id out")
        return
    if target_id is None:
        raise ProjectError(f"a {target_type} link needs the id of the {target_type} (target_id)")
    row = session.get(SHARE_TARGETS[target_type], target_id)
    if row is None or row.project_id != project_id:
        raise ProjectError(f"{target_type} {target_id} is not in project {project_id}")


def shareable_items(session: Session, actor, project_id: int) -> list[tuple[str, int | None, str]]:
    """``(target_type, target_id, label)`` of everything in the project a link can share (viewer or better)."""
    require_role(session, actor, project_id, "viewer")
    items: list[tuple[str, int | None, str]] = [("project", None, "the whole project")]
    for kind, model in SHARE_TARGETS.items():
        if kind == "project":
            continue
        for row in session.exec(select(model).where(model.project_id == project_id).order_by(col(model.id))).all():
            items.append((kind, row.id, f"{kind.replace('_', ' ')}: {getattr(row, 'name', '') or row.id}"))
    return items


def shared_content(session: Session, token: str) -> SharedContent:
    """The view of the item behind ``token`` (raises :class:`ShareLinkInvalid` for a dead link)."""
    visitor, link = visitor_for(session, token)
    project = session.get(Project, visitor.project_id)
    builder = _BUILDERS[link.target_type]
    target_id = link.target_id if link.target_type != "project" else project.id
    content = builder(session, visitor, target_id)
    content.project_name = project.name
    content.expires_at = link.expires_at
    return content


# ------------------------------------------------------------------------------------------------ builders
def _new(kind: str, title: str) -> SharedContent:
    return SharedContent(kind=kind, title=title, project_name="", expires_at=None)


def _number(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4) if np.isfinite(value) else str(value)
    return value


def _simulation(session: Session, visitor: ShareVisitor, simulation_id: int) -> SharedContent:
    from voltvault_core import bdf
    from voltvault_core.simulation import service as sims

    row = session.get(Simulation, simulation_id)
    require_role(session, visitor, row.project_id, "viewer")
    content = _new("simulation", row.name or f"Simulation {row.id}")
    content.facts = {"model": row.model_type.upper(), "parameter set": row.parameter_set_name,
                     "status": row.status, "termination": row.termination or "—"}
    content.facts |= {k: _number(v) for k, v in (row.summary or {}).items() if k != "termination"}
    if row.result_artifact_id is None:
        content.markdown = f"This run has no result yet (status: {row.status})."
        return content
    frame = sims.load_result(session, visitor, simulation_id).to_frame()
    by_time = go.Figure(go.Scatter(x=frame[bdf.TEST_TIME] / 3600.0, y=frame[bdf.VOLTAGE], name="voltage"))
    by_time.update_layout(xaxis_title="Time [h]", yaxis_title="Voltage [V]", height=420, margin={"t": 30})
    content.figures.append(("Voltage against time", by_time))
    if bdf.DISCHARGING_CAPACITY in frame.columns:
        by_capacity = go.Figure(go.Scatter(x=frame[bdf.DISCHARGING_CAPACITY], y=frame[bdf.VOLTAGE], name="voltage"))
        by_capacity.update_layout(xaxis_title="Discharged capacity [A.h]", yaxis_title="Voltage [V]", height=420,
                                  margin={"t": 30})
        content.figures.append(("Voltage against discharged capacity", by_capacity))
    return content


def _dataset(session: Session, visitor: ShareVisitor, dataset_id: int) -> SharedContent:
    from voltvault_core.cycling import service as cycling
    from voltvault_core.cycling.figures import trend_figure, voltage_figure

    row = cycling.get_dataset(session, visitor, dataset_id)
    content = _new("dataset", row.name or row.cell_id_label or f"Dataset {row.id}")
    content.facts = {"cell": row.cell_id_label, "chemistry": row.chemistry, "format": row.source_format,
                     "nominal capacity [A.h]": _number(row.nominal_capacity_Ah), "cycles": row.total_cycles,
                     "rows": row.n_rows, "duration [h]": _number(row.total_time_hours)}
    if row.timeseries_artifact_id is None:
        content.markdown = "This dataset has no parsed time series."
        return content
    frame = cycling.load_frame(session, visitor, dataset_id)
    cycles = sorted(int(c) for c in pd.unique(frame["Cycle Count / 1"]))[:5] if "Cycle Count / 1" in frame else []
    if cycles:
        content.figures.append((f"Voltage of cycles {cycles[0]}-{cycles[-1]}", voltage_figure(frame, cycles)))
    metrics = cycling.load_metrics(session, visitor, dataset_id)
    if not metrics.empty and metrics["discharge_capacity_Ah"].notna().any():
        content.figures.append(("Discharge capacity per cycle",
                                trend_figure(metrics, "discharge_capacity_Ah", y_title="discharge capacity [A.h]")))
        shown = [c for c in ("cycle", "discharge_capacity_Ah", "charge_capacity_Ah", "coulombic_efficiency",
                             "energy_efficiency") if c in metrics.columns]
        content.tables.append(("Per-cycle metrics", metrics[shown]))
    return content


def _eis_measurement(session: Session, visitor: ShareVisitor, measurement_id: int) -> SharedContent:
    from voltvault_core.eis import service as eis
    from voltvault_core.eis.plots import bode_figure, nyquist_figure

    spectrum = eis.load_spectrum(session, visitor, measurement_id)
    row = session.get(EISMeasurement, measurement_id)
    content = _new("eis_measurement", row.name or f"EIS measurement {row.id}")
    content.facts = {"cell": row.cell_id_label, "points": row.n_points, "format": row.source_format,
                     **{str(k): _number(v) for k, v in (row.conditions or {}).items() if k != "label"}}
    fits = eis.list_fits(session, visitor, measurement_id)
    fit = eis.load_fit(session, visitor, fits[0].id, spectrum) if fits else None
    if fit is not None:
        content.facts["circuit"] = fit.circuit
        content.facts["RMSE [ohm]"] = _number(fit.rmse_ohm)
        content.tables.append(("Fitted parameters", pd.DataFrame(
            [{"parameter": n, "value": fit.parameters[n], "standard error": fit.stderr.get(n), "unit": fit.units.get(n, "")}
             for n in fit.parameter_names])))
    content.figures.append(("Nyquist", nyquist_figure(spectrum, fit)))
    content.figures.append(("Bode", bode_figure(spectrum, fit)))
    return content


def _design(session: Session, visitor: ShareVisitor, design_id: int) -> SharedContent:
    from voltvault_core.design import service as designs

    row, _document = designs.load_design(session, visitor, design_id)
    content = _new("design", row.name or f"Design {row.id}")
    content.facts = {"format": row.cell_format}
    metrics = {k: _number(v) for k, v in (row.calculated_metrics or {}).items()
               if isinstance(v, int | float | str) and k != "export_error" and not isinstance(v, bool)}
    if metrics:
        content.tables.append(("Calculated metrics", pd.DataFrame({"metric": list(metrics),
                                                                   "value": [str(v) for v in metrics.values()]})))
    return content


def _experiment(session: Session, visitor: ShareVisitor, experiment_id: int) -> SharedContent:
    row = session.get(Experiment, experiment_id)
    require_role(session, visitor, row.project_id, "viewer")
    content = _new("experiment", row.name)
    content.facts = {"status": row.status, "tags": ", ".join(row.tags or []) or "—"}
    parts = [f"**Hypothesis.** {row.hypothesis or '—'}", "**Notes**", row.notes or "—"]
    if row.conclusions:
        parts.append(f"**Conclusions.** {row.conclusions}")
    content.markdown = "\n\n".join(parts)
    return content


def _project(session: Session, visitor: ShareVisitor, project_id: int) -> SharedContent:
    from voltvault_core.projects import project_overview

    project = session.get(Project, project_id)
    overview = project_overview(session, visitor, project_id)
    content = _new("project", project.name)
    content.facts = {"chemistry": project.chemistry_tag or "—", **{k: overview[k] for k in
                     ("designs", "simulations", "datasets", "eis_measurements", "experiments")}}
    content.markdown = project.description
    items = []
    for kind, model, label in (("design", CellDesign, "name"), ("simulation", Simulation, "name"),
                               ("dataset", CyclingDataset, "name"), ("eis_measurement", EISMeasurement, "name"),
                               ("experiment", Experiment, "name")):
        for item in session.exec(select(model).where(model.project_id == project_id).order_by(col(model.id))).all():
            items.append({"kind": kind, "name": getattr(item, label) or f"{kind} {item.id}"})
    if items:
        content.tables.append(("Contents", pd.DataFrame(items)))
    return content


_BUILDERS = {"project": _project, "simulation": _simulation, "dataset": _dataset, "design": _design,
             "eis_measurement": _eis_measurement, "experiment": _experiment}
