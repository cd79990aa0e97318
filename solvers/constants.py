"""Physical constants for the solvers (CODATA 2018, via scipy.constants).

``voltvault_core.constants`` re-exports these so the app and the solvers share one source; the
solvers keep their own module so that they import nothing from ``voltvault_core``.
"""

from scipy import constants as _c

F = _c.physical_constants["Faraday constant"][0]  # [C.mol-1]
R = _c.R  # [J.mol-1.K-1]
k_B = _c.k  # [J.K-1]
T_REF_K = 298.15  # reference temperature of Arrhenius laws [K]
ZERO_CELSIUS_K = _c.zero_Celsius  # [K]
