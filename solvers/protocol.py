"""Experiment protocols: PyBaMM's experiment-string grammar turned into :class:`solvers.steps.Step`.

One step is one sentence::

    Discharge at 1C until 2.5 V
    Charge at C/2 for 2 hours or until 4.2 V (1 minute period)
    Hold at 4.2 V until C/50
    Rest for 30 minutes
    Discharge at 2 W for 10 minutes
    Discharge at 4 Ohm until 3 V
    Run US06 (A)                      # a drive cycle from a table, see ``drive_cycles``

An instruction (``Discharge``, ``Charge``, ``Hold``, ``Rest``, ``Run``), an imposed value (``at`` a C-rate
``1C``/``C/2``/``0.5 C``, a current ``A``/``mA``, a voltage ``V``/``mV``, a power ``W``/``mW``/``kW`` or a
load resistance ``Ohm``/``mOhm``), then ``for`` a duration (seconds, minutes, hours) and/or ``until`` one
or more limits joined by ``or`` (a voltage, a current ``A``/``mA`` or a C-rate ``C/50``; an optional ``<``
or ``>`` gives the direction explicitly, as in PyBaMM), and an optional output period
``(1 minute period)``.

An experiment is a list of steps. Following PyBaMM, every top-level step is one cycle, and a group in
parentheses is one cycle; ``(...) x N`` repeats the group as N cycles::

    Rest for 10 minutes
    (Discharge at 1C until 2.5 V, Rest for 1 hour, Charge at C/2 until 4.2 V, Hold at 4.2 V until C/50) x 3

Steps are separated by new lines, ``;`` or ``,``. Nested groups repeat their steps inside the enclosing
cycle. The parser never evaluates text; every rejected step raises :class:`ProtocolError`, which names
the step, says what was wrong and what would work.

Sign convention: the solvers' (PyBaMM's) — a discharge current or power is POSITIVE in
:attr:`Step.value`, a charge negative. :func:`solvers.bdf.current_from_solver` flips it for the BDF frame.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from solvers.steps import Limit, Step

__all__ = [
    "EXAMPLES",
    "Experiment",
    "ProtocolError",
    "cccv_charge",
    "gitt",
    "hppc",
    "parse_experiment",
    "parse_step",
    "profile_step",
]

EXAMPLES = (
    '"Discharge at 1C until 2.5 V", "Charge at C/2 for 2 hours or until 4.2 V", '
    '"Hold at 4.2 V until C/50", "Rest for 1 hour", "Discharge at 2 W for 10 minutes", '
    '"(Discharge at 1C until 2.5 V, Charge at 1C until 4.2 V) x 3"'
)


class ProtocolError(ValueError):
    """A step or experiment that cannot be run, raised before any solving.

    Attributes
    ----------
    step : str
        The text of the offending step (or the whole experiment when no single step is to blame).
    reason : str
        What was wrong.
    hint : str
        What would work.
    """

    def __init__(self, step: str, reason: str, hint: str = "") -> None:
        self.step = step
        self.reason = reason
        self.hint = hint
        message = f"Step {step!r}: {reason}"
        if hint:
            message += f" {hint}"
        super().__init__(message)


# --------------------------------------------------------------------------------------------------
# Units
# --------------------------------------------------------------------------------------------------

_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"

#: seconds per time unit (PyBaMM's names plus a few common ones)
TIME_UNITS_S: dict[str, float] = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), 1.0),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 60.0),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 3600.0),
    **dict.fromkeys(("d", "day", "days"), 86400.0),
}

#: electric unit -> (quantity, scale to SI)
ELECTRIC_UNITS: dict[str, tuple[str, float]] = {
    "A": ("current", 1.0),
    "mA": ("current", 1e-3),
    "uA": ("current", 1e-6),
    "µA": ("current", 1e-6),
    "V": ("voltage", 1.0),
    "mV": ("voltage", 1e-3),
    "W": ("power", 1.0),
    "mW": ("power", 1e-3),
    "kW": ("power", 1e3),
    "Ohm": ("resistance", 1.0),
    "ohm": ("resistance", 1.0),
    "Ω": ("resistance", 1.0),
    "mOhm": ("resistance", 1e-3),
    "mohm": ("resistance", 1e-3),
    "mΩ": ("resistance", 1e-3),
    "kOhm": ("resistance", 1e3),
}

_C_OVER = re.compile(rf"^C\s*/\s*({_NUMBER})$", re.IGNORECASE)
_C_TIMES = re.compile(rf"^({_NUMBER})\s*C$", re.IGNORECASE)
_VALUE_UNIT = re.compile(rf"^({_NUMBER})\s*([A-Za-zµΩ]+)$")
_DURATION = re.compile(rf"^({_NUMBER})\s*([A-Za-z]+)$")
_PERIOD = re.compile(rf"\(\s*({_NUMBER})\s*([A-Za-z]+)\s+period\s*\)\s*$", re.IGNORECASE)


def _parse_electric(text: str, step: str) -> tuple[str, float]:
    """Parse ``"1C"``, ``"C/2"``, ``"200 mA"``, ``"4.2 V"``, ``"2 W"``, ``"4 Ohm"`` -> (quantity, magnitude).

    C-rates come back as ``("c_rate", x)``; the rest in SI units. The magnitude must be >= 0.
    """
    s = text.strip()
    m = _C_OVER.match(s)
    if m:
        divisor = float(m.group(1))
        if divisor <= 0:
            raise ProtocolError(
                step,
                f"the C-rate {s!r} has a zero or negative divisor.",
                "Write a positive rate such as C/2.",
            )
        return "c_rate", 1.0 / divisor
    m = _C_TIMES.match(s)
    if m:
        quantity, value = "c_rate", float(m.group(1))
    else:
        m = _VALUE_UNIT.match(s)
        if not m:
            raise ProtocolError(
                step,
                f"cannot read the value {s!r}.",
                "Give a number with a unit: a C-rate (1C, C/2), A, mA, V, W or Ohm.",
            )
        unit = m.group(2)
        if unit not in ELECTRIC_UNITS:
            raise ProtocolError(
                step,
                f"unknown unit {unit!r} in {s!r}.",
                f"Use one of {', '.join(sorted(set(ELECTRIC_UNITS) - {'ohm', 'mohm', 'µA'}))} or a C-rate (1C, C/2).",
            )
        quantity, scale = ELECTRIC_UNITS[unit]
        value = float(m.group(1)) * scale
    if value < 0 or s.startswith("-"):
        raise ProtocolError(
            step,
            f"the magnitude {s!r} is negative.",
            "Magnitudes are positive; the instruction gives the direction (write 'Charge at 1C' rather than "
            "'Discharge at -1C').",
        )
    if not np.isfinite(value):
        raise ProtocolError(step, f"the value {s!r} is not finite.", "Give a finite number.")
    return quantity, value


def _parse_duration(text: str, step: str) -> float:
    s = text.strip()
    m = _DURATION.match(s)
    if not m:
        raise ProtocolError(
            step,
            f"cannot read the duration {s!r}.",
            "Write e.g. 'for 30 seconds', 'for 10 minutes', 'for 1.5 hours'.",
        )
    unit = m.group(2)
    scale = TIME_UNITS_S.get(unit.lower())
    if scale is None:
        raise ProtocolError(
            step, f"unknown time unit {unit!r}.", "Use seconds, minutes or hours (s, min, h)."
        )
    value = float(m.group(1)) * scale
    if value <= 0 or not np.isfinite(value):
        raise ProtocolError(step, f"the duration {s!r} is not positive.", "Give a positive duration.")
    return value


# --------------------------------------------------------------------------------------------------
# Steps
# --------------------------------------------------------------------------------------------------

_STEP = re.compile(
    r"^(?P<verb>discharge|charge|hold|rest|run)\b\s*(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)

#: instruction -> sign of the imposed current/power in the solver convention (+ = discharge)
_INSTRUCTION_SIGN: dict[str, float] = {"discharge": 1.0, "charge": -1.0, "hold": 1.0}


def _split_conditions(text: str) -> tuple[str, list[str], list[str]]:
    """Split ``"at 1C for 1 hour or until 2.5 V or 4 A"`` into (head, durations, limits)."""
    # tokens separated by the keywords 'for' and 'until' (and 'or' joining them)
    text = re.sub(r"\bor\s+(?=(?:for|until)\b)", "", text.strip(), flags=re.IGNORECASE)
    parts = re.split(r"\s+(?=\b(?:for|until|or)\b)", " " + text, flags=re.IGNORECASE)
    head = parts[0].strip()
    durations: list[str] = []
    limits: list[str] = []
    current: list[str] | None = None
    for part in parts[1:]:
        word, _, body = part.strip().partition(" ")
        word = word.lower()
        body = body.strip()
        if word == "for":
            current = durations
            durations.append(body)
        elif word == "until":
            current = limits
            limits.append(body)
        elif word == "or":
            # "until 2.5 V or 5 A": another limit of the same kind as the previous clause
            if current is None:
                raise ValueError("'or' before any 'for'/'until'")
            current.append(body)
    return head, durations, limits


def _limit_from_text(text: str, step: str, mode: str, sign: float, verb: str) -> Limit:
    s = text.strip()
    if not s:
        raise ProtocolError(
            step, "a condition after 'until' or 'or' is empty.", "Write e.g. 'until 2.5 V' or 'until C/50'."
        )
    op: str | None = None
    if s[:1] in "<>":
        op, s = s[0], s[1:].strip()
    quantity, value = _parse_electric(s, step)
    if quantity == "resistance":
        raise ProtocolError(
            step, f"a step cannot end at a resistance ({text!r}).", "End it at a voltage, current or C-rate."
        )
    if quantity == "voltage":
        if op is None:
            if mode == "voltage":
                raise ProtocolError(
                    step,
                    f"a voltage hold cannot end at a voltage ({text!r}).",
                    "End a hold at a current or C-rate (until C/50, until 50 mA) or give it a duration.",
                )
            if verb == "rest":
                raise ProtocolError(
                    step,
                    f"a rest has no direction, so 'until {text}' is ambiguous.",
                    f"Write 'until > {text}' or 'until < {text}', or give the rest a duration.",
                )
            op = "<" if sign > 0 else ">"
        return Limit("voltage", op, value, text=f"until {text}")
    if quantity in ("current", "c_rate"):
        if op is None:
            if mode == "current":
                raise ProtocolError(
                    step,
                    f"a constant-current step cannot end at a current ({text!r}); it would never trigger.",
                    "End it at a voltage (until 2.5 V) or give it a duration.",
                )
            op = "<"
        return Limit(quantity, op, value, text=f"until {text}")
    if op is None:
        raise ProtocolError(
            step, f"a power limit needs a direction ({text!r}).", "Write 'until > 5 W' or 'until < 5 W'."
        )
    return Limit("power", op, value, text=f"until {text}")


def parse_step(
    text: str,
    *,
    drive_cycles: Mapping[str, tuple[str, np.ndarray, np.ndarray]] | None = None,
    default_period_s: float | None = None,
) -> Step:
    """Parse one step of PyBaMM's experiment-string grammar.

    Parameters
    ----------
    text : str
        E.g. ``"Discharge at 1C for 30 minutes or until 2.5 V (10 second period)"``.
    drive_cycles : mapping, optional
        Names usable in ``"Run <name> (A)"`` / ``"Run <name> (W)"``: name -> (mode, time [s], value), the
        value in the solver convention ([A] or [W], positive = discharge).
    default_period_s : float, optional
        Output period [s] when the step gives none.

    Returns
    -------
    Step
        In SI units, solver sign convention (positive current = discharge); C-rates are kept in
        ``Step.c_rate`` until :meth:`Step.resolved`.

    Raises
    ------
    ProtocolError
        For anything that cannot be run, naming the step.
    """
    if not isinstance(text, str):
        raise ProtocolError(
            repr(text), f"a step must be text or a Step, not {type(text).__name__}.", f"Examples: {EXAMPLES}"
        )
    original = " ".join(text.split())
    if not original:
        raise ProtocolError(text, "the step is empty.", f"Examples: {EXAMPLES}")
    body = original
    period_s = default_period_s
    m = _PERIOD.search(body)
    if m:
        period_s = _parse_duration(f"{m.group(1)} {m.group(2)}", original)
        body = body[: m.start()].strip()
    if re.search(r"\d\s*(?:oC|°C|degC)\b", body):
        raise ProtocolError(
            original,
            "per-step temperatures ('at 25oC') are not supported.",
            "Set the ambient temperature of the simulation instead (ambient_temperature_K / --ambient-temperature-K).",
        )
    m = _STEP.match(body)
    if not m:
        raise ProtocolError(
            original,
            "it does not start with Discharge, Charge, Hold, Rest or Run.",
            f"Examples: {EXAMPLES}",
        )
    verb = m.group("verb").lower()
    rest = m.group("rest")
    try:
        head, durations, limit_texts = _split_conditions(rest)
    except ValueError:
        raise ProtocolError(
            original, "'or' must join two conditions.", "Write 'for 1 hour or until 2.5 V'."
        ) from None
    if len(durations) > 1:
        raise ProtocolError(original, "it has more than one duration.", "Give one 'for <duration>'.")
    duration_s = _parse_duration(durations[0], original) if durations else None
    if duration_s is None and not limit_texts and verb != "run":  # a drive cycle lasts as long as its table
        raise ProtocolError(
            original,
            "it has neither a duration ('for ...') nor a limit ('until ...').",
            "Add one, e.g. 'Discharge at 1C until 2.5 V' or 'Rest for 1 hour'.",
        )

    profile_t = profile_v = None
    c_rate = None
    if verb == "rest":
        if head:
            raise ProtocolError(
                original, f"unexpected text {head!r} after 'Rest'.", "Write 'Rest for 1 hour'."
            )
        mode, value, sign = "current", 0.0, 0.0
    elif verb == "run":
        mode, value, sign, profile_t, profile_v = _run_drive_cycle(head, original, drive_cycles)
    else:
        if not head.lower().startswith("at "):
            raise ProtocolError(
                original,
                f"'{m.group('verb')}' must be followed by 'at <value>'.",
                "Write e.g. 'Discharge at 1C', 'Charge at 500 mA', 'Hold at 4.2 V'.",
            )
        quantity, magnitude = _parse_electric(head[3:], original)
        sign = _INSTRUCTION_SIGN[verb]
        if verb == "hold" and quantity != "voltage":
            raise ProtocolError(
                original,
                "'Hold' holds a voltage.",
                "Write 'Hold at 4.2 V until C/50', or use Charge/Discharge for a current.",
            )
        if quantity == "c_rate":
            mode, c_rate, value = "current", sign * magnitude, 0.0
        elif quantity == "current":
            mode, value = "current", sign * magnitude
        elif quantity == "power":
            mode, value = "power", sign * magnitude
        elif quantity == "resistance":
            if verb == "charge":
                raise ProtocolError(
                    original,
                    "a resistive load can only discharge the cell.",
                    "Write 'Discharge at 4 Ohm ...'.",
                )
            if magnitude == 0:
                raise ProtocolError(
                    original, "a zero-ohm load is a short circuit.", "Give a positive resistance."
                )
            mode, value = "resistance", magnitude
        else:  # voltage
            mode, value = "voltage", magnitude
            if magnitude == 0:
                raise ProtocolError(
                    original, "a voltage of 0 V cannot be held.", "Give the voltage to hold, e.g. 4.2 V."
                )
    limits = tuple(_limit_from_text(t, original, mode, sign if sign else 1.0, verb) for t in limit_texts)
    if verb == "run" and duration_s is None:  # as PyBaMM: a drive cycle lasts as long as its table
        duration_s = float(profile_t[-1] - profile_t[0])
    return Step(
        mode=mode,
        value=float(value),
        duration_s=duration_s,
        limits=limits,
        c_rate=c_rate,
        profile_time_s=profile_t,
        profile_value=profile_v,
        period_s=period_s,
        text=original,
    )


def _run_drive_cycle(head: str, step: str, drive_cycles):
    m = re.match(r"^(?P<name>[\w.\-]+)\s*(?:\((?P<unit>A|W)\))?$", head.strip())
    if not m:
        raise ProtocolError(
            step, f"cannot read the drive cycle {head!r}.", "Write 'Run <name> (A)' or 'Run <name> (W)'."
        )
    name = m.group("name")
    available = dict(drive_cycles or {})
    if name not in available:
        names = ", ".join(sorted(available)) or "none are loaded"
        raise ProtocolError(step, f"unknown drive cycle {name!r}.", f"Available drive cycles: {names}.")
    mode, t, v = available[name]
    unit = m.group("unit")
    if unit and {"A": "current", "W": "power"}[unit] != mode:
        raise ProtocolError(
            step, f"drive cycle {name!r} is a {mode} profile, not ({unit}).", f"Write 'Run {name}'."
        )
    t = np.asarray(t, dtype=float)
    v = np.asarray(v, dtype=float)
    _check_profile(t, v, step)
    return mode, 0.0, 1.0, t - t[0], v


def _check_profile(time_s: np.ndarray, values: np.ndarray, step: str) -> None:
    if time_s.ndim != 1 or time_s.shape != values.shape or time_s.size < 2:
        raise ProtocolError(
            step, "a profile needs two equal-length columns with at least two rows.", "Check the table."
        )
    if not (np.all(np.isfinite(time_s)) and np.all(np.isfinite(values))):
        raise ProtocolError(
            step, "the profile contains missing or infinite values.", "Remove or fill those rows."
        )
    if np.any(np.diff(time_s) <= 0):
        raise ProtocolError(
            step, "profile times must increase strictly.", "Sort the table by time and drop duplicates."
        )


def profile_step(
    time_s: Sequence[float] | np.ndarray,
    values: Sequence[float] | np.ndarray,
    *,
    mode: str = "current",
    limits: Iterable[Limit] = (),
    duration_s: float | None = None,
    period_s: float | None = None,
    text: str = "",
) -> Step:
    """A current or power profile (drive cycle) as one step.

    Parameters
    ----------
    time_s : (n,) array
        Strictly increasing times [s]; shifted to start at 0.
    values : (n,) array
        Imposed current [A] or power [W] in the SOLVER convention (positive = discharge). Convert a BDF
        column with :func:`solvers.bdf.current_to_solver` first.
    mode : "current" | "power"
    limits : Limit, optional
        E.g. ``Limit("voltage", "<", 2.5)``.
    duration_s : float, optional
        Defaults to the length of the table.
    period_s : float, optional
        Output spacing [s].
    """
    if mode not in ("current", "power"):
        raise ProtocolError(
            text or "profile",
            f"a profile imposes a current or a power, not {mode!r}.",
            "Use mode='current' or 'power'.",
        )
    t = np.asarray(time_s, dtype=float)
    v = np.asarray(values, dtype=float)
    label = text or f"Run profile ({'A' if mode == 'current' else 'W'}, {t.size} points)"
    _check_profile(t, v, label)
    return Step(
        mode=mode,  # type: ignore[arg-type]
        value=0.0,
        duration_s=float(t[-1] - t[0]) if duration_s is None else float(duration_s),
        limits=tuple(limits),
        profile_time_s=t - t[0],
        profile_value=v,
        period_s=period_s,
        text=label,
    )


# --------------------------------------------------------------------------------------------------
# Experiments
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Experiment:
    """A parsed experiment: the steps in execution order and where each belongs.

    Attributes
    ----------
    steps : tuple of Step
        Every step as executed (cycles unrolled).
    cycle_of_step : tuple of int
        1-based cycle number of each step (``Cycle Count / 1``).
    index_in_cycle : tuple of int
        1-based position of each step inside its cycle's definition (``Step Index / 1``).
    """

    steps: tuple[Step, ...]
    cycle_of_step: tuple[int, ...]
    index_in_cycle: tuple[int, ...]

    def __post_init__(self) -> None:
        if not self.steps:
            raise ProtocolError("", "the experiment has no steps.", f"Examples: {EXAMPLES}")
        if not (len(self.steps) == len(self.cycle_of_step) == len(self.index_in_cycle)):
            raise ValueError("steps, cycle_of_step and index_in_cycle must have the same length")

    @property
    def n_cycles(self) -> int:
        return max(self.cycle_of_step)

    @property
    def uses_c_rate(self) -> bool:
        return any(
            s.c_rate is not None or any(lim.quantity == "c_rate" for lim in s.limits) for s in self.steps
        )

    def resolved(self, nominal_capacity_Ah: float) -> Experiment:
        """C-rates to amperes with the nominal capacity [A.h]."""
        if self.uses_c_rate and not (np.isfinite(nominal_capacity_Ah) and nominal_capacity_Ah > 0):
            raise ProtocolError(
                next(
                    s.text
                    for s in self.steps
                    if s.c_rate is not None or any(lim.quantity == "c_rate" for lim in s.limits)
                ),
                f"a C-rate needs a positive nominal capacity, got {nominal_capacity_Ah!r} A.h.",
                "Set 'Nominal cell capacity [A.h]' in the parameter set or give the current in A.",
            )
        return replace(self, steps=tuple(s.resolved(nominal_capacity_Ah) for s in self.steps))

    def texts(self) -> list[str]:
        return [s.text for s in self.steps]


def _split_top(text: str, source: str) -> list[tuple[str, str | None]]:
    """Split experiment text into items: ("step", text) or ("group", inner) with a repeat suffix.

    Returns a list of (kind, payload, repeats) flattened as tuples (kind, payload) where groups carry
    ``payload = inner text`` and the repeat count is parsed by the caller.
    """
    items: list[tuple[str, str | None]] = []
    buf: list[str] = []
    i, n = 0, len(text)

    def flush() -> None:
        s = "".join(buf).strip()
        if s:
            items.append(("step", s))
        buf.clear()

    while i < n:
        ch = text[i]
        if ch in "\n;,":
            flush()
            i += 1
            continue
        if ch == "(":
            depth, j = 0, i
            while j < n:
                if text[j] == "(":
                    depth += 1
                elif text[j] == ")":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            if depth != 0:
                raise ProtocolError(
                    text[i:].strip() or source, "an opening '(' is never closed.", "Close the group with ')'."
                )
            inner = text[i + 1 : j]
            if _PERIOD.fullmatch(f"({inner})") or inner.strip() in ("A", "W"):  # a period or "Run x (A)"
                buf.append(text[i : j + 1])
                i = j + 1
                continue
            if "".join(buf).strip():
                raise ProtocolError(
                    "".join(buf).strip(),
                    "a group '( ... )' must start a new item.",
                    "Separate it with a new line, ';' or ','.",
                )
            rep = re.match(r"\s*(?:[x×*]\s*(\d+))?", text[j + 1 :])
            repeats = rep.group(1)
            items.append(("group", inner))
            items.append(("repeat", repeats))
            i = j + 1 + rep.end()
            continue
        if ch == ")":
            raise ProtocolError(
                "".join(buf).strip() or source, "a ')' has no matching '('.", "Check the brackets."
            )
        buf.append(ch)
        i += 1
    flush()
    return items


def _parse_items(text: str, source: str, drive_cycles, default_period_s) -> list[tuple[str, object]]:
    """-> list of ("step", Step) and ("cycle", (list of Step, repeats))."""
    out: list[tuple[str, object]] = []
    raw = _split_top(text, source)
    k = 0
    while k < len(raw):
        kind, payload = raw[k]
        if kind == "step":
            out.append(
                ("step", parse_step(payload, drive_cycles=drive_cycles, default_period_s=default_period_s))
            )
            k += 1
        else:
            repeats_text = raw[k + 1][1]
            repeats = 1 if repeats_text is None else int(repeats_text)
            if repeats < 1:
                raise ProtocolError(
                    f"({payload}) x {repeats}", "a group must repeat at least once.", "Use x 1 or more."
                )
            inner_steps: list[Step] = []
            for ikind, item in _parse_items(payload, payload, drive_cycles, default_period_s):
                if ikind == "step":
                    inner_steps.append(item)  # type: ignore[arg-type]
                else:
                    sub, sub_rep = item  # type: ignore[misc]
                    inner_steps.extend(list(sub) * sub_rep)
            if not inner_steps:
                raise ProtocolError(f"({payload})", "the group has no steps.", f"Examples: {EXAMPLES}")
            out.append(("cycle", (inner_steps, repeats)))
            k += 2
    return out


def parse_experiment(
    spec: str | Step | Iterable[str | Step | Sequence[str | Step]] | Experiment,
    *,
    drive_cycles: Mapping[str, tuple[str, np.ndarray, np.ndarray]] | None = None,
    period_s: float | None = None,
) -> Experiment:
    """Parse an experiment: a string, a list of strings/Steps, PyBaMM-style tuples as cycles.

    Parameters
    ----------
    spec
        * a string with steps separated by new lines, ``;`` or ``,`` and ``(...) x N`` groups;
        * a :class:`Step` (one cycle);
        * a list whose items are strings (each parsed as above), Steps (one cycle each) or
          tuples/lists of strings or Steps (one cycle each, as in ``pybamm.Experiment``);
        * an :class:`Experiment` (returned unchanged).
    drive_cycles : mapping, optional
        Profiles usable as ``"Run <name>"``, see :func:`parse_step`.
    period_s : float, optional
        Default output period [s] for steps that name none.

    Raises
    ------
    ProtocolError
        Before any solving, naming the first step that cannot be run.
    """
    if isinstance(spec, Experiment):
        return spec
    cycles: list[tuple[list[Step], int]] = []

    def add_text(text: str) -> None:
        for kind, item in _parse_items(text, text, drive_cycles, period_s):
            if kind == "step":
                cycles.append(([item], 1))  # type: ignore[list-item]
            else:
                cycles.append(item)  # type: ignore[arg-type]

    if isinstance(spec, str):
        add_text(spec)
    elif isinstance(spec, Step):
        cycles.append(([spec], 1))
    else:
        try:
            items = list(spec)
        except TypeError:
            raise ProtocolError(
                repr(spec), "an experiment must be text, a Step or a list of them.", f"Examples: {EXAMPLES}"
            ) from None
        for item in items:
            if isinstance(item, str):
                add_text(item)
            elif isinstance(item, Step):
                cycles.append(([item], 1))
            elif isinstance(item, tuple | list):
                steps: list[Step] = []
                for sub in item:
                    if isinstance(sub, Step):
                        steps.append(sub)
                    elif isinstance(sub, str):
                        for kind, parsed in _parse_items(sub, sub, drive_cycles, period_s):
                            if kind == "step":
                                steps.append(parsed)  # type: ignore[arg-type]
                            else:
                                inner, rep = parsed  # type: ignore[misc]
                                steps.extend(list(inner) * rep)
                    else:
                        raise ProtocolError(
                            repr(sub),
                            f"a step must be text or a Step, not {type(sub).__name__}.",
                            f"Examples: {EXAMPLES}",
                        )
                if not steps:
                    raise ProtocolError(repr(item), "an empty cycle.", f"Examples: {EXAMPLES}")
                cycles.append((steps, 1))
            else:
                raise ProtocolError(
                    repr(item),
                    f"a step must be text or a Step, not {type(item).__name__}.",
                    f"Examples: {EXAMPLES}",
                )
    all_steps: list[Step] = []
    cycle_of: list[int] = []
    index_in: list[int] = []
    number = 0
    for steps, repeats in cycles:
        for _ in range(repeats):
            number += 1
            for position, s in enumerate(steps, start=1):
                all_steps.append(s)
                cycle_of.append(number)
                index_in.append(position)
    if not all_steps:
        raise ProtocolError(str(spec), "the experiment has no steps.", f"Examples: {EXAMPLES}")
    return Experiment(tuple(all_steps), tuple(cycle_of), tuple(index_in))


# --------------------------------------------------------------------------------------------------
# Builders: they write the string grammar, so the page's protocol builder and scripts share one path
# --------------------------------------------------------------------------------------------------


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def _c(rate: float) -> str:
    if rate <= 0:
        raise ProtocolError(f"{rate}C", "a C-rate must be positive.", "Give e.g. 0.5 or 1.")
    inv = 1.0 / rate
    if rate < 1 and abs(inv - round(inv)) < 1e-9:
        return f"C/{round(inv)}"
    return f"{_fmt(rate)}C"


def cccv_charge(c_rate: float = 0.5, voltage_V: float = 4.2, cutoff_c_rate: float = 0.02) -> list[str]:
    """Constant-current then constant-voltage charge, as experiment strings.

    Parameters
    ----------
    c_rate : float
        Charge rate of the CC phase [1/h].
    voltage_V : float
        Upper voltage of the CC phase and the CV hold [V].
    cutoff_c_rate : float
        The CV hold ends when the current falls below this rate [1/h].
    """
    return [
        f"Charge at {_c(c_rate)} until {_fmt(voltage_V)} V",
        f"Hold at {_fmt(voltage_V)} V until {_c(cutoff_c_rate)}",
    ]


def gitt(
    pulse_c_rate: float = 0.05,
    pulse_s: float = 600.0,
    rest_s: float = 3600.0,
    n_pulses: int = 20,
    *,
    direction: str = "discharge",
    cutoff_V: float | None = None,
) -> str:
    """Galvanostatic intermittent titration: ``(pulse, rest) x n_pulses`` as one experiment string.

    Parameters
    ----------
    pulse_c_rate : float
        Pulse rate [1/h].
    pulse_s, rest_s : float
        Pulse and rest durations [s].
    n_pulses : int
        Number of pulse/rest cycles.
    direction : "discharge" | "charge"
    cutoff_V : float, optional
        Voltage ending a pulse early (lower for discharge, upper for charge).
    """
    verb = {"discharge": "Discharge", "charge": "Charge"}.get(direction)
    if verb is None:
        raise ProtocolError(
            direction, "GITT direction must be 'discharge' or 'charge'.", "Pass direction='discharge'."
        )
    limit = f" or until {_fmt(cutoff_V)} V" if cutoff_V is not None else ""
    return f"({verb} at {_c(pulse_c_rate)} for {_fmt(pulse_s)} seconds{limit}, Rest for {_fmt(rest_s)} seconds) x {int(n_pulses)}"


def hppc(
    pulse_c_rate: float = 1.0,
    charge_pulse_ratio: float = 0.75,
    pulse_s: float = 10.0,
    pulse_rest_s: float = 40.0,
    soc_step: float = 0.1,
    step_c_rate: float = 1.0,
    rest_s: float = 3600.0,
    n_levels: int = 9,
    *,
    lower_V: float | None = None,
    upper_V: float | None = None,
) -> str:
    """Hybrid pulse power characterisation (USABC/FreedomCAR style) as one experiment string.

    Each level: a discharge pulse, a short rest, a regen (charge) pulse at ``charge_pulse_ratio`` of
    the discharge rate, a rest, then a discharge removing ``soc_step`` of the capacity and a long rest.

    Parameters
    ----------
    pulse_c_rate : float
        Discharge pulse rate [1/h].
    charge_pulse_ratio : float
        Regen pulse rate as a fraction of the discharge pulse rate [-].
    pulse_s, pulse_rest_s : float
        Pulse length and the rest after each pulse [s].
    soc_step : float
        SOC removed between levels [-] (at ``step_c_rate``).
    step_c_rate : float
        Rate of the SOC-step discharge [1/h].
    rest_s : float
        Rest after each SOC step [s].
    n_levels : int
        Number of pulse levels.
    lower_V, upper_V : float, optional
        Voltage limits ending a discharge / charge early.
    """
    lo = f" or until {_fmt(lower_V)} V" if lower_V is not None else ""
    up = f" or until {_fmt(upper_V)} V" if upper_V is not None else ""
    step_s = soc_step / step_c_rate * 3600.0
    return (
        f"(Discharge at {_c(pulse_c_rate)} for {_fmt(pulse_s)} seconds{lo}, Rest for {_fmt(pulse_rest_s)} seconds, "
        f"Charge at {_c(pulse_c_rate * charge_pulse_ratio)} for {_fmt(pulse_s)} seconds{up}, "
        f"Rest for {_fmt(pulse_rest_s)} seconds, Discharge at {_c(step_c_rate)} for {_fmt(step_s)} seconds{lo}, "
        f"Rest for {_fmt(rest_s)} seconds) x {int(n_levels)}"
    )


#: builders usable from the page's protocol builder, by name
BUILDERS: dict[str, Callable[..., str | list[str]]] = {"CCCV charge": cccv_charge, "GITT": gitt, "HPPC": hppc}
