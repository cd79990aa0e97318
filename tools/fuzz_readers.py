"""Fuzz every file reader with mutated real files: each malformed input must end in the project's own
error (``CyclingError`` / ``EISFileError``) with a message, within 20 s and 2 GB (issue 12).

Usage::

    python tools/fuzz_readers.py --inputs 10000 --seed 0            # the campaign
    python tools/fuzz_readers.py --inputs 300 --seed 1 --json        # a short run, one JSON object on stdout
    python tools/fuzz_readers.py --replay 1234 --seed 0              # re-run one input in this process

Seeds: every file under ``<shared>/data/cycler``, ``<shared>/data/eis`` and ``<shared>/data/aging``
(``--shared``, default ``../shared`` beside the repository or ``VOLTVAULT_SHARED_DIR``), real files of
the same formats in ``tests/data`` if the repository has any, VoltVault's own exports (BDF CSV, Parquet,
xlsx, HDF5, MAT) of the real Arbin ``.res`` (so that the readers of those exports are fuzzed too), a
synthetic NASA PCoE ``.mat`` (no real one is stored) and the hand-written ZView fixture of the tests.

Mutations (chosen per input from its own seeded generator, so any input can be replayed alone): byte
flips, truncation, random insertions, duplicated blocks, huge numbers (400 digits, 1e999, 2^63),
encoding garbage (invalid UTF-8, BOMs, NULs, lone surrogates), lost line breaks, and for zip
containers (xlsx, ndax) corruption of one member's bytes, of its deflate stream or of its header.

Each input runs in a child forked from a warm fork server (imports done once), under an address-space
limit, killed at a wall-time limit; its CPU time and peak resident memory come from ``wait4``. An
input counts as a crash when the child raises anything but the project's errors (or dies), as slow
when it spends more than 20 s of CPU (or is killed), as large when its peak memory passes 2 GB. The same entry points as a user's upload are used:
``read_cycling_bytes`` then the import pipeline's per-cycle metrics, quality flags and Parquet export
for cycler files; ``read_spectra`` for impedance files.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import signal
import sys
import tempfile
import time
import traceback
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

SLOW_S = 20.0
LARGE_BYTES = 2 * 1024**3
#: CPU seconds after which a child is killed (SIGXCPU) and its input counted slow
CHILD_CPU_LIMIT_S = 3 * SLOW_S
#: address-space limit of one input's child [B]: well above LARGE_BYTES so that "large" is measured
CHILD_ADDRESS_SPACE_BYTES = 6 * 1024**3
HUGE_NUMBERS = (b"9" * 400, b"-" + b"9" * 400, b"1e999", b"-1e999", b"9223372036854775808", b"3000000000", b"nan", b"inf")
GARBAGE = (b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf", b"\x00" * 16, b"\xed\xa0\x80", b"\xc3\x28", b"\x80\x81\x82",
           b"\xf0\x28\x8c\xbc", "\u00e9\u4e2d\u6587".encode("gb18030"), b"\r\r\n\n", b'"""', b",,,,,,,,", b"\t\t\t")


def shared_dir(explicit: str | None) -> Path:
    if explicit:
        return Path(explicit)
    env = os.environ.get("VOLTVAULT_SHARED_DIR")
    return Path(env) if env else REPO.parent / "shared"


@dataclass
class Seed:
    """One starting file: its bytes, the name an upload would carry, and which entry point reads it."""

    name: str
    data: bytes
    kind: str  # "cycling" or "eis"
    origin: str  # where it came from (real file path, or how it was made)


def _cycling_exports(res: Path) -> list[Seed]:
    """VoltVault's own exports of a real file, so that the BDF readers see real content."""
    from voltvault_core.cycling import export, read_cycling_file

    parsed = read_cycling_file(res)
    metadata = {"primary": {"cell_identifier": "arbin_example"}, "source": parsed.source_metadata}
    frame = parsed.frame.head(400)
    seeds = []
    for kind in ("csv", "parquet", "xlsx", "hdf5", "mat"):
        data, suffix = export.export_dataset(frame, metadata, kind)
        seeds.append(Seed(f"arbin_example{suffix}", data, "cycling", f"VoltVault {kind} export of {res.name}"))
    return seeds


def extra_seeds(folder: Path, kind: str = "cycling") -> list[Seed]:
    """Other real files (e.g. another project's test files of the same formats), read as ``kind``."""
    return [Seed(p.name, p.read_bytes(), kind, str(p)) for p in sorted(Path(folder).iterdir()) if p.is_file()]


def collect_seeds(shared: Path) -> list[Seed]:
    """Every seed file (see the module docstring), in a fixed order."""
    seeds: list[Seed] = []
    for folder, kind in (("cycler", "cycling"), ("aging", "cycling"), ("eis", "eis")):
        base = shared / "data" / folder
        if base.is_dir():
            for path in sorted(base.iterdir()):
                if path.is_file():
                    seeds.append(Seed(path.name, path.read_bytes(), kind, str(path)))
    for path in sorted((REPO / "tests" / "data").rglob("*")) if (REPO / "tests" / "data").is_dir() else []:
        if path.is_file():
            kind = "eis" if "eis" in path.parts else "cycling"
            seeds.append(Seed(path.name, path.read_bytes(), kind, str(path.relative_to(REPO))))
    res = shared / "data" / "cycler" / "arbin_example.res"
    if res.exists():
        try:
            seeds.extend(_cycling_exports(res))
        except Exception as exc:  # the fuzzer still runs on the raw files
            print(f"warning: no export seeds ({exc})", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        from voltvault_core.cycling.synthetic import write_nasa_pcoe_mat

        mat = Path(tmp) / "B0005.mat"
        write_nasa_pcoe_mat(mat, n_cycles=3, points=40)
        seeds.append(Seed("B0005.mat", mat.read_bytes(), "cycling", "synthetic NASA PCoE .mat (write_nasa_pcoe_mat)"))
    zview = REPO / "tests" / "unit" / "eis" / "data" / "zview_example.txt"
    if zview.exists():
        seeds.append(Seed(zview.name, zview.read_bytes(), "eis", "hand-written ZView fixture of the tests"))
    return seeds


# ------------------------------------------------------------------------------------------- mutations
def _flip(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 4, 8, 32))):
        position = rng.randrange(len(out))
        out[position] = rng.randrange(256) if rng.random() < 0.5 else out[position] ^ (1 << rng.randrange(8))
    return bytes(out)


def _truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(1, max(2, len(data)))]


def _insert(rng: random.Random, data: bytes) -> bytes:
    position = rng.randrange(len(data) + 1)
    blob = bytes(rng.randrange(256) for _ in range(rng.choice((1, 4, 64, 1024))))
    return data[:position] + blob + data[position:]


def _duplicate(rng: random.Random, data: bytes) -> bytes:
    start = rng.randrange(len(data))
    block = data[start : start + rng.choice((16, 256, 4096, 65536))]
    position = rng.randrange(len(data) + 1)
    return data[:position] + block * rng.choice((1, 2, 16)) + data[position:]


def _huge_number(rng: random.Random, data: bytes) -> bytes:
    import re

    digits = [m.span() for m in re.finditer(rb"\d+(?:\.\d+)?", data[:2_000_000])]
    if not digits:
        return _insert(rng, data)
    out = data
    for _ in range(rng.choice((1, 1, 3, 20))):
        start, end = rng.choice(digits)
        if end > len(out):
            continue
        out = out[:start] + rng.choice(HUGE_NUMBERS) + out[end:]
    return out


def _garbage(rng: random.Random, data: bytes) -> bytes:
    out = data
    for _ in range(rng.choice((1, 3, 10))):
        position = 0 if rng.random() < 0.15 else rng.randrange(len(out) + 1)
        out = out[:position] + rng.choice(GARBAGE) + out[position:]
    return out


def _no_line_breaks(rng: random.Random, data: bytes) -> bytes:
    if rng.random() < 0.5:
        return data.replace(b"\r\n", b" ").replace(b"\n", b" ")
    return data.replace(b"\n", b"\r")  # old Mac line endings


MUTATORS = {
    "flip": _flip,
    "truncate": _truncate,
    "insert": _insert,
    "duplicate": _duplicate,
    "huge_number": _huge_number,
    "garbage": _garbage,
    "no_line_breaks": _no_line_breaks,
}
BYTE_MUTATORS = ("flip", "truncate", "insert", "duplicate", "huge_number", "garbage")


def _zip_member(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    """Corrupt one member of a zip container: its content (re-zipped), its deflate stream, or its header."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            members = {info.filename: archive.read(info.filename) for info in infos}
    except Exception:
        return _flip(rng, data), "flip"
    if not infos:
        return _flip(rng, data), "flip"
    victim = rng.choice(infos)
    how = rng.choice(("content", "content", "stream", "header"))
    if how == "content":
        name = rng.choice((*BYTE_MUTATORS, "no_line_breaks"))
        members[victim.filename] = MUTATORS[name](rng, members[victim.filename] or b"x")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for info in infos:
                archive.writestr(info.filename, members[info.filename])
        return buffer.getvalue(), f"zip_content_{name}"
    out = bytearray(data)
    header = victim.header_offset
    if how == "header":  # sizes, CRC, compression method, name length of the local header
        position = header + rng.choice((8, 14, 18, 22, 26))
        if position + 4 <= len(out):
            out[position : position + 4] = rng.randrange(2**32).to_bytes(4, "little")
        return bytes(out), "zip_header"
    start = header + 30 + len(victim.filename.encode()) + len(victim.extra)
    stop = min(len(out), start + max(victim.compress_size, 1))
    for _ in range(rng.choice((1, 4, 16))):
        if stop > start:
            out[rng.randrange(start, stop)] = rng.randrange(256)
    return bytes(out), "zip_stream"


def mutate(seed: Seed, rng: random.Random) -> tuple[bytes, str]:
    """One mutated input and the mutation's name."""
    if seed.data.startswith(b"PK\x03\x04") and rng.random() < 0.6:
        return _zip_member(rng, seed.data)
    name = rng.choice(tuple(MUTATORS))
    return MUTATORS[name](rng, seed.data), name


def plan(seeds: list[Seed], n_inputs: int, seed: int, index: int) -> tuple[Seed, bytes, str]:
    """Input ``index`` of a campaign: its seed file, mutated bytes and mutation (reproducible alone)."""
    rng = random.Random(f"{seed}:{index}")
    chosen = seeds[index % len(seeds)]
    data, how = mutate(chosen, rng)
    return chosen, data, how


# ----------------------------------------------------------------------------------------- execution
def run_one(kind: str, data: bytes, filename: str) -> str:
    """Read one input through the upload entry point; return "ok" or "refused", raise on a crash."""
    from voltvault_core.cycling.errors import CyclingError
    from voltvault_core.eis.spectrum import EISFileError

    if kind == "eis":
        from voltvault_core.eis.readers import read_spectra

        try:
            read_spectra(data, filename)
        except EISFileError:
            return "refused"
        return "ok"
    from voltvault_core.cycling import export
    from voltvault_core.cycling.importer import read_cycling_bytes
    from voltvault_core.cycling.metrics import compute_cycle_metrics
    from voltvault_core.cycling.quality import quality_flags

    try:
        parsed = read_cycling_bytes(data, filename)
        compute_cycle_metrics(parsed.frame)  # what an import does next (service.store_parsed)
        quality_flags(parsed.frame)
        export.to_parquet_bytes(parsed.frame, {"source": parsed.source_metadata})
    except CyclingError:
        return "refused"
    return "ok"


def _warm_imports() -> None:
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import pyarrow.parquet  # noqa: F401
    import scipy.io  # noqa: F401

    import voltvault_core.cycling.importer
    import voltvault_core.cycling.metrics
    import voltvault_core.cycling.quality
    import voltvault_core.eis.readers  # noqa: F401
    from voltvault_core.cycling.readers import load_readers

    load_readers()
    for module in ("openpyxl", "h5py", "galvani", "NewareNDA"):
        try:
            __import__(module)
        except ImportError:
            pass


@dataclass
class Outcome:
    index: int
    seed: str
    kind: str
    mutation: str
    status: str  # ok | refused | crash | slow | large
    seconds: float  # wall time (noisy on a shared machine)
    cpu_s: float  # CPU time of the child: what "slow" is judged on
    peak_rss_bytes: int
    detail: str = ""


@dataclass
class Running:
    index: int
    seed: Seed
    how: str
    pid: int
    read_end: int
    started: float


def start_forked(index: int, seed: Seed, data: bytes, how: str) -> Running:
    """Fork a child that reads one input under an address-space limit and writes its result to a pipe."""
    read_end, write_end = os.pipe()
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_end)
        try:
            resource.setrlimit(resource.RLIMIT_AS, (CHILD_ADDRESS_SPACE_BYTES, CHILD_ADDRESS_SPACE_BYTES))
            resource.setrlimit(resource.RLIMIT_CPU, (int(CHILD_CPU_LIMIT_S), int(CHILD_CPU_LIMIT_S) + 5))
            status = run_one(seed.kind, data, seed.name)
            message = {"status": status, "detail": ""}
        except BaseException as exc:  # a crash: what escaped the project's errors
            tail = traceback.format_exception(type(exc), exc, exc.__traceback__)[-3:]
            message = {"status": "crash", "detail": f"{type(exc).__name__}: {str(exc)[:300]} | {''.join(tail)[-600:]}"}
        with os.fdopen(write_end, "w") as pipe:
            pipe.write(json.dumps(message))
        os._exit(0)
    os.close(write_end)
    os.set_blocking(read_end, False)
    return Running(index, seed, how, pid, read_end, started)


def _read_available(fd: int, into: list[bytes]) -> None:
    while True:
        try:
            block = os.read(fd, 65536)
        except BlockingIOError:
            return
        if not block:
            return
        into.append(block)


def finish_forked(job: Running, wait_status: int, usage, killed: bool, wall_limit_s: float, buffers: list[bytes]) -> Outcome:
    """The outcome of a finished (or killed) child: slow is judged on its CPU time, large on peak RSS."""
    seconds = time.perf_counter() - job.started
    cpu_s = float(usage.ru_utime + usage.ru_stime)
    os.set_blocking(job.read_end, True)
    with os.fdopen(job.read_end, "rb") as pipe:
        text = b"".join(buffers) + pipe.read()
    peak = int(usage.ru_maxrss) * 1024  # kB on Linux
    base = dict(index=job.index, seed=job.seed.name, kind=job.seed.kind, mutation=job.how, seconds=seconds,
                cpu_s=cpu_s, peak_rss_bytes=peak)
    if killed:
        return Outcome(**base, status="slow", detail=f"killed after {wall_limit_s:.0f} s wall ({cpu_s:.1f} s CPU)")
    if os.WIFSIGNALED(wait_status) and os.WTERMSIG(wait_status) == signal.SIGXCPU:
        return Outcome(**base, status="slow", detail=f"killed after {CHILD_CPU_LIMIT_S:.0f} s of CPU")
    try:
        message = json.loads(text.decode())
    except ValueError:
        code = os.waitstatus_to_exitcode(wait_status)
        message = {"status": "crash", "detail": f"the child died (exit {code}) without a result"}
    status = message["status"]
    if status != "crash" and peak > LARGE_BYTES:
        status = "large"
    elif status != "crash" and cpu_s > SLOW_S:
        status = "slow"
    return Outcome(**base, status=status, detail=message.get("detail", ""))


@dataclass
class Summary:
    inputs: int = 0
    wall_s: float = 0.0
    by_status: dict[str, int] = field(default_factory=dict)
    crashes_by_seed: dict[str, int] = field(default_factory=dict)
    inputs_by_seed: dict[str, int] = field(default_factory=dict)
    slowest: dict = field(default_factory=dict)
    largest: dict = field(default_factory=dict)
    failures: list[dict] = field(default_factory=list)
    confirmed: list[dict] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        self.inputs += 1
        self.by_status[outcome.status] = self.by_status.get(outcome.status, 0) + 1
        self.inputs_by_seed[outcome.seed] = self.inputs_by_seed.get(outcome.seed, 0) + 1
        if outcome.status in ("crash", "slow", "large"):
            self.crashes_by_seed[outcome.seed] = self.crashes_by_seed.get(outcome.seed, 0) + 1
            if len(self.failures) < 200:
                self.failures.append(outcome.__dict__)
        if not self.slowest or outcome.cpu_s > self.slowest["cpu_s"]:
            self.slowest = outcome.__dict__
        if not self.largest or outcome.peak_rss_bytes > self.largest["peak_rss_bytes"]:
            self.largest = outcome.__dict__


def campaign(
    shared: Path, n_inputs: int, seed: int, *, wall_limit_s: float = 30 * SLOW_S, jobs: int = 2,
    save_dir: Path | None = None, progress_every: int = 100, log=None, first: int = 0,
    summary_file: Path | None = None, max_seed_bytes: int | None = None, seeds: list[Seed] | None = None,
) -> Summary:
    """Run inputs ``first .. n_inputs-1``, ``jobs`` at a time; failing inputs are saved under ``save_dir``.

    An input is slow when its child spends more than :data:`SLOW_S` of CPU time (wall time on a shared
    machine mostly measures the others' load); a child still running after ``wall_limit_s`` is killed
    and counted slow.
    """
    _warm_imports()
    seeds = collect_seeds(shared) if seeds is None else seeds
    seeds = [s for s in seeds if max_seed_bytes is None or len(s.data) <= max_seed_bytes]
    if not seeds:
        raise SystemExit(f"no seed files under {shared}/data")
    summary = Summary()
    started = time.perf_counter()
    pending = iter(range(first, n_inputs))
    running: dict[int, tuple[Running, bytes, list[bytes]]] = {}
    exhausted = False
    while running or not exhausted:
        while not exhausted and len(running) < jobs:
            index = next(pending, None)
            if index is None:
                exhausted = True
                break
            chosen, data, how = plan(seeds, n_inputs, seed, index)
            job = start_forked(index, chosen, data, how)
            running[job.pid] = (job, data, [])
        finished = []
        for pid, (job, data, buffers) in running.items():
            _read_available(job.read_end, buffers)  # a result larger than the pipe must not block the child
            done_pid, wait_status, usage = os.wait4(pid, os.WNOHANG)
            killed = False
            if not done_pid and time.perf_counter() - job.started > wall_limit_s:
                os.kill(pid, signal.SIGKILL)
                done_pid, wait_status, usage = os.wait4(pid, 0)
                killed = True
            if done_pid:
                finished.append(pid)
                outcome = finish_forked(job, wait_status, usage, killed, wall_limit_s, buffers)
                summary.add(outcome)
                bad = outcome.status in ("crash", "slow", "large")
                if bad and save_dir is not None:
                    save_dir.mkdir(parents=True, exist_ok=True)
                    (save_dir / f"{job.index:05d}_{outcome.status}_{job.seed.name}").write_bytes(data)
                if log is not None and bad:
                    print(json.dumps(outcome.__dict__), file=log, flush=True)
                if summary_file is not None and progress_every and summary.inputs % progress_every == 0:
                    summary.wall_s = time.perf_counter() - started
                    summary_file.write_text(json.dumps(summary.__dict__, default=str))
                if log is not None and progress_every and summary.inputs % progress_every == 0:
                    print(f"# {summary.inputs}/{n_inputs - first} {summary.by_status} "
                          f"{time.perf_counter() - started:.0f} s", file=log, flush=True)
        for pid in finished:
            del running[pid]
        if not finished:
            time.sleep(0.01)
    summary.wall_s = time.perf_counter() - started
    summary.confirmed = confirm_slow(seeds, n_inputs, seed, summary, log)
    if summary_file is not None:
        summary_file.write_text(json.dumps(summary.__dict__, default=str))
    return summary


def confirm_slow(seeds: list[Seed], n_inputs: int, seed: int, summary: Summary, log=None) -> list[dict]:
    """Re-run every slow or large input alone (one child at a time): on a loaded machine CPU time and
    wall time both inflate, so what counts is whether the input is still slow by itself."""
    confirmed = []
    for failure in [f for f in summary.failures if f["status"] in ("slow", "large")]:
        chosen, data, how = plan(seeds, n_inputs, seed, failure["index"])
        job = start_forked(failure["index"], chosen, data, how)
        buffers: list[bytes] = []
        while True:
            _read_available(job.read_end, buffers)
            done_pid, wait_status, usage = os.wait4(job.pid, os.WNOHANG)
            if done_pid:
                break
            time.sleep(0.01)
        outcome = finish_forked(job, wait_status, usage, False, 0.0, buffers)
        confirmed.append(outcome.__dict__)
        if log is not None:
            print("# alone: " + json.dumps(outcome.__dict__), file=log, flush=True)
    return confirmed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=1000, help="number of mutated inputs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shared", default=None, help="the shared folder holding data/ (default ../shared)")
    parser.add_argument("--wall-limit", type=float, default=30 * SLOW_S, help="wall seconds before an input is killed")
    parser.add_argument("--jobs", type=int, default=2, help="inputs run at the same time")
    parser.add_argument("--first", type=int, default=0, help="start at this input index (resume a campaign)")
    parser.add_argument("--save-dir", default=None, help="write crashing inputs here")
    parser.add_argument("--only", default=None, help="fuzz only the files of this folder (other real files)")
    parser.add_argument("--only-kind", default="cycling", choices=("cycling", "eis"), help="entry point for --only")
    parser.add_argument("--max-seed-bytes", type=int, default=None, help="skip seed files larger than this")
    parser.add_argument("--summary-file", default=None, help="rewrite the running summary (JSON) here every 100 inputs")
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    parser.add_argument("--replay", type=int, default=None, help="run input N in this process (traceback shown)")
    args = parser.parse_args(argv)
    shared = shared_dir(args.shared)
    if args.replay is not None:
        seeds = extra_seeds(Path(args.only), args.only_kind) if args.only else collect_seeds(shared)
        seeds = [s for s in seeds if args.max_seed_bytes is None or len(s.data) <= args.max_seed_bytes]
        chosen, data, how = plan(seeds, args.inputs, args.seed, args.replay)
        print(f"input {args.replay}: {chosen.name} ({chosen.origin}) mutated by {how}, {len(data)} bytes", file=sys.stderr)
        print(run_one(chosen.kind, data, chosen.name))
        return 0
    summary = campaign(
        shared, args.inputs, args.seed, wall_limit_s=args.wall_limit, jobs=args.jobs, first=args.first,
        save_dir=Path(args.save_dir) if args.save_dir else None, log=sys.stderr,
        summary_file=Path(args.summary_file) if args.summary_file else None, max_seed_bytes=args.max_seed_bytes,
        seeds=extra_seeds(Path(args.only), args.only_kind) if args.only else None,
    )
    result = summary.__dict__
    if args.json:
        print(json.dumps(result, default=str))
    else:
        print(f"inputs {summary.inputs}, wall {summary.wall_s:.0f} s, outcomes {summary.by_status}")
        print(f"crashes/slow/large by seed: {summary.crashes_by_seed or 'none'}")
        print(f"slowest: {summary.slowest.get('cpu_s', 0):.2f} s CPU, {summary.slowest.get('seconds', 0):.2f} s wall "
              f"({summary.slowest.get('seed')}, "
              f"{summary.slowest.get('mutation')}); peak memory: {summary.largest.get('peak_rss_bytes', 0) / 2**20:.0f} MiB "
              f"({summary.largest.get('seed')})")
        for failure in summary.failures[:20]:
            print(f"  #{failure['index']} {failure['seed']} {failure['mutation']} {failure['status']}: {failure['detail'][:300]}")
    bad = sum(summary.by_status.get(k, 0) for k in ("crash", "slow", "large"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
