"""``voltvault eis``: fit, DRT and Kramers–Kronig check of impedance files from the command line.

::

    voltvault eis fit FILE --circuit "R0-p(R1,CPE1)-W1" [--method lm|de] [--weighting unit|modulus|proportional]
    voltvault eis drt FILE [--lambda gcv|lcurve|VALUE]
    voltvault eis kk FILE [--threshold 0.01]

Every command accepts ``--json`` (one JSON object on stdout, nothing else there), ``--output FILE``
(CSV of the curves), ``--spectrum N`` (1-based, for files holding several spectra; default all),
``--min-frequency``/``--max-frequency`` [Hz]. ``fit`` uses the points with ``Z'' < 0`` unless
``--all-points`` is given (as impedance.py's ``ignoreBelowX``).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["register"]


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _spectra(args):
    from voltvault_core.eis.readers import read_spectra

    spectra = read_spectra(Path(args.file), format=args.format)
    if args.spectrum is not None:
        if not 1 <= args.spectrum <= len(spectra):
            raise ValueError(
                f"--spectrum {args.spectrum}: the file holds {len(spectra)} spectra (1..{len(spectra)})"
            )
        spectra = [spectra[args.spectrum - 1]]
    out = []
    for s in spectra:
        if args.min_frequency is not None or args.max_frequency is not None:
            s = s.frequency_window(args.min_frequency, args.max_frequency)
        out.append(s)
    return out


def _write_csv(path: str, header: list[str], columns: list[np.ndarray]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in zip(*columns, strict=True):
            writer.writerow([f"{v:.10g}" for v in row])


def _emit(args, payload: dict[str, Any], text_lines: list[str]) -> None:
    if args.json:
        sys.stdout.write(json.dumps(_clean(payload)) + "\n")
    else:
        print("\n".join(text_lines))


def _fit(args) -> int:
    from voltvault_core.eis.fitting import fit_circuit

    fits = []
    lines = []
    rows: list[list[np.ndarray]] = []
    for k, spectrum in enumerate(_spectra(args)):
        used = spectrum if args.all_points else spectrum.capacitive_only()
        print(f"fitting {used.label} ({used.n_points} points) with {args.circuit}", file=sys.stderr)
        fit = fit_circuit(used, args.circuit, method=args.method, weighting=args.weighting)
        entry = {"label": spectrum.label, "conditions": spectrum.metadata, **fit.to_dict()}
        fits.append(entry)
        lines.append(f"{spectrum.label}: {fit.circuit}, {fit.method}, {fit.n_points} points")
        for name in fit.parameter_names:
            lines.append(
                f"  {name:10s} = {fit.parameters[name]:.6g} ± {fit.stderr[name]:.3g} {fit.units[name]}"
            )
        lines.append(
            f"  rmse_ohm = {fit.rmse_ohm:.6g}   chi_square = {fit.chi_square:.6g}   ({fit.weighting} weighting)"
        )
        z = fit.fitted_ohm
        rows.append(
            [
                np.full(fit.n_points, k + 1),
                fit.frequency_Hz,
                fit.impedance_ohm.real,
                fit.impedance_ohm.imag,
                z.real,
                z.imag,
            ]
        )
    payload: dict[str, Any] = {"file": str(args.file), "n_spectra": len(fits), "fits": fits}
    if len(fits) == 1:
        payload.update(
            {
                key: fits[0][key]
                for key in ("circuit", "method", "parameters", "stderr", "ci95", "rmse_ohm", "chi_square")
            }
        )
    if args.output:
        columns = [np.concatenate(c) for c in zip(*rows, strict=True)]
        _write_csv(
            args.output,
            ["spectrum", "frequency_Hz", "z_real_ohm", "z_imag_ohm", "fit_real_ohm", "fit_imag_ohm"],
            columns,
        )
    _emit(args, payload, lines)
    return 0


def _drt(args) -> int:
    from voltvault_core.eis.drt import compute_drt

    lam: float | str = args.lambda_value
    try:
        lam = float(lam)
    except ValueError:
        pass
    results, lines, rows = [], [], []
    for k, spectrum in enumerate(_spectra(args)):
        result = compute_drt(spectrum, lambda_value=lam)
        results.append({"label": spectrum.label, "conditions": spectrum.metadata, **result.to_dict()})
        lines.append(
            f"{spectrum.label}: lambda = {result.lambda_value:.3g} ({result.lambda_rule}), R_inf = {result.r_inf_ohm:.5g} ohm"
        )
        for peak in result.peaks:
            lines.append(
                f"  peak tau = {peak.time_constant_s:.4g} s (f = {peak.frequency_Hz:.4g} Hz), R = {peak.resistance_ohm:.4g} ohm"
            )
        rows.append([np.full(result.tau_s.size, k + 1), result.tau_s, result.gamma_ohm])
    if args.output:
        _write_csv(
            args.output,
            ["spectrum", "tau_s", "gamma_ohm"],
            [np.concatenate(c) for c in zip(*rows, strict=True)],
        )
    _emit(args, {"file": str(args.file), "n_spectra": len(results), "drt": results}, lines)
    return 0


def _kk(args) -> int:
    from voltvault_core.eis.kk import linear_kk

    results, lines, rows = [], [], []
    for k, spectrum in enumerate(_spectra(args)):
        result = linear_kk(spectrum, threshold=args.threshold)
        results.append({"label": spectrum.label, "conditions": spectrum.metadata, **result.to_dict()})
        verdict = (
            "valid" if result.valid else f"{int(result.flagged.sum())} of {spectrum.n_points} points flagged"
        )
        lines.append(
            f"{spectrum.label}: linear KK with {result.n_elements} elements (mu = {result.mu:.3f}): {verdict}"
        )
        for f_flag in result.frequency_Hz[result.flagged]:
            lines.append(f"  flagged {f_flag:.5g} Hz")
        rows.append(
            [
                np.full(spectrum.n_points, k + 1),
                result.frequency_Hz,
                result.residual_real,
                result.residual_imag,
                result.flagged.astype(float),
            ]
        )
    if args.output:
        _write_csv(
            args.output,
            ["spectrum", "frequency_Hz", "residual_real", "residual_imag", "flagged"],
            [np.concatenate(c) for c in zip(*rows, strict=True)],
        )
    _emit(
        args,
        {
            "file": str(args.file),
            "n_spectra": len(results),
            "kk": results,
            "valid": all(r["valid"] for r in results),
        },
        lines,
    )
    return 0


def _guarded(handler):
    def run(args) -> int:
        from voltvault_core.eis.circuit import CircuitSyntaxError
        from voltvault_core.eis.spectrum import EISFileError

        try:
            return handler(args)
        except (EISFileError, CircuitSyntaxError, ValueError, KeyError) as exc:
            print(f"voltvault eis {args.eis_command}: {exc}", file=sys.stderr)
            return 2

    return run


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="impedance file (.mpt .mpr .DTA .z .par .txt .csv ...)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("--output", help="write the curves to this CSV file")
    parser.add_argument(
        "--spectrum", type=int, help="1-based spectrum of a multi-spectrum file (default: all)"
    )
    parser.add_argument(
        "--format", help="force a reader (biologic_mpt, gamry_dta, zplot_z, generic_csv, ...)"
    )
    parser.add_argument("--min-frequency", type=float, help="drop points below this frequency [Hz]")
    parser.add_argument("--max-frequency", type=float, help="drop points above this frequency [Hz]")


def register(subparsers) -> None:
    """Add ``eis fit``, ``eis drt`` and ``eis kk`` to the ``voltvault`` command."""
    eis = subparsers.add_parser(
        "eis", help="impedance spectra: equivalent-circuit fits, DRT, Kramers-Kronig check"
    )
    sub = eis.add_subparsers(dest="eis_command", metavar="ACTION", required=True)

    fit = sub.add_parser("fit", help="fit an equivalent circuit from an automatic initial guess")
    _common(fit)
    fit.add_argument("--circuit", required=True, help='circuit string, e.g. "R0-p(R1,CPE1)-W1"')
    fit.add_argument(
        "--method", choices=["lm", "de"], default="lm", help="Levenberg-Marquardt or differential evolution"
    )
    fit.add_argument("--weighting", choices=["unit", "modulus", "proportional"], default="unit")
    fit.add_argument("--all-points", action="store_true", help="also fit inductive points (Z'' > 0)")
    fit.set_defaults(func=_guarded(_fit))

    drt = sub.add_parser("drt", help="distribution of relaxation times (Tikhonov, automatic lambda)")
    _common(drt)
    drt.add_argument(
        "--lambda", dest="lambda_value", default="gcv", help="gcv (default), lcurve, or a number"
    )
    drt.set_defaults(func=_guarded(_drt))

    kk = sub.add_parser("kk", help="linear Kramers-Kronig validity check")
    _common(kk)
    kk.add_argument(
        "--threshold", type=float, default=0.01, help="flag points with relative residual above this"
    )
    kk.set_defaults(func=_guarded(_kk))
