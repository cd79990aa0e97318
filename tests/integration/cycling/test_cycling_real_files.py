"""Every real cycler file in ../shared/data/cycler against the values of the established readers
(reference_values.json; conventions inside). Skips cleanly when ../shared is absent."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from voltvault_core import bdf
from voltvault_core.cycling import CyclingFormatError, read_cycling_file, read_cycling_files
from voltvault_core.cycling.metrics import compute_cycle_metrics

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"
REFERENCE_FILE = SHARED / "reference_values.json"

pytestmark = pytest.mark.skipif(not REFERENCE_FILE.exists(), reason="../shared/data (real cycler files) is absent")

EXPECTED_FORMAT = {
    "cycler/gcpl.pr_182.1.mpr": "biologic_mpr",
    "cycler/gcpl.pr_182.1.mpt": "biologic_mpt",
    "cycler/arbin_example.res": "arbin_res",
    "cycler/bs542_004_gr_li_50ua_50mv_1v_191020_Channel_11.xlsx": "arbin_xlsx",
    "cycler/2017-05-09_test-TC-contact_CH33.csv": "arbin_csv",
    "cycler/TestFile.nda": "neware_nda",
    "cycler/test.ndax": "neware_ndax",
    "cycler/neware_uio.csv": "neware_csv",
    "cycler/GMJuly2022_CELL002_RPT_3_P0C_5P0PSI_20230110_R0_CH041_20230110143333_37_2_1_2818580185.xlsx": "neware_xlsx",
    "cycler/GMJuly2022_CELL002_Test3_1_P0C_5P0PSI_20221115_R0_CH041_20221115074501_37_2_1_2818580175_1.xlsx": "neware_xlsx",
    "cycler/maccor_001.txt": "maccor_txt",
    "cycler/maccor_two.txt": "maccor_txt",
}
SLOW = {"cycler/GMJuly2022_CELL002_Test3_1_P0C_5P0PSI_20221115_R0_CH041_20221115074501_37_2_1_2818580175_1.xlsx"}


def _reference(key: str) -> dict:
    entry = json.loads(REFERENCE_FILE.read_text())["cycler"][key]
    return next(iter(entry["parsers"].values()))  # the first parser is the established core reader


def _params():
    for key, fmt in EXPECTED_FORMAT.items():
        marks = [pytest.mark.slow] if key in SLOW else []
        yield pytest.param(key, fmt, id=Path(key).name[:40], marks=marks)


def _capacity_agrees(ours_Ah: float, reference_mAh: float) -> bool:
    ours_mAh = ours_Ah * 1000.0
    return abs(ours_mAh - reference_mAh) <= max(0.005 * abs(reference_mAh), 0.001)


@pytest.mark.parametrize(("key", "fmt"), list(_params()))
def test_real_file_matches_reference(key: str, fmt: str) -> None:
    ref = _reference(key)
    parsed = read_cycling_file(SHARED / key)
    frame = parsed.frame
    assert parsed.format_name == fmt

    expected_rows = ref.get("n_rows_complete", ref["n_rows"])
    assert len(frame) == expected_rows
    voltage = frame[bdf.VOLTAGE].to_numpy()
    assert voltage.min() == pytest.approx(ref["voltage_min_V"], rel=1e-6)
    assert voltage.max() == pytest.approx(ref["voltage_max_V"], rel=1e-6)
    time_s = frame[bdf.TEST_TIME].to_numpy()
    assert np.all(np.diff(time_s) >= 0), "test time must be monotonic"
    span = time_s.max() - time_s.min()
    if key == "cycler/maccor_two.txt":
        # The reference takes TestTime as seconds; its DPt Time stamps show minutes (212 rows one minute
        # apart). Our reader converts; the reference's complete rows span 212 TestTime units.
        assert span == pytest.approx(212 * 60.0)
        assert any("minutes" in w for w in parsed.warnings)
    else:
        assert span == pytest.approx(ref["total_test_time_s"], rel=1e-5, abs=0.01)

    if "discharge_capacity_mAh_by_cycle" not in ref:  # Arbin CSV with empty cycle column
        assert frame[bdf.CHARGING_CAPACITY].max() * 1000 == pytest.approx(ref["charge_capacity_max_mAh"], rel=0.005)
        assert frame[bdf.DISCHARGING_CAPACITY].max() * 1000 == pytest.approx(
            ref["discharge_capacity_max_mAh"], abs=0.001
        )
        return

    metrics = compute_cycle_metrics(frame).set_index("cycle")
    assert sorted(metrics.index.astype(str)) == sorted(ref["discharge_capacity_mAh_by_cycle"], key=str)
    assert len(metrics) == ref["n_cycles"]
    for cycle, capacity_mAh in ref["discharge_capacity_mAh_by_cycle"].items():
        ours = metrics.loc[int(cycle), "discharge_capacity_Ah"]
        assert _capacity_agrees(ours, capacity_mAh), f"cycle {cycle}: {ours * 1000} mAh vs {capacity_mAh} mAh"
    for cycle, capacity_mAh in ref.get("charge_capacity_mAh_by_cycle", {}).items():
        ours = metrics.loc[int(cycle), "charge_capacity_Ah"]
        assert _capacity_agrees(ours, capacity_mAh), f"cycle {cycle} charge: {ours * 1000} mAh vs {capacity_mAh} mAh"


def test_mpr_and_mpt_of_the_same_run_agree() -> None:
    mpr = read_cycling_file(SHARED / "cycler/gcpl.pr_182.1.mpr").frame
    mpt = read_cycling_file(SHARED / "cycler/gcpl.pr_182.1.mpt").frame
    np.testing.assert_allclose(mpr[bdf.CURRENT], mpt[bdf.CURRENT], rtol=1e-5, atol=1e-9)
    np.testing.assert_array_equal(mpr[bdf.CYCLE], mpt[bdf.CYCLE])


def test_unsigned_maccor_current_gets_its_sign_from_state() -> None:
    frame = read_cycling_file(SHARED / "cycler/maccor_001.txt").frame
    assert frame[bdf.CURRENT].min() < -1.0
    assert frame[bdf.CURRENT].max() > 1.0


def test_companion_metadata_file_is_refused_with_a_clear_message() -> None:
    with pytest.raises(CyclingFormatError, match=r"CH33_Metadata\.csv: the content matches none"):
        read_cycling_file(SHARED / "cycler/2017-05-09_test-TC-contact_CH33_Metadata.csv")


def test_arbin_csv_reads_its_companion_metadata() -> None:
    parsed = read_cycling_file(SHARED / "cycler/2017-05-09_test-TC-contact_CH33.csv")
    assert parsed.source_metadata["schedule_file_name"] == "20170509-6C_1C_36CV.sdu"
    assert parsed.source_metadata["item_id"] == "EL150800460659"


def test_explicit_wrong_format_is_refused_by_signature() -> None:
    with pytest.raises(CyclingFormatError, match="does not look like"):
        read_cycling_file(SHARED / "cycler/maccor_001.txt", "neware_nda")


def test_split_export_parts_join_back_into_the_whole(tmp_path: Path) -> None:
    """A Neware export split in two parts (as BTS does at Excel's row limit) reads back as one test."""
    lines = (SHARED / "cycler/neware_uio.csv").read_text().splitlines()
    header, body = lines[0], lines[1:]
    first, second = tmp_path / "uio.csv", tmp_path / "uio_1.csv"
    first.write_text("\n".join([header, *body[:4000]]) + "\n")
    second.write_text("\n".join([header, *body[4000:]]) + "\n")
    whole = read_cycling_file(SHARED / "cycler/neware_uio.csv").frame
    combined = read_cycling_files([second, first])  # order is restored from the test time
    assert combined.source_metadata["parts"] == ["uio.csv", "uio_1.csv"]
    np.testing.assert_allclose(combined.frame[bdf.TEST_TIME], whole[bdf.TEST_TIME])
    np.testing.assert_allclose(
        compute_cycle_metrics(combined.frame)["discharge_capacity_Ah"], compute_cycle_metrics(whole)["discharge_capacity_Ah"]
    )


def test_cli_import_prints_one_json_object(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from voltvault_core.cli import main

    output = tmp_path / "uio.bdf.parquet"
    assert main(["cycling", "import", str(SHARED / "cycler/neware_uio.csv"), "--json", "--output", str(output)]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert captured.out.count("\n") == 1
    assert result["format"] == "neware_csv"
    assert result["rows"] == 9065
    assert [c["cycle"] for c in result["cycles"]] == [1, 2, 3, 4]
    assert result["cycles"][0]["discharge_capacity_Ah"] == pytest.approx(5.08628e-3, rel=1e-6)
    assert set(result["cycles"][0]) == {"cycle", "charge_capacity_Ah", "discharge_capacity_Ah", "coulombic_efficiency"}
    assert read_cycling_file(output).frame.shape[0] == 9065
    assert main(["cycling", "formats", "--json"]) == 0
    names = {f["name"] for f in json.loads(capsys.readouterr().out)["formats"]}
    assert {"arbin_res", "neware_ndax", "maccor_txt", "biologic_mpr", "nasa_pcoe_mat", "generic"} <= names
    assert main(["cycling", "import", str(SHARED / "cycler/2017-05-09_test-TC-contact_CH33_Metadata.csv")]) == 2
    assert "matches none" in capsys.readouterr().err


def test_neware_workbook_info_sheet_gives_the_cell_barcode() -> None:
    parsed = read_cycling_file(
        SHARED / "cycler/GMJuly2022_CELL002_RPT_3_P0C_5P0PSI_20230110_R0_CH041_20230110143333_37_2_1_2818580185.xlsx"
    )
    assert parsed.source_metadata["cell_identifier"] == "GMJuly2022_CELL002"
    assert parsed.source_metadata["start_time"] == "2023-01-10 14:33:33"
