"""EIS persistence: imports in one transaction, spectra as artifacts, fits saved, roles enforced in the core."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlmodel import select

from voltvault_core.auth.permissions import PermissionDenied
from voltvault_core.db.engine import session_scope
from voltvault_core.db.models import Artifact, EISFit, EISMeasurement
from voltvault_core.eis import service
from voltvault_core.eis.circuit import Circuit
from voltvault_core.eis.spectrum import EISFileError

EIS_DIR = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "eis"


def _csv(cycles: int = 1) -> bytes:
    f = np.geomspace(1e4, 1e-1, 30)
    lines = ["Frequency (Hz),Z' (Ohm),-Z'' (Ohm),Cycle"]
    for cycle in range(1, cycles + 1):
        z = Circuit("R0-p(R1,CPE1)-W1").impedance([0.5, 2.0 * cycle, 1e-3, 0.85, 0.3], f)
        lines += [f"{a},{b},{-c},{cycle}" for a, b, c in zip(f, z.real, z.imag, strict=True)]
    return "\n".join(lines).encode()


def test_import_fit_and_reload(engine, users) -> None:
    pid = users["project_id"]
    with session_scope(engine) as session:
        rows = service.import_measurements(
            session,
            session.merge(users["editor"]),
            pid,
            data=_csv(cycles=3),
            filename="soc_steps.csv",
            cell_id_label="A1",
        )
        ids = [r.id for r in rows]
        assert [r.conditions["cycle"] for r in rows] == [1, 2, 3]
    with session_scope(engine) as session:
        viewer = session.merge(users["viewer"])
        listed = service.list_measurements(session, viewer, pid)
        assert sorted(r.id for r in listed) == sorted(ids)
        spectrum = service.load_spectrum(session, viewer, ids[1])
        assert spectrum.n_points == 30
        assert spectrum.metadata["cycle"] == 2
    with session_scope(engine) as session:
        editor = session.merge(users["editor"])
        record, fit = service.fit_measurement(session, editor, ids[1], circuit="R0-p(R1,CPE1)-W1")
        assert fit.parameters["R1"] == pytest.approx(4.0, rel=1e-4)
        assert record.algorithm == "levenberg_marquardt"
    with session_scope(engine) as session:
        stored = service.list_fits(session, session.merge(users["viewer"]), ids[1])
        assert len(stored) == 1
        row = stored[0]
        by_param = {p["param"]: p for p in row.fitted_parameters}
        assert by_param["R1"]["value"] == pytest.approx(4.0, rel=1e-4)
        assert by_param["CPE1_0"]["unit"] == "Ohm^-1 s^a"
        assert row.fit_quality["rmse_ohm"] < 1e-6
        assert row.fit_quality["weighting"] == "unit"


def test_real_instrument_file_import(engine, users) -> None:
    path = EIS_DIR / "exampleDataGamry.DTA"
    if not path.exists():
        pytest.skip("../shared/data is absent")
    with session_scope(engine) as session:
        rows = service.import_measurements(
            session,
            session.merge(users["owner"]),
            users["project_id"],
            data=path.read_bytes(),
            filename=path.name,
        )
        assert len(rows) == 1
        assert rows[0].source_format == "gamry_dta"
        assert rows[0].n_points == 72
        mid = rows[0].id
    with session_scope(engine) as session:
        spectrum = service.load_spectrum(session, session.merge(users["owner"]), mid)
        assert spectrum.impedance_ohm[0] == pytest.approx(825.8584 - 1367.239j)


def test_bad_file_leaves_nothing_behind(engine, users) -> None:
    bad = b"Frequency (Hz),Z' (Ohm),-Z'' (Ohm)\n1000,1,0.1\n100,x,0.2\n"
    with pytest.raises(EISFileError, match=r"bad\.csv, line 3"):
        with session_scope(engine) as session:
            service.import_measurements(
                session, session.merge(users["editor"]), users["project_id"], data=bad, filename="bad.csv"
            )
    with session_scope(engine) as session:
        assert session.exec(select(EISMeasurement)).all() == []
        assert session.exec(select(Artifact)).all() == []


def test_viewer_cannot_write_even_without_a_page(engine, users) -> None:
    pid = users["project_id"]
    with session_scope(engine) as session:
        with pytest.raises(PermissionDenied):
            service.import_measurements(
                session, session.merge(users["viewer"]), pid, data=_csv(), filename="x.csv"
            )
    with session_scope(engine) as session:
        mid = service.import_measurements(
            session, session.merge(users["editor"]), pid, data=_csv(), filename="x.csv"
        )[0].id
    with session_scope(engine) as session:
        with pytest.raises(PermissionDenied):
            service.fit_measurement(session, session.merge(users["viewer"]), mid, circuit="R0-p(R1,CPE1)-W1")
        with pytest.raises(PermissionDenied):
            service.load_spectrum(session, session.merge(users["outsider"]), mid)
    with session_scope(engine) as session:
        assert session.exec(select(EISFit)).all() == []


def test_saved_fit_reloads_as_the_same_fit(engine, users) -> None:
    pid = users["project_id"]
    with session_scope(engine) as session:
        mid = service.import_measurements(
            session, session.merge(users["editor"]), pid, data=_csv(), filename="x.csv"
        )[0].id
    with session_scope(engine) as session:
        record, fit = service.fit_measurement(
            session, session.merge(users["editor"]), mid, circuit="R0-p(R1,CPE1)-W1", weighting="modulus"
        )
        fid = record.id
    with session_scope(engine) as session:
        again = service.load_fit(session, session.merge(users["viewer"]), fid)
    assert again.circuit == fit.circuit
    assert again.parameters == pytest.approx(fit.parameters)
    assert again.weighting == "modulus"
    assert again.n_points == fit.n_points
    np.testing.assert_allclose(again.fitted_ohm, fit.fitted_ohm)
    np.testing.assert_allclose(again.correlation, fit.correlation)
