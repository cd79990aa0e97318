"""DOE: not built yet (the page says so plainly)."""

from voltvault_core.ui import unbuilt_page

unbuilt_page(
    "DOE",
    ":material/grid_view:",
    "Design-of-experiments sweeps over electrode and operating parameters (factorial, Latin hypercube, Sobol), Sobol and Morris sensitivity, response surfaces and Pareto fronts, run as batched solver jobs.",
    "Product brief F5. The solvers already solve batches of designs in one call (solve_batch), which this page will drive.",
)
