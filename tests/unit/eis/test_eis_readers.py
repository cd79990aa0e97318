"""EIS file readers against the real instrument files and impedance.py's parsers' reference values."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from voltvault_core.eis.readers import READERS, detect_format, read_spectra
from voltvault_core.eis.spectrum import EISFileError, Spectrum

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"
EIS_DIR = SHARED / "eis"


def _reference() -> dict:
    path = SHARED / "reference_values.json"
    if not path.exists():
        pytest.skip("../shared/data is absent (user clone)")
    return json.loads(path.read_text())["eis"]


EXPECTED_FORMAT = {
    "exampleData.csv": "generic_csv",
    "exampleDataBioLogic.mpt": "biologic_mpt",
    "exampleDataCHInstruments.txt": "chi_txt",
    "exampleDataGamry.DTA": "gamry_dta",
    "exampleDataPowersuite.txt": "powersuite_txt",
    "exampleDataVersaStudio.par": "versastudio_par",
    "exampleDataZPlot.z": "zplot_z",
    "peis.mpt": "biologic_mpt",
}


@pytest.mark.parametrize("name", sorted(EXPECTED_FORMAT))
def test_real_file_matches_impedancepy_reader(name: str) -> None:
    reference = _reference()[f"eis/{name}"]["reference"]
    path = EIS_DIR / name
    data = path.read_bytes()
    assert detect_format(data, name) == EXPECTED_FORMAT[name]
    spectra = read_spectra(path)
    assert len(spectra) == 1
    s = spectra[0]
    assert s.n_points == reference["n_points"]
    first, last = reference["first_point"], reference["last_point"]
    assert s.frequency_Hz[0] == pytest.approx(first["f"], rel=1e-6)
    assert s.impedance_ohm[0].real == pytest.approx(first["zreal"], rel=1e-6)
    assert s.impedance_ohm[0].imag == pytest.approx(first["zimag"], rel=1e-6)
    assert s.frequency_Hz[-1] == pytest.approx(last["f"], rel=1e-6)
    assert s.impedance_ohm[-1].imag == pytest.approx(last["zimag"], rel=1e-6)
    assert int(np.sum(s.z_imag_ohm < 0)) == reference["n_points_imag_negative"]
    assert s.z_real_ohm.max() == pytest.approx(reference["zreal_max_ohm"], rel=1e-6)
    assert s.metadata["source_file"] == name
    assert "sign_convention" in s.metadata


def test_bytes_upload_equals_path() -> None:
    path = EIS_DIR / "exampleDataGamry.DTA"
    if not path.exists():
        pytest.skip("../shared/data is absent")
    from_path = read_spectra(path)[0]
    from_bytes = read_spectra(path.read_bytes(), "upload.DTA")[0]
    np.testing.assert_array_equal(from_path.impedance_ohm, from_bytes.impedance_ohm)
    assert from_bytes.metadata["electrode_area_m2"] == pytest.approx(1e-4)


def _mpt_with_cycles(tmp_path: Path) -> Path:
    """peis.mpt with its sweep repeated as cycle 2 (a two-cycle PEIS file)."""
    source = EIS_DIR / "peis.mpt"
    if not source.exists():
        pytest.skip("../shared/data is absent")
    lines = source.read_bytes().decode("latin-1").splitlines()
    n_header = int(lines[1].split(":")[1])
    names = lines[n_header - 1].split("\t")
    i_cycle = names.index("cycle number")
    i_re = names.index("Re(Z)/Ohm")
    extra = []
    for line in lines[n_header:]:
        cells = line.split("\t")
        cells[i_cycle] = "2.000000000000000E+000"
        cells[i_re] = f"{float(cells[i_re]) * 2:.7E}"
        extra.append("\t".join(cells))
    out = tmp_path / "two_cycles.mpt"
    out.write_bytes("\n".join(lines + extra).encode("latin-1"))
    return out


def test_mpt_with_several_cycles_splits_with_condition(tmp_path: Path) -> None:
    spectra = read_spectra(_mpt_with_cycles(tmp_path))
    assert [s.metadata["cycle"] for s in spectra] == [1, 2]
    assert spectra[0].n_points == spectra[1].n_points == 32
    np.testing.assert_allclose(spectra[1].z_real_ohm, 2 * spectra[0].z_real_ohm, rtol=1e-6)
    assert spectra[0].metadata["potential_V"] == pytest.approx(-3.59, abs=0.01)
    assert spectra[0].label != spectra[1].label


def test_generic_csv_sign_detection_and_header(tmp_path: Path) -> None:
    f = np.geomspace(1e4, 1e-1, 30)
    z = 1 + 5 / (1 + 1j * 2 * np.pi * f * 1e-2)
    minus = tmp_path / "minus.csv"
    minus.write_text("\n".join(f"{a},{b},{c}" for a, b, c in zip(f, z.real, -z.imag, strict=True)))
    plain = tmp_path / "plain.csv"
    plain.write_text("\n".join(f"{a},{b},{c}" for a, b, c in zip(f, z.real, z.imag, strict=True)))
    headed = tmp_path / "headed.tsv"
    headed.write_text(
        "freq/Hz\tZ'/Ohm\t-Z''/Ohm\n"
        + "\n".join(f"{a}\t{b}\t{c}" for a, b, c in zip(f, z.real, -z.imag, strict=True))
    )
    for path in (minus, plain, headed):
        s = read_spectra(path)[0]
        np.testing.assert_allclose(s.impedance_ohm, z, rtol=1e-12)
    assert "-Z''" in read_spectra(minus)[0].metadata["sign_convention"]
    assert "header" in read_spectra(headed)[0].metadata["sign_convention"]


def test_autolab_semicolon_decimal_comma(tmp_path: Path) -> None:
    f = np.geomspace(1e5, 1e-1, 12)
    z = 0.5 + 2 / (1 + (1j * 2 * np.pi * f * 1e-3) ** 0.9)
    rows = ["Index;Frequency (Hz);Z' (Ω);-Z'' (Ω);Z (Ω);-Phase (°);Time (s)"]
    for i, (a, zz) in enumerate(zip(f, z, strict=True)):
        fields = [
            str(i + 1),
            f"{a:.6g}",
            f"{zz.real:.9g}",
            f"{-zz.imag:.9g}",
            f"{abs(zz):.6g}",
            "1",
            f"{i * 1.5}",
        ]
        rows.append(";".join(v.replace(".", ",") for v in fields))
    path = tmp_path / "nova_export.txt"
    path.write_text("\n".join(rows), encoding="utf-8")
    assert detect_format(path.read_bytes(), path.name) == "autolab_txt"
    s = read_spectra(path)[0]
    np.testing.assert_allclose(s.impedance_ohm, z, rtol=1e-8)


def test_generic_table_conditions_split_by_temperature_cycle(tmp_path: Path) -> None:
    f = np.geomspace(1e3, 1, 10)
    lines = ["Frequency (Hz),Z' (Ohm),Z'' (Ohm),Cycle,Temperature (°C)"]
    for cycle, temp in ((1, 25.0), (2, 45.0)):
        z = cycle + 1 / (1 + 1j * 2 * np.pi * f * 1e-2)
        lines += [f"{a},{b},{c},{cycle},{temp}" for a, b, c in zip(f, z.real, z.imag, strict=True)]
    path = tmp_path / "two.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    spectra = read_spectra(path)
    assert [s.metadata["cycle"] for s in spectra] == [1, 2]
    assert [round(s.metadata["temperature_K"], 2) for s in spectra] == [298.15, 318.15]


def test_sweep_restart_splits_without_cycle_column(tmp_path: Path) -> None:
    f = np.geomspace(1e4, 1e-1, 20)
    z = 1 + 1 / (1 + 1j * 2 * np.pi * f * 1e-2)
    rows = [f"{a},{b},{c}" for _ in range(3) for a, b, c in zip(f, z.real, z.imag, strict=True)]
    path = tmp_path / "three_sweeps.csv"
    path.write_text("\n".join(rows))
    spectra = read_spectra(path)
    assert [s.metadata["sweep"] for s in spectra] == [1, 2, 3]
    assert all(s.n_points == 20 for s in spectra)


def test_bad_value_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    path.write_text("1000,1.0,-0.1\n100,1.1,-0.2\n10,oops,-0.3\n")
    with pytest.raises(EISFileError) as info:
        read_spectra(path)
    assert info.value.line == 3
    assert "broken.csv, line 3" in str(info.value)
    assert "'oops'" in str(info.value)


def test_truncated_biologic_names_line(tmp_path: Path) -> None:
    source = EIS_DIR / "exampleDataBioLogic.mpt"
    if not source.exists():
        pytest.skip("../shared/data is absent")
    lines = source.read_bytes().decode("latin-1").splitlines()
    lines[70] = "\t".join(lines[70].split("\t")[:3])  # a row cut short
    path = tmp_path / "cut.mpt"
    path.write_bytes("\n".join(lines).encode("latin-1"))
    with pytest.raises(EISFileError, match=r"cut\.mpt, line 71: expected \d+ columns"):
        read_spectra(path)


def test_empty_and_not_impedance_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.z"
    empty.write_bytes(b"")
    with pytest.raises(EISFileError, match="empty"):
        read_spectra(empty)
    words = tmp_path / "notes.txt"
    words.write_text("hello\nthis is not a spectrum\n")
    with pytest.raises(EISFileError, match="no row of at least three numbers"):
        read_spectra(words)
    gcpl = SHARED / "cycler" / "gcpl.pr_182.1.mpr"
    if gcpl.exists():
        with pytest.raises(EISFileError, match=r"gcpl\.pr_182\.1\.mpr: no impedance columns"):
            read_spectra(gcpl)


def test_spectrum_npz_roundtrip_without_pickle() -> None:
    s = Spectrum([1e3, 1e2, 1e1], [1 - 0.1j, 1.5 - 0.4j, 2 - 0.2j], {"cycle": 3}, "x")
    back = Spectrum.from_npz_bytes(s.to_npz_bytes(), metadata=s.metadata, label=s.label)
    np.testing.assert_array_equal(back.impedance_ohm, s.impedance_ohm)
    assert back.metadata == {"cycle": 3}


def test_registry_lists_every_issue_format() -> None:
    assert {
        "biologic_mpt",
        "biologic_mpr",
        "gamry_dta",
        "zplot_z",
        "autolab_txt",
        "chi_txt",
        "versastudio_par",
        "powersuite_txt",
        "generic_csv",
    } <= set(READERS)


def test_biologic_mpr_without_impedance_is_refused_by_name() -> None:
    """A real .mpr that holds a GCPL run, not a PEIS: the error names the file and what is missing."""
    path = SHARED / "cycler" / "gcpl.pr_182.1.mpr"
    if not path.exists():
        pytest.skip("../shared/data is absent")
    with pytest.raises(EISFileError) as info:
        read_spectra(path)
    assert "gcpl.pr_182.1.mpr" in str(info.value)


def test_versastudio_and_gamry_files_with_several_blocks(tmp_path: Path) -> None:
    """A .par with two <SegmentN> blocks and a .DTA with two ZCURVE tables give two spectra each."""
    par = EIS_DIR / "exampleDataVersaStudio.par"
    dta = EIS_DIR / "exampleDataGamry.DTA"
    if not par.exists() or not dta.exists():
        pytest.skip("../shared/data is absent")
    text = par.read_bytes().decode("utf-8")
    start, end = text.index("<Segment1>"), text.index("</Segment1>") + len("</Segment1>")
    second = text[start:end].replace("Segment1>", "Segment2>")
    two_par = tmp_path / "two.par"
    two_par.write_text(text[:end] + "\n" + second + text[end:], encoding="utf-8")
    spectra = read_spectra(two_par)
    assert [s.metadata["segment"] for s in spectra] == [1, 2]
    assert all(s.n_points == 61 for s in spectra)
    lines = dta.read_bytes().decode("latin-1").splitlines()
    i = next(k for k, line in enumerate(lines) if line.startswith("ZCURVE\tTABLE"))
    j = i + 3
    while j < len(lines) and lines[j].startswith("\t"):
        j += 1
    two_dta = tmp_path / "two.DTA"
    two_dta.write_bytes("\n".join(lines[:j] + lines[i:j] + lines[j:]).encode("latin-1"))
    spectra = read_spectra(two_dta)
    assert [s.metadata["table"] for s in spectra] == [1, 2]
    np.testing.assert_array_equal(spectra[0].impedance_ohm, spectra[1].impedance_ohm)


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("f,Z',Z''\n{rows_plain}", "Z''"),  # bare 'f' for frequency
        ("f;-Z';-Z''\n{rows_negated}", "-Z'"),  # both parts negated, as the header says
        ("frequency,|Z|,-phase\n{rows_polar}", "polar"),  # modulus and minus phase in degrees
        (" f/Hz\t Z'/Ohm\t -Z''/Ohm\t time/s\n 12 \n{rows_tab_minus}", "-Z''"),  # point count line (PalmSens)
        ("Some metadata\nwritten here\n\n{rows_space}", "no header"),  # prose above headerless data
    ],
)
def test_header_variants_of_generic_tables(tmp_path: Path, text: str, note: str) -> None:
    f = np.geomspace(1e4, 1, 12)
    z = 100 + 500 / (1 + (1j * 2 * np.pi * f * 1e-3) ** 0.9)
    rows = {
        "rows_plain": "\n".join(f"{a},{b},{c}" for a, b, c in zip(f, z.real, z.imag, strict=True)),
        "rows_negated": "\n".join(f"{a};{-b};{-c}" for a, b, c in zip(f, z.real, z.imag, strict=True)),
        "rows_polar": "\n".join(
            f"{a},{abs(v)},{-np.degrees(np.angle(v))}" for a, v in zip(f, z, strict=True)
        ),
        "rows_tab_minus": "\n".join(
            f" {a:.6e}\t {b:.6e}\t {-c:.6e}\t 1.0" for a, b, c in zip(f, z.real, z.imag, strict=True)
        ),
        "rows_space": "\n".join(f"{a} {b} {c}" for a, b, c in zip(f, z.real, z.imag, strict=True)),
    }
    path = tmp_path / "variant.txt"
    path.write_text(text.format(**rows), encoding="utf-8")
    s = read_spectra(path)[0]
    np.testing.assert_allclose(s.impedance_ohm, z, rtol=1e-6)
    assert note in s.metadata["sign_convention"]


def test_sweeps_in_increasing_frequency_split_too(tmp_path: Path) -> None:
    f = np.geomspace(0.1, 1e4, 15)
    z = 1 + 1 / (1 + 1j * 2 * np.pi * f * 1e-2)
    lines = ["f,Z',Z''"] + [
        f"{a},{b},{c}" for _ in range(2) for a, b, c in zip(f, z.real, z.imag, strict=True)
    ]
    path = tmp_path / "up.csv"
    path.write_text("\n".join(lines))
    assert [s.n_points for s in read_spectra(path)] == [15, 15]
