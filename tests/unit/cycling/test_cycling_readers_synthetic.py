"""Readers on files written the way other instruments and labs write them: GBK Chinese Neware CSV,
Maccor decimal-comma CRLF with unsigned current, Arbin semicolons, a generic file through the wizard,
a NASA PCoE .mat; and the safety checks (signature, zip bombs, size cap)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from voltvault_core import bdf
from voltvault_core.cycling import CyclingFormatError, UnsafeFileError, read_cycling_bytes, read_cycling_file
from voltvault_core.cycling.mapping import apply_mapping, load_table, match_saved_mapping, suggest_mapping
from voltvault_core.cycling.metrics import compute_cycle_metrics
from voltvault_core.cycling.synthetic import synthetic_cycling_frame, write_nasa_pcoe_mat


@pytest.fixture(scope="module")
def truth() -> pd.DataFrame:
    return synthetic_cycling_frame(4, capacity_Ah=1.5, points_per_step=40, rest_points=5)


def _step_capacity(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Per-step (restarting) counter, as Neware and Maccor write it."""
    values = frame[column].to_numpy()
    step = frame[bdf.STEP].to_numpy()
    start = pd.Series(values).groupby(step).transform("first").to_numpy()
    return values - start


def test_neware_csv_in_gbk_with_chinese_headers_and_crlf(tmp_path: Path, truth: pd.DataFrame) -> None:
    step_time = truth[bdf.TEST_TIME] - truth.groupby(bdf.STEP)[bdf.TEST_TIME].transform("first")
    table = pd.DataFrame(
        {
            "数据序号": np.arange(1, len(truth) + 1),
            "循环号": truth[bdf.CYCLE],
            "工步号": truth[bdf.STEP_INDEX],
            "工步类型": np.where(truth[bdf.CURRENT] > 0, "恒流充电", np.where(truth[bdf.CURRENT] < 0, "恒流放电", "搁置")),
            "时间": [f"{int(s // 3600):02d}:{int(s % 3600 // 60):02d}:{s % 60:06.3f}" for s in step_time],
            "总时间": [f"{int(s // 3600):02d}:{int(s % 3600 // 60):02d}:{s % 60:06.3f}" for s in truth[bdf.TEST_TIME]],
            "电流(mA)": truth[bdf.CURRENT] * 1000,
            "电压(V)": truth[bdf.VOLTAGE],
            "充电容量(mAh)": _step_capacity(truth, bdf.CHARGING_CAPACITY) * 1000,
            "放电容量(mAh)": _step_capacity(truth, bdf.DISCHARGING_CAPACITY) * 1000,
        }
    )
    path = tmp_path / "neware_cn.csv"
    path.write_bytes(table.to_csv(index=False, lineterminator="\r\n").encode("gb18030"))
    parsed = read_cycling_file(path)
    assert parsed.format_name == "neware_csv"
    assert parsed.source_metadata["encoding"] == "gb18030"
    metrics = compute_cycle_metrics(parsed.frame)
    expected = compute_cycle_metrics(truth)
    np.testing.assert_allclose(metrics["discharge_capacity_Ah"], expected["discharge_capacity_Ah"], rtol=1e-6)
    np.testing.assert_allclose(parsed.frame[bdf.TEST_TIME], truth[bdf.TEST_TIME], atol=1e-3)


def test_maccor_decimal_comma_crlf_unsigned_current(tmp_path: Path, truth: pd.DataFrame) -> None:
    state = np.where(truth[bdf.CURRENT] > 0, "C", np.where(truth[bdf.CURRENT] < 0, "D", "R"))
    capacity = np.where(state == "C", _step_capacity(truth, bdf.CHARGING_CAPACITY), _step_capacity(truth, bdf.DISCHARGING_CAPACITY))
    lines = ["Name:\tCELL-7", "Channel:\t12", "", "Rec\tCycle P\tCycle C\tStep\tTestTime\tStepTime\tCap. [Ah]\tEner. [Wh]\tCurrent [A]\tVoltage [V]\tMd\tES\tDPT Time", ""]
    for i, row in enumerate(truth.itertuples(index=False)):
        values = [i + 1, 0, row[3], row[5], f"{row[0]:.3f}", "0", f"{capacity[i]:.8f}", "0", f"{abs(row[2]):.6f}", f"{row[1]:.5f}", state[i], 0, "01/01/2024 00:00:00"]
        lines.append("\t".join(str(v).replace(".", ",") for v in values))
    path = tmp_path / "CELL-7.078"
    path.write_bytes("\r\n".join(lines).encode("cp1252"))
    parsed = read_cycling_file(path)
    assert parsed.format_name == "maccor_txt"
    assert parsed.source_metadata["decimal"] == ","
    assert parsed.frame[bdf.CURRENT].min() < 0
    metrics = compute_cycle_metrics(parsed.frame)
    np.testing.assert_allclose(metrics["discharge_capacity_Ah"], compute_cycle_metrics(truth)["discharge_capacity_Ah"], rtol=1e-6)


def test_maccor_raw_binary_with_numbered_extension_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "RUN.001"
    path.write_bytes(b"\x00\x01\x02MACCOR" + bytes(range(256)) * 10)
    with pytest.raises(CyclingFormatError, match="matches none"):
        read_cycling_file(path)


def test_arbin_csv_with_renamed_extension_is_detected_from_content(tmp_path: Path, truth: pd.DataFrame) -> None:
    table = pd.DataFrame(
        {
            "Data_Point": np.arange(len(truth)),
            "Test_Time(s)": truth[bdf.TEST_TIME],
            "Step_Index": truth[bdf.STEP_INDEX],
            "Cycle_Index": truth[bdf.CYCLE],
            "Current(A)": truth[bdf.CURRENT],
            "Voltage(V)": truth[bdf.VOLTAGE],
            "Charge_Capacity(Ah)": truth[bdf.CHARGING_CAPACITY],
            "Discharge_Capacity(Ah)": truth[bdf.DISCHARGING_CAPACITY],
            "Aux_Temperature_1(C)": truth[bdf.SURFACE_TEMPERATURE],
        }
    )
    path = tmp_path / "channel_3.dat"
    path.write_text(table.to_csv(index=False))
    parsed = read_cycling_file(path)
    assert parsed.format_name == "arbin_csv"
    pd.testing.assert_series_equal(parsed.frame[bdf.CYCLE], truth[bdf.CYCLE], check_names=False)


def test_generic_wizard_maps_unfamiliar_names_and_units(tmp_path: Path, truth: pd.DataFrame) -> None:
    table = pd.DataFrame(
        {
            "Zeit (min)": truth[bdf.TEST_TIME] / 60.0,
            "U_cell [V]": truth[bdf.VOLTAGE],
            "I (mA)": -truth[bdf.CURRENT] * 1000.0,  # this lab writes discharge positive
            "Zyklus": truth[bdf.CYCLE],
            "Q_dis (mAh)": truth[bdf.DISCHARGING_CAPACITY] * 1000,
            "Q_ch (mAh)": truth[bdf.CHARGING_CAPACITY] * 1000,
        }
    )
    path = tmp_path / "lab_export.csv"
    path.write_text("Lab XYZ logger v2\nsample;42\n" + table.to_csv(index=False, sep=";"))
    with pytest.raises(CyclingFormatError, match="matches none"):
        read_cycling_file(path)
    loaded = load_table(path)
    mapping = suggest_mapping(list(loaded.columns))
    columns = mapping["columns"]
    assert columns[bdf.TEST_TIME] == {"source": "Zeit (min)", "unit": "min"}
    assert columns[bdf.VOLTAGE]["source"] == "U_cell [V]"
    assert columns[bdf.CURRENT] == {"source": "I (mA)", "unit": "ma"}
    assert columns[bdf.CYCLE]["source"] == "Zyklus"
    # the user confirms, fixing what the wizard cannot know: sign convention and capacity columns
    mapping["current_positive"] = "discharge"
    columns[bdf.DISCHARGING_CAPACITY] = {"source": "Q_dis (mAh)", "unit": "mAh"}
    columns[bdf.CHARGING_CAPACITY] = {"source": "Q_ch (mAh)", "unit": "mAh"}
    parsed = read_cycling_file(path, mapping=mapping)
    assert parsed.format_name == "generic"
    np.testing.assert_allclose(parsed.frame[bdf.CURRENT], truth[bdf.CURRENT], atol=1e-9)
    np.testing.assert_allclose(parsed.frame[bdf.TEST_TIME], truth[bdf.TEST_TIME], rtol=1e-9)
    np.testing.assert_allclose(
        compute_cycle_metrics(parsed.frame)["discharge_capacity_Ah"], compute_cycle_metrics(truth)["discharge_capacity_Ah"]
    )
    # remembered for the lab: a later file with the same columns gets it back
    saved = [{"name": "Lab XYZ", "mapping": mapping}, {"name": "other", "mapping": {"columns": {"x": {"source": "nope"}}}}]
    assert match_saved_mapping(list(loaded.columns), saved)["name"] == "Lab XYZ"
    frame = apply_mapping(loaded, mapping, "lab_export.csv")
    assert len(frame) == len(truth)


def test_generic_mapping_errors_are_actionable(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b,c\n1,2,3\n4,5,6\n")
    with pytest.raises(CyclingFormatError, match="no column is mapped to Voltage / V"):
        read_cycling_file(path, mapping={"columns": {bdf.TEST_TIME: {"source": "a", "unit": "s"}}})
    bad = {"columns": {bdf.TEST_TIME: {"source": "a", "unit": "s"}, bdf.VOLTAGE: {"source": "b", "unit": "V"},
                       bdf.CURRENT: {"source": "zz", "unit": "A"}}}
    with pytest.raises(CyclingFormatError, match="'zz' that the file does not have"):
        read_cycling_file(path, mapping=bad)


def test_nasa_pcoe_mat(tmp_path: Path) -> None:
    path = tmp_path / "B0005.mat"
    capacities = write_nasa_pcoe_mat(path, n_cycles=4)
    parsed = read_cycling_file(path)
    assert parsed.format_name == "nasa_pcoe_mat"
    assert parsed.source_metadata["cell_identifier"] == "B0005"
    assert parsed.source_metadata["n_impedance_records"] == 1
    metrics = compute_cycle_metrics(parsed.frame)
    np.testing.assert_allclose(metrics["discharge_capacity_Ah"], capacities, rtol=1e-9)
    np.testing.assert_allclose(parsed.source_metadata["nasa_discharge_capacity_Ah"], capacities)
    assert parsed.frame[bdf.AMBIENT_TEMPERATURE].iloc[0] == 24.0
    assert np.all(np.diff(parsed.frame[bdf.TEST_TIME]) >= 0)


def test_signature_check_and_garbage(tmp_path: Path) -> None:
    garbage = tmp_path / "cells.nda"
    garbage.write_bytes(b"\x00" * 100 + b"not a neware file")
    with pytest.raises(CyclingFormatError, match=r"cells\.nda"):
        read_cycling_file(garbage)
    with pytest.raises(CyclingFormatError, match="does not look like Neware BTS binary"):
        read_cycling_file(garbage, "neware_nda")
    with pytest.raises(CyclingFormatError, match="not a known cycler format"):
        read_cycling_file(garbage, "keithley")


def test_zip_bomb_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", '<workbook><sheets><sheet name="record"/></sheets></workbook>')
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (20 * 1024**2))
    with pytest.raises(UnsafeFileError, match="zip bomb"):
        read_cycling_file(path)


def test_size_cap_and_empty_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(b"Test Time / s,Voltage / V,Current / A\n" + b"1,3.7,0\n" * 200_000)
    monkeypatch.setenv("VOLTVAULT_CYCLING_MAX_MB", "1")
    with pytest.raises(UnsafeFileError, match="above the 1 MB limit"):
        read_cycling_file(path)
    with pytest.raises(UnsafeFileError, match="empty"):
        read_cycling_bytes(b"", "nothing.csv")


def test_bdf_csv_from_bytes_with_cycle_detection() -> None:
    rows = "\n".join(f"{t},{3.5 + 0.001 * t},{1.0 if t < 50 else -1.0}" for t in range(100))
    parsed = read_cycling_bytes(("Test Time / s,Voltage / V,Current / A\n" + rows).encode(), "sim.csv")
    assert parsed.format_name == "bdf_csv"
    assert parsed.frame[bdf.CYCLE].nunique() == 1
    assert any("detected" in w for w in parsed.warnings)


def test_bdf_csv_from_another_writer_hours_per_step_counters_and_flipped_sign(tmp_path: Path, truth: pd.DataFrame) -> None:
    """A BatMo-style BDF CSV: time in hours, 'Charge Capacity' spelling, counters restarting every step,
    and discharge written positive (with a Step Type column that shows it)."""
    step_type = np.where(truth[bdf.CURRENT] > 0, "charge", np.where(truth[bdf.CURRENT] < 0, "discharge", "rest"))
    table = pd.DataFrame(
        {
            "Test Time / h": truth[bdf.TEST_TIME] / 3600,
            "Current / mA": -truth[bdf.CURRENT] * 1000,
            "Voltage / V": truth[bdf.VOLTAGE],
            "Step Type / 1": step_type,
            "Cycle Count / 1": truth[bdf.CYCLE],
            "Step Index / 1": truth[bdf.STEP_INDEX],
            "Charge Capacity / Ah": _step_capacity(truth, bdf.CHARGING_CAPACITY),
            "Discharge Capacity / Ah": _step_capacity(truth, bdf.DISCHARGING_CAPACITY),
        }
    )
    path = tmp_path / "batmo_like.csv"
    path.write_text(table.to_csv(index=False))
    parsed = read_cycling_file(path)
    assert parsed.format_name == "bdf_csv"
    assert any("flipped" in w for w in parsed.warnings)
    np.testing.assert_allclose(parsed.frame[bdf.CURRENT], truth[bdf.CURRENT], atol=1e-12)
    np.testing.assert_allclose(parsed.frame[bdf.TEST_TIME], truth[bdf.TEST_TIME], rtol=1e-12)
    np.testing.assert_allclose(
        compute_cycle_metrics(parsed.frame)["discharge_capacity_Ah"], compute_cycle_metrics(truth)["discharge_capacity_Ah"]
    )


def test_neware_layered_regular_export(tmp_path: Path, truth: pd.DataFrame) -> None:
    """BTS 'regular' export: cycle, step and record layers in one CSV, records indented by two commas."""
    lines = [
        "Cycle Index,Chg. Cap.(Ah),DChg. Cap.(Ah)",
        ",Step Index,Step Number,Step Type,Step Time,Capacity(Ah)",
        ",,DataPoint,Time,Total Time,Current(A),Voltage(V),Capacity(Ah),Date",
    ]
    point = 0
    for cycle, cycle_rows in truth.groupby(bdf.CYCLE, sort=True):
        first_step = True
        for step, rows in cycle_rows.groupby(bdf.STEP, sort=True):
            current = rows[bdf.CURRENT].iloc[0]
            kind = "CC Chg" if current > 0 else "CC DChg" if current < 0 else "Rest"
            step_fields = f"{rows[bdf.STEP_INDEX].iloc[0]},{step},{kind},00:00:00,0"
            if first_step:  # the first step's fields follow the cycle row on the same line
                lines.append(f"{cycle},0,0,{step_fields}")
                first_step = False
            else:
                lines.append(f",{step_fields}")
            start = rows[bdf.TEST_TIME].iloc[0]
            capacity = rows[bdf.CHARGING_CAPACITY] - rows[bdf.CHARGING_CAPACITY].iloc[0] + rows[bdf.DISCHARGING_CAPACITY] - rows[bdf.DISCHARGING_CAPACITY].iloc[0]
            for t, i, v, q in zip(rows[bdf.TEST_TIME], rows[bdf.CURRENT], rows[bdf.VOLTAGE], capacity, strict=True):
                point += 1
                step_t, total_t = t - start, t
                lines.append(f",,{point},{int(step_t // 3600):02d}:{int(step_t % 3600 // 60):02d}:{step_t % 60:06.3f},"
                             f"{int(total_t // 3600):02d}:{int(total_t % 3600 // 60):02d}:{total_t % 60:06.3f},{i:.6f},{v:.6f},{q:.9f},2024-01-01 00:00:00")
    path = tmp_path / "regular.csv"
    path.write_text("\n".join(lines) + "\n")
    parsed = read_cycling_file(path)
    assert parsed.format_name == "neware_csv"
    assert parsed.source_metadata["layout"] == "layered"
    assert len(parsed.frame) == len(truth)
    np.testing.assert_allclose(
        compute_cycle_metrics(parsed.frame)["discharge_capacity_Ah"], compute_cycle_metrics(truth)["discharge_capacity_Ah"], rtol=1e-6
    )


def test_maccor_milli_unit_export(tmp_path: Path, truth: pd.DataFrame) -> None:
    """Maccor configured for milli-units: mAmps, mAmp-hr, mWatt-hr and 'Volts' holding mV, trailing tabs."""
    state = np.where(truth[bdf.CURRENT] > 0, "C", np.where(truth[bdf.CURRENT] < 0, "D", "R"))
    capacity = np.where(state == "C", _step_capacity(truth, bdf.CHARGING_CAPACITY), _step_capacity(truth, bdf.DISCHARGING_CAPACITY))
    lines = ["Today''s Date\t03/28/2022 12:50:27 PM", "", "Date of Test:\t08/23/2021 6:04:18 PM", "",
             "Rec#\tCyc#\tStep\tTestTime\tStepTime\tmAmp-hr\tmWatt-hr\tmAmps\tVolts\tState\tES\tDPt Time"]
    for i, row in enumerate(truth.itertuples(index=False)):
        t = row[0]
        lines.append("\t".join([str(i + 1), str(row[3] - 1), str(row[5]), f"  {int(t // 86400)}d {int(t % 86400 // 3600):02d}:{int(t % 3600 // 60):02d}:{t % 60:05.2f}",
                                "  0d 00:00:00.00", f"{capacity[i] * 1000:.4f}", "0.0", f"{abs(row[2]) * 1000:.4f}",
                                f"{row[1] * 1000:.4f}", state[i], "0", "08/23/2021 6:04:18 PM"]) + "\t")
    path = tmp_path / "maccor_milli.txt"
    path.write_text("\n".join(lines) + "\n")
    parsed = read_cycling_file(path)
    assert parsed.format_name == "maccor_txt"
    np.testing.assert_allclose(parsed.frame[bdf.VOLTAGE], truth[bdf.VOLTAGE], atol=1e-6)
    np.testing.assert_allclose(parsed.frame[bdf.CURRENT], truth[bdf.CURRENT], atol=1e-6)
    np.testing.assert_allclose(
        compute_cycle_metrics(parsed.frame)["discharge_capacity_Ah"], compute_cycle_metrics(truth)["discharge_capacity_Ah"], rtol=1e-5
    )


def test_uploads_need_an_extension_a_reader_uses() -> None:
    with pytest.raises(UnsafeFileError, match=r"files ending in \.exe are not accepted"):
        read_cycling_bytes(b"MZ\x90\x00", "setup.exe")
    with pytest.raises(CyclingFormatError, match="matches none"):  # a numbered Maccor extension passes the check
        read_cycling_bytes(b"some text\n", "RUN.078")


def _mpt(path: Path, header: list[str], rows: list[list[str]], newline: str = "\n") -> Path:
    lines = ["EC-Lab ASCII FILE", "Nb header lines : 4", "Acquisition started on : 05/07/2024 10:00:00", "\t".join(header)]
    lines += ["\t".join(r) + "\t" for r in rows]
    path.write_bytes(newline.join(lines).encode("latin-1"))
    return path


def test_biologic_mpt_variants_bracketed_names_decimal_comma_crlf(tmp_path: Path) -> None:
    header = ["mode", "time/s", "<Ewe/V>", "<I>/mA", "Q charge/discharge/mA.h", "half cycle", "Capacitance charge/µF"]
    rows = []
    for k in range(40):  # discharge (half cycle 0) then charge (half cycle 1), 1 mA, 36 s steps
        half = k // 20
        current = -1.0 if half == 0 else 1.0
        q = (k % 20) * 0.01 * (1 if half else -1)
        rows.append([str(1), f"{36.0 * k:.1f}".replace(".", ","), f"{3.0 + 0.01 * (k if half else 20 - k):.4f}".replace(".", ","),
                     f"{current:.3f}".replace(".", ","), f"{q:.4f}".replace(".", ","), str(half), "0"])
    parsed = read_cycling_file(_mpt(tmp_path / "gcpl_de.mpt", header, rows, "\r\n"))
    assert parsed.format_name == "biologic_mpt"
    metrics = compute_cycle_metrics(parsed.frame)
    assert metrics["discharge_capacity_Ah"].iloc[0] == pytest.approx(0.19e-3)
    assert metrics["charge_capacity_Ah"].iloc[0] == pytest.approx(0.19e-3)
    assert parsed.frame[bdf.VOLTAGE].max() == pytest.approx(3.39)


def test_biologic_impedance_file_is_sent_to_the_eis_page(tmp_path: Path) -> None:
    path = _mpt(tmp_path / "peis.mpt", ["freq/Hz", "Re(Z)/Ohm", "-Im(Z)/Ohm", "time/s", "<Ewe>/V", "<I>/mA"],
                [["1000", "0.1", "0.01", "1", "3.7", "0"], ["100", "0.12", "0.02", "2", "3.7", "0"]])
    with pytest.raises(CyclingFormatError, match=r"impedance spectrum .* EIS page"):
        read_cycling_file(path)


def test_wizard_finds_the_table_under_an_instrument_preamble(tmp_path: Path, truth: pd.DataFrame) -> None:
    preamble = ["# PRIME INSTRUMENT FILE --- HEAD ---;;;;;;", "number of headers ;9;;;;;", "operator;Ada;;;;;",
                "date;01.01.2016;;;;;", "mass;0.0012;;;;;", "# ---LOG---;;;;;;"]
    table = pd.DataFrame({"index": range(len(truth)), "test_time": truth[bdf.TEST_TIME], "step_time": 0.0,
                          "step": truth[bdf.STEP_INDEX], "cycle": truth[bdf.CYCLE], "current": truth[bdf.CURRENT],
                          "voltage": truth[bdf.VOLTAGE]})
    path = tmp_path / "prime.csv"
    path.write_text("\n".join(preamble) + "\n" + table.to_csv(index=False, sep=";"))
    loaded = load_table(path)
    assert list(loaded.columns) == list(table.columns)
    mapping = suggest_mapping(list(loaded.columns))
    assert mapping["columns"][bdf.STEP_INDEX]["source"] == "step"
    assert mapping["columns"][bdf.TEST_TIME]["source"] == "test_time"
    frame = read_cycling_file(path, mapping=mapping).frame
    np.testing.assert_allclose(
        compute_cycle_metrics(frame)["discharge_capacity_Ah"], compute_cycle_metrics(truth)["discharge_capacity_Ah"], rtol=1e-9
    )


def test_old_binary_excel_gets_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    with pytest.raises(CyclingFormatError, match=r"save it as \.xlsx"):
        read_cycling_file(path)


def test_arbin_mits8_csv_with_spaced_names(tmp_path: Path, truth: pd.DataFrame) -> None:
    table = pd.DataFrame(
        {
            "Date Time": pd.Timestamp("2024-03-01 08:00:00") + pd.to_timedelta(truth[bdf.TEST_TIME], unit="s"),
            "Test Time (s)": truth[bdf.TEST_TIME],
            "Step Time (s)": 0.0,
            "Cycle Index": truth[bdf.CYCLE],
            "Step Index": truth[bdf.STEP_INDEX],
            "Current (A)": truth[bdf.CURRENT],
            "Voltage (V)": truth[bdf.VOLTAGE],
            "Charge Capacity (Ah)": truth[bdf.CHARGING_CAPACITY],
            "Discharge Capacity (Ah)": truth[bdf.DISCHARGING_CAPACITY],
        }
    )
    path = tmp_path / "mits8.csv"
    path.write_text(table.to_csv(index=False), encoding="utf-8")
    parsed = read_cycling_file(path)
    assert parsed.format_name == "arbin_csv"
    assert parsed.frame[bdf.UNIX_TIME].iloc[1] - parsed.frame[bdf.UNIX_TIME].iloc[0] == pytest.approx(
        truth[bdf.TEST_TIME].iloc[1], abs=1e-3)
    np.testing.assert_allclose(
        compute_cycle_metrics(parsed.frame)["discharge_capacity_Ah"], compute_cycle_metrics(truth)["discharge_capacity_Ah"]
    )


def test_biologic_modulo_bat_keeps_the_cycling_rows(tmp_path: Path) -> None:
    header = ["freq/Hz", "Re(Z)/Ohm", "time/s", "Ewe/V", "I/mA", "half cycle"]
    rows = [["0", "0", str(10 * k), f"{3.5 + 0.01 * k:.3f}", "1.0", "0"] for k in range(10)]
    rows += [["1000", "0.1", "101", "3.6", "0", "0"], ["100", "0.12", "102", "3.6", "0", "0"]]
    parsed = read_cycling_file(_mpt(tmp_path / "mb.mpt", header, rows))
    assert len(parsed.frame) == 10
    assert any("2 impedance points were left out" in w for w in parsed.warnings)
