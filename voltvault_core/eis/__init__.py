"""EIS Fitting Studio core: read impedance files, check them (Kramers–Kronig), fit equivalent circuits,
compute distributions of relaxation times, fit several spectra together, and turn fitted elements into
cell-design parameters. No Streamlit, no database here (see :mod:`voltvault_core.eis.service`)."""

from voltvault_core.eis.circuit import Circuit, CircuitSyntaxError, parse_circuit
from voltvault_core.eis.drt import DRTResult, compute_drt
from voltvault_core.eis.elements import ELEMENTS, register_element
from voltvault_core.eis.fitting import FitResult, fit_circuit
from voltvault_core.eis.guess import initial_guess, nyquist_features
from voltvault_core.eis.kk import KKResult, linear_kk
from voltvault_core.eis.library import CIRCUIT_LIBRARY
from voltvault_core.eis.link import design_parameters_from_fit
from voltvault_core.eis.multi import MultiFitResult, fit_multi
from voltvault_core.eis.readers import READERS, read_spectra
from voltvault_core.eis.spectrum import EISFileError, Spectrum

__all__ = [
    "CIRCUIT_LIBRARY",
    "ELEMENTS",
    "READERS",
    "Circuit",
    "CircuitSyntaxError",
    "DRTResult",
    "EISFileError",
    "FitResult",
    "KKResult",
    "MultiFitResult",
    "Spectrum",
    "compute_drt",
    "design_parameters_from_fit",
    "fit_circuit",
    "fit_multi",
    "initial_guess",
    "linear_kk",
    "nyquist_features",
    "parse_circuit",
    "read_spectra",
    "register_element",
]
