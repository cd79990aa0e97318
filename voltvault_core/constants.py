"""Physical constants used anywhere in VoltVault (one source: :mod:`solvers.constants`)."""

from solvers.constants import F, R, T_REF_K, ZERO_CELSIUS_K, k_B

__all__ = ["F", "R", "T_REF_K", "ZERO_CELSIUS_K", "k_B"]
