"""Automatic initial guesses for any circuit, read from the shape of the Nyquist plot.

The spectrum gives a few features (:func:`nyquist_features`):

- the high-frequency real intercept ``R_hf`` (ohmic resistance) and any inductive tail;
- the arcs: apex of each local maximum of ``-Z''`` versus ``log f``, with its frequency ``f_k``, its
  diameter ``R_k`` (span of ``Z'`` between the minima around it) and its depression, which gives a
  CPE exponent through ``h_k = (R_k/2) tan(alpha pi/4)`` (height of a ZARC);
- the low-frequency tail: a Warburg coefficient from ``-Z'' ≈ sigma / sqrt(omega)``, its real span
  and the frequency where it starts.

The circuit tree says where each feature goes (:func:`guess_candidates`): a series resistor takes
``R_hf``; each parallel group (or self-contained arc element: ZARC, Havriliak–Negami, Gerischer,
transmission line) takes one arc, its resistor the diameter and its capacitor
``C = 1/(2 pi f_k R_k)`` (CPE: ``Q = 1/(R_k (2 pi f_k)^alpha)``); diffusion elements take the tail.
Where the order of arcs and groups is ambiguous, several assignments are returned and the fitter
keeps the one that ends best (:mod:`voltvault_core.eis.fitting`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
from scipy.signal import find_peaks

from voltvault_core.eis.circuit import Circuit, ElementNode, ParallelNode, SeriesNode
from voltvault_core.eis.spectrum import Spectrum

__all__ = ["Arc", "NyquistFeatures", "Tail", "guess_candidates", "initial_guess", "nyquist_features"]

_ARC_ELEMENTS = {"Zarc", "HN", "G", "TLM"}
_DIFFUSION_ELEMENTS = {"W", "Wo", "Ws"}


@dataclass(frozen=True)
class Arc:
    """One semicircle of the Nyquist plot."""

    resistance_ohm: float
    apex_frequency_Hz: float
    alpha: float


@dataclass(frozen=True)
class Tail:
    """Low-frequency diffusion tail."""

    sigma_ohm_s_half: float
    start_frequency_Hz: float
    real_span_ohm: float
    angle_deg: float


@dataclass(frozen=True)
class NyquistFeatures:
    """Features of a spectrum used for initial guesses (see module docstring)."""

    r_hf_ohm: float
    r_lf_ohm: float
    inductance_H: float
    arcs: list[Arc] = field(default_factory=list)
    tail: Tail | None = None
    f_min_Hz: float = 1.0
    f_max_Hz: float = 1.0
    z_scale_ohm: float = 1.0
    minus_z_imag_lf_ohm: float = 0.0


def nyquist_features(spectrum: Spectrum) -> NyquistFeatures:
    """Read intercept, arcs and tail from a spectrum (any point order, any number of points >= 3)."""
    s = spectrum.sorted_descending()
    f, z = s.frequency_Hz, s.impedance_ohm
    omega = 2 * np.pi * f
    y = -z.imag
    x = z.real
    scale = float(np.max(np.abs(z))) or 1.0
    inductive = y < 0
    inductance = (
        float(np.max(-y[inductive] / omega[inductive])) if inductive[: max(1, len(y) // 4)].any() else 0.0
    )
    capacitive = ~inductive
    if capacitive.sum() >= 3:
        xs, ys, fs = x[capacitive], y[capacitive], f[capacitive]
    else:
        xs, ys, fs = x, np.abs(y), f
    r_hf = float(np.min(xs)) if np.min(xs) > 0 else float(np.min(np.abs(xs)))
    n = xs.size
    smooth = ys.copy()
    if n >= 5:
        smooth[1:-1] = (ys[:-2] + 2 * ys[1:-1] + ys[2:]) / 4
    peaks, _ = find_peaks(smooth, prominence=0.03 * (np.max(smooth) - min(np.min(smooth), 0) + 1e-300))
    arcs: list[Arc] = []
    bounds = [0, *[int(a + np.argmin(smooth[a : b + 1])) for a, b in itertools.pairwise(peaks)], n - 1]
    for k, pk in enumerate(peaks):
        a, b = bounds[k], bounds[k + 1]
        h = float(ys[pk])
        span = float(xs[b] - xs[a])
        if b == n - 1 and (smooth[-1] < smooth[pk]):
            span = max(span, 2 * float(xs[pk] - xs[a]))
        if k == 0:
            span = max(span, 2 * float(xs[pk] - xs[a]))
        resistance = max(span, 2 * h, 1e-12 * scale)
        alpha = float(np.clip(4 / np.pi * np.arctan(2 * h / resistance), 0.4, 1.0))
        arcs.append(Arc(resistance, float(fs[pk]), alpha))
    tail = None
    last = 0
    if len(peaks):
        last = int(peaks[-1] + np.argmin(smooth[peaks[-1] :]))
    if last < n - 2 and ys[-1] > 1.05 * ys[last]:
        d_inv_sqrt = 1 / np.sqrt(2 * np.pi * fs[-1]) - 1 / np.sqrt(2 * np.pi * fs[last])
        sigma = float((ys[-1] - ys[last]) / d_inv_sqrt) if d_inv_sqrt > 0 else 0.0
        real_span = float(xs[-1] - xs[last])
        angle = float(np.degrees(np.arctan2(ys[-1] - ys[last], real_span)))
        tail = Tail(max(sigma, 1e-12 * scale), float(fs[last]), real_span, angle)
    return NyquistFeatures(
        r_hf_ohm=r_hf,
        r_lf_ohm=float(xs[-1]),
        inductance_H=inductance,
        arcs=arcs,
        tail=tail,
        f_min_Hz=float(f.min()),
        f_max_Hz=float(f.max()),
        z_scale_ohm=scale,
        minus_z_imag_lf_ohm=float(ys[-1]),
    )


# ----------------------------------------------------------------------- structure
@dataclass
class _Roles:
    series_resistors: list[str] = field(default_factory=list)
    inductors: list[str] = field(default_factory=list)
    series_capacitive: list[str] = field(default_factory=list)
    diffusion: list[str] = field(default_factory=list)
    units: list[list[ElementNode]] = field(default_factory=list)  # arc units, string order


def _roles(circuit: Circuit) -> _Roles:
    roles = _Roles()
    unit_of: dict[int, int] = {}

    def walk(node, unit: int | None) -> None:
        if isinstance(node, ParallelNode):
            roles.units.append([])
            index = len(roles.units) - 1
            unit_of[id(node)] = index
            for child in node.children:
                walk(child, index)
        elif isinstance(node, SeriesNode):
            for child in node.children:
                walk(child, unit)
        else:
            symbol = node.spec.symbol
            if symbol in _DIFFUSION_ELEMENTS:
                roles.diffusion.append(node.name)
                if unit is not None:
                    roles.units[unit].append(node)
            elif unit is None and symbol in _ARC_ELEMENTS:
                roles.units.append([node])
            elif unit is None:
                {"R": roles.series_resistors, "L": roles.inductors}.get(
                    symbol, roles.series_capacitive
                ).append(node.name)
            else:
                roles.units[unit].append(node)

    walk(circuit.tree, None)
    roles.units = [u for u in roles.units if any(e.spec.symbol not in _DIFFUSION_ELEMENTS for e in u)]
    return roles


def _arcs_for(features: NyquistFeatures, n_units: int) -> list[list[Arc]]:
    """Arc lists of length ``n_units`` (high to low frequency), several variants when counts differ."""
    arcs = list(features.arcs)
    span_total = max(features.r_lf_ohm - features.r_hf_ohm, 1e-6 * features.z_scale_ohm)
    f_lo, f_hi = features.f_min_Hz, features.f_max_Hz
    if not arcs:
        f_mid = float(np.sqrt(f_lo * f_hi))
        arcs = [Arc(span_total / 2, f_mid, 0.8)]
    variants: list[list[Arc]] = []
    if len(arcs) == n_units:
        variants.append(arcs)
    if len(arcs) > n_units:
        keep = sorted(
            sorted(arcs, key=lambda a: -a.resistance_ohm)[:n_units], key=lambda a: -a.apex_frequency_Hz
        )
        variants.append(keep)
    if len(arcs) < n_units:
        missing = n_units - len(arcs)
        # (a) extra arcs spread between the measured ones and the band edges
        grid = np.geomspace(f_hi, f_lo, missing + 2)[1:-1]
        extra = [Arc(span_total / (n_units + 1), float(g), 0.8) for g in grid]
        variants.append(sorted(arcs + extra, key=lambda a: -a.apex_frequency_Hz))
        # (b) the largest arc split into neighbours one decade apart
        split = list(arcs)
        for _ in range(missing):
            big = max(range(len(split)), key=lambda i: split[i].resistance_ohm)
            a = split.pop(big)
            split[big:big] = [
                Arc(a.resistance_ohm / 2, a.apex_frequency_Hz * 10, a.alpha),
                Arc(a.resistance_ohm / 2, a.apex_frequency_Hz / 10, a.alpha),
            ]
        variants.append(sorted(split, key=lambda a: -a.apex_frequency_Hz))
        # (c) one arc sitting in the low-frequency tail
        if features.tail is not None and missing == 1:
            tail_arc = Arc(max(features.tail.real_span_ohm, 1e-9), features.f_min_Hz * 3, 0.8)
            variants.append(sorted([*arcs, tail_arc], key=lambda a: -a.apex_frequency_Hz))
        # (d) small satellite arcs hidden in the flank of the largest (an SEI arc beside charge transfer)
        big = max(arcs, key=lambda a: a.resistance_ohm)
        for factor in (30.0, 1 / 30.0):
            satellites = [
                Arc(0.15 * big.resistance_ohm, big.apex_frequency_Hz * factor ** (k + 1), 0.9)
                for k in range(missing)
            ]
            variants.append(sorted([*arcs, *satellites], key=lambda a: -a.apex_frequency_Hz))
    return variants


def _drt_arc_variants(spectrum: Spectrum, n_units: int) -> list[list[Arc]]:
    """Arcs from the peaks of the distribution of relaxation times (resolves overlapped arcs)."""
    from voltvault_core.eis.drt import compute_drt

    try:
        peaks = compute_drt(
            spectrum.capacitive_only() if (spectrum.z_imag_ohm < 0).sum() >= 5 else spectrum
        ).peaks
    except (ValueError, np.linalg.LinAlgError):
        return []
    arcs = [
        Arc(p.resistance_ohm, p.frequency_Hz, 0.85)
        for p in sorted(peaks, key=lambda p: -p.resistance_ohm)[:n_units]
    ]
    if not arcs:
        return []
    while len(arcs) < n_units:
        big = arcs.pop(max(range(len(arcs)), key=lambda i: arcs[i].resistance_ohm))
        arcs += [
            Arc(big.resistance_ohm / 2, big.apex_frequency_Hz * 10, big.alpha),
            Arc(big.resistance_ohm / 2, big.apex_frequency_Hz / 10, big.alpha),
        ]
    return [sorted(arcs, key=lambda a: -a.apex_frequency_Hz)]


def _assign_unit(unit: list[ElementNode], arc: Arc, out: dict[str, float], circuit: Circuit) -> None:
    resistors = [e for e in unit if e.spec.symbol == "R"]
    r_each = arc.resistance_ohm / max(len(resistors), 1)
    omega = 2 * np.pi * arc.apex_frequency_Hz
    for e in unit:
        names = [p.name for p in circuit.parameters if p.element == e.name]
        symbol = e.spec.symbol
        if symbol == "R":
            out[names[0]] = r_each
        elif symbol == "C":
            out[names[0]] = 1 / (omega * arc.resistance_ohm)
        elif symbol == "CPE":
            out[names[0]] = 1 / (arc.resistance_ohm * omega**arc.alpha)
            out[names[1]] = arc.alpha
        elif symbol == "L":
            out[names[0]] = arc.resistance_ohm / omega * 1e-2
        elif symbol == "Zarc":
            out.update(zip(names, (arc.resistance_ohm, 1 / omega, arc.alpha), strict=True))
        elif symbol == "HN":
            out.update(zip(names, (arc.resistance_ohm, 1 / omega, arc.alpha, 0.95), strict=True))
        elif symbol == "G":
            out.update(zip(names, (arc.resistance_ohm, np.sqrt(3) / omega), strict=True))
        elif symbol == "TLM":
            out.update(
                zip(
                    names,
                    (
                        arc.resistance_ohm / 2,
                        arc.resistance_ohm,
                        1 / (arc.resistance_ohm * omega**arc.alpha),
                        arc.alpha,
                    ),
                    strict=True,
                )
            )


# (resistance factor, apex-frequency factor, alpha or None to keep the measured one); the first is "as read"
_SHAPES = (
    [(1.0, 1.0, None)]
    + [(r, 1.0, a) for r in (0.5, 1.0, 2.0) for a in (0.6, 0.8, 0.95)]
    + [(1.0, 0.1, None), (1.0, 10.0, None), (3.0, 0.3, 0.9)]
)


def _reshape(arc: Arc, shape: tuple[float, float, float | None]) -> Arc:
    r, f, a = shape
    return Arc(arc.resistance_ohm * r, arc.apex_frequency_Hz * f, arc.alpha if a is None else a)


def _global_arc_variants(features: NyquistFeatures, n_units: int) -> list[list[Arc]]:
    """Arcs spanning the whole spectrum (for overlapped arcs, or an arc that never closes)."""
    span = max(features.r_lf_ohm - features.r_hf_ohm, 1e-6 * features.z_scale_ohm)
    out = []
    for f_apex in (np.sqrt(features.f_min_Hz * features.f_max_Hz), features.f_min_Hz):
        grid = np.geomspace(f_apex * 10 ** (n_units - 1), f_apex, n_units) if n_units > 1 else [f_apex]
        out.append([Arc(span / n_units, float(g), 0.8) for g in grid])
    if features.tail is not None and features.tail.angle_deg > 55:  # steep capacitive line: a huge arc
        out.append([Arc(10 * span / n_units, features.f_min_Hz / 10**k, 0.9) for k in range(n_units)])
    return out


def _diffusion_variants(features: NyquistFeatures) -> list[tuple[float, float, float | None]]:
    """``(sigma [ohm s^-1/2], tau [s], None)`` starts for diffusion elements (the third slot is a DC
    resistance, set by :func:`guess_candidates` when a transmissive Warburg shows as an arc)."""
    omega_min = 2 * np.pi * features.f_min_Hz
    if features.tail is not None:
        sigma = features.tail.sigma_ohm_s_half
        omega_start = 2 * np.pi * features.tail.start_frequency_Hz
    else:
        span = max(features.r_lf_ohm - features.r_hf_ohm, 1e-6 * features.z_scale_ohm)
        sigma = 0.1 * span * np.sqrt(omega_min)
        omega_start = omega_min * 10
    return [
        (sigma, 1 / omega_min, None),
        (sigma, 10 / omega_min, None),
        (sigma, 1 / omega_start, None),
        (0.1 * sigma, 1 / omega_min, None),
    ]


def guess_candidates(
    circuit: Circuit, spectrum: Spectrum, features: NyquistFeatures | None = None
) -> list[dict[str, float]]:
    """Candidate initial guesses for ``circuit`` on ``spectrum`` (the first is the preferred one).

    Returns
    -------
    list of dict
        Each maps every parameter name to a value in SI units.
    """
    features = features or nyquist_features(spectrum)
    roles = _roles(circuit)
    span = max(features.r_lf_ohm - features.r_hf_ohm, 1e-6 * features.z_scale_ohm)
    omega_min = 2 * np.pi * features.f_min_Hz
    omega_max = 2 * np.pi * features.f_max_Hz
    base: dict[str, float] = {}
    for i, name in enumerate(roles.series_resistors):
        base[name] = max(features.r_hf_ohm, 1e-6 * features.z_scale_ohm) / (1 if i == 0 else 10)
    for name in roles.inductors:
        base[name] = (
            features.inductance_H if features.inductance_H > 0 else 1e-3 * features.z_scale_ohm / omega_max
        )
    for name in roles.series_capacitive:
        element = next(e for e in circuit.elements if e.name == name)
        y_lf = max(features.minus_z_imag_lf_ohm, 1e-3 * span)
        names = [p.name for p in circuit.parameters if p.element == name]
        if element.spec.symbol == "C":
            base[names[0]] = 1 / (omega_min * y_lf)
        elif element.spec.symbol == "CPE":
            base[names[0]] = 1 / (y_lf * omega_min**0.9)
            base[names[1]] = 0.9
        else:  # any other element in series: generic values by parameter kind
            for p in (q for q in circuit.parameters if q.element == name):
                base[p.name] = _generic(p.spec.unit, span, omega_min, omega_max)
    arc_variants = _arcs_for(features, len(roles.units)) if roles.units else [[]]
    if roles.units:
        arc_variants = arc_variants + _global_arc_variants(features, len(roles.units))
    if len(roles.units) >= 2:
        arc_variants = _drt_arc_variants(spectrum, len(roles.units)) + arc_variants
    orders = (
        list(itertools.permutations(range(len(roles.units))))
        if len(roles.units) <= 3
        else [tuple(range(len(roles.units)))]
    )
    diffusion_variants: list[tuple[float, float, float | None]] = list(_diffusion_variants(features))
    finite = [
        name
        for name in roles.diffusion
        if next(e for e in circuit.elements if e.name == name).spec.symbol == "Ws"
    ]
    if finite and len(features.arcs) > len(roles.units):
        # a transmissive Warburg closes into an arc of its own at low frequency: the lowest arcs are
        # diffusion (apex of R tanh(s)/s at omega tau ~ 2.5), the others belong to the groups
        by_frequency = sorted(features.arcs, key=lambda a: -a.apex_frequency_Hz)
        if roles.units:
            arc_variants = [by_frequency[: len(roles.units)], *arc_variants]
        for arc in by_frequency[len(roles.units) :]:
            diffusion_variants.insert(0, (0.0, 2.5 / (2 * np.pi * arc.apex_frequency_Hz), arc.resistance_ohm))
    candidates: list[dict[str, float]] = []
    seen: set[tuple] = set()
    for shape in _SHAPES:
        for diffusion in diffusion_variants:
            for arcs in arc_variants:
                for order in orders:
                    out = dict(base)
                    for unit_index, arc_index in enumerate(order):
                        if arc_index < len(arcs):
                            _assign_unit(
                                roles.units[unit_index], _reshape(arcs[arc_index], shape), out, circuit
                            )
                    sigma, tau, dc_resistance = diffusion
                    for name in roles.diffusion:
                        element = next(e for e in circuit.elements if e.name == name)
                        names = [p.name for p in circuit.parameters if p.element == name]
                        if element.spec.symbol == "W":
                            out[names[0]] = sigma if sigma > 0 else _diffusion_variants(features)[0][0]
                        elif dc_resistance is not None and element.spec.symbol == "Ws":
                            out[names[0]] = dc_resistance
                            out[names[1]] = tau
                        else:  # Wo, Ws: match the 45-degree part: R/sqrt(j w tau) == sigma sqrt(2)/sqrt(j w)
                            sigma_w = sigma if sigma > 0 else _diffusion_variants(features)[0][0]
                            out[names[0]] = sigma_w * np.sqrt(2 * tau)
                            out[names[1]] = tau
                    for p in circuit.parameters:
                        if p.name not in out:
                            out[p.name] = (
                                _generic(p.spec.unit, span, omega_min, omega_max)
                                if p.spec.kind == "scale"
                                else 0.8
                            )
                    key = tuple(
                        np.round(np.log10(np.abs([out[n] for n in circuit.parameter_names]) + 1e-300), 3)
                    )
                    if key not in seen:
                        seen.add(key)
                        candidates.append(out)
    return candidates


def _generic(unit: str, span: float, omega_min: float, omega_max: float) -> float:
    omega_mid = np.sqrt(omega_min * omega_max)
    return {
        "Ohm": span / 2,
        "F": 1 / (omega_mid * span),
        "H": span / omega_max * 1e-2,
        "s": 1 / omega_mid,
        "Ohm s^-1/2": span * np.sqrt(omega_min) * 0.1,
    }.get(unit, 1 / (span * omega_mid**0.8))


def initial_guess(circuit: Circuit | str, spectrum: Spectrum) -> dict[str, float]:
    """The single preferred automatic initial guess: the candidate closest to the data.

    Parameters
    ----------
    circuit : Circuit or str
        Equivalent circuit.
    spectrum : Spectrum
        Data.

    Returns
    -------
    dict
        Parameter name -> value [SI].
    """
    circuit = Circuit(circuit) if isinstance(circuit, str) else circuit
    candidates = guess_candidates(circuit, spectrum)
    costs = [_rms(circuit, c, spectrum) for c in candidates]
    return candidates[int(np.nanargmin(costs))]


def _rms(circuit: Circuit, guess: dict[str, float], spectrum: Spectrum) -> float:
    z = circuit.impedance(guess, spectrum.frequency_Hz)
    value = float(np.sqrt(np.mean(np.abs(z - spectrum.impedance_ohm) ** 2)))
    return value if np.isfinite(value) else np.inf
