"""3D thermal: cells in 3D with anisotropic conduction, heat from the electrochemistry, runaway onset."""
