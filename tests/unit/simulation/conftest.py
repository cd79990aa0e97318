"""A tiny stand-in cell model for testing the simulation layer without the electrochemical solvers.

An ideal cell: open-circuit voltage linear in SOC, ``U = 3.0 + 1.2 * soc`` [V], a series resistance of
10 mOhm, capacity = the set's nominal capacity. It honours every step mode (current, voltage, power,
resistance, profiles), durations and limits, and numbers samples by the 0-based position of their step
in the list it was given — the contract of the real models.
"""

from __future__ import annotations

import numpy as np
import pytest

from solvers import bdf
from solvers.result import SolverResult

R_OHM = 0.01


class IdealCellModel:
    name = "ideal"

    def __init__(self):
        self.calls = []

    def _current(self, step, t_in, soc):
        u = 3.0 + 1.2 * soc
        imposed = step.imposed_at(t_in)
        if step.mode == "current":
            return imposed
        if step.mode == "voltage":
            return (u - step.value) / R_OHM
        if step.mode == "power":  # P = I (U - I R): smaller root
            disc = u * u - 4 * R_OHM * imposed
            return (u - np.sqrt(max(disc, 0.0))) / (2 * R_OHM)
        return u / (step.value + R_OHM)  # resistance

    def solve(self, parameters, steps, *, initial_soc=None, progress=None, **options):
        self.calls.append(
            {"parameters": parameters, "steps": list(steps), "initial_soc": initial_soc, **options}
        )
        capacity_As = float(parameters["Nominal cell capacity [A.h]"]) * 3600.0
        soc = 1.0 if initial_soc is None else float(initial_soc)
        t, out_t, out_v, out_i, out_step = 0.0, [], [], [], []
        q_dis = q_ch = 0.0
        qd, qc = [], []
        termination = "final time"
        for k, step in enumerate(steps, start=1):
            dt = 1.0
            t_in = 0.0
            limit_s = step.duration_s if step.duration_s is not None else 24 * 3600.0
            while t_in < limit_s - 1e-9:
                i = self._current(step, t_in, soc)
                v = 3.0 + 1.2 * soc - i * R_OHM
                out_t.append(t)
                out_v.append(v)
                out_i.append(i)
                out_step.append(k - 1)
                qd.append(q_dis / 3600)
                qc.append(q_ch / 3600)
                hit = False
                for lim in step.limits:
                    x = {"voltage": v, "current": abs(i), "power": abs(i * v)}[lim.quantity]
                    if (lim.op == "<" and x < lim.value) or (lim.op == ">" and x > lim.value):
                        hit = True
                if hit and t_in > 0:
                    break
                h = min(dt, limit_s - t_in)
                soc -= i * h / capacity_As
                if i > 0:
                    q_dis += i * h
                else:
                    q_ch -= i * h
                t += h
                t_in += h
                if soc < 0 or soc > 1:
                    termination = "event: stoichiometry limit"
                    break
            if termination != "final time":
                break
            if progress:
                progress(k / len(steps))
        ts = {
            bdf.TEST_TIME: np.array(out_t),
            bdf.VOLTAGE: np.array(out_v),
            bdf.CURRENT: bdf.current_from_solver(np.array(out_i)),
            bdf.STEP: np.array(out_step),
            bdf.CYCLE: np.ones(len(out_t), dtype=int),
            bdf.DISCHARGING_CAPACITY: np.array(qd),
            bdf.CHARGING_CAPACITY: np.array(qc),
        }
        n = len(out_t)
        x = np.linspace(0, 1e-4, 5)
        variables = {
            "Electrolyte concentration [mol.m-3]": np.outer(np.ones(n), 1000 + x * 1e5),
            "Terminal voltage [V]": np.array(out_v),
        }
        return SolverResult(
            time_s=np.array(out_t),
            timeseries=ts,
            variables=variables,
            mesh={"x [m]": x},
            termination=termination,
            info={"backend": "numpy", "n_states": 1, "wall_time_s": 0.001, "model": self.name},
        )

    def solve_batch(self, parameter_list, steps, method=None, **options):
        return [self.solve(p, steps, **options) for p in parameter_list]


@pytest.fixture
def ideal_model(monkeypatch):
    """Make every model name resolve to the ideal cell, inside ``voltvault_core.simulation``."""
    import voltvault_core.simulation.run as simulation

    model = IdealCellModel()
    monkeypatch.setattr(simulation, "_get_model", lambda name: model)
    return model
