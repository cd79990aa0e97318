"""Run bundles: exported from one database, imported into another, re-run there; hostile bundles refused."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from solvers import bdf
from voltvault_core.simulation import service as sims
from voltvault_core.db.engine import create_db_engine, session_scope
from voltvault_core.db.migrate import upgrade
from voltvault_core.tracking import bundle as vvrun
from voltvault_core.tracking import provenance as prov

REPO_ROOT = Path(__file__).resolve().parents[3]
DATA = Path(__file__).with_name("data")
INPUTS = sims.make_inputs("spme", "Chen2020", ["Discharge at 1C until 3.3 V", "Rest for 10 minutes"],
                          options={"output_period_s": 20.0})


@pytest.fixture
def exported(engine, users):
    with session_scope(engine) as session:
        row = sims.run_simulation(session, session.merge(users["editor"]), users["project_id"], inputs=INPUTS,
                                  name="bundle me")
        sim_id = row.id
    with session_scope(engine) as session:
        data = vvrun.export_bundle(session, session.merge(users["viewer"]), sim_id, with_report=False)
        stored = sims.load_result(session, session.merge(users["viewer"]), sim_id)
    return data, stored


@pytest.fixture
def other_database(tmp_path):
    """A second installation: its own SQLite database, a user and a project."""
    from voltvault_core.auth.users import add_user
    from voltvault_core.projects import create_project

    engine = create_db_engine(f"sqlite:///{tmp_path / 'other.db'}")
    upgrade(engine)
    with session_scope(engine) as session:
        bob = add_user(session, None, username="bob", email="bob@elsewhere.example", name="Bob", password="pw pw pw")
        project = create_project(session, bob, name="Cell B")
        ids = {"project_id": project.id, "user_id": bob.id}
    yield engine, ids
    engine.dispose()


def test_a_bundle_imported_elsewhere_reproduces_its_voltage(exported, other_database):
    from voltvault_core.db.models import User

    data, stored = exported
    engine_b, ids = other_database
    with session_scope(engine_b) as session:
        bob = session.get(User, ids["user_id"])
        row = vvrun.import_bundle(session, bob, ids["project_id"], data=data)
        imported_id = row.id
    with session_scope(engine_b) as session:
        bob = session.get(User, ids["user_id"])
        record = prov.get_provenance(session, bob, "simulation", imported_id)
        assert record.record["imported"] is True
        assert record.record["original_record"]["record_version"] == prov.RECORD_VERSION
        assert prov.verify_record(record) == []
        outcome = prov.reproduce_simulation(session, bob, imported_id)  # re-solved in database B
        assert outcome.reproduced, outcome.message
        rerun = sims._simulation_from_inputs(session.get(sims.Simulation, imported_id).inputs).solve()
    dv, n = prov.compare_voltage(stored.timeseries[bdf.TEST_TIME], stored.timeseries[bdf.VOLTAGE],
                                 rerun.timeseries[bdf.TEST_TIME], rerun.timeseries[bdf.VOLTAGE],
                                 stored.timeseries[bdf.STEP], rerun.timeseries[bdf.STEP])
    assert n > 10
    assert dv <= prov.voltage_tolerance_V({"rtol": 1e-4, "atol": 1e-6}, stored.timeseries[bdf.VOLTAGE])


def test_bundle_members_and_bpx(exported):
    import bpx

    data, stored = exported
    bundle = vvrun.read_bundle(data)
    assert set(bundle["manifest"]["files"]) >= {"inputs.json", "parameters.json", "parameters.bpx.json",
                                                 "results.parquet", "result.npz", "provenance.json"}
    bpx.BPX.model_validate(bundle["bpx"])
    frame = bundle["timeseries"]
    np.testing.assert_array_equal(frame[bdf.VOLTAGE].to_numpy(), np.asarray(stored.timeseries[bdf.VOLTAGE]))
    assert bundle["protocol"]["experiment"] == INPUTS["experiment"]


def _rezip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return buffer.getvalue()


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _reseal(members: dict[str, bytes], *, record: bool = True) -> bytes:
    """A forger's bundle: the manifest's (and with ``record`` the provenance record's) hashes recomputed."""
    import hashlib

    if record:
        doc = json.loads(members["provenance.json"])["record"]
        doc["result_sha256"] = hashlib.sha256(members["result.npz"]).hexdigest()
        members["provenance.json"] = json.dumps({"record": doc, "record_sha256": prov.sha256_json(doc)}).encode()
    manifest = json.loads(members["manifest.json"])
    manifest["files"] = {n: {"sha256": hashlib.sha256(c).hexdigest(), "bytes": len(c)}
                         for n, c in members.items() if n != "manifest.json"}
    members["manifest.json"] = json.dumps(manifest).encode()
    return _rezip(members)


def test_hostile_bundles_are_refused_with_clear_errors(exported):
    data, _ = exported
    members = _members(data)
    with pytest.raises(vvrun.BundleError, match="not a zip file"):
        vvrun.read_bundle(b"PK\x03\x04 not really")
    with pytest.raises(vvrun.BundleError, match=r"unexpected member\(s\) \['../../etc/cron.d/evil'\]"):
        vvrun.read_bundle(_rezip({**members, "../../etc/cron.d/evil": b"* * * * * root rm -rf /"}))
    with pytest.raises(vvrun.BundleError, match=r"lacks result\.npz"):
        vvrun.read_bundle(_rezip({n: c for n, c in members.items() if n != "result.npz"}))
    with pytest.raises(vvrun.BundleError, match=r"inputs\.json does not match the SHA-256"):
        vvrun.read_bundle(_rezip({**members, "inputs.json": members["inputs.json"].replace(b"3.3 V", b"3.0 V")}))
    with pytest.raises(vvrun.BundleError, match=r"manifest\.json is larger than its limit"):
        vvrun.read_bundle(_rezip({**members, "manifest.json": b" " * (2 << 20)}))
    with pytest.raises(vvrun.BundleError, match="zip bomb"):
        vvrun.read_bundle(_rezip({**members, "report.pdf": bytes(40 << 20)}))
    record = json.loads(members["provenance.json"])
    record["record"]["source_revision"] = "forged"
    with pytest.raises(vvrun.BundleError, match="does not match its SHA-256"):
        vvrun.read_bundle(_reseal({**members, "provenance.json": json.dumps(record).encode()}, record=False))
    # a pickled object inside the result: refused by numpy without unpickling it, even with every hash resealed
    evil = io.BytesIO()
    np.savez(evil, time_s=np.array([object()], dtype=object))
    with pytest.raises(vvrun.BundleError, match=r"result\.npz cannot be read"):
        vvrun.read_bundle(_reseal({**members, "result.npz": evil.getvalue()}))


def test_import_needs_an_editor(exported, engine, users):
    from voltvault_core.auth.permissions import PermissionDenied

    data, _ = exported
    with session_scope(engine) as session, pytest.raises(PermissionDenied):
        vvrun.import_bundle(session, session.merge(users["viewer"]), users["project_id"], data=data)


def test_run_export_and_import_commands(exported, other_database, tmp_path):
    data, _ = exported
    engine_b, _ids = other_database
    path = tmp_path / "run.vvrun"
    path.write_bytes(data)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    url = engine_b.url.render_as_string(hide_password=False)
    done = subprocess.run([sys.executable, "-m", "voltvault_core", "run", "import", str(path), "--project", "Cell B",
                           "--user", "bob", "--database-url", url, "--json"], capture_output=True, text=True, env=env,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    imported = json.loads(done.stdout)
    assert imported["project"] == "Cell B"
    out = tmp_path / "again.vvrun"
    done = subprocess.run([sys.executable, "-m", "voltvault_core", "run", "export", str(imported["simulation_id"]),
                           "--output", str(out), "--user", "bob", "--database-url", url, "--no-report", "--json"],
                          capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    assert vvrun.read_bundle(out.read_bytes())["provenance"]["record"]["imported"] is True
    bad = subprocess.run([sys.executable, "-m", "voltvault_core", "run", "import", str(tmp_path / "missing.vvrun"),
                          "--project", "Cell B", "--database-url", url], capture_output=True, text=True, env=env)
    assert bad.returncode == 2
    assert "no file" in bad.stderr


def test_bpx_capacity_matches_pybamm():
    """The committed PyBaMM run of our BPX export (make_bpx_reference.py) against VoltVault's own DFN."""
    from solvers.parameters import get_parameter_set
    from voltvault_core.simulation import Simulation
    from voltvault_core.tracking.bpx_export import parameter_set_to_bpx

    reference = json.loads((DATA / "bpx_pybamm_capacity.json").read_text())
    committed = json.loads((DATA / "chen2020.bpx.json").read_text())
    exported = parameter_set_to_bpx(get_parameter_set("Chen2020"))
    assert json.loads(json.dumps(exported, sort_keys=True)) == committed, "re-run make_bpx_reference.py"
    result = Simulation("dfn", "Chen2020", reference["protocol"]).solve()
    capacity = float(result.timeseries[bdf.DISCHARGING_CAPACITY][-1])
    assert capacity == pytest.approx(reference["bpx_discharge_capacity_Ah"], rel=0.005)
    assert reference["bpx_discharge_capacity_Ah"] == pytest.approx(reference["pybamm_chen2020_discharge_capacity_Ah"],
                                                                   rel=0.005)
