"""SQLModel tables: the data model of the product brief, plus jobs and remembered column mappings.

Bulk arrays never live in these rows: they are :class:`Artifact` blobs (content-addressed), referenced
by id. JSON columns hold plain dicts/lists (JSONB on PostgreSQL).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, LargeBinary, UniqueConstraint, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

ROLES = ("viewer", "commenter", "editor", "owner")
JOB_STATUSES = ("queued", "running", "completed", "failed", "cancelled")


def utcnow() -> datetime:
    return datetime.now(UTC)


def _json(default: Any = None, nullable: bool = True) -> Any:
    return Field(
        default_factory=(lambda: None) if default is None else default,
        sa_column=Column(JSON().with_variant(JSONB(), "postgresql"), nullable=nullable),
    )


class Organization(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    slug: str = Field(index=True, unique=True)
    plan: str = "self-hosted"
    created_at: datetime = Field(default_factory=utcnow)


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    username: str = Field(index=True, unique=True)
    email: str
    name: str
    password_hash: str
    is_admin: bool = False
    is_active: bool = True
    orcid_id: str | None = None
    created_at: datetime = Field(default_factory=utcnow)


class Project(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    name: str
    description: str = ""
    chemistry_tag: str = ""
    status: str = "active"  # active | archived
    is_demo: bool = False
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ProjectMember(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("project_id", "user_id", name="uq_member_project_user"),)
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    role: str = "viewer"  # one of ROLES
    created_at: datetime = Field(default_factory=utcnow)


class Artifact(SQLModel, table=True):
    """A blob addressed by its SHA-256: in the database by default, or a directory / S3 object."""

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(index=True)
    size_bytes: int
    media_type: str = "application/octet-stream"
    filename: str = ""
    storage: str = "db"  # db | file | s3
    uri: str | None = None
    data: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)


class Material(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("org_id", "name", name="uq_material_org_name"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organization.id", index=True)  # None: global library
    key: str = Field(default="", index=True)  # stable identifier of library materials, e.g. "NMC811"
    name: str = Field(index=True)
    type: str = Field(index=True)  # cathode | anode | electrolyte | separator | binder | additive | collector
    properties: dict | None = _json()
    ocp_data: dict | None = _json()
    kinetic_params: dict | None = _json()
    sources: dict | None = _json()  # per-property citations
    source_reference: str = ""
    provenance: str = ""
    is_public: bool = True
    verified: bool = False
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class CellDesign(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    name: str
    cell_format: str = "pouch"
    cathode_material_id: int | None = Field(default=None, foreign_key="material.id")
    anode_material_id: int | None = Field(default=None, foreign_key="material.id")
    electrolyte_id: int | None = Field(default=None, foreign_key="material.id")
    separator_id: int | None = Field(default=None, foreign_key="material.id")
    design: dict | None = _json()  # the full design document
    electrode_params: dict | None = _json()
    cell_geometry: dict | None = _json()
    calculated_metrics: dict | None = _json()
    parameter_set: dict | None = _json()  # PyBaMM-named export, ready for the solvers
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Job(SQLModel, table=True):
    """Long work (simulations, sweeps, imports, reports) run by :mod:`voltvault_core.jobs`."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(index=True)
    func_path: str
    status: str = Field(default="queued", index=True)  # one of JOB_STATUSES
    progress: float = 0.0
    message: str | None = None
    error: str | None = None
    detail: str | None = None
    backend: str = "process"
    worker_pid: int | None = None
    project_id: int | None = Field(default=None, foreign_key="project.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    result_artifact_id: int | None = Field(default=None, foreign_key="artifact.id")
    #: small JSON the job function returned beside its artifact (a run's summary, termination, ...)
    result_meta: dict | None = _json()
    #: the runner that holds the job (``host:pid:token``) and until when; past it the row is reaped
    owner: str | None = None
    lease_expires_at: datetime | None = Field(default=None, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None


class Simulation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    cell_design_id: int | None = Field(default=None, foreign_key="celldesign.id")
    name: str = ""
    model_type: str = "dfn"  # spm | spme | dfn | thermal | pack
    parameter_set_name: str = ""
    inputs: dict | None = _json()  # everything needed to re-run: parameter set, experiment, options
    operating_conditions: dict | None = _json()
    solver_config: dict | None = _json()
    degradation_config: dict | None = _json()
    # A run with a job_id takes its status, progress, error, summary and result from its Job: read it
    # through voltvault_core.simulation.service (get_simulation, list_simulations); these columns then
    # keep what was known at submit. A run solved in-process (no job) keeps its own here.
    status: str = Field(default="queued", index=True)
    progress: float = 0.0
    error: str | None = None
    termination: str | None = None
    summary: dict | None = _json()  # capacity, end voltage, energy, ...
    result_artifact_id: int | None = Field(default=None, foreign_key="artifact.id")
    job_id: int | None = Field(default=None, foreign_key="job.id")
    runtime_seconds: float | None = None
    created_by: int | None = Field(default=None, foreign_key="user.id")
    started_at: datetime | None = None
    completed_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class DOEStudy(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    name: str = ""
    base_simulation_id: int | None = Field(default=None, foreign_key="simulation.id")
    sweep_parameters: list | None = _json()
    sampling_method: str = "lhs"
    objective_metrics: list | None = _json()
    status: str = "generating"
    total_runs: int = 0
    completed_runs: int = 0
    simulation_ids: list | None = _json()
    results_summary: dict | None = _json()
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class CyclingDataset(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    name: str = ""
    cell_id_label: str = Field(default="", index=True)
    cycler_type: str = ""  # arbin | neware | maccor | biologic | nasa | bdf | generic
    source_format: str = ""  # the reader that parsed it
    chemistry: str = Field(default="", index=True)
    nominal_capacity_Ah: float | None = None
    raw_artifact_id: int | None = Field(default=None, foreign_key="artifact.id")
    timeseries_artifact_id: int | None = Field(default=None, foreign_key="artifact.id")
    parsed: bool = False
    metadata_: dict | None = Field(
        default=None, sa_column=Column("metadata", JSON().with_variant(JSONB(), "postgresql"), nullable=True)
    )
    total_cycles: int = 0
    total_time_hours: float = 0.0
    n_rows: int = 0
    created_by: int | None = Field(default=None, foreign_key="user.id")
    uploaded_at: datetime = Field(default_factory=utcnow)


class CycleMetric(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("dataset_id", "cycle", name="uq_cyclemetric_dataset_cycle"),)
    id: int | None = Field(default=None, primary_key=True)
    dataset_id: int = Field(foreign_key="cyclingdataset.id", index=True)
    cycle: int
    charge_capacity_Ah: float | None = None
    discharge_capacity_Ah: float | None = None
    coulombic_efficiency: float | None = None
    energy_efficiency: float | None = None
    charge_energy_Wh: float | None = None
    discharge_energy_Wh: float | None = None
    mean_voltage_V: float | None = None
    median_voltage_V: float | None = None
    end_of_charge_voltage_V: float | None = None
    end_of_discharge_voltage_V: float | None = None
    duration_s: float | None = None
    temperature_min_degC: float | None = None
    temperature_max_degC: float | None = None
    dcir_ohm: float | None = None
    dcir_step: int | None = None
    flags: list | None = _json()


class ColumnMapping(SQLModel, table=True):
    """A generic-CSV column mapping remembered per organisation (lab)."""

    __table_args__ = (UniqueConstraint("org_id", "name", name="uq_columnmapping_org_name"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    name: str
    mapping: dict | None = _json()
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class EISMeasurement(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    name: str = ""
    cell_id_label: str = Field(default="", index=True)
    conditions: dict | None = _json()  # soc, temperature, cycle_number
    spectrum_artifact_id: int | None = Field(default=None, foreign_key="artifact.id")
    raw_artifact_id: int | None = Field(default=None, foreign_key="artifact.id")
    source_format: str = ""
    n_points: int = 0
    created_by: int | None = Field(default=None, foreign_key="user.id")
    measured_at: datetime | None = None
    uploaded_at: datetime = Field(default_factory=utcnow)


class EISFit(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    measurement_id: int = Field(foreign_key="eismeasurement.id", index=True)
    circuit: str
    fitted_parameters: list | None = _json()  # [{element, param, value, error, unit}]
    fit_quality: dict | None = _json()  # chi_square, rmse_ohm, r_squared
    algorithm: str = "levenberg_marquardt"
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class Experiment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    name: str
    hypothesis: str = ""
    linked_simulations: list | None = _json()
    linked_datasets: list | None = _json()
    tags: list | None = _json()
    status: str = "draft"  # draft | completed | reviewed
    notes: str = ""
    conclusions: str = ""
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Comment(SQLModel, table=True):
    """A remark on anything in a project: what the commenter role exists for."""

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    target_type: str  # simulation | dataset | design | experiment | eis_fit | project
    target_id: int | None = None
    body: str
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class ShareLink(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    token_hash: str = Field(index=True, unique=True)  # SHA-256 of the token; the token itself is shown once
    target_type: str = "project"
    target_id: int | None = None
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


class AuditEvent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    project_id: int | None = Field(default=None, foreign_key="project.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    action: str
    target_type: str = ""
    target_id: int | None = None
    details: dict | None = _json()
    created_at: datetime = Field(default_factory=utcnow)


class AppSetting(SQLModel, table=True):
    """Installation-wide settings kept in the database (e.g. the login cookie key)."""

    key: str = Field(primary_key=True)
    value: str


class RunProvenance(SQLModel, table=True):
    """What a run ran on, written once when it finishes and never changed (see
    :mod:`voltvault_core.tracking.provenance`; updates and deletes through the ORM are refused there)."""

    id: int | None = Field(default=None, primary_key=True)
    project_id: int | None = Field(default=None, foreign_key="project.id", index=True)
    # not unique: a deleted dataset's record stays, and SQLite may give its id to the next one (newest wins)
    target_type: str = Field(index=True)  # simulation | cycling_dataset | eis_fit
    target_id: int = Field(index=True)
    input_sha256: str = ""  # canonical JSON of everything that re-runs it
    parameter_set_sha256: str = ""  # canonical JSON of the resolved parameter set (functions tabulated)
    input_data_sha256: str = ""  # measured/raw data the run read, if any
    result_sha256: str = ""  # the result artifact
    record: dict | None = _json()  # the full record (inputs, solver settings, seeds, versions, times, who)
    record_sha256: str = ""  # SHA-256 of ``record``: a changed row no longer matches it
    package_version: str = ""
    source_revision: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


# Provenance is written by the database layer itself, whichever service stores a run (the functions live in
# voltvault_core.tracking.provenance and are imported only when an event fires).
@event.listens_for(Simulation, "before_update")
def _simulation_provenance(_mapper, connection, row):
    from voltvault_core.tracking.provenance import on_simulation_update

    on_simulation_update(connection, row)


@event.listens_for(Simulation, "after_insert")
def _simulation_inserted_provenance(_mapper, connection, row):
    from voltvault_core.tracking.provenance import on_simulation_insert

    on_simulation_insert(connection, row)


@event.listens_for(CyclingDataset, "after_insert")
def _dataset_provenance(_mapper, connection, row):
    from voltvault_core.tracking.provenance import on_dataset_insert

    on_dataset_insert(connection, row)


@event.listens_for(EISFit, "after_insert")
def _fit_provenance(_mapper, connection, row):
    from voltvault_core.tracking.provenance import on_fit_insert

    on_fit_insert(connection, row)


@event.listens_for(RunProvenance, "before_update")
@event.listens_for(RunProvenance, "before_delete")
def _provenance_is_immutable(mapper, connection, row):
    from voltvault_core.tracking.provenance import refuse_change

    refuse_change(mapper, connection, row)


class DOEChunk(SQLModel, table=True):
    """A contiguous range of a DOE study's runs, run as one job; its outputs are an artifact (resumable)."""

    id: int | None = Field(default=None, primary_key=True)
    study_id: int = Field(foreign_key="doestudy.id", index=True)
    index: int = 0
    run_lo: int = 0
    run_hi: int = 0
    status: str = Field(default="queued", index=True)  # queued | running | completed | failed
    job_id: int | None = Field(default=None, foreign_key="job.id")
    artifact_id: int | None = Field(default=None, foreign_key="artifact.id")
    n_failed: int = 0
    error: str | None = None
    updated_at: datetime = Field(default_factory=utcnow)
