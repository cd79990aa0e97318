"""One call from a spec to indices: sample, run (here, on the job pool or on a Dask cluster), analyse.

``run_study(spec)`` runs everything in this process; ``run_study(spec, executor="pool")`` cuts the runs
into chunks (each a batched solver call) and submits them as jobs of :mod:`voltvault_core.jobs`
(``voltvault_core.doe.jobs:run_chunk``), on the local process pool or, with ``VOLTVAULT_DASK_SCHEDULER``
set (or ``executor="dask"``), on a Dask cluster. The chunks are deterministic functions of the spec, so
every executor gives the same outputs and the same indices.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from voltvault_core.doe.analysis import MorrisResult, SobolResult, morris_indices, sobol_indices
from voltvault_core.doe.evaluate import RunResults, evaluate
from voltvault_core.doe.sampling import Design, sample
from voltvault_core.doe.study import DOEError, StudySpec, load_spec

__all__ = ["StudyResult", "analyse", "chunk_ranges", "run_study"]

Progress = Callable[[int, int, int], None]  # (completed, failed, total)


@dataclass
class StudyResult:
    spec: StudySpec
    design: Design
    runs: RunResults
    sobol: SobolResult | None = None
    morris: MorrisResult | None = None
    wall_s: float = 0.0
    executor: str = "local"
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> dict[int, str]:
        return self.runs.failures

    def indices_json(self) -> dict[str, Any]:
        """output -> {S1, S1_conf, ST, ST_conf} by input (Sobol), or Morris mu*/sigma."""
        if self.sobol is not None:
            return self.sobol.to_dict()
        if self.morris is not None:
            return self.morris.to_dict()
        return {}

    def summary_json(self) -> dict[str, Any]:
        failed = [{"run": i, "inputs": dict(zip(self.design.names, self.design.values[i].tolist(), strict=True)),
                   "reason": reason} for i, reason in sorted(self.failed.items())]
        return {
            "name": self.spec.name, "model": self.spec.model, "method": self.spec.method,
            "runs": self.design.n_runs, "failed": failed, "wall_s": round(self.wall_s, 4),
            "executor": self.executor, "outputs": self.runs.columns, "indices": self.indices_json(),
            "rejected_samples": len(self.design.rejections),
            "rejections": [{"constraint": r.constraint, "reason": r.reason} for r in self.design.rejections[:200]],
            "notes": self.notes,
        }

    def to_frame(self):
        """Inputs and outputs of every run, one row each (with its failure reason)."""
        frame = self.design.to_frame()
        for j, col in enumerate(self.runs.columns):
            frame[col] = self.runs.values[:, j]
        frame["failure"] = [self.failed.get(i, "") for i in range(self.design.n_runs)]
        return frame


def chunk_ranges(n_runs: int, chunk_runs: int) -> list[tuple[int, int]]:
    return [(lo, min(lo + chunk_runs, n_runs)) for lo in range(0, n_runs, chunk_runs)]


def analyse(spec: StudySpec, design: Design, runs: RunResults) -> tuple[SobolResult | None, MorrisResult | None]:
    if design.method == "sobol":
        return sobol_indices(design, runs.values, runs.columns), None
    if design.method == "morris":
        return None, morris_indices(design, runs.values, runs.columns, seed=spec.seed)
    return None, None


def run_study(spec: StudySpec | dict | str, *, executor: str = "local", chunk_runs: int | None = None,
              progress: Progress | None = None, engine=None, timeout_s: float | None = None) -> StudyResult:
    """Sample, run and analyse a study (see the module docstring for ``executor``)."""
    if not isinstance(spec, StudySpec):
        spec = load_spec(spec)
    start = time.perf_counter()
    design = sample(spec)
    chunk = chunk_runs or (design.n_runs if spec.is_python_model else max(spec.batch_size, 1))
    if executor == "local":
        def on_progress(done, total):
            if progress:
                progress(done, 0, total)

        runs = evaluate(spec, design.values, progress=on_progress)
    elif executor in ("pool", "dask", "auto"):
        runs = _run_on_jobs(spec, design, chunk, executor, progress, engine, timeout_s)
    else:
        raise DOEError(f"unknown executor {executor!r}; choose local, pool or dask")
    sobol, morris = analyse(spec, design, runs)
    result = StudyResult(spec, design, runs, sobol, morris, time.perf_counter() - start, executor)
    if design.rejections:
        result.notes.append(f"{len(design.rejections)} candidate samples rejected by the constraints")
    return result


def _run_on_jobs(spec, design, chunk, executor, progress, engine, timeout_s) -> RunResults:
    from voltvault_core.jobs import JobFailed, get_runner

    backend = None if executor == "auto" else ("dask" if executor == "dask" else "process")
    runner = get_runner(engine, backend=backend)
    ranges = chunk_ranges(design.n_runs, chunk)
    spec_json = spec.to_json()
    ids = [runner.submit("voltvault_core.doe.jobs:run_chunk",
                         {"spec_json": spec_json, "values": design.values[lo:hi].tolist(), "run_offset": lo},
                         kind="doe-chunk", timeout_s=timeout_s) for lo, hi in ranges]
    values = np.full((design.n_runs, 0), np.nan)
    columns: list[str] | None = None
    failures: dict[int, str] = {}
    parts: dict[int, np.ndarray] = {}
    solver_calls = 0
    wall = 0.0
    done = failed_runs = 0
    for (lo, hi), job_id in zip(ranges, ids, strict=True):
        try:
            got = runner.result(job_id, timeout=timeout_s)
        except JobFailed as exc:
            for i in range(lo, hi):
                failures[i] = f"job {job_id} failed: {exc}"
            failed_runs += hi - lo
            continue
        columns = got["columns"]
        parts[lo] = np.asarray(got["values"], dtype=float).reshape(hi - lo, -1)
        failures.update({int(k): v for k, v in got["failures"].items()})
        solver_calls += got["solver_calls"]
        wall += got["wall_s"]
        done += hi - lo
        if progress:
            progress(done, failed_runs, design.n_runs)
    if columns is None:
        raise DOEError("every chunk of the study failed: " + next(iter(failures.values()), ""))
    values = np.full((design.n_runs, len(columns)), np.nan)
    for lo, part in parts.items():
        values[lo : lo + part.shape[0]] = part
    return RunResults(columns, values, failures, wall, solver_calls)
