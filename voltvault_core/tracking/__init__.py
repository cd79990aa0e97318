"""Experiment tracking: hypotheses, linked runs and datasets, notes, conclusions (brief F10)."""
