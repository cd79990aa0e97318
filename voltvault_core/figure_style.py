"""Plot layout shared by the feature figures.

Legends sit above the plotting area: a horizontal legend at Plotly's default place (below the plot)
lands on the x-axis title, which is what a user reads first.
"""

LEGEND_ABOVE = {"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0.0}
TOP_MARGIN_FOR_LEGEND_PX = 40
