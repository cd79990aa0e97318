"""Make the PyBaMM lumped-thermal reference curves the 3D thermal tests compare with.

Run with the throw-away PyBaMM environment (PyBaMM is never a dependency of the project):

    /tmp/pybamm-env/bin/python tests/integration/thermal/data/make_pybamm_lumped.py

Writes ``pybamm_lumped_<model>_Chen2020_<C>C.csv`` (time [s], volume-averaged cell temperature [K],
voltage [V]) for an SPMe with PyBaMM's lumped thermal option, Chen2020, h = 10 W/m2/K, 298.15 K, and
``pybamm_dfn_Ai2020_1C.csv`` (time [s], voltage [V]): PyBaMM's isothermal DFN on its Ai2020 set, the
known-value check of our Ai2020 set.
"""

from pathlib import Path

import numpy as np
import pybamm

HERE = Path(__file__).resolve().parent


def main() -> None:
    for c_rate in (1, 2):
        model = pybamm.lithium_ion.SPMe({"thermal": "lumped"})
        params = pybamm.ParameterValues("Chen2020")
        params.update({"Total heat transfer coefficient [W.m-2.K-1]": 10.0})
        experiment = pybamm.Experiment([f"Discharge at {c_rate}C until 2.5 V (10 second period)"])
        sim = pybamm.Simulation(model, parameter_values=params, experiment=experiment)
        sol = sim.solve()
        t = sol["Time [s]"].entries
        T = sol["Volume-averaged cell temperature [K]"].entries
        V = sol["Voltage [V]"].entries
        out = HERE / f"pybamm_lumped_spme_Chen2020_{c_rate}C.csv"
        header = f"PyBaMM {pybamm.__version__} SPMe lumped, Chen2020, h = 10 W/m2/K\ntime_s,T_mean_K,voltage_V"
        np.savetxt(out, np.column_stack([t, T, V]), delimiter=",", header=header, fmt="%.6f")
        print(out, T[-1])
    sim = pybamm.Simulation(pybamm.lithium_ion.DFN(), parameter_values=pybamm.ParameterValues("Ai2020"),
                            experiment=pybamm.Experiment(["Discharge at 1C until 3 V (10 second period)"]))
    sol = sim.solve()
    out = HERE / "pybamm_dfn_Ai2020_1C.csv"
    np.savetxt(out, np.column_stack([sol["Time [s]"].entries, sol["Voltage [V]"].entries]), delimiter=",",
               header=f"PyBaMM {pybamm.__version__} DFN isothermal, Ai2020, 1C\ntime_s,voltage_V", fmt="%.6f")
    print(out)


if __name__ == "__main__":
    main()
