"""``voltvault design`` and ``voltvault materials`` commands: one JSON object on stdout, clear errors."""

from __future__ import annotations

import json

import pytest

from voltvault_core.cli import main
from voltvault_core.design.examples import lg_m50


def _run_json(capsys, argv) -> dict:
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # exactly one JSON object
    return json.loads(out)


def test_design_metrics_from_a_design_file_and_from_a_parameter_set(tmp_path, capsys):
    path = tmp_path / "m50.json"
    path.write_text(json.dumps(lg_m50().to_dict()))
    from_file = _run_json(capsys, ["design", "metrics", "--design", str(path), "--json"])
    for key in (
        "capacity_Ah",
        "energy_Wh",
        "specific_energy_Wh_kg",
        "energy_density_Wh_L",
        "np_ratio",
        "inputs",
    ):
        assert key in from_file
    assert from_file["capacity_Ah"] == pytest.approx(5.0, rel=0.05)
    from_set = _run_json(capsys, ["design", "metrics", "--parameter-set", "Mohtat2020", "--json"])
    assert from_set["capacity_Ah"] == pytest.approx(5.0, rel=0.01)  # Mohtat2020 is a 5 Ah cell
    assert from_set["inputs"]["positive"]["active_material"] == "NMC532"


def test_design_balance_writes_the_balanced_design(tmp_path, capsys):
    out_path = tmp_path / "balanced.json"
    out = _run_json(
        capsys,
        [
            "design",
            "balance",
            "--example",
            "lg-m50",
            "--np-ratio",
            "1.15",
            "--output",
            str(out_path),
            "--json",
        ],
    )
    assert out["np_ratio"] == pytest.approx(1.15)
    assert json.loads(out_path.read_text())["negative"]["thickness_m"] == pytest.approx(
        out["negative_thickness_m"]
    )


def test_design_errors_are_one_line_with_exit_code_2(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "x", "positive": {"active_material": "NMC811", "thickness_m": -1}}))
    assert main(["design", "metrics", "--design", str(bad), "--json"]) == 2
    err = capsys.readouterr()
    assert err.out == ""
    assert "thickness_m must be > 0" in err.err
    unknown = tmp_path / "unknown.json"  # a positive OCP that no library material has
    unknown.write_text(json.dumps({"base": "Chen2020", "parameters": {
        "Positive electrode OCP [V]": {"interpolant": {"x": [0.0, 1.0], "y": [4.3, 3.0]}}}}))  # fmt: skip
    assert main(["design", "metrics", "--parameter-set", str(unknown)]) == 2
    assert "cannot recognise the positive material" in capsys.readouterr().err


def test_materials_list_json_and_filters(capsys):
    everything = _run_json(capsys, ["materials", "list", "--json"])
    assert everything["count"] >= 30
    assert all(m["references"] for m in everything["materials"])
    cathodes = _run_json(capsys, ["materials", "list", "--type", "cathode", "--json"])
    assert {m["type"] for m in cathodes["materials"]} == {"cathode"}
    assert _run_json(capsys, ["materials", "check", "--json"])["ok"] is True
