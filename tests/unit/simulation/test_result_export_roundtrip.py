"""Every export format writes a result and reads the same result back."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from solvers import bdf
from solvers.export import FORMATS, format_from_filename, result_from_bytes, result_to_bytes
from solvers.result import SolverResult


def _result(n_t: int = 37) -> SolverResult:
    rng = np.random.default_rng(7)
    t = np.linspace(0.0, 3600.0, n_t)
    x = np.linspace(0.0, 1.7e-4, 12)
    r = np.linspace(0.0, 5.86e-6, 6)
    current_solver = np.where(t < 1800, 5.0, -2.5)
    ts = {
        bdf.TEST_TIME: t,
        bdf.VOLTAGE: 4.1 - 1e-4 * t,
        bdf.CURRENT: bdf.current_from_solver(current_solver),
        bdf.STEP: np.where(t < 1800, 1, 2),
        bdf.CYCLE: np.ones(n_t, dtype=int),
        bdf.STEP_INDEX: np.where(t < 1800, 1, 2),
        bdf.DISCHARGING_CAPACITY: np.cumsum(np.clip(current_solver, 0, None)) / 3600,
        bdf.CHARGING_CAPACITY: np.cumsum(np.clip(-current_solver, 0, None)) / 3600,
    }
    variables = {
        "Electrolyte concentration [mol.m-3]": 1000 + rng.normal(size=(n_t, x.size)),
        "Electrolyte potential [V]": rng.normal(size=(n_t, x.size)),
        "Negative particle concentration [mol.m-3]": rng.normal(size=(n_t, 4, r.size)),  # (t, x_n, r)
        "Cell temperature [K]": 298.15 + rng.normal(size=n_t),
        "Negative electrode OCP curve [V]": rng.normal(size=11),  # not aligned with time
    }
    mesh = {"x [m]": x, "r_n [m]": r, "x_n [m]": x[:4]}
    info = {
        "backend": "numba",
        "model": "dfn",
        "n_states": 420,
        "wall_time_s": 0.0123,
        "rtol": 1e-6,
        "mesh": {"x_n": 4},
    }
    return SolverResult(t, ts, variables, mesh, "event: Minimum voltage [V]", info)


@pytest.mark.parametrize("fmt", [name for name, f in FORMATS.items() if f.full])
def test_full_formats_round_trip_everything(fmt):
    original = _result()
    data = result_to_bytes(original, fmt)
    assert isinstance(data, bytes)
    assert len(data) > 100
    back = result_from_bytes(data, fmt)
    assert back.termination == original.termination
    assert dict(back.info) == dict(original.info)
    assert list(back.timeseries) == [k for k in bdf.KNOWN_COLUMNS if k in original.timeseries]
    for group in ("timeseries", "variables", "mesh"):
        a, b = getattr(original, group), getattr(back, group)
        assert set(a) == set(b), group
        for key in a:
            np.testing.assert_array_equal(
                np.asarray(b[key]), np.asarray(a[key]), err_msg=f"{fmt} {group} {key}"
            )
            assert np.asarray(b[key]).shape == np.asarray(a[key]).shape
    np.testing.assert_array_equal(back.time_s, original.time_s)


def test_csv_is_the_bdf_frame():
    original = _result()
    text = result_to_bytes(original, "csv").decode()
    frame = pd.read_csv(io.StringIO(text))
    assert list(frame.columns)[:3] == [bdf.TEST_TIME, bdf.VOLTAGE, bdf.CURRENT]
    for column in (bdf.TEST_TIME, bdf.VOLTAGE, bdf.CURRENT, bdf.DISCHARGING_CAPACITY, bdf.CYCLE, bdf.STEP):
        np.testing.assert_allclose(
            frame[column].to_numpy(), np.asarray(original.timeseries[column]), rtol=1e-11
        )
    # BDF sign: the first (discharge) half has negative current
    assert (frame[bdf.CURRENT].to_numpy()[:5] < 0).all()
    back = result_from_bytes(text.encode(), "csv")
    np.testing.assert_allclose(back[bdf.VOLTAGE], original[bdf.VOLTAGE], rtol=1e-11)


def test_single_time_point_keeps_its_shapes_in_mat():
    original = _result(n_t=1)
    back = result_from_bytes(result_to_bytes(original, "mat"), "mat")
    assert back["Electrolyte concentration [mol.m-3]"].shape == (1, 12)
    assert back[bdf.VOLTAGE].shape == (1,)


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("run.csv", "csv"),
        ("RUN.H5", "hdf5"),
        ("a.hdf5", "hdf5"),
        ("x.npz", "npz"),
        ("x.mat", "mat"),
        ("x.parquet", "parquet"),
    ],
)
def test_format_from_filename(name, fmt):
    assert format_from_filename(name).name == fmt


def test_unknown_format_says_what_would_work():
    with pytest.raises(ValueError, match=r"\.parquet"):
        format_from_filename("run.xlsx")
    with pytest.raises(ValueError, match="hdf5"):
        result_to_bytes(_result(), "xlsx")
