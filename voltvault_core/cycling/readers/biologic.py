"""BioLogic EC-Lab files: binary ``.mpr`` (through galvani) and ASCII ``.mpt`` exports.

EC-Lab's current is positive on oxidation of the working electrode, i.e. on charge for a cell
measured positive-vs-negative: the BDF sign. ``Q charge/discharge`` restarts every half cycle
(positive while charging, negative while discharging); a cycle is ``half cycle // 2`` when the
file has no ``cycle number`` column (the ``.mpr`` never has one), which equals EC-Lab's exported
cycle number. GCPL ``.mpr`` files store no current column: it is ``dq / dt`` (``dq/mA.h`` is the
charge passed since the previous point), identical to the ``<I>/mA`` of the ASCII export.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from voltvault_core.cycling import frame as bdf_frame
from voltvault_core.cycling.errors import CyclingFormatError
from voltvault_core.cycling.readers import ParsedFile, Probe, ReadContext, register_format
from voltvault_core.cycling.readers._columns import find_column, integer, numeric
from voltvault_core.cycling.textio import DEFAULT_ENCODINGS, decode_text, read_table, split_lines

MPR_MAGIC = b"BIO-LOGIC MODULAR FILE"
MPT_MAGICS = ("EC-Lab ASCII FILE", "BT-Lab ASCII FILE")

VOLTAGE = ("ecell", "ewe")
CURRENT = ("i",)
TIME = ("time",)
Q_SIGNED = ("q charge/discharge",)
HALF_CYCLE = ("half cycle",)
CYCLE_NUMBER = ("cycle number",)
E_CHARGE = ("energy charge",)
E_DISCHARGE = ("energy discharge",)
TEMPERATURE = ("temperature",)
DQ = ("dq",)


def _biologic_frame(table: pd.DataFrame, filename: str, fmt: str, metadata: dict) -> ParsedFile:
    # EC-Lab writes averaged quantities as "<Ewe>/V", "<Ewe/V>" or "<I>/mA": the brackets do not matter here
    table = table.rename(columns=lambda c: str(c).replace("<", "").replace(">", ""))
    cols = table.columns
    warns: list[str] = []
    frequency_column = next((c for c in cols if str(c).lower().startswith("freq")), None)
    if frequency_column is not None:  # impedance points carry a frequency; time-domain rows have 0 there
        frequency = pd.to_numeric(table[frequency_column], errors="coerce").fillna(0.0).to_numpy()
        impedance = frequency > 0
        if impedance.all():
            raise CyclingFormatError(
                filename, "this is an impedance spectrum (PEIS/GEIS), not cycling data", "import it on the EIS page"
            )
        if impedance.any():  # a Modulo Bat sequence mixing cycling and impedance techniques
            table = table.loc[~impedance].reset_index(drop=True)
            warns.append(f"{int(impedance.sum())} impedance points were left out: import them on the EIS page")
    time_s = numeric(table, find_column(cols, TIME), "time", "s")
    voltage = numeric(table, find_column(cols, VOLTAGE), "voltage", "V")
    if time_s is None or voltage is None:
        raise CyclingFormatError(filename, "no time/s or Ewe/V column was found")
    current = numeric(table, find_column(cols, CURRENT), "current", "mA")
    if current is None:
        dq_Ah = numeric(table, find_column(cols, DQ), "charge", "mAh")
        if dq_Ah is None:
            current = np.zeros(len(table))  # an open-circuit (OCV) record has no current at all
            warns.append("no current column (an open-circuit record?): the current is taken as zero")
        else:
            dt = np.diff(time_s, prepend=np.nan)
            with np.errstate(divide="ignore", invalid="ignore"):
                current = np.where(dt > 0, dq_Ah * 3600.0 / dt, 0.0)
            current[0] = 0.0
            warns.append("no current column: current derived from dq/dt")
    half = integer(table, find_column(cols, HALF_CYCLE))
    cycle = integer(table, find_column(cols, CYCLE_NUMBER))
    if cycle is None and half is not None:
        cycle = half // 2
    q_signed = numeric(table, find_column(cols, Q_SIGNED), "charge", "mAh")
    chg = dchg = None
    reset = "none"
    if q_signed is not None:
        chg, dchg = np.clip(q_signed, 0, None), np.clip(-q_signed, 0, None)
        reset = "segment"
    e_chg = numeric(table, find_column(cols, E_CHARGE), "energy", "Wh")
    e_dchg = numeric(table, find_column(cols, E_DISCHARGE), "energy", "Wh")
    if reset == "none":
        warns.append("no Q charge/discharge column: capacities integrated from the current")
    ns = integer(table, find_column(cols, ("ns",)))
    frame = bdf_frame.assemble_bdf(
        time_s=time_s,
        voltage_V=voltage,
        current_A=current,
        cycle=cycle,
        step_index=ns,
        segment_key=half if half is not None else None,
        charge_capacity_Ah=chg,
        discharge_capacity_Ah=dchg,
        charge_energy_Wh=e_chg if reset == "segment" else None,
        discharge_energy_Wh=e_dchg if reset == "segment" else None,
        counters_reset=reset,
        surface_temperature_degC=numeric(table, find_column(cols, TEMPERATURE), "temperature", "degC"),
    )
    return ParsedFile.checked(frame, fmt, filename, metadata, warns)


def _sniff_mpr(probe: Probe) -> float:
    return 0.95 if probe.head.startswith(MPR_MAGIC) else 0.0


@register_format(
    "biologic_mpr", label="BioLogic EC-Lab binary .mpr", extensions=(".mpr",), sniff=_sniff_mpr, vendor="BioLogic"
)
def read_biologic_mpr(path: Path, context: ReadContext) -> ParsedFile:
    """Read an EC-Lab ``.mpr`` with galvani's ``MPRfile``."""
    from galvani import BioLogic

    try:
        mpr = BioLogic.MPRfile(str(path))
    except Exception as exc:  # galvani raises ValueError/NotImplementedError/struct.error
        raise CyclingFormatError(
            context.filename,
            f"galvani cannot read this .mpr ({type(exc).__name__}: {exc})",
            "export it from EC-Lab as .mpt (Text File) and import that",
        ) from exc
    table = pd.DataFrame(mpr.data)
    metadata = {"start_date": str(getattr(mpr, "startdate", "")), "reader": "galvani"}
    if getattr(mpr, "timestamp", None) is not None:
        metadata["timestamp"] = str(mpr.timestamp)
    return _biologic_frame(table, context.filename, "biologic_mpr", metadata)


def _sniff_mpt(probe: Probe) -> float:
    if probe.is_binary:
        return 0.0
    first = probe.text.lstrip("\ufeff").splitlines()[:1]
    return 0.95 if first and first[0].strip() in MPT_MAGICS else 0.0


_NB_HEADER = re.compile(r"Nb header lines\s*:\s*(\d+)", re.IGNORECASE)


@register_format(
    "biologic_mpt", label="BioLogic EC-Lab ASCII .mpt", extensions=(".mpt", ".txt"), sniff=_sniff_mpt, vendor="BioLogic"
)
def read_biologic_mpt(path: Path, context: ReadContext) -> ParsedFile:
    """Read an EC-Lab ASCII export (Latin-1 or UTF-8, LF or CRLF, decimal point or comma)."""
    text, encoding = decode_text(path.read_bytes(), DEFAULT_ENCODINGS)
    lines = split_lines(text)
    match = _NB_HEADER.search("\n".join(lines[:3]))
    if not match:
        raise CyclingFormatError(context.filename, "no 'Nb header lines' in the EC-Lab header")
    header_index = int(match.group(1)) - 1
    if header_index >= len(lines):
        raise CyclingFormatError(context.filename, "the header is longer than the file")
    metadata: dict = {"encoding": encoding, "header_lines": header_index + 1}
    for line in lines[1:header_index]:
        if " : " in line:
            key, _, value = line.partition(" : ")
            key = key.strip()
            if key and len(key) < 60:
                metadata[key.lower().replace(" ", "_")] = value.strip()
    table, dialect = read_table(lines, header_index, delimiter="\t")
    metadata.update(dialect)
    return _biologic_frame(table, context.filename, "biologic_mpt", metadata)
