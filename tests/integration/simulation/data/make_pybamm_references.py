"""Regenerate the PyBaMM reference curves in this folder (not run by the tests).

Run with PyBaMM installed in a separate environment (not VoltVault's)::

    python -m venv /tmp/pbenv && /tmp/pbenv/bin/pip install pybamm
    /tmp/pbenv/bin/python tests/integration/simulation/data/make_pybamm_references.py

Each case is a PyBaMM model on a parameter set exactly as published in PyBaMM (``pybamm.ParameterValues``),
default mesh (20 volumes per domain and particle), IDAKLU solver with rtol = atol = 1e-8, sampled at
``N_POINTS`` times (the solution is output every 2 s first, more often for the cases in ``PERIODS``). Columns: ``time_s, voltage_V, current_A, discharge_capacity_Ah`` (PyBaMM's sign:
current positive on discharge; capacity is PyBaMM's net "Discharge capacity [A.h]"), and in
``*_step_ends.csv`` the time at which each step of the experiment ended [s].
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pybamm

HERE = Path(__file__).resolve().parent
N_POINTS = 300

MODELS = {"SPM": pybamm.lithium_ion.SPM, "SPMe": pybamm.lithium_ion.SPMe, "DFN": pybamm.lithium_ion.DFN}

# name -> (model, parameter set, experiment steps, ambient temperature [K] or None)
CASES = {
    "Ecker2015_DFN_1C": ("DFN", "Ecker2015", ["Discharge at 1C until 2.5 V"], None),
    "Ecker2015_SPMe_1C": ("SPMe", "Ecker2015", ["Discharge at 1C until 2.5 V"], None),
    "Prada2013_DFN_1C": ("DFN", "Prada2013", ["Discharge at 1C until 2 V"], None),
    "Prada2013_SPM_1C": ("SPM", "Prada2013", ["Discharge at 1C until 2 V"], None),
    "Mohtat2020_DFN_charge_1C": ("DFN", "Mohtat2020", ["Charge at 1C until 4.2 V"], None),
    "Mohtat2020_SPMe_charge_1C": ("SPMe", "Mohtat2020", ["Charge at 1C until 4.2 V"], None),
    "OKane2022_DFN_1C_283K": ("DFN", "OKane2022", ["Discharge at 1C until 2.5 V"], 283.15),
    "NCA_Kim2011_DFN_1C": ("DFN", "NCA_Kim2011", ["Discharge at 1C until 2.7 V"], None),
    "NCA_Kim2011_SPMe_2C_308K": ("SPMe", "NCA_Kim2011", ["Discharge at 2C until 2.7 V"], 308.15),
    "Chen2020_DFN_2C_318K": ("DFN", "Chen2020", ["Discharge at 2C until 2.5 V"], 318.15),
    "Marquis2019_SPMe_0.5C_273K": ("SPMe", "Marquis2019", ["Discharge at C/2 until 3.105 V"], 273.15),
    # concentration-dependent transference number and thermodynamic factor (Landesfeind & Gasteiger 2019)
    "ORegan2022_DFN_1C": ("DFN", "ORegan2022", ["Discharge at 1C until 2.5 V"], None),
    "ORegan2022_SPMe_1C": ("SPMe", "ORegan2022", ["Discharge at 1C until 2.5 V"], None),
    "ORegan2022_DFN_2C": ("DFN", "ORegan2022", ["Discharge at 2C until 2.5 V"], None),
    # Chen2020 with the made-up t+(c_e) and TDF(c_e) of OVERRIDES below
    "Chen2020_DFN_2C_tplus_tdf": ("DFN", "Chen2020", ["Discharge at 2C until 2.5 V"], None),
    "Chen2020_SPMe_2C_tplus_tdf": ("SPMe", "Chen2020", ["Discharge at 2C until 2.5 V"], None),
    "Chen2020_SPMe_2C_tplus": ("SPMe", "Chen2020", ["Discharge at 2C until 2.5 V"], None),
    "Chen2020_DFN_power_resistance": (
        "DFN",
        "Chen2020",
        [
            "Discharge at 10 W for 10 minutes",
            "Rest for 5 minutes",
            "Discharge at 1 Ohm for 10 minutes",
            "Charge at 5 W until 4.1 V",
            "Hold at 4.1 V until 500 mA",
        ],
        None,
    ),
    # high rates: the electrolyte empties near the positive current collector; PyBaMM has no
    # zero-electrolyte event in its DFN / SPMe and regularises the electrolyte functions instead
    "Chen2020_DFN_3C": ("DFN", "Chen2020", ["Discharge at 3C until 2.5 V"], None),
    "Chen2020_DFN_5C": ("DFN", "Chen2020", ["Discharge at 5C until 2.5 V"], None),
    "Chen2020_SPMe_3C": ("SPMe", "Chen2020", ["Discharge at 3C until 2.5 V"], None),
    "Marquis2019_DFN_3C": ("DFN", "Marquis2019", ["Discharge at 3C until 3.105 V"], None),
    "Marquis2019_SPMe_3C": ("SPMe", "Marquis2019", ["Discharge at 3C until 3.105 V"], None),
    "Chen2020_SPM_gitt": (
        "SPM",
        "Chen2020",
        ["Discharge at C/2 for 5 minutes", "Rest for 10 minutes"] * 3,
        None,
    ),
    "Chen2020_SPMe_cycle": (
        "SPMe",
        "Chen2020",
        [
            "Discharge at 1C until 3.3 V",
            "Rest for 10 minutes",
            "Charge at 1C until 4.1 V",
            "Hold at 4.1 V until C/20",
        ],
        None,
    ),
}


# output period of PyBaMM's solution (2 s unless given): the high-rate cases end in steep drops (each
# finite volume whose electrolyte empties adds an overpotential jump), which 2 s samples would smooth over
PERIODS = {
    "Chen2020_DFN_3C": "0.5 seconds",
    "Chen2020_DFN_5C": "0.1 seconds",
    "Chen2020_SPMe_3C": "0.1 seconds",
    "Marquis2019_DFN_3C": "0.5 seconds",
    "Marquis2019_SPMe_3C": "0.5 seconds",
}


def made_up_transference_number(c_e, T):
    """A strongly c_e-dependent t+ (0.40 at 0, 0.25 at 1 mol/L, 0.10 at 2 mol/L); not a real electrolyte."""
    return 0.4 - 0.15 * c_e / 1000.0 + 0.0 * T


def made_up_thermodynamic_factor(c_e, T):
    """A c_e-dependent thermodynamic factor (1 at 0, 1.6 at 1 mol/L, 2.2 at 2 mol/L); not a real electrolyte."""
    return 1.0 + 0.6 * c_e / 1000.0 + 0.0 * T


# name -> parameter values changed from the published set (the tests use the same functions)
OVERRIDES = {
    case: {
        "Cation transference number": made_up_transference_number,
        "Thermodynamic factor": made_up_thermodynamic_factor,
    }
    for case in ("Chen2020_DFN_2C_tplus_tdf", "Chen2020_SPMe_2C_tplus_tdf")
}
OVERRIDES["Chen2020_SPMe_2C_tplus"] = {"Cation transference number": made_up_transference_number}

#: lumped-thermal cases: made by make_pybamm_thermal_references.py (with the heating column), not here
THERMAL_CASES: dict = {}
# name -> (model, set, steps, initial SOC): PyBaMM's initial_soc (stoichiometries from the cut-off voltages)
SOC_CASES = {"Chen2020_SPMe_1C_soc50": ("SPMe", "Chen2020", ["Discharge at 1C until 2.5 V"], 0.5)}

# Graded and layered electrodes: Chen2020 with properties that are functions of the through-cell
# distance x [m] from the negative current collector (PyBaMM evaluates them at the cell centres of its
# finite volumes; porosity and active fraction are called with (x, y, z), the particle radius with x).
# The same designs are built on VoltVault's side by solvers.parameters.layers (see test_graded_electrodes.py).
#: positive porosity, linear from the separator to the current collector (active fraction 0.665 kept)
GRADED_POSITIVE_POROSITY = (0.335, 0.12)
#: negative electrode in two layers, current-collector side first:
#: (fraction of the thickness, porosity, active material volume fraction, particle radius [m])
TWO_LAYER_NEGATIVE = ((0.4, 0.22, 0.75, 8e-6), (0.6, 0.28, 0.70, 4e-6))


def graded_positive_porosity(params):
    """Chen2020 with the positive porosity of ``GRADED_POSITIVE_POROSITY`` (a linear function of x)."""
    L_n, L_s, L_p = (
        params[f"{d} thickness [m]"] for d in ("Negative electrode", "Separator", "Positive electrode")
    )
    at_sep, at_cc = GRADED_POSITIVE_POROSITY

    def porosity(x, y=None, z=None):
        return at_sep + (at_cc - at_sep) * (x - (L_n + L_s)) / L_p

    params.update({"Positive electrode porosity": porosity})


def two_layer_negative(params):
    """Chen2020 with the negative electrode of ``TWO_LAYER_NEGATIVE`` (piecewise constant in x).

    A point on a layer boundary belongs to the layer at smaller x (``x > x_b`` picks the second layer), as
    :mod:`solvers.parameters.layers`.
    """
    L_n = params["Negative electrode thickness [m]"]
    (f1, eps1, es1, r1), (_f2, eps2, es2, r2) = TWO_LAYER_NEGATIVE
    x_b = f1 * L_n

    def step(v1, v2):
        def value(x, y=None, z=None):
            return v1 + (v2 - v1) * (x > x_b)

        return value

    params.update(
        {
            "Negative electrode porosity": step(eps1, eps2),
            "Negative electrode active material volume fraction": step(es1, es2),
            "Negative particle radius [m]": step(r1, r2),
        }
    )


def graded_both(params):
    graded_positive_porosity(params)
    two_layer_negative(params)


# name -> (model, set, steps, function changing the pybamm.ParameterValues in place)
GRADED_CASES = {
    "Chen2020_DFN_1C_graded_positive_porosity": (
        "DFN", "Chen2020", ["Discharge at 1C until 2.5 V"], graded_positive_porosity,
    ),
    "Chen2020_DFN_1C_two_layer_negative": ("DFN", "Chen2020", ["Discharge at 1C until 2.5 V"], two_layer_negative),
    "Chen2020_SPMe_1C_graded": ("SPMe", "Chen2020", ["Discharge at 1C until 2.5 V"], graded_both),
    "Chen2020_SPM_1C_graded": ("SPM", "Chen2020", ["Discharge at 1C until 2.5 V"], graded_both),
}  # fmt: skip


def run(
    model_name: str,
    set_name: str,
    steps: list[str],
    ambient_K: float | None,
    thermal: str = "isothermal",
    initial_soc: float | None = None,
    period: str = "2 seconds",
    change=None,
    overrides: dict | None = None,
):
    params = pybamm.ParameterValues(set_name)
    params.update(overrides or {})
    if change is not None:
        change(params)
    if ambient_K is not None:
        params.update({"Ambient temperature [K]": ambient_K, "Initial temperature [K]": ambient_K})
    sim = pybamm.Simulation(
        MODELS[model_name](options={"thermal": thermal}),
        parameter_values=params,
        experiment=pybamm.Experiment(steps, period=period),
        solver=pybamm.IDAKLUSolver(rtol=1e-8, atol=1e-8),
    )
    sol = sim.solve(initial_soc=initial_soc)
    run.step_end_times_s = [
        float(step["Time [s]"].entries[-1]) for cycle in sol.cycles for step in cycle.steps
    ]
    t = sol["Time [s]"].entries
    grid = np.unique(np.concatenate([np.linspace(t[0], t[-1], N_POINTS), [t[-1]]]))
    out = [grid]
    names = ["Voltage [V]", "Current [A]", "Discharge capacity [A.h]"]
    if thermal != "isothermal":
        names.append("Volume-averaged cell temperature [K]")
    for name in names:
        out.append(np.interp(grid, t, sol[name].entries))
    return np.column_stack(out)


def main(only: list[str] | None = None) -> None:
    """Write every case (or only the named ones, e.g. ``Chen2020_DFN_3C``)."""
    every = {
        **{k: (*v, "isothermal", None) for k, v in CASES.items()},
        **{k: (*v, "lumped", None) for k, v in THERMAL_CASES.items()},
        **{k: (m, p, st, None, "isothermal", soc) for k, (m, p, st, soc) in SOC_CASES.items()},
        **{k: (m, p, st, None, "isothermal", None, ch) for k, (m, p, st, ch) in GRADED_CASES.items()},
    }
    for case, (model_name, set_name, steps, ambient_K, thermal, initial_soc, *change) in every.items():
        if only and case not in only:
            continue
        data = run(
            model_name,
            set_name,
            steps,
            ambient_K,
            thermal,
            initial_soc,
            PERIODS.get(case, "2 seconds"),
            change[0] if change else None,
            OVERRIDES.get(case),
        )
        header = "time_s,voltage_V,current_A,discharge_capacity_Ah" + (
            ",temperature_K" if data.shape[1] > 4 else ""
        )
        np.savetxt(HERE / f"pybamm_{case}.csv", data, delimiter=",", header=header, comments="", fmt="%.10g")
        ends = np.asarray(run.step_end_times_s)
        np.savetxt(
            HERE / f"pybamm_{case}_step_ends.csv", ends, header="step_end_time_s", comments="", fmt="%.10g"
        )
        print(
            case,
            f"t_end = {data[-1, 0]:.2f} s",
            f"Q = {data[-1, 3]:.5f} A.h",
            f"steps end at {ends.round(1)}",
        )


if __name__ == "__main__":
    import sys

    main(sys.argv[1:] or None)
