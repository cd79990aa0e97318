"""SEI example values that PyBaMM's published parameter sets carry (Chen2020, Ecker2015, Marquis2019,
Mohtat2020, NCA_Kim2011, OKane2022 share them).

VoltVault's models have no SEI growth yet, so these values change no result; they are kept so that a
set exported to PyBaMM keeps the keys PyBaMM's SEI options read. A set that differs lists its own value
after ``**EXAMPLE_SEI_PARAMETERS``, which then wins.
"""

EXAMPLE_SEI_PARAMETERS = {
    "Ratio of lithium moles to SEI moles": 2.0,
    "SEI partial molar volume [m3.mol-1]": 9.585e-05,
    "SEI reaction exchange current density [A.m-2]": 1.5e-07,
    "SEI resistivity [Ohm.m]": 200000.0,
    "SEI solvent diffusivity [m2.s-1]": 2.5e-22,
    "Bulk solvent concentration [mol.m-3]": 2636.0,
    "SEI open-circuit potential [V]": 0.4,
    "SEI electron conductivity [S.m-1]": 8.95e-14,
    "SEI lithium interstitial diffusivity [m2.s-1]": 1e-20,
    "Lithium interstitial reference concentration [mol.m-3]": 15.0,
    "Initial SEI thickness [m]": 5e-09,
    "EC initial concentration in electrolyte [mol.m-3]": 4541.0,
    "EC diffusivity [m2.s-1]": 2e-18,
    "SEI kinetic rate constant [m.s-1]": 1e-12,
    "SEI growth activation energy [J.mol-1]": 0.0,
    "Negative electrode reaction-driven LAM factor [m3.mol-1]": 0.0,
    "Positive electrode reaction-driven LAM factor [m3.mol-1]": 0.0,
}
