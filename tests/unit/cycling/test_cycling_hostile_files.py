"""Malformed and hostile cycler files: each ends in the project's own error, with a message, in bounded
time and memory (issue 12, "Bad input -> Parsers"). Every test here failed before its fix."""

from __future__ import annotations

import io
import os
import re
import time
import zipfile
from pathlib import Path

import pytest

from voltvault_core import bdf
from voltvault_core.cycling import CyclingFormatError, UnsafeFileError, read_cycling_bytes
from voltvault_core.cycling.synthetic import synthetic_cycling_frame, write_nasa_pcoe_mat

SHARED = Path(os.environ.get("VOLTVAULT_SHARED_DIR") or Path(__file__).resolve().parents[3].parent / "shared")
SHARED_CYCLER = SHARED / "data" / "cycler"
BDF_HEADER = b"Test Time / s,Voltage / V,Current / A,Cycle Count / 1,Step Count / 1\n"


def _shared(name: str) -> Path:
    path = SHARED_CYCLER / name
    if not path.exists():
        pytest.skip(f"../shared/data/cycler/{name} is absent")
    return path


# ------------------------------------------------------------------------------------ Maccor, no line breaks
def test_maccor_export_without_line_breaks_is_refused_quickly() -> None:
    """300 KB of a Maccor export with its line breaks removed took 19-28 s (a header of ~20 000 columns,
    deduplicated pairwise by pandas); now the header is refused for its width at once."""
    data = _shared("maccor_001.txt").read_bytes()[:300_000].replace(b"\r\n", b" ").replace(b"\n", b" ")
    started = time.perf_counter()
    with pytest.raises(CyclingFormatError, match="columns"):
        read_cycling_bytes(data, "maccor_001.txt")
    assert time.perf_counter() - started < 5.0


def test_bdf_csv_with_one_huge_line_is_refused_quickly() -> None:
    row = b"0,3.5,1,1,1,"
    data = BDF_HEADER.rstrip(b"\n") + b"," + b",".join([b"x"] * 30_000) + b"\n" + row * 10 + b"\n"
    started = time.perf_counter()
    with pytest.raises(CyclingFormatError, match="columns"):
        read_cycling_bytes(data, "wide.csv")
    assert time.perf_counter() - started < 5.0


# ----------------------------------------------------------------------------------- huge numbers, big cycles
def test_400_digit_integer_in_the_time_column_drops_that_row() -> None:
    """An integer of 400 digits raised a bare ``OverflowError`` (int too large to convert to float)."""
    data = BDF_HEADER + b"9" * 400 + b",3.5,1,1,1\n1,3.5,1,1,1\n2,3.6,1,1,1\n"
    parsed = read_cycling_bytes(data, "huge.csv")
    assert parsed.frame[bdf.TEST_TIME].tolist() == [1.0, 2.0]
    assert any("incomplete" in w for w in parsed.warnings)


@pytest.mark.parametrize(("column", "label"), [(3, bdf.CYCLE), (4, bdf.STEP)])
def test_400_digit_integer_in_a_counter_is_refused_naming_it(column: int, label: str) -> None:
    fields = [b"0", b"3.5", b"1", b"1", b"1"]
    fields[column] = b"9" * 400
    data = BDF_HEADER + b",".join(fields) + b"\n" + b"1,3.5,1,1,1\n2,3.6,1,1,1\n"
    with pytest.raises(CyclingFormatError, match=re.escape(label)):
        read_cycling_bytes(data, "huge.csv")


def test_cycle_number_above_the_database_integer_is_refused_naming_column_and_value() -> None:
    """A cycle number above 2^31-1 reached PostgreSQL's INTEGER column and failed there (DataError);
    now the reader refuses it, naming the column and the value."""
    data = BDF_HEADER + b"0,3.5,1,3000000000,1\n10,3.6,1,3000000000,1\n20,3.7,-1,3000000000,2\n"
    with pytest.raises(CyclingFormatError, match=r"Cycle Count / 1.*3000000000"):
        read_cycling_bytes(data, "bigcycle.csv")


# ------------------------------------------------------------------------------------------ xlsx of many sheets
def _many_sheet_workbook(n_sheets: int, rows_per_sheet: int) -> bytes:
    """A valid .xlsx of many small, highly compressible Arbin-like Channel sheets."""
    row = "<row>" + "".join(f"<c><v>{v}</v></c>" for v in (1, 2, 3.5, 0.1)) + "</row>"  # r= is optional
    sheet_rows = row * rows_per_sheet
    header = ('<row r="1"><c r="A1" t="inlineStr"><is><t>Test_Time(s)</t></is></c>'
              '<c r="B1" t="inlineStr"><is><t>Cycle_Index</t></is></c>'
              '<c r="C1" t="inlineStr"><is><t>Voltage(V)</t></is></c>'
              '<c r="D1" t="inlineStr"><is><t>Current(A)</t></is></c></row>')
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             f'spreadsheetml/2006/main"><sheetData>{header}{sheet_rows}</sheetData></worksheet>')
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    sheets = "".join(f'<sheet name="Channel_1_{i}" sheetId="{i}" r:id="rId{i}"/>' for i in range(1, n_sheets + 1))
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, n_sheets + 1)
    )
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, n_sheets + 1)
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8"?><workbook {ns}><sheets>{sheets}</sheets></workbook>')
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>',
        )
        for i in range(1, n_sheets + 1):
            archive.writestr(f"xl/worksheets/sheet{i}.xml", sheet)
    return buffer.getvalue()


def test_xlsx_of_many_small_sheets_is_refused_before_parsing() -> None:
    """0.18 MB of workbook expanded to 40 MiB of XML in 28 s (every sheet under the per-entry ratio check)."""
    data = _many_sheet_workbook(n_sheets=400, rows_per_sheet=1000)
    assert len(data) < 400_000
    started = time.perf_counter()
    with pytest.raises(UnsafeFileError, match=r"sheet|expands"):
        read_cycling_bytes(data, "many_sheets.xlsx")
    assert time.perf_counter() - started < 5.0


def test_xlsx_limits_leave_real_workbooks_alone() -> None:
    parsed = read_cycling_bytes(_shared("bs542_004_gr_li_50ua_50mv_1v_191020_Channel_11.xlsx").read_bytes(), "arbin.xlsx")
    assert len(parsed.frame) > 100


# ----------------------------------------------------------------------------------------- corrupt NASA .mat
def test_corrupt_compressed_nasa_mat_ends_in_a_format_error(tmp_path: Path) -> None:
    """A compressed .mat whose deflate stream is damaged raised a bare ``zlib.error``."""
    path = tmp_path / "B0005.mat"
    write_nasa_pcoe_mat(path, n_cycles=3)
    from scipy.io import loadmat, savemat

    content = loadmat(str(path))
    buffer = io.BytesIO()
    savemat(buffer, {k: v for k, v in content.items() if not k.startswith("__")}, do_compression=True)
    data = bytearray(buffer.getvalue())
    for offset in range(200, len(data) - 50, 97):  # damage the deflate stream in many places
        data[offset] ^= 0x5A
    with pytest.raises(CyclingFormatError, match=r"B0005\.mat"):
        read_cycling_bytes(bytes(data), "B0005.mat")


# ------------------------------------------------------------------------------------------ HDF5 export
def test_hdf5_export_of_metadata_with_unpaired_surrogates_round_trips() -> None:
    """Text decoded with ``surrogateescape`` (a file name or header field in an unknown code page) raised
    ``UnicodeEncodeError`` in the HDF5 (and Parquet) export."""
    from voltvault_core.cycling import export

    frame = synthetic_cycling_frame(2, capacity_Ah=1.0, points_per_step=20, rest_points=2)
    name = b"cell_\xe9\xff.res".decode("utf-8", errors="surrogateescape")
    metadata = {"primary": {"cell_identifier": name}, "source": {"filename": name, "note": "ü"}}
    for kind in ("hdf5", "parquet", "mat", "xlsx"):
        data, _ = export.export_dataset(frame, metadata, kind)
        assert data
    data, _ = export.export_dataset(frame, metadata, "hdf5")
    back = read_cycling_bytes(data, "x.bdf.h5")
    assert back.source_metadata["source"]["note"] == "ü"
    assert back.source_metadata["source"]["filename"] == name


# ---------------------------------------------------------------------------------------------- Arbin .res
def test_mdb_export_output_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """``mdb-export`` on a damaged database can loop while its output piles up in memory; its output
    and time are now bounded and it ends in a CyclingFormatError."""
    from voltvault_core.cycling.readers import arbin

    path = _shared("arbin_example.res")
    monkeypatch.setattr(arbin, "MDB_MAX_OUTPUT_MIN_BYTES", 50_000)
    monkeypatch.setattr(arbin, "MDB_OUTPUT_PER_INPUT_BYTE", 0.0)
    with pytest.raises(CyclingFormatError, match=r"mdb-export.*(more than|above)"):
        read_cycling_bytes(path.read_bytes(), "arbin_example.res")


def test_mdb_export_time_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from voltvault_core.cycling.readers import arbin

    path = _shared("arbin_example.res")
    monkeypatch.setattr(arbin, "mdb_time_limit_s", lambda size_bytes: 0.0)
    with pytest.raises(CyclingFormatError, match=r"mdb-export.*took more than"):
        read_cycling_bytes(path.read_bytes(), "arbin_example.res")


#: byte -> value of fuzz input 5118 (seed 0): scipy.io.loadmat raised UnboundLocalError on it
FUZZ_5118_FLIPS = {719: 35, 1168: 22, 1348: 230, 1417: 2, 1687: 253, 2155: 188, 4365: 190, 4789: 16, 4818: 1, 5480: 28,
                   5703: 184, 6912: 117, 6938: 128, 7712: 33, 8080: 65, 9243: 203, 9412: 1, 9833: 89, 9942: 136,
                   11506: 83, 11862: 86, 12466: 73, 12938: 71, 13129: 86, 13471: 7, 14374: 68, 14464: 179, 15887: 64,
                   16168: 18, 16662: 79, 16875: 44, 17088: 145}


def test_mat_that_breaks_scipy_ends_in_a_format_error(tmp_path: Path) -> None:
    """Found by the fuzzer: scipy's MAT reader raised ``UnboundLocalError`` on a mutated NASA .mat."""
    path = tmp_path / "B0005.mat"
    write_nasa_pcoe_mat(path, n_cycles=3, points=40)
    data = bytearray(path.read_bytes())
    for offset, value in FUZZ_5118_FLIPS.items():
        data[offset] = value
    with pytest.raises(CyclingFormatError, match=r"B0005\.mat: the \.mat file is damaged"):
        read_cycling_bytes(bytes(data), "B0005.mat")


def test_mat_declaring_a_huge_struct_is_refused_before_scipy_allocates_it(tmp_path: Path) -> None:
    """Fuzz input 6046: one byte of the top struct's dimensions (1x1 -> 1x452,984,833) made
    ``loadmat`` allocate 3.8 GB for a 17 kB upload; the declared sizes are now checked first."""
    import resource

    path = tmp_path / "B0005.mat"
    write_nasa_pcoe_mat(path, n_cycles=3, points=40)
    data = bytearray(path.read_bytes())
    assert data[160:164] == b"\x01\x00\x00\x00"  # the first dimension of the top-level struct
    data[163] = 0x1B
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(CyclingFormatError, match=r"declares 452,984,833 elements"):
        read_cycling_bytes(bytes(data), "B0005.mat")
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 500 * 1024  # kB: no 3.8 GB array
