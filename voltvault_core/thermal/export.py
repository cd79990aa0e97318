"""VTK export of a 3D thermal field through meshio: ``.vtu`` (hexahedra, any grid) and ``.vti`` (image data).

ParaView opens both. ``.vtu`` carries the temperature at the last output (and its maximum over time, the
region index and, when given, the runaway flag) as cell data; ``.vti`` needs a uniform Cartesian grid
and writes cell data on the image. Cylindrical grids are written as hexahedra in x, y, z (one theta cell
spanning 2 pi is drawn as a ring of ``ring_segments`` sectors).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["hexahedral_mesh", "vtk_bytes", "write_vtk"]


def hexahedral_mesh(grid, ring_segments: int = 24):
    """(points (n_p, 3), hexahedra (n_c, 8), cell index into the grid (n_c,)) in Cartesian metres."""
    e0, e1, e2 = grid.edges
    cell_map = np.arange(grid.n_cells).reshape(grid.shape)
    if grid.kind == "cylindrical" and grid.shape[1] == 1 and grid.full_circle:
        e1 = np.linspace(e1[0], e1[-1], ring_segments + 1)
        cell_map = np.repeat(cell_map, ring_segments, axis=1)
    n0, n1, n2 = e0.size, e1.size, e2.size
    A, B, C = np.meshgrid(e0, e1, e2, indexing="ij")
    if grid.kind == "cylindrical":
        pts = np.stack([A * np.cos(B), A * np.sin(B), C], axis=-1).reshape(-1, 3)
    else:
        pts = np.stack([A, B, C], axis=-1).reshape(-1, 3)
    node = np.arange(n0 * n1 * n2).reshape(n0, n1, n2)
    i, j, k = np.meshgrid(np.arange(n0 - 1), np.arange(n1 - 1), np.arange(n2 - 1), indexing="ij")
    hexes = np.stack([node[i, j, k], node[i + 1, j, k], node[i + 1, j + 1, k], node[i, j + 1, k],
                      node[i, j, k + 1], node[i + 1, j, k + 1], node[i + 1, j + 1, k + 1], node[i, j + 1, k + 1]],
                     axis=-1).reshape(-1, 8)  # fmt: skip
    return pts, hexes, cell_map.reshape(-1)


def write_vtk(run, path: str | Path, *, flagged: np.ndarray | None = None) -> Path:
    """Write ``run`` (a :class:`~voltvault_core.thermal.model.ThermalRun`) to ``path`` (.vtu or .vti).

    Raises
    ------
    ValueError
        For another extension, or ``.vti`` of a grid that is not uniform and Cartesian.
    """
    import meshio

    path = Path(path)
    if isinstance(run, dict):  # a packed run (jobs.pack_run)
        grid = _PackedGrid(run["grid"])
        fields = {
            "Temperature [K]": np.asarray(run["frames_K"][-1], dtype=float),
            "Maximum temperature [K]": np.asarray(run["frames_K"], dtype=float).max(axis=0),
            "Region": np.asarray(run["grid"]["region"], dtype=float).ravel(),
        }
    else:
        grid = run.cell.grid
        fields = {
            "Temperature [K]": run.temperature_K[-1],
            "Maximum temperature [K]": run.temperature_K.max(axis=0),
            "Region": grid.region.ravel().astype(float),
        }
    if flagged is not None:
        fields["Above onset temperature"] = np.asarray(flagged, dtype=float).ravel()
    suffix = path.suffix.lower()
    if suffix == ".vtu":
        pts, hexes, cell_map = hexahedral_mesh(grid)
        mesh = meshio.Mesh(pts, [("hexahedron", hexes)],
                           cell_data={k: [np.asarray(v)[cell_map]] for k, v in fields.items()})  # fmt: skip
        meshio.write(path, mesh, file_format="vtu")
        return path
    if suffix == ".vti":
        if grid.kind != "cartesian" or any(np.ptp(np.diff(e)) > 1e-9 * e[-1] for e in grid.edges):
            raise ValueError("a .vti file needs a uniform Cartesian grid; write .vtu for this cell")
        _write_vti(path, grid, fields)
        return path
    raise ValueError(f"VTK export writes .vtu or .vti, not {path.suffix!r}")


class _PackedGrid:
    """The geometry part of a packed run's grid (what the writers need)."""

    def __init__(self, data: dict):
        self.kind = data["kind"]
        self.edges = tuple(np.asarray(e, dtype=float) for e in data["edges"])
        self.shape = tuple(e.size - 1 for e in self.edges)
        self.n_cells = int(np.prod(self.shape))
        self.full_circle = self.kind == "cylindrical" and abs(np.ptp(self.edges[1]) - 2 * np.pi) < 1e-9


def vtk_bytes(pack: dict, suffix: str = ".vtu") -> bytes:
    """The packed run as the bytes of a .vtu or .vti file (for a download button)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / f"thermal{suffix}"
        write_vtk(pack, target)
        return target.read_bytes()


def _write_vti(path: Path, grid, fields: dict) -> None:
    """VTK ImageData (XML, ASCII) with cell data; meshio has no ImageData writer, so this is written here."""
    spacing = [float(e[1] - e[0]) for e in grid.edges]
    origin = [float(e[0]) for e in grid.edges]
    n = grid.shape
    lines = [
        '<?xml version="1.0"?>',
        '<VTKFile type="ImageData" version="0.1" byte_order="LittleEndian">',
        f'  <ImageData WholeExtent="0 {n[0]} 0 {n[1]} 0 {n[2]}" Origin="{origin[0]} {origin[1]} {origin[2]}" '
        f'Spacing="{spacing[0]} {spacing[1]} {spacing[2]}">',
        f'    <Piece Extent="0 {n[0]} 0 {n[1]} 0 {n[2]}">',
        '      <CellData Scalars="Temperature [K]">',
    ]
    for name, values in fields.items():
        # VTK orders image cells with x fastest: transpose from our C order (x slowest)
        v = np.asarray(values, dtype=float).reshape(n).transpose(2, 1, 0).ravel()
        lines.append(f'        <DataArray type="Float64" Name="{name}" format="ascii">')
        lines.append("          " + " ".join(f"{x:.6g}" for x in v))
        lines.append("        </DataArray>")
    lines += ["      </CellData>", "    </Piece>", "  </ImageData>", "</VTKFile>", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
