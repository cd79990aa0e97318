"""The impedance spectrum: one frequency sweep with its measurement conditions.

Convention used everywhere in :mod:`voltvault_core.eis`: ``Z = Z' + j Z''`` in ohm, so a capacitive
response has ``Z'' < 0`` (Nyquist plots show ``-Z''`` upwards). Readers convert every file to it once.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["EISFileError", "Spectrum"]


class EISFileError(ValueError):
    """A spectrum file that cannot be read; the message names the file and, when known, the line.

    Parameters
    ----------
    filename : str
        Name of the offending file.
    message : str
        What is wrong and what would work.
    line : int, optional
        1-based line number of the offending line.
    """

    def __init__(self, filename: str, message: str, line: int | None = None) -> None:
        self.filename = filename
        self.line = line
        self.reason = message
        where = f"{filename}, line {line}" if line is not None else filename
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Spectrum:
    """One impedance spectrum.

    Parameters
    ----------
    frequency_Hz : numpy.ndarray
        Frequencies [Hz], strictly positive.
    impedance_ohm : numpy.ndarray
        Complex impedance [ohm], ``Z' + j Z''`` (capacitive: ``Z'' < 0``).
    metadata : dict
        Source file, instrument format, sign convention found, and conditions (``cycle``,
        ``temperature_K``, ``potential_V``, ``soc``...) when the file states them.
    label : str
        Short human-readable name.
    """

    frequency_Hz: np.ndarray
    impedance_ohm: np.ndarray
    metadata: dict[str, Any] = field(default_factory=dict)
    label: str = "spectrum"

    def __post_init__(self) -> None:
        f = np.asarray(self.frequency_Hz, dtype=float).ravel()
        z = np.asarray(self.impedance_ohm, dtype=complex).ravel()
        if f.shape != z.shape:
            raise ValueError(f"frequency ({f.size}) and impedance ({z.size}) lengths differ")
        if f.size == 0:
            raise ValueError("a spectrum needs at least one point")
        if not np.all(np.isfinite(f)) or np.any(f <= 0):
            raise ValueError("frequencies must be finite and > 0 Hz")
        if not np.all(np.isfinite(z)):
            raise ValueError("impedance values must be finite")
        object.__setattr__(self, "frequency_Hz", f)
        object.__setattr__(self, "impedance_ohm", z)

    # ------------------------------------------------------------------ views
    @property
    def n_points(self) -> int:
        """Number of frequency points."""
        return int(self.frequency_Hz.size)

    @property
    def angular_frequency_rad_s(self) -> np.ndarray:
        """``omega = 2 pi f`` [rad/s]."""
        return 2.0 * np.pi * self.frequency_Hz

    @property
    def z_real_ohm(self) -> np.ndarray:
        """``Z'`` [ohm]."""
        return self.impedance_ohm.real

    @property
    def z_imag_ohm(self) -> np.ndarray:
        """``Z''`` [ohm] (negative for a capacitive response)."""
        return self.impedance_ohm.imag

    def sorted_descending(self) -> Spectrum:
        """The same spectrum ordered from high to low frequency."""
        order = np.argsort(-self.frequency_Hz, kind="stable")
        return Spectrum(self.frequency_Hz[order], self.impedance_ohm[order], dict(self.metadata), self.label)

    def select(self, mask: np.ndarray) -> Spectrum:
        """A spectrum with only the points where ``mask`` is true."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            raise ValueError(f"{self.label}: the selection keeps no point")
        return Spectrum(self.frequency_Hz[mask], self.impedance_ohm[mask], dict(self.metadata), self.label)

    def capacitive_only(self) -> Spectrum:
        """Points with ``Z'' < 0`` only (what impedance.py's ``ignoreBelowX`` keeps)."""
        return self.select(self.z_imag_ohm < 0)

    def frequency_window(self, min_Hz: float | None = None, max_Hz: float | None = None) -> Spectrum:
        """Points with ``min_Hz <= f <= max_Hz``."""
        mask = np.ones(self.n_points, dtype=bool)
        if min_Hz is not None:
            mask &= self.frequency_Hz >= min_Hz
        if max_Hz is not None:
            mask &= self.frequency_Hz <= max_Hz
        return self.select(mask)

    # ------------------------------------------------------------ persistence
    def to_npz_bytes(self) -> bytes:
        """Serialise the arrays to NPZ bytes (no pickle); metadata is stored separately."""
        buffer = io.BytesIO()
        np.savez(
            buffer,
            frequency_Hz=self.frequency_Hz,
            z_real_ohm=self.z_real_ohm,
            z_imag_ohm=self.z_imag_ohm,
        )
        return buffer.getvalue()

    @classmethod
    def from_npz_bytes(
        cls, data: bytes, *, metadata: dict | None = None, label: str = "spectrum"
    ) -> Spectrum:
        """Inverse of :meth:`to_npz_bytes` (``allow_pickle`` is off)."""
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            return cls(
                npz["frequency_Hz"],
                npz["z_real_ohm"] + 1j * npz["z_imag_ohm"],
                dict(metadata or {}),
                label,
            )

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (lists of floats)."""
        return {
            "label": self.label,
            "frequency_Hz": self.frequency_Hz.tolist(),
            "z_real_ohm": self.z_real_ohm.tolist(),
            "z_imag_ohm": self.z_imag_ohm.tolist(),
            "metadata": dict(self.metadata),
        }
