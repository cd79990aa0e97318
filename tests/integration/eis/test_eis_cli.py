"""``voltvault eis fit|drt|kk`` through the real console entry point."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from voltvault_core.cli import main
from voltvault_core.eis.circuit import Circuit

TRUE = {"R0": 0.5, "R1": 2.0, "CPE1_0": 1e-3, "CPE1_1": 0.85, "W1": 0.3}


@pytest.fixture
def spectrum_file(tmp_path: Path) -> Path:
    f = np.geomspace(1e4, 1e-2, 40)
    z = Circuit("R0-p(R1,CPE1)-W1").impedance(TRUE, f)
    path = tmp_path / "cell.csv"
    path.write_text("\n".join(f"{a},{b},{-c}" for a, b, c in zip(f, z.real, z.imag, strict=True)))
    return path


def test_fit_json_is_one_object_with_parameters(spectrum_file: Path, capsys, tmp_path: Path) -> None:
    out_csv = tmp_path / "fit.csv"
    code = main(
        [
            "eis",
            "fit",
            str(spectrum_file),
            "--circuit",
            "R0-p(R1,CPE1)-W1",
            "--json",
            "--output",
            str(out_csv),
        ]
    )
    assert code == 0
    captured = capsys.readouterr()
    payload = json.loads(captured.out)  # exactly one JSON document
    assert captured.out.count("\n") == 1
    for name, value in TRUE.items():
        assert payload["parameters"][name] == pytest.approx(value, rel=1e-5)
        assert name in payload["stderr"]
    assert payload["rmse_ohm"] < 1e-8
    assert "chi_square" in payload
    assert "fitting" in captured.err  # progress on stderr
    assert out_csv.read_text().startswith("spectrum,frequency_Hz")


def test_fit_differential_evolution_and_text(spectrum_file: Path, capsys) -> None:
    assert main(["eis", "fit", str(spectrum_file), "--circuit", "R0-p(R1,CPE1)-W1", "--method", "de"]) == 0
    out = capsys.readouterr().out
    assert "rmse_ohm" in out
    assert "R1" in out


def test_drt_and_kk_json(spectrum_file: Path, capsys) -> None:
    assert main(["eis", "drt", str(spectrum_file), "--json"]) == 0
    drt = json.loads(capsys.readouterr().out)
    assert drt["drt"][0]["lambda_rule"] == "gcv"
    assert drt["drt"][0]["lambda"] > 0
    assert main(["eis", "kk", str(spectrum_file), "--json"]) == 0
    kk = json.loads(capsys.readouterr().out)
    assert kk["valid"] is True


def test_errors_exit_2_with_a_message(spectrum_file: Path, tmp_path: Path, capsys) -> None:
    assert main(["eis", "fit", str(spectrum_file), "--circuit", "R0-Q1"]) == 2
    assert "unknown element 'Q1'" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2,3\n4,five,6\n")
    assert main(["eis", "kk", str(bad), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "bad.csv, line 2" in captured.err
