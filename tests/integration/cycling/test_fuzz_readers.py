"""A short run of the reader fuzzer (tools/fuzz_readers.py) over mutated real files: every input ends
in the project's own error or is read, none crashes, none passes 20 s of CPU or 2 GB. The full
10,000-input campaign and its figures are in docs/reliability.md. Skips when ../shared is absent."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
SHARED = Path(os.environ.get("VOLTVAULT_SHARED_DIR") or REPO.parent / "shared")

pytestmark = pytest.mark.skipif(not (SHARED / "data" / "cycler").is_dir(), reason="../shared/data is absent")


def _fuzzer():
    spec = importlib.util.spec_from_file_location("fuzz_readers", REPO / "tools" / "fuzz_readers.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("fuzz_readers", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_mutated_real_files_end_in_the_projects_errors() -> None:
    fuzz = _fuzzer()
    # seeds up to 600 kB keep this well under a minute; the campaign takes every file
    summary = fuzz.campaign(SHARED, 160, seed=12, jobs=2, max_seed_bytes=600_000)
    assert summary.inputs == 160
    failures = [f"#{f['index']} {f['seed']} ({f['mutation']}): {f['status']} {f['detail'][:300]}" for f in summary.failures]
    assert not failures, "\n".join(failures)
    assert summary.by_status.get("refused", 0) > 0  # the mutations do break files
    assert summary.by_status.get("ok", 0) > 0  # and the fuzzer does read files (its set-up works)
    kinds = {f.kind for f in fuzz.collect_seeds(SHARED)}
    assert kinds == {"cycling", "eis"}
