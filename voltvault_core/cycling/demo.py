"""Demo seeder: loads the SYNTHETIC cycling datasets of ``data/demo/cycling`` into the demo project
(called by :func:`voltvault_core.demo.seed_demo` inside its transaction)."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from voltvault_core.cycling.importer import read_cycling_file
from voltvault_core.cycling.service import store_parsed

DEMO_DIR = Path(__file__).resolve().parents[2] / "data" / "demo" / "cycling"


def seed_demo(session: Session, project_id: int) -> dict[str, int]:
    """Store every ``*.bdf.parquet`` of the demo folder with its metadata sidecar; returns the count."""
    count = 0
    for path in sorted(DEMO_DIR.glob("*.bdf.parquet")):
        parsed = read_cycling_file(path)
        metadata = parsed.source_metadata
        store_parsed(
            session, project_id, data=path.read_bytes(), filename=path.name, parsed=parsed,
            metadata={k: metadata.get(k, {}) for k in ("schema", "primary", "secondary", "tertiary")},
        )
        count += 1
    return {"cycling_datasets": count} if count else {}
