"""EIS benchmark: fit time per spectrum and DRT time, VoltVault beside impedance.py.

Run ``.venv/bin/python benchmarks/eis.py`` (``--json`` for machine output, ``--update-docs`` to rewrite
the "EIS" section of ``docs/benchmarks.md``). Targets (issue 6): a Randles + Warburg fit in under
50 ms, a DRT of 60 points in under 200 ms.

What is timed
-------------
- Fit: ``R0-p(R1,CPE1)-W1`` on every real spectrum in ``../shared/data/eis`` (points with Z'' < 0)
  and on a synthetic 60-point spectrum with 0.5 % noise. VoltVault starts from its automatic guess
  (guess generation included in the time); impedance.py from the reference guess recorded in
  ``reference_values.json`` (synthetic: the true values times 0.5-2). Median of ``--repeat`` runs.
- DRT: VoltVault's Tikhonov DRT with GCV (and L-curve) on a synthetic two-RC spectrum of 60 points.
  impedance.py has no DRT, so there is nothing to put beside it.
- Linear KK: VoltVault beside ``impedance.validation.linKK`` when that runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from voltvault_core.eis.circuit import Circuit  # noqa: E402
from voltvault_core.eis.drt import compute_drt  # noqa: E402
from voltvault_core.eis.fitting import fit_circuit  # noqa: E402
from voltvault_core.eis.kk import linear_kk  # noqa: E402
from voltvault_core.eis.readers import read_spectra  # noqa: E402
from voltvault_core.eis.spectrum import Spectrum  # noqa: E402

SHARED = REPO.parent / "shared" / "data"
RANDLES_W = "R0-p(R1,CPE1)-W1"
TARGET_FIT_MS = 50.0
TARGET_DRT_MS = 200.0
START, END = "<!-- eis:start -->", "<!-- eis:end -->"


def _median_ms(func, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = func()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times), result


def _impedancepy_fit(circuit: str, guess: list[float], f: np.ndarray, z: np.ndarray):
    from impedance.models.circuits import CustomCircuit

    model = CustomCircuit(circuit, initial_guess=guess)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(f, z)
    return float(np.sqrt(np.mean(np.abs(model.predict(f) - z) ** 2)))


def _spectra() -> list[tuple[str, Spectrum, list[float]]]:
    out = []
    reference_path = SHARED / "reference_values.json"
    if reference_path.exists():
        reference = json.loads(reference_path.read_text())["eis"]
        for name, entry in sorted(reference.items()):
            fit = entry["reference"]["fits"]["randles_cpe_warburg"]
            spectrum = read_spectra(SHARED / name)[0].capacitive_only()
            out.append((Path(name).name, spectrum, list(fit["initial_guess"].values())))
    true = {"R0": 0.015, "R1": 0.03, "CPE1_0": 2.0, "CPE1_1": 0.85, "W1": 0.004}
    f = np.geomspace(1e5, 1e-2, 60)
    z = Circuit(RANDLES_W).impedance(true, f)
    rng = np.random.default_rng(0)
    z = z + 0.005 * np.abs(z) * (rng.standard_normal(60) + 1j * rng.standard_normal(60))
    guess = [0.5 * true["R0"], 2 * true["R1"], 0.5 * true["CPE1_0"], 0.7, 2 * true["W1"]]
    out.append(("synthetic 60 pts, 0.5 % noise", Spectrum(f, z, label="synthetic"), guess))
    return out


ROBUSTNESS_CIRCUITS = (
    "R0-p(R1,CPE1)-W1",
    "R0-p(R1-Wo1,CPE1)",
    "R0-p(R1,CPE1)-Wo1",
    "R0-p(R1,CPE1)-p(R2,CPE2)-W1",
)


def _random_values(circuit: Circuit, rng: np.random.Generator) -> np.ndarray:
    """Parameters drawn log-uniformly over battery-like ranges (exponents 0.7-0.98)."""
    ranges = {"Ohm": (-2, 1), "s": (-1, 3), "Ohm s^-1/2": (-2, 0), "H": (-8, -6)}
    out = []
    for p in circuit.parameters:
        if p.spec.kind == "exponent":
            out.append(rng.uniform(0.7, 0.98))
        else:
            lo, hi = ranges.get(p.unit, (-5, 0))
            out.append(10 ** rng.uniform(lo, hi))
    return np.array(out)


def robustness(n_spectra: int = 30, seed: int = 1) -> list[dict]:
    """Share of random synthetic spectra (0.3 % noise) where the automatic-guess fit reaches the RMSE of
    the generating parameters (the global optimum is at least that good)."""
    f = np.geomspace(1e5, 1e-2, 60)
    rows = []
    for text in ROBUSTNESS_CIRCUITS:
        circuit = Circuit(text)
        rng = np.random.default_rng(seed)
        hits, times = 0, []
        for _ in range(n_spectra):
            z_true = circuit.impedance(_random_values(circuit, rng), f)
            z = z_true + 0.003 * np.abs(z_true) * (
                rng.standard_normal(f.size) + 1j * rng.standard_normal(f.size)
            )
            t0 = time.perf_counter()
            fit = fit_circuit(Spectrum(f, z), circuit)
            times.append((time.perf_counter() - t0) * 1e3)
            hits += fit.rmse_ohm <= 1.001 * float(np.sqrt(np.mean(np.abs(z_true - z) ** 2)))
        rows.append({"circuit": text, "n": n_spectra, "reached": hits, "median_ms": statistics.median(times)})
    return rows


def run(repeat: int) -> dict:
    """Run every timing; returns a JSON-friendly dict."""
    fits = []
    for name, spectrum, guess in _spectra():
        ours_ms, ours = _median_ms(lambda s=spectrum: fit_circuit(s, RANDLES_W), repeat)
        theirs_ms, theirs_rmse = _median_ms(
            lambda s=spectrum, g=guess: _impedancepy_fit(RANDLES_W, g, s.frequency_Hz, s.impedance_ohm),
            repeat,
        )
        fits.append(
            {
                "spectrum": name,
                "n_points": spectrum.n_points,
                "voltvault_ms": ours_ms,
                "impedancepy_ms": theirs_ms,
                "voltvault_rmse_ohm": ours.rmse_ohm,
                "impedancepy_rmse_ohm": theirs_rmse,
                "voltvault_evaluations": ours.n_evaluations,
            }
        )
    f = np.geomspace(1e5, 1e-2, 60)
    z = Circuit("R0-p(R1,C1)-p(R2,C2)").impedance([0.01, 0.02, 0.05, 0.03, 33.3], f)
    rng = np.random.default_rng(1)
    z = z + 0.002 * np.abs(z) * (rng.standard_normal(60) + 1j * rng.standard_normal(60))
    two_rc = Spectrum(f, z, label="two RC")
    drt = {}
    for rule in ("gcv", "lcurve"):
        ms, result = _median_ms(lambda r=rule: compute_drt(two_rc, lambda_value=r), repeat)
        drt[rule] = {
            "ms": ms,
            "peaks_tau_s": [p.time_constant_s for p in result.peaks],
            "lambda": result.lambda_value,
        }
    kk_ms, _ = _median_ms(lambda: linear_kk(two_rc), repeat)
    try:
        from impedance.validation import linKK

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            imp_kk_ms, _ = _median_ms(lambda: linKK(f, z, c=0.85, max_M=50), repeat)
        imp_kk = f"{imp_kk_ms:.1f} ms"
    except Exception as exc:  # impedance.py 1.7.1's linKK evaluates a string and fails
        imp_kk = f"fails ({type(exc).__name__}: {exc})"
    import impedance

    return {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f} at the start",
        "impedance_version": getattr(impedance, "__version__", "?"),
        "repeat": repeat,
        "fits": fits,
        "drt_60_points": drt,
        "kk_60_points_ms": kk_ms,
        "impedancepy_linkk": imp_kk,
        "robustness": robustness(),
    }


def markdown(results: dict) -> str:
    """The "EIS" section of docs/benchmarks.md."""
    lines = [
        START,
        "## EIS",
        "",
        f"Produced by `python benchmarks/eis.py --update-docs` ({results['machine']}; impedance.py "
        f"{results['impedance_version']}; median of {results['repeat']} runs; the machine was shared with other work, "
        "so times are indicative).",
        "",
        f"### Randles + Warburg fit `{RANDLES_W}` (target < {TARGET_FIT_MS:.0f} ms)",
        "",
        "VoltVault from its automatic initial guess (guessing included); impedance.py from the reference guess.",
        "",
        "| spectrum | points | VoltVault ms | impedance.py ms | VoltVault RMSE [ohm] | impedance.py RMSE [ohm] | target |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in results["fits"]:
        met = "met" if row["voltvault_ms"] < TARGET_FIT_MS else "**missed**"
        lines.append(
            f"| {row['spectrum']} | {row['n_points']} | {row['voltvault_ms']:.1f} | {row['impedancepy_ms']:.1f} | "
            f"{row['voltvault_rmse_ohm']:.5g} | {row['impedancepy_rmse_ohm']:.5g} | {met} |"
        )
    drt = results["drt_60_points"]
    lines += [
        "",
        f"### DRT of 60 points (target < {TARGET_DRT_MS:.0f} ms)",
        "",
        "| rule | VoltVault ms | peaks found [s] (true 1e-3, 1) | lambda | impedance.py |",
        "|---|---:|---|---:|---|",
    ]
    for rule, row in drt.items():
        peaks = ", ".join(f"{t:.3g}" for t in row["peaks_tau_s"])
        lines.append(f"| {rule} | {row['ms']:.1f} | {peaks} | {row['lambda']:.3g} | no DRT in impedance.py |")
    lines += [
        "",
        f"Linear Kramers–Kronig on the same 60 points: VoltVault {results['kk_60_points_ms']:.1f} ms; "
        f"impedance.py `linKK`: {results['impedancepy_linkk']}.",
        "",
        "### Automatic initial guess on random synthetic spectra",
        "",
        "60 points, 100 kHz to 10 mHz, 0.3 % noise, parameters drawn log-uniformly (seed 1). A fit counts when",
        "its RMSE is no worse than that of the generating parameters (+0.1 %).",
        "",
        "| circuit | reached | median ms |",
        "|---|---:|---:|",
        *[
            f"| `{r['circuit']}` | {r['reached']}/{r['n']} | {r['median_ms']:.0f} |"
            for r in results["robustness"]
        ],
        END,
        "",
    ]
    return "\n".join(lines)


def update_docs(section: str, path: Path = REPO / "docs" / "benchmarks.md") -> None:
    """Replace (or append) only the EIS section, between its markers, of the benchmarks page."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    section = section.strip() + "\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        text = head + section + tail.lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--update-docs", action="store_true")
    args = parser.parse_args(argv)
    results = run(args.repeat)
    if args.json:
        print(json.dumps(results))
    else:
        print(markdown(results))
    if args.update_docs:
        update_docs(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
