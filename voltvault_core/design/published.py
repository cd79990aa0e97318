"""The real format of the commercial cells behind published parameter sets.

A parameter set gives the electrode area (``Electrode height [m]`` x ``Electrode width [m]``) but not
the can or pouch around it, so a design rebuilt from it used to become one double-coated pouch sheet:
an LG M50 at 216 Wh/kg instead of the 280 of the same cell in its 21700 can, an A123 26650 at 69 Wh/kg
instead of about 100. :func:`published_geometry` puts the sets whose cell is known back in that cell.

Each entry: the cell, its format and size, and the coated height of the winding (the set's own height
where it is a real one; an estimate, said so, where the set lumps the area into one sheet). The winding
length follows from the set's area: area = 2 x winding length x coated height (double-coated).
"""

from __future__ import annotations

from dataclasses import dataclass

from voltvault_core.design.model import Geometry


@dataclass(frozen=True)
class PublishedCell:
    cell: str
    format: str
    size: str
    coated_height_m: float | None  # None: the set's "Electrode height [m]"
    source: str


PUBLISHED_CELLS: dict[str, PublishedCell] = {
    "Chen2020": PublishedCell("LG M50 (INR21700 M50)", "cylindrical", "21700", None,
                              "Chen et al. (2020), doi:10.1149/1945-7111/ab9050: 1.58 m x 65 mm electrodes"),
    "OKane2022": PublishedCell("LG M50 (INR21700 M50)", "cylindrical", "21700", None,
                               "O'Kane et al. (2022), doi:10.1039/D2CP00417H, on Chen2020's LG M50"),
    "Prada2013": PublishedCell("A123 ANR26650M1", "cylindrical", "26650", 0.060,
                               "Prada et al. (2013), doi:10.1149/2.053304jes: 0.18 m2 of electrode; the "
                               "60 mm coated height of the winding is an estimate for a 65 mm can"),
}


def published_geometry(set_name: str, height_m: float, width_m: float) -> tuple[Geometry, str] | None:
    """The geometry of the cell behind ``set_name`` and a note naming it, or None when it is not known."""
    cell = PUBLISHED_CELLS.get(set_name)
    if cell is None:
        return None
    area_m2 = height_m * width_m
    coated = cell.coated_height_m or height_m
    geometry = Geometry(format=cell.format, size=cell.size, electrode_height_m=coated,
                        winding_length_m=area_m2 / (2.0 * coated))
    return geometry, f"{cell.cell}, {cell.size} {cell.format} ({cell.source})"
