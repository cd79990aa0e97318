"""Run bundles (``.vvrun``): one zip with everything another VoltVault needs to trust and re-run a run.

Members (flat, no folders; anything else is refused on import)::

    manifest.json          format, version, the run's name, and the SHA-256 and size of every member
    inputs.json            the run's inputs document (model, parameter set, protocol, options, ...)
    parameters.json        the resolved parameter set the solver saw (functions tabulated)
    parameters.bpx.json    the same as BPX 1.0 (absent, with the reason in the manifest, if BPX cannot state it)
    protocol.json          the experiment steps and solver options
    results.parquet        the BDF time series of the result
    result.npz             the whole solver result (profiles, mesh, info; numpy arrays, no pickle)
    provenance.json        the run's provenance record and its SHA-256
    report.pdf             the run's report

An imported bundle is untrusted input: the file and each member have size limits (read with bounded
reads, never trusting the zip's declared sizes), the compression ratio is capped (zip bombs), only the
names above are read and nothing is extracted to disk (no zip-slip), JSON and NPZ are parsed without
pickle, every member must match the manifest's hash, and the provenance record must match its own hash
and the inputs. Each problem raises :class:`BundleError` naming the member and what was wrong.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlmodel import Session

from voltvault_core.auth.permissions import NotFound, require_role, write_service
from voltvault_core.db.models import Simulation, User
from voltvault_core.tracking.provenance import _insert, sha256_json

BUNDLE_FORMAT = "voltvault-run"
BUNDLE_VERSION = 1
MAX_BUNDLE_BYTES = 200 * 1024 * 1024
MAX_MEMBER_BYTES = {
    "manifest.json": 1 << 20,
    "inputs.json": 16 << 20,
    "parameters.json": 16 << 20,
    "parameters.bpx.json": 16 << 20,
    "protocol.json": 1 << 20,
    "provenance.json": 32 << 20,
    "results.parquet": 256 << 20,
    "result.npz": 512 << 20,
    "report.pdf": 64 << 20,
}
REQUIRED_MEMBERS = ("manifest.json", "inputs.json", "parameters.json", "protocol.json", "results.parquet",
                    "result.npz", "provenance.json")
MAX_TOTAL_UNCOMPRESSED = 1 << 30
MAX_COMPRESSION_RATIO = 200.0
_FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


class BundleError(ValueError):
    """A run bundle cannot be made or read; the message names the member and the problem."""


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------------


def _timeseries_parquet(result) -> bytes:
    import pandas as pd

    columns = {k: np.asarray(v) for k, v in result.timeseries.items() if np.ndim(v) == 1}
    frame = pd.DataFrame(columns)
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def export_bundle(session: Session, actor: User | None, simulation_id: int, *, with_report: bool = True) -> bytes:
    """The ``.vvrun`` bytes of a finished run (viewer or higher of its project).

    Raises
    ------
    BundleError
        If the run has not finished or has no provenance record.
    """
    from solvers.parameters import ParameterSet
    from voltvault_core.db.artifacts import get_artifact_bytes
    from voltvault_core.simulation.service import load_result
    from voltvault_core.tracking.bpx_export import BPXError, parameter_set_to_bpx
    from voltvault_core.tracking.provenance import (
        ProvenanceError,
        get_provenance,
        resolved_parameter_document,
    )

    row = session.get(Simulation, simulation_id)
    if row is None:
        raise NotFound(f"simulation {simulation_id} does not exist")
    require_role(session, actor, row.project_id, "viewer")
    if row.status != "completed" or row.result_artifact_id is None:
        raise BundleError(f"simulation {simulation_id} has not completed (status {row.status}); nothing to bundle")
    try:
        record = get_provenance(session, actor, "simulation", simulation_id)
    except ProvenanceError as exc:
        raise BundleError(str(exc)) from exc
    result = load_result(session, actor, simulation_id)
    inputs = dict(row.inputs or {})
    parameters = resolved_parameter_document(inputs)
    members: dict[str, bytes] = {
        "inputs.json": json.dumps(inputs, indent=1, sort_keys=True).encode(),
        "parameters.json": json.dumps(parameters, indent=1, sort_keys=True).encode(),
        "protocol.json": json.dumps({"experiment": inputs.get("experiment", []),
                                     "options": inputs.get("options", {}),
                                     "solver_settings": (record.record or {}).get("solver_settings", {})},
                                    indent=1, sort_keys=True).encode(),
        "results.parquet": _timeseries_parquet(result),
        "result.npz": get_artifact_bytes(session, row.result_artifact_id),  # the stored bytes the record hashes
        "provenance.json": json.dumps({"record": record.record, "record_sha256": record.record_sha256},
                                      indent=1, sort_keys=True).encode(),
    }
    notes = {}
    try:
        bpx_doc = parameter_set_to_bpx(ParameterSet.from_json_dict(parameters),
                                       model={"dfn": "DFN", "spme": "SPMe", "spm": "SPM"}.get(row.model_type, "DFN"))
        members["parameters.bpx.json"] = json.dumps(bpx_doc, indent=1, sort_keys=True).encode()
    except (BPXError, TypeError, KeyError, ArithmeticError) as exc:  # the bundle is complete without it
        notes["parameters.bpx.json"] = f"not included: {exc}"
    if with_report:
        from voltvault_core.reports.pdf import render_pdf
        from voltvault_core.reports.service import build_report

        report = build_report(session, actor, row.project_id, template="simulation-results",
                              simulation_ids=[simulation_id], generated_at=record.finished_at or record.created_at)
        members["report.pdf"] = render_pdf(report)
    manifest = {
        "format": BUNDLE_FORMAT, "version": BUNDLE_VERSION,
        "simulation": {"id": row.id, "name": row.name, "model": row.model_type,
                       "parameter_set_name": row.parameter_set_name, "termination": row.termination},
        "exported_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "files": {name: {"sha256": _sha(data), "bytes": len(data)} for name, data in sorted(members.items())},
        "notes": notes,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in [("manifest.json", json.dumps(manifest, indent=1, sort_keys=True).encode()),
                           *sorted(members.items())]:
            info = zipfile.ZipInfo(name, date_time=_FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED if name.endswith((".parquet", ".npz", ".pdf")) else zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------------
# Reading (untrusted)
# --------------------------------------------------------------------------------------------------


def read_bundle(data: bytes) -> dict[str, Any]:
    """Check and read a bundle's members (see the module docstring for what is checked).

    Returns
    -------
    dict
        ``manifest``, ``inputs``, ``parameters``, ``protocol``, ``provenance`` (parsed JSON), ``bpx`` (or
        None), ``result`` (a :class:`~solvers.result.SolverResult`), ``timeseries`` (pandas frame),
        ``report_pdf`` (bytes or None), ``sha256`` (of the whole bundle).
    """
    if not isinstance(data, bytes | bytearray):
        raise BundleError("a bundle must be given as bytes")
    if len(data) > MAX_BUNDLE_BYTES:
        raise BundleError(f"the bundle is {len(data) / 2**20:.1f} MiB; the limit is {MAX_BUNDLE_BYTES / 2**20:.0f} MiB")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise BundleError(f"not a .vvrun bundle (not a zip file: {exc})") from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > len(MAX_MEMBER_BYTES):
            raise BundleError(f"the bundle has {len(infos)} members; a .vvrun has at most {len(MAX_MEMBER_BYTES)}")
        names = [i.filename for i in infos]
        unknown = [n for n in names if n not in MAX_MEMBER_BYTES]
        if unknown:
            raise BundleError(f"unexpected member(s) {unknown[:5]} (paths, folders or other files are refused); "
                              f"a .vvrun holds only {', '.join(MAX_MEMBER_BYTES)}")
        if len(set(names)) != len(names):
            raise BundleError("the bundle names a member twice")
        missing = [n for n in REQUIRED_MEMBERS if n not in names]
        if missing:
            raise BundleError(f"the bundle lacks {', '.join(missing)}")
        raw: dict[str, bytes] = {}
        total = 0
        for info in infos:
            if info.flag_bits & 0x1:
                raise BundleError(f"{info.filename} is encrypted")
            limit = MAX_MEMBER_BYTES[info.filename]
            with zf.open(info) as member:  # bounded read: the declared size is not trusted
                content = member.read(limit + 1)
            if len(content) > limit:
                raise BundleError(f"{info.filename} is larger than its limit of {limit / 2**20:.0f} MiB")
            total += len(content)
            if total > MAX_TOTAL_UNCOMPRESSED:
                raise BundleError("the bundle unpacks to more than 1 GiB")
            if info.compress_size and len(content) / info.compress_size > MAX_COMPRESSION_RATIO and len(content) > (1 << 20):
                raise BundleError(f"{info.filename} expands {len(content) / info.compress_size:.0f}-fold: refused as a zip bomb")
            raw[info.filename] = content

    def parse(name: str) -> Any:
        try:
            return json.loads(raw[name].decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BundleError(f"{name} is not valid JSON: {exc}") from exc

    manifest = parse("manifest.json")
    if not isinstance(manifest, dict) or manifest.get("format") != BUNDLE_FORMAT:
        raise BundleError(f"manifest.json does not describe a {BUNDLE_FORMAT} bundle")
    if manifest.get("version") != BUNDLE_VERSION:
        raise BundleError(f"bundle version {manifest.get('version')!r} is not supported (this VoltVault reads {BUNDLE_VERSION})")
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise BundleError("manifest.json has no 'files' table")
    for name, content in raw.items():
        if name == "manifest.json":
            continue
        entry = files.get(name)
        if not isinstance(entry, dict) or entry.get("sha256") != _sha(content):
            raise BundleError(f"{name} does not match the SHA-256 in manifest.json (changed or damaged)")
    inputs, parameters, protocol, provenance = (parse(n) for n in
                                                ("inputs.json", "parameters.json", "protocol.json", "provenance.json"))
    if not isinstance(inputs, dict) or not isinstance(provenance, dict):
        raise BundleError("inputs.json and provenance.json must hold JSON objects")
    record = provenance.get("record")
    if not isinstance(record, dict) or sha256_json(record) != provenance.get("record_sha256"):
        raise BundleError("provenance.json: the record does not match its SHA-256 (changed after it was written)")
    if record.get("input_sha256") != sha256_json(inputs):
        raise BundleError("inputs.json is not the input the provenance record vouches for")
    if sha256_json(parameters) != record.get("parameter_set_sha256"):
        raise BundleError("parameters.json is not the parameter set the provenance record vouches for")
    if _sha(raw["result.npz"]) != record.get("result_sha256"):
        raise BundleError("result.npz is not the result the provenance record vouches for")
    from solvers.export import result_from_bytes

    try:
        result = result_from_bytes(raw["result.npz"], "npz")  # numpy.load(allow_pickle=False)
    except Exception as exc:
        raise BundleError(f"result.npz cannot be read: {exc}") from exc
    try:
        import pandas as pd

        timeseries = pd.read_parquet(io.BytesIO(raw["results.parquet"]))
    except Exception as exc:
        raise BundleError(f"results.parquet cannot be read: {exc}") from exc
    return {"manifest": manifest, "inputs": inputs, "parameters": parameters, "protocol": protocol,
            "provenance": provenance, "bpx": parse("parameters.bpx.json") if "parameters.bpx.json" in raw else None,
            "result": result, "result_npz": raw["result.npz"], "timeseries": timeseries, "report_pdf": raw.get("report.pdf"), "sha256": _sha(bytes(data))}


@write_service("editor")
def import_bundle(session: Session, actor: User | None, project_id: int, *, data: bytes, name: str = "") -> Simulation:
    """Store a bundle's run in a project as a completed simulation (editor or higher).

    The run keeps its inputs when this installation resolves them to the same parameter set (same
    hash); otherwise its inputs point at the bundled, resolved parameter set, so a re-run here uses exactly
    the values the original solver saw. Its provenance record says it was imported, from which bundle, and
    holds the original record.
    """
    from voltvault_core.db.artifacts import put_artifact
    from voltvault_core.projects import audit
    from voltvault_core.simulation.service import _simulation_from_inputs, summarise
    from voltvault_core.tracking.provenance import resolved_parameter_document

    bundle = read_bundle(data)
    original = bundle["provenance"]["record"]
    inputs = dict(bundle["inputs"])
    try:
        same_set = sha256_json(resolved_parameter_document(inputs)) == original.get("parameter_set_sha256")
    except Exception: # a set this installation does not have: use the bundled one
        same_set = False
    if not same_set:
        inputs = {**inputs, "parameter_set": bundle["parameters"], "parameter_updates": {}}
        inputs.pop("electrode_grading", None)  # already applied in the resolved set
    try:
        sim = _simulation_from_inputs(inputs)
    except Exception as exc:
        raise BundleError(f"the bundle's inputs do not describe a run this VoltVault can build: {exc}") from exc
    result = bundle["result"]
    artifact = put_artifact(session, bundle["result_npz"], media_type="application/x-npz",
                            filename=f"imported-{bundle['sha256'][:12]}.npz")
    meta = bundle["manifest"].get("simulation") or {}
    row = Simulation(project_id=project_id, name=name or f"{meta.get('name') or 'run'} (imported)",
                     model_type=sim.model_name, parameter_set_name=sim.parameters.name, inputs=inputs,
                     operating_conditions={"experiment": inputs.get("experiment", []), **inputs.get("options", {})},
                     solver_config={k: inputs.get("options", {})[k] for k in ("mesh", "backend", "rtol", "atol")
                                    if k in inputs.get("options", {})},
                     status="importing", termination=result.termination, summary=summarise(result),
                     result_artifact_id=artifact.id, progress=1.0,
                     created_by=actor.id if actor is not None else None)
    session.add(row)
    session.flush()
    now = datetime.now(UTC)
    record = {"kind": "simulation", "imported": True, "bundle_sha256": bundle["sha256"], "name": row.name,
              "inputs": inputs, "parameter_set_name": row.parameter_set_name,
              "solver_settings": original.get("solver_settings", {}), "seeds": original.get("seeds", {}),
              "deterministic": original.get("deterministic", True), "status": "completed",
              "termination": result.termination, "started_at": original.get("started_at"),
              "finished_at": original.get("finished_at"), "imported_at": now.isoformat(),
              "created_by": row.created_by, "created_by_username": actor.username if actor else None,
              "original_record": original, "original_record_sha256": bundle["provenance"]["record_sha256"]}
    _insert(session.connection(), project_id=project_id, target_type="simulation", target_id=row.id, record=record,
            input_sha256=sha256_json(inputs), parameter_set_sha256=original.get("parameter_set_sha256", ""),
            result_sha256=artifact.sha256, started_at=None, finished_at=now, created_by=row.created_by)
    row.status, row.completed_at = "completed", now
    session.add(row)
    session.flush()
    audit(session, actor, "simulation.import_bundle", project_id=project_id, target_type="simulation",
          target_id=row.id, bundle_sha256=bundle["sha256"], original_simulation=meta.get("id"))
    return row


__all__ = ["BundleError", "export_bundle", "import_bundle", "read_bundle"]
