"""EIS fits through the job runner: a real worker process runs them and returns the same fit."""

from __future__ import annotations

import numpy as np
import pytest

from voltvault_core.eis.circuit import Circuit
from voltvault_core.eis.fitting import fit_circuit
from voltvault_core.eis.jobs import fit_multi_job, fit_spectrum_job
from voltvault_core.eis.spectrum import Spectrum

F = np.geomspace(1e4, 1e-2, 40)


def _spectrum(r1: float = 2.0, label: str = "s") -> Spectrum:
    z = Circuit("R0-p(R1,CPE1)-W1").impedance([0.5, r1, 1e-3, 0.85, 0.3], F)
    return Spectrum(F, z, {"cycle": int(r1)}, label)


def test_job_functions_report_progress_and_fit() -> None:
    seen = []
    fit = fit_spectrum_job(
        spectrum_npz=_spectrum().to_npz_bytes(),
        label="s",
        circuit="R0-p(R1,CPE1)-W1",
        progress=lambda f, m=None: seen.append(f),
    )
    assert fit.parameters["R1"] == pytest.approx(2.0, rel=1e-5)
    assert seen[-1] == 1.0
    spectra = [_spectrum(2.0, "a"), _spectrum(3.0, "b")]
    multi = fit_multi_job(
        spectra_npz=[s.to_npz_bytes() for s in spectra],
        labels=["a", "b"],
        conditions=[s.metadata for s in spectra],
        circuit="R0-p(R1,CPE1)-W1",
        shared=["R0", "CPE1_0", "CPE1_1", "W1"],
        progress=lambda *a, **k: None,
    )
    assert [round(p["R1"], 4) for p in multi.parameters] == [2.0, 3.0]


@pytest.mark.slow
def test_differential_evolution_fit_in_a_worker_process(tmp_path) -> None:
    from voltvault_core.db.engine import create_db_engine
    from voltvault_core.db.migrate import upgrade
    from voltvault_core.jobs.pool import ProcessPoolJobRunner

    engine = create_db_engine(f"sqlite:///{tmp_path / 'jobs.db'}")
    upgrade(engine)
    spectrum = _spectrum()
    with ProcessPoolJobRunner(engine, workers=1) as runner:
        job_id = runner.submit(
            "voltvault_core.eis.jobs:fit_spectrum_job",
            {
                "spectrum_npz": spectrum.to_npz_bytes(),
                "label": "s",
                "circuit": "R0-p(R1,CPE1)-W1",
                "method": "de",
            },
            kind="eis-fit",
        )
        remote = runner.result(job_id, timeout=120)
    engine.dispose()
    local = fit_circuit(spectrum, "R0-p(R1,CPE1)-W1")
    assert remote.method == "de"
    assert remote.parameters == pytest.approx(local.parameters, rel=1e-5)
