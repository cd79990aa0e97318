"""``voltvault simulate`` through ``main(argv)`` on the ideal stand-in cell: JSON, files, exit codes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from solvers import bdf
from solvers.export import result_from_bytes
from voltvault_core.cli import main

JSON_KEYS = {
    "model",
    "parameter_set",
    "termination",
    "discharge_capacity_Ah",
    "end_voltage_V",
    "solve_time_s",
    "n_states",
}


def test_json_prints_exactly_one_object_and_the_csv_has_bdf_columns(tmp_path, capsys, ideal_model):
    out = tmp_path / "run.csv"
    code = main(
        ["simulate", "--model", "p2d", "--parameter-set", "Chen2020", "--experiment", "Discharge at 1C for 2 minutes",
         "--experiment", "Rest for 1 minute", "--output", str(out), "--json"]
    )  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0
    lines = captured.out.strip().splitlines()
    assert len(lines) == 1
    info = json.loads(lines[0])
    assert set(info) == JSON_KEYS
    assert info["model"] == "dfn"
    assert info["parameter_set"] == "Chen2020"
    assert info["discharge_capacity_Ah"] == pytest.approx(5.0 * 120 / 3600, rel=1e-6)
    frame = pd.read_csv(out)
    for col in (bdf.TEST_TIME, bdf.VOLTAGE, bdf.CURRENT, bdf.DISCHARGING_CAPACITY, bdf.CYCLE, bdf.STEP):
        assert col in frame.columns
    assert frame[bdf.CURRENT].iloc[0] == pytest.approx(-5.0)  # BDF: discharge negative
    assert list(np.unique(frame[bdf.CYCLE])) == [1, 2]
    assert frame[bdf.VOLTAGE].iloc[-1] == pytest.approx(info["end_voltage_V"])


@pytest.mark.parametrize("suffix", [".h5", ".npz", ".mat", ".parquet"])
def test_every_output_format_is_written(tmp_path, capsys, ideal_model, suffix):
    out = tmp_path / f"run{suffix}"
    code = main(
        ["simulate", "--model", "spm", "--experiment", "Discharge at 1C for 1 minute", "--output", str(out)]
    )
    assert code == 0
    back = result_from_bytes(out.read_bytes(), suffix)
    assert back[bdf.TEST_TIME].size > 10
    assert "Electrolyte concentration [mol.m-3]" in back
    assert "wrote" in capsys.readouterr().out


def test_bad_step_exits_2_with_one_line_naming_the_step(capsys, ideal_model):
    code = main(
        [
            "simulate",
            "--model",
            "spme",
            "--experiment",
            "Rest for 1 minute",
            "--experiment",
            "Discharge at -1C until 2.5 V",
            "--json",
        ]
    )
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    err = captured.err.strip().splitlines()
    assert len(err) == 1
    assert "Discharge at -1C until 2.5 V" in err[0]
    assert "negative" in err[0]
    assert ideal_model.calls == []


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--parameter-set", "NoSuchSet"], "Chen2020"),
        (["--parameter-set", "missing.json"], "does not exist"),
        (["--output", "run.xlsx"], ".parquet"),
        (["--initial-soc", "2"], "outside"),
        (["--mesh", "x_n20"], "x_n=20"),
    ],
)
def test_bad_inputs_exit_2_with_an_actionable_line(capsys, ideal_model, argv, fragment):
    code = main(["simulate", "--experiment", "Rest for 1 minute", *argv])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert fragment in err[0]


def test_parameter_set_json_file_and_initial_soc_reach_the_model(tmp_path, capsys, ideal_model):
    path = tmp_path / "mine.json"
    path.write_text(
        json.dumps({"base": "Mohtat2020", "name": "mine", "parameters": {"Electrode width [m]": 0.1}})
    )
    code = main(["simulate", "--parameter-set", str(path), "--initial-soc", "0.3", "--ambient-temperature-K", "308.15", "--output-period-s", "5",
                 "--experiment", "Charge at C/2 for 1 minute", "--json"])  # fmt: skip
    assert code == 0
    info = json.loads(capsys.readouterr().out)
    assert info["parameter_set"] == "mine"
    call = ideal_model.calls[0]
    assert call["initial_soc"] == 0.3
    assert call["ambient_temperature_K"] == 308.15
    assert call["parameters"].value("Electrode width [m]") == 0.1
    assert call["output_period_s"] == 5.0
    assert call["steps"][0].value == pytest.approx(-2.5)
