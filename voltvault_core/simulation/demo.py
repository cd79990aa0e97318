"""Demo runs for the public demo project: the LG M50 (Chen2020) discharged at 1C with SPM, SPMe and DFN,
so a visitor can compare the three models on the Simulation page without running anything."""

from __future__ import annotations

from sqlmodel import Session

from voltvault_core.simulation.service import make_inputs, run_simulation

DEMO_RUNS = (
    ("spm", "SPM 1C discharge"),
    ("spme", "SPMe 1C discharge"),
    ("dfn", "DFN 1C discharge"),
)


def seed_demo(session: Session, project_id: int) -> dict[str, int]:
    """Solve and store the demo runs (called by :func:`voltvault_core.demo.seed_demo`, no user involved:
    the installation seeds its own demo, so the role check of ``run_simulation`` is bypassed)."""
    solve_and_store = run_simulation.__wrapped__  # the service without its role check
    for model, name in DEMO_RUNS:
        inputs = make_inputs(model, "Chen2020", ["Discharge at 1C until 2.5 V"],
                             options={"output_period_s": 10.0})
        solve_and_store(session, None, project_id, inputs=inputs, name=f"LG M50 · {name}")
    return {"simulations": len(DEMO_RUNS)}
