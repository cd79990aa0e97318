"""Persistence of EIS measurements and fits, with role checks, in the caller's transaction.

Spectra are artifacts (NPZ: frequency, Z', Z''; never pickled), the uploaded file is kept as a raw
artifact, and the rows (:class:`EISMeasurement`, :class:`EISFit`) hold metadata, parameters and quality.
Every write runs inside the caller's ``session_scope``: an import whose third spectrum fails leaves
nothing behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from sqlmodel import Session, col, select

from voltvault_core.auth.permissions import NotFound, require_role, write_service
from voltvault_core.db.artifacts import get_artifact_bytes, put_artifact
from voltvault_core.db.models import EISFit, EISMeasurement, User
from voltvault_core.eis.fitting import FitResult, fit_circuit
from voltvault_core.eis.readers import read_spectra
from voltvault_core.eis.spectrum import EISFileError, Spectrum
from voltvault_core.projects import audit

__all__ = [
    "ALGORITHM_NAMES",
    "MAX_UPLOAD_BYTES",
    "fit_measurement",
    "import_measurements",
    "list_fits",
    "list_measurements",
    "load_spectrum",
    "save_fit",
]

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
"""Largest accepted impedance file [bytes]: far above any real spectrum file."""

ALGORITHM_NAMES = {"lm": "levenberg_marquardt", "de": "differential_evolution"}


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


@write_service("editor")
def import_measurements(
    session: Session,
    actor: User,
    project_id: int,
    *,
    data: bytes,
    filename: str,
    cell_id_label: str = "",
    name: str | None = None,
    format: str | None = None,
) -> list[EISMeasurement]:
    """Parse an impedance file and store one :class:`EISMeasurement` per spectrum.

    Parameters
    ----------
    data : bytes
        The uploaded file.
    filename : str
        Its name (format detection, error messages).
    cell_id_label : str
        Cell identifier to attach.
    name : str, optional
        Measurement name (default: the spectrum label).
    format : str, optional
        Reader key to force (see :data:`voltvault_core.eis.readers.READERS`).

    Raises
    ------
    EISFileError
        Unreadable file (names the file and line); nothing is stored.
    """
    if len(data) > MAX_UPLOAD_BYTES:
        raise EISFileError(
            filename, f"the file is {len(data) / 1e6:.1f} MB; the limit is {MAX_UPLOAD_BYTES / 1e6:.0f} MB"
        )
    spectra = read_spectra(bytes(data), Path(filename).name, format=format)
    rows = store_spectra(
        session,
        project_id,
        data=bytes(data),
        filename=filename,
        spectra=spectra,
        actor_id=actor.id,
        cell_id_label=cell_id_label,
        name=name,
    )
    audit(
        session,
        actor,
        "eis.import",
        project_id=project_id,
        target_type="eis_measurement",
        target_id=rows[0].id,
        filename=Path(filename).name,
        n_spectra=len(rows),
    )
    return rows


def store_spectra(
    session: Session,
    project_id: int,
    *,
    data: bytes,
    filename: str,
    spectra: list[Spectrum],
    actor_id: int | None,
    cell_id_label: str = "",
    name: str | None = None,
) -> list[EISMeasurement]:
    """Store parsed spectra (raw file + one NPZ artifact and one row each) WITHOUT a role check.

    For :func:`import_measurements` (which checks the role first) and system seeders (the demo
    project); not a service for user calls.
    """
    raw = put_artifact(
        session, bytes(data), media_type="application/octet-stream", filename=Path(filename).name
    )
    rows = []
    for spectrum in spectra:
        artifact = put_artifact(
            session, spectrum.to_npz_bytes(), media_type="application/x-npz", filename=f"{spectrum.label}.npz"
        )
        row = EISMeasurement(
            project_id=project_id,
            name=name
            if name and len(spectra) == 1
            else (f"{name} – {spectrum.label}" if name else spectrum.label),
            cell_id_label=cell_id_label,
            conditions=_json_safe({**spectrum.metadata, "label": spectrum.label}),
            spectrum_artifact_id=artifact.id,
            raw_artifact_id=raw.id,
            source_format=str(spectrum.metadata.get("format", "")),
            n_points=spectrum.n_points,
            created_by=actor_id,
        )
        session.add(row)
        session.flush()
        rows.append(row)
    return rows


def _measurement(session: Session, actor: User | None, measurement_id: int, minimum: str) -> EISMeasurement:
    row = session.get(EISMeasurement, measurement_id)
    if row is None:
        raise NotFound(f"EIS measurement {measurement_id} does not exist")
    require_role(session, actor, row.project_id, minimum)
    return row


def load_spectrum(session: Session, actor: User | None, measurement_id: int) -> Spectrum:
    """The stored spectrum of a measurement (viewer role or higher)."""
    row = _measurement(session, actor, measurement_id, "viewer")
    if row.spectrum_artifact_id is None:
        raise NotFound(f"EIS measurement {measurement_id} has no stored spectrum")
    conditions = dict(row.conditions or {})
    label = str(conditions.pop("label", row.name))
    return Spectrum.from_npz_bytes(
        get_artifact_bytes(session, row.spectrum_artifact_id), metadata=conditions, label=label
    )


def list_measurements(session: Session, actor: User | None, project_id: int) -> list[EISMeasurement]:
    """Measurements of a project, newest first (viewer role or higher)."""
    require_role(session, actor, project_id, "viewer")
    query = select(EISMeasurement).where(EISMeasurement.project_id == project_id)
    return list(
        session.exec(
            query.order_by(col(EISMeasurement.uploaded_at).desc(), col(EISMeasurement.id).desc())
        ).all()
    )


def fit_record(fit: FitResult) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``(fitted_parameters, fit_quality)`` in the EISFit row format."""
    from voltvault_core.eis.circuit import Circuit

    circuit = Circuit(fit.circuit)
    parameters = [
        _json_safe(
            {
                "element": p.element,
                "param": p.name,
                "name": p.spec.name,
                "value": fit.parameters[p.name],
                "error": fit.stderr[p.name],
                "ci95": list(fit.ci95[p.name]),
                "unit": p.unit,
                "fixed": p.name in fit.fixed,
            }
        )
        for p in circuit.parameters
    ]
    summary = fit.to_dict()
    quality = _json_safe(
        {
            key: summary[key]
            for key in (
                "rmse_ohm",
                "nrmse",
                "chi_square",
                "reduced_chi_square",
                "weighting",
                "n_points",
                "n_evaluations",
                "n_starts",
                "success",
                "message",
                "wall_time_s",
                "initial_guess",
                "free_parameters",
                "correlation",
            )
        }
        | {"frequency_range_Hz": [float(fit.frequency_Hz.min()), float(fit.frequency_Hz.max())]}
    )
    return parameters, quality


def store_fit(session: Session, measurement_id: int, fit: FitResult, *, actor_id: int | None) -> EISFit:
    """Store a fit row WITHOUT a role check (for :func:`save_fit` and system seeders)."""
    parameters, quality = fit_record(fit)
    record = EISFit(
        measurement_id=measurement_id,
        circuit=fit.circuit,
        fitted_parameters=parameters,
        fit_quality=quality,
        algorithm=ALGORITHM_NAMES.get(fit.method, fit.method),
        created_by=actor_id,
    )
    session.add(record)
    session.flush()
    return record


@write_service("editor", project_arg=None)
def save_fit(session: Session, actor: User, measurement_id: int, fit: FitResult) -> EISFit:
    """Store a fit of a measurement (editor role or higher in its project)."""
    row = _measurement(session, actor, measurement_id, "editor")
    record = store_fit(session, row.id, fit, actor_id=actor.id)
    quality = record.fit_quality or {}
    audit(
        session,
        actor,
        "eis.fit",
        project_id=row.project_id,
        target_type="eis_fit",
        target_id=record.id,
        circuit=fit.circuit,
        rmse_ohm=quality.get("rmse_ohm"),
    )
    return record


@write_service("editor", project_arg=None)
def fit_measurement(
    session: Session,
    actor: User,
    measurement_id: int,
    *,
    circuit: str,
    method: str = "lm",
    weighting: str = "unit",
    fixed: dict[str, float] | None = None,
    bounds: dict[str, tuple[float, float]] | None = None,
    initial_guess: dict[str, float] | None = None,
    capacitive_only: bool = True,
    min_frequency_Hz: float | None = None,
    max_frequency_Hz: float | None = None,
) -> tuple[EISFit, FitResult]:
    """Fit a stored measurement and save the fit (editor role or higher)."""
    _measurement(session, actor, measurement_id, "editor")
    spectrum = load_spectrum(session, actor, measurement_id)
    if min_frequency_Hz is not None or max_frequency_Hz is not None:
        spectrum = spectrum.frequency_window(min_frequency_Hz, max_frequency_Hz)
    if capacitive_only:
        spectrum = spectrum.capacitive_only()
    fit = fit_circuit(
        spectrum,
        circuit,
        method=method,
        weighting=weighting,
        fixed=fixed,
        bounds=bounds,
        initial_guess=initial_guess,
    )
    return save_fit(session, actor, measurement_id, fit), fit


def list_fits(session: Session, actor: User | None, measurement_id: int) -> list[EISFit]:
    """Fits of a measurement, newest first (viewer role or higher)."""
    _measurement(session, actor, measurement_id, "viewer")
    query = select(EISFit).where(EISFit.measurement_id == measurement_id)
    return list(session.exec(query.order_by(col(EISFit.created_at).desc(), col(EISFit.id).desc())).all())


def load_fit(
    session: Session, actor: User | None, fit_id: int, spectrum: Spectrum | None = None
) -> FitResult:
    """A saved fit as a :class:`FitResult` (viewer role or higher), for plots and the parameter table.

    The fitted points are the measurement's points inside the stored frequency range (with ``Z'' < 0``
    when the fit used only those, i.e. when its point count says so).
    """
    record = session.get(EISFit, fit_id)
    if record is None:
        raise NotFound(f"EIS fit {fit_id} does not exist")
    spectrum = spectrum or load_spectrum(session, actor, record.measurement_id)
    _measurement(session, actor, record.measurement_id, "viewer")
    quality = dict(record.fit_quality or {})
    by_name = {p["param"]: p for p in record.fitted_parameters or []}
    names = list(by_name)

    def number(value: Any) -> float:
        return float("nan") if value is None else float(value)

    lo, hi = quality.get("frequency_range_Hz", [spectrum.frequency_Hz.min(), spectrum.frequency_Hz.max()])
    used = spectrum.frequency_window(lo * (1 - 1e-9), hi * (1 + 1e-9))
    if (used.z_imag_ohm < 0).sum() == quality.get("n_points") and used.n_points != quality.get("n_points"):
        used = used.capacitive_only()
    free = list(quality.get("free_parameters") or [])
    correlation = np.array(
        [[number(v) for v in row] for row in quality.get("correlation") or []], dtype=float
    ).reshape(len(free), len(free))
    return FitResult(
        circuit=record.circuit,
        parameter_names=names,
        parameters={n: number(by_name[n]["value"]) for n in names},
        stderr={n: number(by_name[n].get("error")) for n in names},
        ci95={n: tuple(number(v) for v in (by_name[n].get("ci95") or [None, None])) for n in names},
        units={n: by_name[n].get("unit", "") for n in names},
        free_parameters=free,
        correlation=correlation,
        rmse_ohm=number(quality.get("rmse_ohm")),
        nrmse=number(quality.get("nrmse")),
        chi_square=number(quality.get("chi_square")),
        reduced_chi_square=number(quality.get("reduced_chi_square")),
        weighting=str(quality.get("weighting", "unit")),
        method={v: k for k, v in ALGORITHM_NAMES.items()}.get(record.algorithm, record.algorithm),
        n_points=int(quality.get("n_points", used.n_points)),
        n_evaluations=int(quality.get("n_evaluations", 0)),
        success=bool(quality.get("success", True)),
        message=str(quality.get("message", "")),
        initial_guess={k: number(v) for k, v in (quality.get("initial_guess") or {}).items()},
        frequency_Hz=used.frequency_Hz,
        impedance_ohm=used.impedance_ohm,
        wall_time_s=number(quality.get("wall_time_s")),
        fixed={n: number(by_name[n]["value"]) for n in names if by_name[n].get("fixed")},
        n_starts=int(quality.get("n_starts", 1)),
    )
