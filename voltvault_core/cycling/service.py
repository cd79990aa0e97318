"""Persistence of cycling datasets: import (one transaction), queries for the explorer, exports.

An import writes, inside the caller's transaction (:func:`voltvault_core.db.engine.session_scope`):
the raw file and the parsed BDF Parquet as artifacts, one ``CyclingDataset`` row with the layered
metadata, and one ``CycleMetric`` row per cycle. Anything failing on the way rolls all of it back:
no dataset row, no artifact. Every service checks the caller's project role first
(``editor`` to write, ``viewer`` to read), so a page cannot forget it.

Per-cycle metrics live in SQL rows so that comparing hundreds of cells (fade curves) reads a few
columns of ``CycleMetric`` instead of loading time series (:func:`fade_curves`).

Write services are declared with :func:`voltvault_core.auth.permissions.write_service` (the role check
runs before the body; services acting on a dataset look its project up and check themselves).
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import delete, insert, select
from sqlmodel import Session

from voltvault_core import bdf
from voltvault_core.auth.permissions import NotFound, require_role, write_service
from voltvault_core.cycling import export
from voltvault_core.cycling.errors import CyclingError, UploadNeedsWorkerError
from voltvault_core.cycling.importer import combine_parts, read_cycling_bytes
from voltvault_core.cycling.metadata import build_metadata, matches_filters
from voltvault_core.cycling.metrics import compute_cycle_metrics
from voltvault_core.cycling.quality import flag_summary_by_cycle, quality_flags
from voltvault_core.cycling.readers import ParsedFile, get_format
from voltvault_core.db.artifacts import get_artifact_bytes, put_artifact
from voltvault_core.db.models import Artifact, ColumnMapping, CycleMetric, CyclingDataset, Project, User

Progress = Callable[..., None]

#: CycleMetric column <- metrics-frame column
METRIC_ROW_COLUMNS = {
    "charge_capacity_Ah": "charge_capacity_Ah",
    "discharge_capacity_Ah": "discharge_capacity_Ah",
    "coulombic_efficiency": "coulombic_efficiency",
    "energy_efficiency": "energy_efficiency",
    "charge_energy_Wh": "charge_energy_Wh",
    "discharge_energy_Wh": "discharge_energy_Wh",
    "mean_voltage_V": "mean_voltage_V",
    "median_voltage_V": "median_voltage_V",
    "end_of_charge_voltage_V": "end_of_charge_voltage_V",
    "end_of_discharge_voltage_V": "end_of_discharge_voltage_V",
    "duration_s": "duration_s",
    "temperature_min_degC": "temperature_min_degC",
    "temperature_max_degC": "temperature_max_degC",
    "dcir_ohm": "dcir_Ohm",
    "dcir_step": "dcir_step",
}
RAW_MEDIA_TYPE = "application/octet-stream"
PARQUET_MEDIA_TYPE = "application/vnd.apache.parquet"


def _no_progress(fraction: float, message: str | None = None) -> None:
    return None


def _finite_or_none(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float | np.floating):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def metric_rows(dataset_id: int, metrics: pd.DataFrame, flags_by_cycle: dict[int, list[dict]]) -> list[dict[str, Any]]:
    """Rows for ``CycleMetric`` (plain dicts, for one bulk INSERT)."""
    rows = []
    for record in metrics.to_dict("records"):
        cycle = int(record["cycle"])
        row: dict[str, Any] = {"dataset_id": dataset_id, "cycle": cycle}
        for column, source in METRIC_ROW_COLUMNS.items():
            row[column] = _finite_or_none(record.get(source))
        row["flags"] = flags_by_cycle.get(cycle) or None
        rows.append(row)
    return rows


class SplitExportMismatch(CyclingError):
    """Files offered as the parts of one split export do not come from the same test."""


class DuplicateDatasetError(CyclingError):
    """The file (or the set of parts) is already a dataset of the project."""

    def __init__(self, filename: str, existing: list[dict[str, Any]]) -> None:
        self.existing = existing
        named = "; ".join(f"#{d['id']} {d['name']!r} (cell {d['cell']!r}, uploaded {d['uploaded']})" for d in existing)
        super().__init__(f"{filename} is already in this project as {named}: same content. Open that dataset, or "
                         "import it again only if you mean to keep two copies (tick 'import even if a duplicate').")


#: metadata keys in which the readers report the cycler channel
CHANNEL_KEYS = ("channel", "channel_index", "iv_ch_id", "tester_channel")
_CHANNEL_IN_NAME = re.compile(r"(?:^|[_\-\s])(?:CH|Channel)[_\s-]?0*(\d+)(?=$|[_\-\s.])", re.IGNORECASE)


def content_sha256(parts: Sequence[bytes]) -> str:
    """A content hash of an upload: the file's SHA-256, or for the parts of a split export the hash of
    their sorted hashes (the same parts in any order are the same upload)."""
    hashes = sorted(hashlib.sha256(p).hexdigest() for p in parts)
    return hashes[0] if len(hashes) == 1 else hashlib.sha256("".join(hashes).encode()).hexdigest()


def channel_of(parsed: ParsedFile) -> str | None:
    """The cycler channel a file was recorded on: from its header, else from its name (``..._CH041_...``)."""
    for key in CHANNEL_KEYS:
        value = parsed.source_metadata.get(key)
        if value not in (None, ""):
            return str(int(value)) if str(value).strip().isdigit() else str(value).strip()
    found = _CHANNEL_IN_NAME.search(parsed.filename.rsplit("/", 1)[-1])
    return str(int(found.group(1))) if found else None


def join_split_export(parts: Sequence[ParsedFile]) -> ParsedFile:
    """Join the parts of one split export, after checking they agree: same format (instrument) and,
    where the files say, the same channel and cell. Raises :class:`SplitExportMismatch` naming the parts
    that differ; files from different instruments or channels are separate datasets."""
    if len(parts) < 2:
        return combine_parts(parts)
    formats = {p.filename: p.format_name for p in parts}
    if len(set(formats.values())) > 1:
        listed = ", ".join(f"{name} ({fmt})" for name, fmt in formats.items())
        raise SplitExportMismatch(f"these files are not parts of one split export: they come from different "
                                  f"instruments or formats ({listed}). Import them as separate datasets.")
    channels = {p.filename: channel_of(p) for p in parts}
    known = {c for c in channels.values() if c is not None}
    if len(known) > 1:
        listed = ", ".join(f"{name} (channel {c})" for name, c in channels.items())
        raise SplitExportMismatch(f"these files are not parts of one split export: they were recorded on "
                                  f"different channels ({listed}). Import them as separate datasets.")
    cells = {p.filename: p.source_metadata.get("cell_identifier") for p in parts}
    if len({c for c in cells.values() if c}) > 1:
        listed = ", ".join(f"{name} (cell {c})" for name, c in cells.items() if c)
        raise SplitExportMismatch(f"these files name different cells ({listed}); import them separately.")
    return combine_parts(parts)


def find_duplicates(session: Session, actor: User | None, project_id: int, sha256: str) -> list[dict[str, Any]]:
    """Datasets of the project with the same content hash (see :func:`content_sha256`)."""
    require_role(session, actor, project_id, "viewer")
    query = (
        select(CyclingDataset, Artifact.sha256)
        .join(Artifact, Artifact.id == CyclingDataset.raw_artifact_id, isouter=True)
        .where(CyclingDataset.project_id == project_id)
    )
    found = []
    for dataset, raw_sha in session.execute(query).all():
        stored = ((dataset.metadata_ or {}).get("source") or {}).get("content_sha256") or raw_sha
        if stored == sha256:
            found.append({"id": dataset.id, "name": dataset.name, "cell": dataset.cell_id_label,
                          "uploaded": dataset.uploaded_at.strftime("%Y-%m-%d %H:%M")})
    return found


@write_service("editor")
def import_dataset(
    session: Session,
    actor: User | None,
    project_id: int,
    *,
    data: bytes,
    filename: str,
    primary: dict[str, Any],
    secondary: dict[str, Any] | None = None,
    tertiary: dict[str, Any] | None = None,
    format: str = "auto",
    mapping: dict[str, Any] | None = None,
    name: str | None = None,
    parsed: ParsedFile | None = None,
    progress: Progress = _no_progress,
    content_hash: str | None = None,
    allow_duplicate: bool = False,
) -> CyclingDataset:
    """Import one cycler file into a project, all in the caller's transaction.

    Parameters
    ----------
    data, filename
        The raw file as uploaded and its original name (kept as an artifact).
    primary, secondary, tertiary
        Layered metadata (:mod:`voltvault_core.cycling.metadata`); primary is required.
    format, mapping
        Reader choice (``"auto"`` detects) and the column mapping of the generic reader.
    parsed
        An already parsed file (a job that parsed it in a worker), else ``data`` is parsed here.
    content_hash, allow_duplicate
        The upload's :func:`content_sha256` (default: of ``data``); a dataset of the project with the
        same content is refused, naming it, unless ``allow_duplicate``.

    Raises
    ------
    PermissionDenied
        The caller is not at least editor in the project.
    CyclingFormatError, MetadataError
        Bad file or metadata; nothing is written.
    DuplicateDatasetError
        The same content is already a dataset of the project.
    """
    progress(0.02, "checking metadata")  # the editor role was checked by @write_service
    metadata = build_metadata(primary, secondary, tertiary)  # fails before any parsing or writing
    content_hash = content_hash or content_sha256([data])
    if not allow_duplicate:
        existing = find_duplicates(session, actor, project_id, content_hash)
        if existing:
            raise DuplicateDatasetError(filename, existing)
    if parsed is None:
        from voltvault_core.cycling.jobs import needs_worker, worker_threshold_bytes

        if needs_worker(len(data)):  # the web process never parses a large upload (DESIGN.md, Security)
            raise UploadNeedsWorkerError(
                filename,
                f"the file is {len(data) / 1024**2:.1f} MB: uploads above "
                f"{worker_threshold_bytes() / 1024**2:.0f} MB are parsed by an import job",
                "submit it with voltvault_core.cycling.jobs.submit_import",
            )
        progress(0.05, f"reading {filename}")
        parsed = read_cycling_bytes(data, filename, format, mapping=mapping)
    dataset = store_parsed(
        session, project_id, data=data, filename=filename, parsed=parsed, metadata=metadata, name=name,
        created_by=actor.id if actor is not None else None, progress=progress, content_hash=content_hash,
    )
    from voltvault_core.projects import audit

    audit(session, actor, "cycling.import", project_id=project_id, target_type="cycling_dataset",
          target_id=dataset.id, filename=filename, format=parsed.format_name, rows=dataset.n_rows)
    session.flush()
    progress(1.0, "imported")
    return dataset


def store_parsed(
    session: Session,
    project_id: int,
    *,
    data: bytes,
    filename: str,
    parsed: ParsedFile,
    metadata: dict[str, Any],
    name: str | None = None,
    created_by: int | None = None,
    progress: Progress = _no_progress,
    content_hash: str | None = None,
) -> CyclingDataset:
    """Write artifacts, the dataset row and its metric rows (no role check: callers check first).

    Used by :func:`import_dataset` after its checks and by the demo seeder.
    """
    frame = parsed.frame
    progress(0.5, "computing per-cycle metrics")
    metrics = compute_cycle_metrics(frame)
    progress(0.65, "checking data quality")
    flags = quality_flags(frame)
    metadata = dict(metadata)
    content_hash = content_hash or content_sha256([data])
    metadata["source"] = {**parsed.source_metadata, "filename": filename, "format": parsed.format_name,
                          "warnings": parsed.warnings, "n_quality_flags": len(flags),
                          "content_sha256": content_hash}
    fmt = get_format(parsed.format_name)

    progress(0.75, "storing the raw file and the BDF frame")
    raw = put_artifact(session, data, media_type=RAW_MEDIA_TYPE, filename=filename)
    parquet = put_artifact(
        session, export.to_parquet_bytes(frame, metadata), media_type=PARQUET_MEDIA_TYPE,
        filename=f"{filename}.bdf.parquet",
    )
    time_s = frame[bdf.TEST_TIME].to_numpy(dtype=float)
    dataset = CyclingDataset(
        project_id=project_id,
        name=name or metadata["primary"]["cell_identifier"],
        cell_id_label=metadata["primary"]["cell_identifier"],
        cycler_type=fmt.vendor.lower(),
        source_format=parsed.format_name,
        chemistry=metadata["primary"]["chemistry"],
        nominal_capacity_Ah=metadata["primary"]["nominal_capacity_Ah"],
        raw_artifact_id=raw.id,
        timeseries_artifact_id=parquet.id,
        parsed=True,
        metadata_=metadata,
        total_cycles=len(metrics),
        total_time_hours=float((np.nanmax(time_s) - np.nanmin(time_s)) / 3600.0),
        n_rows=len(frame),
        created_by=created_by,
    )
    session.add(dataset)
    session.flush()
    progress(0.9, f"storing {len(metrics)} cycle metrics")
    rows = metric_rows(dataset.id, metrics, flag_summary_by_cycle(flags))
    if rows:
        session.execute(insert(CycleMetric), rows)
    session.flush()
    return dataset


def _dataset_for(session: Session, actor: User | None, dataset_id: int, minimum: str) -> CyclingDataset:
    dataset = session.get(CyclingDataset, dataset_id)
    if dataset is None:
        raise NotFound(f"cycling dataset {dataset_id} does not exist")
    require_role(session, actor, dataset.project_id, minimum)
    return dataset


@write_service("editor", project_arg=None)
def delete_dataset(session: Session, actor: User | None, dataset_id: int) -> None:
    """Delete a dataset and its cycle metrics (artifacts stay: they are content-addressed and shared)."""
    dataset = _dataset_for(session, actor, dataset_id, "editor")
    session.execute(delete(CycleMetric).where(CycleMetric.dataset_id == dataset_id))
    session.delete(dataset)
    session.flush()


@write_service("editor", project_arg=None)
def update_metadata(
    session: Session,
    actor: User | None,
    dataset_id: int,
    *,
    primary: dict[str, Any] | None = None,
    secondary: dict[str, Any] | None = None,
    tertiary: dict[str, Any] | None = None,
) -> CyclingDataset:
    """Replace metadata layers of a dataset (each given layer replaces the stored one)."""
    dataset = _dataset_for(session, actor, dataset_id, "editor")
    current = dict(dataset.metadata_ or {})
    updated = build_metadata(
        primary if primary is not None else current.get("primary", {}),
        secondary if secondary is not None else current.get("secondary"),
        tertiary if tertiary is not None else current.get("tertiary"),
        current.get("source"),
    )
    dataset.metadata_ = updated
    dataset.cell_id_label = updated["primary"]["cell_identifier"]
    dataset.chemistry = updated["primary"]["chemistry"]
    dataset.nominal_capacity_Ah = updated["primary"]["nominal_capacity_Ah"]
    session.add(dataset)
    session.flush()
    return dataset


def list_datasets(
    session: Session,
    actor: User | None,
    project_ids: Sequence[int],
    *,
    search: str = "",
    chemistry: Sequence[str] = (),
    cycles: tuple[int | None, int | None] = (None, None),
    capacity_Ah: tuple[float | None, float | None] = (None, None),
    uploaded: tuple[datetime | None, datetime | None] = (None, None),
    tags: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Datasets of the projects the caller can view, filtered for the explorer's tree.

    ``search`` matches name, cell id, chemistry or file name; ``capacity_Ah`` filters the nominal
    capacity; ``tags`` are ``key: text`` filters over every metadata layer. One row per dataset with
    ``id, project_id, name, cell, chemistry, nominal_capacity_Ah, total_cycles, n_rows,
    total_time_hours, source_format, uploaded_at``.
    """
    allowed = []
    for project_id in project_ids:
        require_role(session, actor, project_id, "viewer")
        allowed.append(project_id)
    columns = [
        "id", "project_id", "name", "cell", "chemistry", "nominal_capacity_Ah", "total_cycles", "n_rows",
        "total_time_hours", "source_format", "uploaded_at",
    ]
    if not allowed:
        return pd.DataFrame(columns=columns)
    query = select(CyclingDataset).where(CyclingDataset.project_id.in_(allowed))
    if chemistry:
        query = query.where(CyclingDataset.chemistry.in_(list(chemistry)))
    if cycles[0] is not None:
        query = query.where(CyclingDataset.total_cycles >= cycles[0])
    if cycles[1] is not None:
        query = query.where(CyclingDataset.total_cycles <= cycles[1])
    if capacity_Ah[0] is not None:
        query = query.where(CyclingDataset.nominal_capacity_Ah >= capacity_Ah[0])
    if capacity_Ah[1] is not None:
        query = query.where(CyclingDataset.nominal_capacity_Ah <= capacity_Ah[1])
    if uploaded[0] is not None:
        query = query.where(CyclingDataset.uploaded_at >= uploaded[0])
    if uploaded[1] is not None:
        query = query.where(CyclingDataset.uploaded_at <= uploaded[1])
    rows = []
    needle = search.strip().lower()
    for (dataset,) in session.execute(query.order_by(CyclingDataset.project_id, CyclingDataset.cell_id_label)).all():
        metadata = dataset.metadata_ or {}
        if needle:
            haystack = " ".join(
                [dataset.name, dataset.cell_id_label, dataset.chemistry, str((metadata.get("source") or {}).get("filename", ""))]
            ).lower()
            if needle not in haystack:
                continue
        if tags and not matches_filters(metadata, tags):
            continue
        rows.append(
            [dataset.id, dataset.project_id, dataset.name, dataset.cell_id_label, dataset.chemistry,
             dataset.nominal_capacity_Ah, dataset.total_cycles, dataset.n_rows, dataset.total_time_hours,
             dataset.source_format, dataset.uploaded_at]
        )
    return pd.DataFrame(rows, columns=columns)


def get_dataset(session: Session, actor: User | None, dataset_id: int) -> CyclingDataset:
    """One dataset row (viewer or higher in its project)."""
    return _dataset_for(session, actor, dataset_id, "viewer")


def load_frame(session: Session, actor: User | None, dataset_id: int) -> pd.DataFrame:
    """The dataset's BDF frame (from its Parquet artifact)."""
    dataset = _dataset_for(session, actor, dataset_id, "viewer")
    return pd.read_parquet(io.BytesIO(get_artifact_bytes(session, dataset.timeseries_artifact_id)))


def load_raw(session: Session, actor: User | None, dataset_id: int) -> tuple[bytes, str]:
    """The raw file as uploaded and its name."""
    dataset = _dataset_for(session, actor, dataset_id, "viewer")
    return get_artifact_bytes(session, dataset.raw_artifact_id), (dataset.metadata_ or {}).get("source", {}).get("filename", "raw")


def load_metrics(session: Session, actor: User | None, dataset_id: int) -> pd.DataFrame:
    """The dataset's stored per-cycle metrics (one row per cycle, ``flags`` as lists)."""
    _dataset_for(session, actor, dataset_id, "viewer")
    columns = ["cycle", *METRIC_ROW_COLUMNS, "flags"]
    query = select(*[getattr(CycleMetric, c) for c in columns]).where(CycleMetric.dataset_id == dataset_id)
    rows = session.execute(query.order_by(CycleMetric.cycle)).all()
    return pd.DataFrame(rows, columns=columns)


def fade_curves(
    session: Session, actor: User | None, dataset_ids: Iterable[int], metric: str = "discharge_capacity_Ah"
) -> pd.DataFrame:
    """One metric against cycle for many datasets, from the ``CycleMetric`` rows (no time series).

    Returns a long frame ``dataset_id, cycle, value`` ordered by dataset and cycle. The caller must be
    viewer in every project involved.
    """
    if metric not in METRIC_ROW_COLUMNS:
        raise ValueError(f"unknown metric {metric!r}; choose one of {', '.join(METRIC_ROW_COLUMNS)}")
    ids = sorted({int(i) for i in dataset_ids})
    if not ids:
        return pd.DataFrame(columns=["dataset_id", "cycle", "value"])
    projects = session.execute(
        select(CyclingDataset.project_id).where(CyclingDataset.id.in_(ids)).distinct()
    ).scalars().all()
    for project_id in projects:
        require_role(session, actor, project_id, "viewer")
    column = getattr(CycleMetric, metric)
    rows: list[tuple] = []
    for start in range(0, len(ids), IN_CHUNK):
        query = (
            select(CycleMetric.dataset_id, CycleMetric.cycle, column)
            .where(CycleMetric.dataset_id.in_(ids[start : start + IN_CHUNK]))
            .order_by(CycleMetric.dataset_id, CycleMetric.cycle)
        )
        rows.extend(_driver_rows(session, query))
    frame = pd.DataFrame.from_records(rows, columns=["dataset_id", "cycle", "value"])
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype(float)
    return frame


IN_CHUNK = 900


def _driver_rows(session: Session, query) -> list[tuple]:
    """Run a read-only SELECT through the DBAPI cursor, skipping SQLAlchemy's per-row objects.

    The statement is compiled by SQLAlchemy (bound parameters, no string formatting of values); only the
    result rows come back as plain tuples, about five times faster for the hundreds of thousands of
    metric rows of a batch comparison.
    """
    connection = session.connection()
    compiled = query.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    params: Any = compiled.params
    if compiled.positional:
        params = tuple(compiled.params[name] for name in compiled.positiontup)
    cursor = connection.connection.cursor()
    try:
        cursor.execute(compiled.string, params)
        return cursor.fetchall()
    finally:
        cursor.close()


def export_dataset_bytes(session: Session, actor: User | None, dataset_id: int, kind: str) -> tuple[bytes, str]:
    """An export of a stored dataset (csv, parquet, xlsx, hdf5, mat) and its file name."""
    dataset = _dataset_for(session, actor, dataset_id, "viewer")
    frame = load_frame(session, actor, dataset_id)
    if kind == "xlsx":  # the workbook also gets the per-cycle metrics, flags as text
        metrics = load_metrics(session, actor, dataset_id)
        metrics["flags"] = metrics["flags"].map(
            lambda f: "; ".join(f"{i['kind']} x{i['count']}: {i['explanation']}" for i in f) if isinstance(f, list) else ""
        )
        data, suffix = export.to_excel_bytes(frame, dataset.metadata_ or {}, metrics), export.EXPORTERS["xlsx"][0]
    else:
        data, suffix = export.export_dataset(frame, dataset.metadata_ or {}, kind)
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in (dataset.cell_id_label or f"dataset_{dataset.id}"))
    return data, f"{stem}{suffix}"


# ---------------------------------------------------------------------------- column mappings (per lab)
@write_service("editor")
def save_column_mapping(
    session: Session, actor: User | None, project_id: int, *, name: str, mapping: dict[str, Any]
) -> ColumnMapping:
    """Remember a confirmed generic-CSV mapping for the caller's organisation (editor in a project of it)."""
    project = session.get(Project, project_id)
    clean = {k: v for k, v in mapping.items() if k != "scores"}
    existing = session.execute(
        select(ColumnMapping).where(ColumnMapping.org_id == project.org_id, ColumnMapping.name == name)
    ).scalar_one_or_none()
    if existing is not None:
        existing.mapping = clean
        session.add(existing)
        session.flush()
        return existing
    row = ColumnMapping(org_id=project.org_id, name=name.strip() or "mapping", mapping=clean,
                        created_by=actor.id if actor else None)
    session.add(row)
    session.flush()
    return row


def list_column_mappings(session: Session, actor: User | None) -> list[dict[str, Any]]:
    """The saved mappings of the caller's organisation (``[{"name", "mapping"}]``)."""
    if actor is None:
        return []
    rows = session.execute(select(ColumnMapping).where(ColumnMapping.org_id == actor.org_id).order_by(ColumnMapping.name))
    return [{"id": r.id, "name": r.name, "mapping": r.mapping or {}} for (r,) in rows.all()]
