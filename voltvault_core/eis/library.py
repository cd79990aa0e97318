"""Named equivalent circuits for batteries, with the role of each element.

``roles`` tells the simulation link (:mod:`voltvault_core.eis.link`) which parameter is a
charge-transfer resistance, a Warburg coefficient, a diffusion time or an SEI resistance.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["CIRCUIT_LIBRARY", "LibraryCircuit"]


@dataclass(frozen=True)
class LibraryCircuit:
    """A named circuit."""

    key: str
    title: str
    circuit: str
    description: str
    roles: dict[str, str] = field(default_factory=dict)


CIRCUIT_LIBRARY: dict[str, LibraryCircuit] = {
    c.key: c
    for c in [
        LibraryCircuit(
            "randles",
            "Randles",
            "R0-p(R1,CPE1)",
            "Ohmic resistance in series with charge transfer parallel to a double-layer CPE.",
            {"r_ct": "R1"},
        ),
        LibraryCircuit(
            "randles_warburg",
            "Randles + Warburg",
            "R0-p(R1,CPE1)-W1",
            "Randles cell with semi-infinite solid diffusion (45° tail).",
            {"r_ct": "R1", "warburg": "W1"},
        ),
        LibraryCircuit(
            "randles_finite_warburg",
            "Randles + finite Warburg in the faradaic branch",
            "R0-p(R1-Wo1,CPE1)",
            "Charge transfer and reflective (particle) diffusion in series, parallel to the double layer.",
            {"r_ct": "R1", "diffusion_time": "Wo1_1"},
        ),
        LibraryCircuit(
            "dual_rc",
            "Dual RC (cathode + anode)",
            "R0-p(R1,CPE1)-p(R2,CPE2)-W1",
            "Two charge-transfer arcs (one per electrode) and diffusion.",
            {"r_ct": "R2", "warburg": "W1"},
        ),
        LibraryCircuit(
            "sei_ct_diffusion",
            "SEI + charge transfer + diffusion",
            "R0-p(R1,CPE1)-p(R2,CPE2)-Wo1",
            "High-frequency SEI film arc, mid-frequency charge-transfer arc, reflective solid diffusion.",
            {"r_sei": "R1", "r_ct": "R2", "diffusion_time": "Wo1_1"},
        ),
        LibraryCircuit(
            "transmission_line",
            "Transmission line (porous electrode)",
            "L0-R0-TLM1-Wo1",
            "Inductance, ohmic resistance, de Levie porous electrode and reflective diffusion.",
            {"r_ct": "TLM1_1", "diffusion_time": "Wo1_1"},
        ),
    ]
}
