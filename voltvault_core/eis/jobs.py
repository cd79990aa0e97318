"""Job-runner workers for EIS work that can take seconds (global searches, multi-spectrum fits).

Submitted by name through :mod:`voltvault_core.jobs` (``"voltvault_core.eis.jobs:fit_spectrum_job"``),
so a page stays responsive and the work runs in a pool process or on a Dask cluster. Arguments are
plain bytes and dicts (spectra as NPZ, never pickled user data); results are picklable dataclasses.
"""

from __future__ import annotations

from collections.abc import Callable

from voltvault_core.eis.fitting import FitResult, fit_circuit
from voltvault_core.eis.multi import MultiFitResult, fit_multi
from voltvault_core.eis.spectrum import Spectrum

__all__ = ["fit_multi_job", "fit_spectrum_job"]

Progress = Callable[..., None]


def fit_spectrum_job(
    *,
    spectrum_npz: bytes,
    label: str,
    circuit: str,
    method: str = "lm",
    weighting: str = "unit",
    fixed: dict | None = None,
    bounds: dict | None = None,
    initial_guess: dict | None = None,
    progress: Progress,
) -> FitResult:
    """Fit one spectrum (see :func:`voltvault_core.eis.fitting.fit_circuit`)."""
    progress(0.05, f"fitting {circuit} ({method})")
    spectrum = Spectrum.from_npz_bytes(spectrum_npz, label=label)
    bounds = {k: tuple(v) for k, v in (bounds or {}).items()}
    result = fit_circuit(
        spectrum,
        circuit,
        method=method,
        weighting=weighting,
        fixed=fixed,
        bounds=bounds,
        initial_guess=initial_guess,
    )
    progress(1.0, "done")
    return result


def fit_multi_job(
    *,
    spectra_npz: list[bytes],
    labels: list[str],
    conditions: list[dict],
    circuit: str,
    shared: list[str],
    weighting: str = "unit",
    progress: Progress,
) -> MultiFitResult:
    """Fit several spectra together (see :func:`voltvault_core.eis.multi.fit_multi`)."""
    progress(0.05, f"fitting {len(spectra_npz)} spectra together")
    spectra = [
        Spectrum.from_npz_bytes(data, metadata=meta, label=label)
        for data, label, meta in zip(spectra_npz, labels, conditions, strict=True)
    ]
    result = fit_multi(spectra, circuit, shared, weighting=weighting)
    progress(1.0, "done")
    return result
