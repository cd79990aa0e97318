"""Physical constants used anywhere in VoltVault (one source: :mod:`solvers.constants`)."""

from solvers.constants import T_REF_K, ZERO_CELSIUS_K, F, R, k_B

__all__ = ["T_REF_K", "ZERO_CELSIUS_K", "F", "R", "k_B"]
