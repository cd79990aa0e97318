"""BDF column labels and the one sign conversion (defined in :mod:`solvers.bdf`, shared by the app)."""

from solvers.bdf import *  # noqa: F403
from solvers.bdf import KNOWN_COLUMNS, REQUIRED_COLUMNS, current_from_solver, current_to_solver  # noqa: F401
