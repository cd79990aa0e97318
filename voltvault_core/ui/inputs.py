"""Number inputs whose out-of-range values are reported, not silently dropped.

``st.number_input(min_value=..., max_value=...)`` turns a typed value outside its bounds red in the
browser and keeps the previous value without a word: the user believes the design changed. A page
draws :class:`BoundedInputs` instead; the widget takes any number, and :meth:`BoundedInputs.problems`
names every field outside its range, so the page can refuse to evaluate with a clear message.
"""

from __future__ import annotations

import streamlit as st


class BoundedInputs:
    """Collects the ranges of the number inputs it draws."""

    def __init__(self) -> None:
        self.limits: dict[str, tuple[str, float, float]] = {}

    def number(self, label: str, min_value: float, max_value: float, *, key: str, target=None,
               where: str | None = None, **kwargs):
        """``st.number_input`` without hard bounds (``target``: where to draw; ``where``: named in messages)."""
        self.limits[key] = (f"{where}: {label}" if where else label, min_value, max_value)
        return (target or st).number_input(label, key=key, **kwargs)

    def problems(self) -> list[str]:
        """One sentence per drawn input whose value is outside its range."""
        out = []
        for key, (label, lo, hi) in self.limits.items():
            value = st.session_state.get(key)
            if value is not None and not lo <= value <= hi:
                out.append(f"{label} = {value:g} is outside {lo:g} to {hi:g}")
        return out
