"""The BDF assembly rules, units in column names, and text handling (encodings, decimals, durations)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from voltvault_core import bdf
from voltvault_core.cycling import frame as bdf_frame
from voltvault_core.cycling.textio import (
    decode_text,
    parse_datetime_unix_s,
    parse_duration_s,
    uses_decimal_comma,
)
from voltvault_core.cycling.units import scale_to_si, split_name_unit, temperature_to_degC


@pytest.mark.parametrize(
    ("label", "quantity", "unit"),
    [
        ("Current(mA)", "Current", "ma"),
        ("I/mA", "I", "ma"),
        ("Voltage [V]", "Voltage", "v"),
        ("Cap_mAh", "Cap", "mah"),
        ("t (min)", "t", "min"),
        ("Test Time / s", "Test Time", "s"),
        ("Q charge/discharge/mA.h", "Q charge/discharge", "ma.h"),
        ("T1(℃)", "T1", "℃"),
        ("Contact resistance(mΩ)", "Contact resistance", "mω"),
        ("Voltage", "Voltage", None),
    ],
)
def test_units_are_split_from_labels(label: str, quantity: str, unit: str | None) -> None:
    assert split_name_unit(label) == (quantity, unit)


def test_unit_scales_and_wrong_dimension() -> None:
    assert scale_to_si("mAh", "charge") == pytest.approx(1e-3)
    assert scale_to_si("min", "time") == 60.0
    assert scale_to_si("kW", "power") == 1e3
    with pytest.raises(ValueError, match="not a current unit"):
        scale_to_si("mV", "current")
    np.testing.assert_allclose(temperature_to_degC(np.array([298.15]), "K"), [25.0])
    np.testing.assert_allclose(temperature_to_degC(np.array([77.0]), "degF"), [25.0])


def test_durations_in_every_cycler_spelling() -> None:
    values = pd.Series(["00:01:30", "26:00:00.5", "  1d 02:03:04.5", "0d 00:00:5.05000019073486", "1-00:00:01", "12.5", "junk"])
    expected = [90.0, 93600.5, 93784.5, 5.05000019073486, 86401.0, 12.5, np.nan]
    np.testing.assert_allclose(parse_duration_s(values), expected)


def test_datetimes_pick_day_or_month_first_by_running_forward() -> None:
    us = parse_datetime_unix_s(pd.Series(["12/11/2020 12:22:12", "12/12/2020 12:22:12"]))
    assert us[1] - us[0] == 86400.0
    eu = parse_datetime_unix_s(pd.Series(["30/11/2020 10:00:00", "01/12/2020 10:00:00"]))
    assert eu[1] - eu[0] == 86400.0


def test_encodings_are_detected() -> None:
    chinese = "循环号,电压(V)\n1,3.7\n".encode("gb18030")
    assert decode_text(chinese, ("utf-8", "gb18030", "latin-1")) == ("循环号,电压(V)\n1,3.7\n", "gb18030")
    latin = "Capacitance/µF\n".encode("latin-1")
    assert decode_text(latin)[0] == "Capacitance/µF\n"
    bom = "\ufeffa,b\n".encode()
    assert decode_text(bom)[1] == "utf-8-sig"


def test_decimal_comma_is_recognised_only_with_another_separator() -> None:
    assert uses_decimal_comma(["1\t0,017\t3,7012", "2\t0,018\t3,7013"], "\t")
    assert not uses_decimal_comma(["1\t0.017\t3.7012"], "\t")
    assert not uses_decimal_comma(["1,017,3"], ",")


def test_cycles_detected_from_current_sign() -> None:
    current = np.array([0, 1, 1, 1, 0, -1, -1, -1, 0, 1, 1, 1, -1, -1, -1, 0])
    np.testing.assert_array_equal(
        bdf_frame.detect_cycles(current), [1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2]
    )
    # a file that starts with a discharge: that discharge is cycle 1 on its own
    np.testing.assert_array_equal(bdf_frame.detect_cycles(np.array([-1, -1, -1, 1, 1, 1])), [1, 1, 1, 2, 2, 2])
    # noise around zero in a rest (one-point blips) does not start a cycle
    noisy = np.array([1, 1, 1, -1, -1, -1, 0, -1e-3, 1e-3, 0, -1, -1, -1]) * 2.0
    assert bdf_frame.detect_cycles(noisy, threshold_A=1e-4).max() == 1


def test_cycles_detected_from_schedule_loops() -> None:
    step_index = np.array([1, 2, 3, 4, 2, 3, 4, 2, 3])
    np.testing.assert_array_equal(
        bdf_frame.detect_cycles(np.zeros(9), step_index=step_index), [1, 1, 1, 1, 2, 2, 2, 3, 3]
    )


def test_step_reset_counters_sum_over_the_cycles_steps() -> None:
    # cycle 1: discharge step (0..2), charge step, discharge step (0..1); cycle 2: discharge (0..3)
    cycle = np.array([1, 1, 1, 1, 1, 1, 1, 2, 2])
    step = np.array([1, 1, 1, 2, 2, 3, 3, 1, 1])
    discharge = np.array([0.0, 1.0, 2.0, 0.0, 0.0, 0.5, 1.0, 0.0, 3.0])
    segment = bdf_frame.run_ids(cycle, step)
    cumulative = bdf_frame.cycle_cumulative_from_segments(discharge, segment, cycle)
    np.testing.assert_allclose(cumulative, [0, 1, 2, 2, 2, 2.5, 3, 0, 3])


def test_test_time_rebuilt_from_step_time() -> None:
    step_time = np.array([0.0, 30.0, 60.0, 0.0, 30.0, 0.0, 10.0])
    segment = np.array([0, 0, 0, 1, 1, 2, 2])
    assert bdf_frame.restarts_every_step(step_time, segment)
    np.testing.assert_allclose(bdf_frame.test_time_from_step_time(step_time, segment), [0, 30, 60, 60, 90, 90, 100])


def test_assemble_integrates_when_the_file_has_no_capacity() -> None:
    time_s = np.arange(0.0, 7201.0, 60.0)
    current = np.where(time_s <= 3600, 1.0, -1.0)
    frame = bdf_frame.assemble_bdf(time_s=time_s, voltage_V=np.full_like(time_s, 3.7), current_A=current)
    assert list(frame.columns[:3]) == [bdf.TEST_TIME, bdf.VOLTAGE, bdf.CURRENT]
    assert frame[bdf.CHARGING_CAPACITY].max() == pytest.approx(1.0)
    assert frame[bdf.DISCHARGING_CAPACITY].max() == pytest.approx(1.0 - 60 / 3600)  # step edge not bridged
    assert frame[bdf.CHARGING_ENERGY].max() == pytest.approx(3.7)


def test_a_counter_that_carries_on_across_steps_is_not_counted_twice() -> None:
    # CC charge (0..900) then CV charge continuing (900..906), then a discharge that restarts
    cycle = np.ones(7, dtype=int)
    step = np.array([4, 4, 5, 5, 6, 6, 6])
    charge = np.array([0.0, 900.0, 900.0, 906.0, 0.0, 0.0, 0.0])
    discharge = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 400.0, 850.0])
    segment = bdf_frame.run_ids(cycle, step)
    assert bdf_frame.cycle_cumulative_from_segments(charge, segment, cycle).max() == 906.0
    assert bdf_frame.cycle_cumulative_from_segments(discharge, segment, cycle).max() == 850.0


def test_counter_reset_inference() -> None:
    cycle = np.array([1, 1, 1, 1, 2, 2, 2])
    segment = np.array([0, 0, 1, 1, 2, 2, 2])
    assert bdf_frame.infer_counter_reset(np.array([0, 1, 2, 3, 0, 1, 2.0]), cycle, segment) == "cycle"
    assert bdf_frame.infer_counter_reset(np.array([0, 1, 0, 3, 0, 1, 2.0]), cycle, segment) == "segment"
    whole_test = np.array([0, 1, 2, 3, 4, 5, 6.0])
    assert bdf_frame.infer_counter_reset(whole_test, cycle, segment) == "test"
    np.testing.assert_allclose(bdf_frame.cycle_relative(whole_test, cycle), [0, 1, 2, 3, 1, 2, 3])
