"""Sensitivity analysis: Sobol indices (first, second, total order, grouped, along curves) and Morris.

Sobol (:func:`sobol_indices`) on the replicated pick-freeze design of :func:`~voltvault_core.doe.sampling.sobol_design`:

* estimators: first order ``V_i = mean(f(B) (f(AB_i) - f(A)))`` (Saltelli et al. 2010,
  doi:10.1016/j.cpc.2009.09.018), total order ``VT_i = mean((f(A) - f(AB_i))^2) / 2`` (Jansen 1999),
  second order ``V_ij = mean(f(BA_i) f(AB_j) - f(A) f(B))`` (Saltelli 2002); with ``BA`` matrices the
  first and total orders average the two symmetric estimates; outputs are centred first;
* a control variate: a polynomial response surface g fitted to the runs
  (:mod:`~voltvault_core.doe.surrogate`) has exact indices; each estimate becomes
  ``est(f) - est(g) + exact(g)``, so only the part of the output the surface misses is estimated by
  sampling. g is cross-fitted: replicate r is corrected with a surface fitted to the other replicates,
  so its correction is unbiased given that surface;
* confidence intervals: the replicates are independent randomisations (scrambled Sobol' points), so
  the interval is Student's t over them (R - 1 degrees of freedom) of the linearised ratio; its
  coverage is checked on Ishigami and Sobol-G in the tests. (A bootstrap over rows of a quasi-random
  design treats the points as independent and gives intervals far wider than the real error.)

Failed runs (NaN or inf outputs): a base point whose pick-freeze block holds a failed run is left out
of its replicate; :attr:`SobolResult.treatment` says how many, for each output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from voltvault_core.doe.sampling import Design
from voltvault_core.doe.study import DOEError
from voltvault_core.doe.surrogate import cross_fit_surface

__all__ = ["MorrisResult", "SobolResult", "morris_indices", "sobol_indices"]


@dataclass
class SobolResult:
    """Sobol indices of one or more outputs (each array: (outputs, inputs or groups))."""

    names: list[str]  # inputs, or groups when the study has groups
    outputs: list[str]
    S1: np.ndarray
    S1_conf: np.ndarray
    ST: np.ndarray
    ST_conf: np.ndarray
    S2: np.ndarray | None = None  # (outputs, k, k), upper triangle
    S2_conf: np.ndarray | None = None
    variance: np.ndarray | None = None
    treatment: list[str] = field(default_factory=list)
    dropped_base_points: list[int] = field(default_factory=list)
    surface_r2: list[float] = field(default_factory=list)
    confidence_level: float = 0.95

    def output(self, name: str) -> dict[str, dict[str, float]]:
        k = self.outputs.index(name)
        out = {key: dict(zip(self.names, getattr(self, key)[k].tolist(), strict=True))
               for key in ("S1", "S1_conf", "ST", "ST_conf")}
        return out

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {name: self.output(name) for name in self.outputs}
        for k, name in enumerate(self.outputs):
            if self.S2 is not None:
                data[name]["S2"] = {f"{self.names[i]} x {self.names[j]}": float(self.S2[k, i, j])
                                    for i in range(len(self.names)) for j in range(i + 1, len(self.names))}
                data[name]["S2_conf"] = {f"{self.names[i]} x {self.names[j]}": float(self.S2_conf[k, i, j])
                                         for i in range(len(self.names)) for j in range(i + 1, len(self.names))}
            data[name]["treatment"] = self.treatment[k]
        return data

    def to_frame(self):
        import pandas as pd

        rows = []
        for k, out in enumerate(self.outputs):
            for j, name in enumerate(self.names):
                rows.append({"output": out, "input": name, "S1": self.S1[k, j], "S1_conf": self.S1_conf[k, j],
                             "ST": self.ST[k, j], "ST_conf": self.ST_conf[k, j]})
        return pd.DataFrame(rows)


def _pickfreeze(y: np.ndarray, w: np.ndarray, k: int, second_order: bool):
    """Per-replicate raw estimates; y (R, blocks, n, m), w (R, n, m) weights of usable base points."""
    wsum = np.maximum(w.sum(axis=1), 1.0)  # (R, m)

    def mean(x):
        return np.sum(x * w, axis=1) / wsum

    ya, yb = y[:, 0], y[:, 1]
    ab = y[:, 2 : 2 + k]
    f0 = (mean(ya) + mean(yb)) / 2
    var = (mean(ya**2) + mean(yb**2)) / 2 - f0**2
    ya_c, yb_c = ya - f0[:, None], yb - f0[:, None]
    ab_c = ab - f0[:, None, None]
    vi = np.stack([mean(yb_c * (ab_c[:, i] - ya_c)) for i in range(k)], axis=1)  # (R, k, m)
    vt = np.stack([0.5 * mean((ya_c - ab_c[:, i]) ** 2) for i in range(k)], axis=1)
    vij = None
    if second_order:
        ba_c = y[:, 2 + k : 2 + 2 * k] - f0[:, None, None]
        vi = 0.5 * (vi + np.stack([mean(ya_c * (ba_c[:, i] - yb_c)) for i in range(k)], axis=1))
        vt = 0.5 * (vt + np.stack([0.5 * mean((yb_c - ba_c[:, i]) ** 2) for i in range(k)], axis=1))
        vij = np.zeros((y.shape[0], k, k, y.shape[-1]))
        for i in range(k):
            for j in range(i + 1, k):
                vij[:, i, j] = mean(ba_c[:, i] * ab_c[:, j] - ya_c * yb_c)
    return var, vi, vt, vij


def _ci(num: np.ndarray, den: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Ratio of replicate means and its t half-width; num (R, ..., m), den (R, m)."""
    r = num.shape[0]
    dbar = den.mean(axis=0)
    dbar = np.where(dbar != 0, dbar, np.nan)
    shape = (r,) + (1,) * (num.ndim - 2) + (num.shape[-1],)
    ratio = num.mean(axis=0) / dbar
    z = (num - ratio[None] * den.reshape(shape)) / dbar
    half = stats.t.ppf(0.5 + level / 2, r - 1) * z.std(axis=0, ddof=1) / np.sqrt(r)
    return ratio, half


def sobol_indices(design: Design, outputs: np.ndarray, output_names: list[str] | None = None, *,
                  control_variate: bool = True, confidence_level: float = 0.95) -> SobolResult:
    """Sobol indices of ``outputs`` ((runs,) or (runs, m): several outputs, or a curve's points).

    Parameters
    ----------
    design : Design
        A ``"sobol"`` design (from :func:`voltvault_core.doe.sampling.sample`).
    outputs : ndarray
        One row per run, in the design's order; NaN/inf for failed runs.
    control_variate : bool
        Correct the estimates with a fitted polynomial surface (see the module docstring).
    """
    if design.method != "sobol":
        raise DOEError(f"Sobol indices need a 'sobol' design, this one is {design.method!r}")
    info = design.info
    y = np.asarray(outputs, dtype=float)
    single = y.ndim == 1
    y = y[:, None] if single else y.reshape(y.shape[0], -1)
    m = y.shape[1]
    names = output_names or [f"y{j}" for j in range(m)]
    if len(names) != m:
        raise DOEError(f"{len(names)} output names for {m} output columns")
    R, n, nb = info["replicates"], info["base_samples"], info["blocks_per_replicate"]
    if y.shape[0] != R * nb * n:
        raise DOEError(f"the outputs have {y.shape[0]} rows; the design has {R * nb * n} runs")
    columns = info["group_columns"]
    k = len(columns)
    second = bool(info["second_order"])
    finite = np.isfinite(y)
    yb = y.reshape(R, nb, n, m)
    ok = finite.reshape(R, nb, n, m).all(axis=1)  # (R, n, m) usable base points
    dropped = [int((~ok[..., j]).sum()) for j in range(m)]
    for j in range(m):
        if ok[..., j].sum(axis=1).min() < 4:
            raise DOEError(f"output {names[j]!r}: too many failed runs to estimate Sobol indices "
                           f"({dropped[j]} of {R * n} base points have a failed run in their block)")
    y_filled = np.where(finite, y, 0.0).reshape(R, nb, n, m)
    w = ok.astype(float)
    var, vi, vt, vij = _pickfreeze(y_filled, w, k, second)
    r2: list[float] = []
    if control_variate:
        unit = design.unit.reshape(R, nb, n, -1)
        fold_rows = [np.broadcast_to(ok[r].all(axis=-1)[None, :], (nb, n)).reshape(-1) for r in range(R)]
        fit = cross_fit_surface([unit[r].reshape(-1, unit.shape[-1])[fold_rows[r]] for r in range(R)],
                                [yb[r].reshape(-1, m)[fold_rows[r]] for r in range(R)])
        r2 = (1.0 - fit.cv_error).tolist()
        g_var, g_vi, g_vt = np.zeros_like(var), np.zeros_like(vi), np.zeros_like(vt)
        exact_var, exact_vi, exact_vt = np.zeros_like(var), np.zeros_like(vi), np.zeros_like(vt)
        g_vij = exact_vij = None
        if second:
            g_vij, exact_vij = np.zeros_like(vij), np.zeros_like(vij)
        for r in range(R):
            surf = fit.surface(r)
            g = surf.predict(unit[r].reshape(-1, unit.shape[-1])).reshape(1, nb, n, m)
            gv, gi, gt, gij = _pickfreeze(g, w[r : r + 1], k, second)
            g_var[r], g_vi[r], g_vt[r] = gv[0], gi[0], gt[0]
            exact_var[r] = surf.variance
            for c, cols in enumerate(columns):
                exact_vi[r, c] = surf.closed_variance(cols)
                exact_vt[r, c] = surf.total_variance(cols)
            if second:
                g_vij[r] = gij[0]
                for i in range(k):
                    for j in range(i + 1, k):
                        exact_vij[r, i, j] = surf.closed_variance(columns[i] + columns[j])
        var = var - g_var + exact_var
        vi = vi - g_vi + exact_vi
        vt = vt - g_vt + exact_vt
        if second:
            vij = vij - g_vij + exact_vij
    s1, s1c = _ci(vi, var, confidence_level)
    st, stc = _ci(vt, var, confidence_level)
    s2 = s2c = None
    if second:
        # S2_ij = closed_ij - S1_i - S1_j, with its interval from the same replicate linearisation
        comb = vij - vi[:, :, None, :] - vi[:, None, :, :]
        s2, s2c = _ci(comb, var, confidence_level)
        iu = np.triu(np.ones((k, k), dtype=bool), 1)
        s2 = np.where(iu[..., None], s2, np.nan)
        s2c = np.where(iu[..., None], s2c, np.nan)
        s2, s2c = np.moveaxis(s2, -1, 0), np.moveaxis(s2c, -1, 0)
    treatment = []
    for j in range(m):
        if dropped[j]:
            treatment.append(
                f"{dropped[j]} of {R * n} base points left out: their pick-freeze block holds a failed run "
                f"(the indices are estimated from the other {R * n - dropped[j]}; the failed designs are "
                "listed with the study)"
            )
        else:
            treatment.append("no failed runs")
    return SobolResult(
        names=list(info["groups"]), outputs=list(names), S1=s1.T, S1_conf=s1c.T, ST=st.T, ST_conf=stc.T,
        S2=s2, S2_conf=s2c, variance=var.mean(axis=0), treatment=treatment, dropped_base_points=dropped,
        surface_r2=r2, confidence_level=confidence_level,
    )


# --------------------------------------------------------------------------------------------------
@dataclass
class MorrisResult:
    """Morris elementary effects: mu*, mu, sigma and mu*'s bootstrap interval, (outputs, inputs)."""

    names: list[str]
    outputs: list[str]
    mu_star: np.ndarray
    mu: np.ndarray
    sigma: np.ndarray
    mu_star_conf: np.ndarray
    treatment: list[str] = field(default_factory=list)

    def ranking(self, output: str | None = None) -> list[str]:
        k = 0 if output is None else self.outputs.index(output)
        return [self.names[j] for j in np.argsort(-self.mu_star[k])]

    def to_dict(self) -> dict[str, Any]:
        return {out: {key: dict(zip(self.names, getattr(self, key)[k].tolist(), strict=True))
                      for key in ("mu_star", "mu", "sigma", "mu_star_conf")} | {"treatment": self.treatment[k]}
                for k, out in enumerate(self.outputs)}


def morris_indices(design: Design, outputs: np.ndarray, output_names: list[str] | None = None, *,
                   seed: int = 0, confidence_level: float = 0.95) -> MorrisResult:
    """Morris mu* (mean |elementary effect|), mu and sigma, effects scaled to the unit cube.

    A trajectory with a failed run loses the elementary effects that touch that run (the others stay).
    """
    if design.method != "morris":
        raise DOEError(f"Morris indices need a 'morris' design, this one is {design.method!r}")
    y = np.asarray(outputs, dtype=float)
    y = y[:, None] if y.ndim == 1 else y.reshape(y.shape[0], -1)
    m = y.shape[1]
    names = output_names or [f"y{j}" for j in range(m)]
    columns = design.info["group_columns"]
    k = len(columns)
    T = design.info["trajectories"]
    unit = design.unit.reshape(T, k + 1, -1)
    yt = y.reshape(T, k + 1, m)
    ee = np.full((T, k, m), np.nan)
    for t in range(T):
        for s in range(k):
            delta = unit[t, s + 1] - unit[t, s]
            moved = np.nonzero(np.abs(delta) > 1e-12)[0]
            g = next(c for c, cols in enumerate(columns) if moved[0] in cols)
            step = delta[moved[0]]
            ee[t, g] = (yt[t, s + 1] - yt[t, s]) / step
    rng = np.random.default_rng(seed)
    mu_star, mu, sigma, conf = (np.zeros((m, k)) for _ in range(4))
    treatment = []
    for j in range(m):
        e = ee[..., j]
        lost = int(np.sum(~np.isfinite(e)))
        treatment.append("no failed runs" if not lost else
                         f"{lost} of {T * k} elementary effects left out (they touch a failed run)")
        for g in range(k):
            vals = e[:, g][np.isfinite(e[:, g])]
            if vals.size == 0:
                mu_star[j, g] = mu[j, g] = sigma[j, g] = conf[j, g] = np.nan
                continue
            mu_star[j, g] = np.mean(np.abs(vals))
            mu[j, g] = np.mean(vals)
            sigma[j, g] = np.std(vals, ddof=1) if vals.size > 1 else 0.0
            boot = np.abs(vals[rng.integers(0, vals.size, (500, vals.size))]).mean(axis=1)
            conf[j, g] = stats.norm.ppf(0.5 + confidence_level / 2) * boot.std(ddof=1)
    return MorrisResult(list(design.info["groups"]), list(names), mu_star, mu, sigma, conf, treatment)
