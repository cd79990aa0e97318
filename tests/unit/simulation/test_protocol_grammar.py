"""PyBaMM's experiment-string grammar: what parses to which Step, and every rejection naming its step."""

from __future__ import annotations

import numpy as np
import pytest

from solvers import bdf
from solvers.protocol import (
    BUILDERS,
    ProtocolError,
    cccv_charge,
    gitt,
    hppc,
    parse_experiment,
    parse_step,
    profile_step,
)
from solvers.steps import Limit

# text -> (mode, value, c_rate, duration_s, limits as (quantity, op, value), period_s)
VALID = {
    "Discharge at 1C until 2.5 V": ("current", 0.0, 1.0, None, [("voltage", "<", 2.5)], None),
    "Discharge at 1 C until 2.5V": ("current", 0.0, 1.0, None, [("voltage", "<", 2.5)], None),
    "Discharge at C/2 for 2 hours": ("current", 0.0, 0.5, 7200.0, [], None),
    "Discharge at C/20 for 0.5 hours": ("current", 0.0, 0.05, 1800.0, [], None),
    "Charge at 0.5C for 45 minutes": ("current", 0.0, -0.5, 2700.0, [], None),
    "Charge at 2C until 4.2 V": ("current", 0.0, -2.0, None, [("voltage", ">", 4.2)], None),
    "Discharge at 1 A for 0.5 hours": ("current", 1.0, None, 1800.0, [], None),
    "Charge at 200 mA for 45 minutes (1 minute period)": ("current", -0.2, None, 2700.0, [], 60.0),
    "Charge at 200mA for 45 minutes": ("current", -0.2, None, 2700.0, [], None),
    "Discharge at 1W for 0.5 hours": ("power", 1.0, None, 1800.0, [], None),
    "Charge at 200 mW for 45 minutes": ("power", -0.2, None, 2700.0, [], None),
    "Discharge at 2 kW for 10 s": ("power", 2000.0, None, 10.0, [], None),
    "Discharge at 4 Ohm until 3 V": ("resistance", 4.0, None, None, [("voltage", "<", 3.0)], None),
    "Discharge at 500 mOhm for 1 minute": ("resistance", 0.5, None, 60.0, [], None),
    "Rest for 10 minutes (5 minute period)": ("current", 0.0, None, 600.0, [], 300.0),
    "Rest for 1 hour": ("current", 0.0, None, 3600.0, [], None),
    "Rest for 90 s": ("current", 0.0, None, 90.0, [], None),
    "Rest for 2 days": ("current", 0.0, None, 172800.0, [], None),
    "Hold at 4.2 V until C/50": ("voltage", 4.2, None, None, [("c_rate", "<", 0.02)], None),
    "Hold at 4.1 V until 50mA": ("voltage", 4.1, None, None, [("current", "<", 0.05)], None),
    "Hold at 4.1 V until 50 mA": ("voltage", 4.1, None, None, [("current", "<", 0.05)], None),
    "Hold at 4200 mV for 20 seconds": ("voltage", 4.2, None, 20.0, [], None),
    "Charge at 4.2 V until C/20": ("voltage", 4.2, None, None, [("c_rate", "<", 0.05)], None),
    "Discharge at C/3 for 2 hours or until 2.5 V": (
        "current",
        0.0,
        1 / 3,
        7200.0,
        [("voltage", "<", 2.5)],
        None,
    ),
    "Charge at 1C for 1 hour or until 4.1 V (10 second period)": (
        "current",
        0.0,
        -1.0,
        3600.0,
        [("voltage", ">", 4.1)],
        10.0,
    ),
    "Discharge at 2 W until 2.5 V or 4 A": (
        "power",
        2.0,
        None,
        None,
        [("voltage", "<", 2.5), ("current", "<", 4.0)],
        None,
    ),
    "Rest until > 3.9 V": ("current", 0.0, None, None, [("voltage", ">", 3.9)], None),
    "Rest for 1 hour or until < 3.2 V": ("current", 0.0, None, 3600.0, [("voltage", "<", 3.2)], None),
    "Discharge at 1C until 2500 mV": ("current", 0.0, 1.0, None, [("voltage", "<", 2.5)], None),
    "discharge at 0.5c until 3 V": (
        "current",
        0.0,
        0.5,
        None,
        [("voltage", "<", 3.0)],
        None,
    ),
    "Discharge at 1e-1 A for 1 min": ("current", 0.1, None, 60.0, [], None),
    "CHARGE AT c/3 UNTIL 4.1 V": ("current", 0.0, -1 / 3, None, [("voltage", ">", 4.1)], None),
}


@pytest.mark.parametrize("text", list(VALID))
def test_valid_step_parses_to_the_expected_step(text):
    mode, value, c_rate, duration, limits, period = VALID[text]
    step = parse_step(text)
    assert step.mode == mode
    assert step.value == pytest.approx(value)
    assert step.c_rate == (None if c_rate is None else pytest.approx(c_rate))
    assert step.duration_s == (None if duration is None else pytest.approx(duration))
    assert [(lim.quantity, lim.op, pytest.approx(lim.value)) for lim in step.limits] == limits
    assert step.period_s == (None if period is None else pytest.approx(period))
    assert step.text == " ".join(text.split())


# text -> a fragment the message must contain (beyond naming the step)
INVALID = {
    "Discharge at -1C until 2.5 V": "negative",
    "Discharge at -2 A for 1 hour": "negative",
    "Charge at C/-2 until 4.2 V": "divisor",
    "Discharge at -5 W for 1 minute": "negative",
    "Dance at 1C for 1 hour": "does not start with",
    "Discharge at 1C": "neither a duration",
    "Rest": "neither a duration",
    "Discharge at 1 X for 1 hour": "unknown unit",
    "Discharge at one C for 1 hour": "cannot read the value",
    "Discharge at 1C for 1 parsec": "unknown time unit",
    "Discharge at 1C for -5 minutes": "not positive",
    "Discharge at 1C for 0 seconds": "not positive",
    "Discharge at 1C for 1 hour for 2 hours": "more than one duration",
    "Discharge at 1C until 2.5 V or": "empty",
    "Discharge at 1C until 2 A": "never trigger",
    "Hold at 4.2 V until 4.1 V": "cannot end at a voltage",
    "Hold at 1C for 1 hour": "holds a voltage",
    "Hold at 0 V for 1 hour": "0 V",
    "Rest until 3 V": "ambiguous",
    "Charge at 4 Ohm for 1 hour": "only discharge",
    "Discharge at 0 Ohm for 1 hour": "short circuit",
    "Discharge at 1C until 4 Ohm": "resistance",
    "Discharge at 1 W until 5 W": "direction",
    "Discharge 1C until 2.5 V": "'at <value>'",
    "Rest at 1C for 1 hour": "after 'Rest'",
    "Discharge at 1C for 1 hour at 25oC": "temperature",
    "Run US06 (A)": "unknown drive cycle",
}


@pytest.mark.parametrize("text", list(INVALID))
def test_invalid_step_is_rejected_naming_the_step(text):
    with pytest.raises(ProtocolError) as info:
        parse_experiment(text)
    message = str(info.value)
    assert info.value.step == " ".join(text.split()) or text.strip().startswith(info.value.step)
    assert repr(info.value.step) in message
    assert INVALID[text].lower() in message.lower()
    assert info.value.hint, "every rejection says what would work"


def test_bad_step_inside_a_cycle_is_named_not_the_whole_experiment():
    text = "Rest for 1 hour\n(Discharge at 1C until 2.5 V, Charge at -1C until 4.2 V) x 3"
    with pytest.raises(ProtocolError) as info:
        parse_experiment(text)
    assert info.value.step == "Charge at -1C until 4.2 V"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("(Discharge at 1C until 2.5 V, Rest for 1 hour", "never closed"),
        ("Discharge at 1C until 2.5 V)", "no matching"),
        ("()", "no steps"),
        ("", "no steps"),
        ("(Rest for 1 hour) x 0", "at least once"),
    ],
)
def test_malformed_experiment_text_is_rejected(text, reason):
    with pytest.raises(ProtocolError, match=reason):
        parse_experiment(text)


def test_cycles_follow_pybamm_semantics_and_the_group_grammar():
    exp = parse_experiment(
        "Rest for 10 minutes\n"
        "(Discharge at 1C until 2.5 V; Rest for 1 hour; Charge at C/2 until 4.2 V; Hold at 4.2 V until C/50) x 3"
    )
    assert len(exp.steps) == 1 + 4 * 3
    assert exp.cycle_of_step == (1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4)
    assert exp.index_in_cycle == (1, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4)
    assert exp.n_cycles == 4
    # PyBaMM's list form: a tuple is one cycle, a plain string its own cycle
    listed = parse_experiment(
        [("Discharge at 1C until 2.5 V", "Rest for 1 hour"), "Charge at 1C until 4.2 V"] * 2
    )
    assert listed.cycle_of_step == (1, 1, 2, 3, 3, 4)
    assert listed.index_in_cycle == (1, 2, 1, 1, 2, 1)


def test_nested_groups_repeat_inside_their_cycle_and_period_parentheses_are_not_groups():
    exp = parse_experiment(
        "((Discharge at 1C for 1 minute (10 second period), Rest for 1 minute) x 2, Rest for 1 hour) x 2"
    )
    assert exp.cycle_of_step == (1,) * 5 + (2,) * 5
    assert exp.texts()[:3] == [
        "Discharge at 1C for 1 minute (10 second period)",
        "Rest for 1 minute",
        "Discharge at 1C for 1 minute (10 second period)",
    ]
    assert exp.steps[0].period_s == 10.0


def test_c_rates_resolve_with_the_nominal_capacity_and_discharge_is_positive():
    exp = parse_experiment("Discharge at 1C until 2.5 V, Charge at C/2 until 4.2 V, Hold at 4.2 V until C/50")
    resolved = exp.resolved(5.0)
    discharge, charge, hold = resolved.steps
    assert discharge.value == pytest.approx(5.0)  # solver convention: discharge > 0
    assert charge.value == pytest.approx(-2.5)
    assert hold.limits[0] == Limit("current", "<", pytest.approx(0.1), text="until C/50")
    # the BDF frame flips the sign in exactly one place
    assert bdf.current_from_solver(np.array([discharge.value]))[0] == pytest.approx(-5.0)


def test_c_rate_without_a_nominal_capacity_names_the_step():
    exp = parse_experiment("Rest for 1 minute, Discharge at 1C until 2.5 V")
    with pytest.raises(ProtocolError) as info:
        exp.resolved(float("nan"))
    assert info.value.step == "Discharge at 1C until 2.5 V"
    assert "Nominal cell capacity" in str(info.value)
    assert parse_experiment("Discharge at 1 A until 2.5 V").resolved(float("nan")).steps[0].value == 1.0


def test_drive_cycle_steps_from_a_table():
    t = np.array([0.0, 10.0, 20.0, 30.0])
    i = np.array([1.0, -2.0, 3.0, 0.0])
    exp = parse_experiment(
        ["Run pulses (A) until 2.5 V", "Run pulses"], drive_cycles={"pulses": ("current", t + 5, i)}
    )
    step = exp.steps[0]
    assert step.mode == "current"
    assert step.limits[0].value == 2.5
    assert step.duration_s == pytest.approx(30.0)  # the table's length, as in PyBaMM
    assert step.imposed_at(5.0) == pytest.approx(-0.5)
    assert exp.steps[1].duration_s == pytest.approx(30.0)
    with pytest.raises(ProtocolError, match="power profile"):
        parse_step("Run p (A)", drive_cycles={"p": ("power", t, i)})
    with pytest.raises(ProtocolError, match="increase strictly"):
        profile_step([0, 1, 1], [1, 2, 3])
    s = profile_step(t + 100, i * 2, mode="power", limits=[Limit("voltage", "<", 3.0)])
    assert s.mode == "power"
    assert s.duration_s == 30.0
    assert s.profile_time_s[0] == 0.0


def test_builders_write_grammar_that_parses_back():
    assert cccv_charge(0.5, 4.2, 0.02) == ["Charge at C/2 until 4.2 V", "Hold at 4.2 V until C/50"]
    g = parse_experiment(gitt(0.05, 600, 3600, 5, cutoff_V=2.5))
    assert len(g.steps) == 10
    assert g.n_cycles == 5
    assert g.steps[0].c_rate == pytest.approx(0.05)
    assert g.steps[0].duration_s == 600
    h = parse_experiment(hppc(n_levels=3, lower_V=2.5, upper_V=4.2))
    assert h.n_cycles == 3
    assert len(h.steps) == 18
    assert h.steps[2].c_rate == pytest.approx(-0.75)
    assert h.steps[4].duration_s == pytest.approx(360.0)  # 10 % SOC at 1C
    assert set(BUILDERS) == {"CCCV charge", "GITT", "HPPC"}
    with pytest.raises(ProtocolError):
        gitt(direction="sideways")
