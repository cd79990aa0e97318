"""Build a circuit string one element at a time (the page's circuit builder writes the string with it).

``add_element("R0-p(R1,CPE1)", "W", "series")`` -> ``"R0-p(R1,CPE1)-W0"``;
``"parallel"`` puts the new element in parallel with the last block (or adds a branch to it when it is
already a parallel group); ``"branch"`` appends it in series inside the last branch of the last parallel
group (``p(R1,CPE1)`` + ``Wo`` -> ``p(R1,CPE1-Wo0)``; put the capacitor last to get ``p(R1-Wo0,CPE1)``).
"""

from __future__ import annotations

from voltvault_core.eis.circuit import Circuit, ElementNode, ParallelNode, SeriesNode
from voltvault_core.eis.elements import ELEMENTS

__all__ = ["BUILD_MODES", "add_element", "next_element_name", "remove_last_element"]

BUILD_MODES = {
    "series": "in series with everything",
    "parallel": "in parallel with the last block",
    "branch": "in series inside the last parallel branch",
}


def next_element_name(text: str, symbol: str) -> str:
    """``symbol`` followed by the smallest index not yet used in ``text`` (e.g. ``"CPE2"``)."""
    if symbol not in ELEMENTS:
        raise ValueError(f"unknown element {symbol!r}; known: {', '.join(sorted(ELEMENTS))}")
    used = {e.name for e in Circuit(text).elements} if text.strip() else set()
    k = 0
    while f"{symbol}{k}" in used:
        k += 1
    return f"{symbol}{k}"


def add_element(text: str, symbol: str, mode: str = "series") -> str:
    """The circuit string with a new ``symbol`` element added (see module docstring for ``mode``)."""
    if mode not in BUILD_MODES:
        raise ValueError(f"unknown mode {mode!r}; use one of {', '.join(BUILD_MODES)}")
    name = next_element_name(text, symbol)
    if not text.strip():
        return name
    new = ElementNode(name, ELEMENTS[symbol])
    tree = Circuit(text).tree
    blocks = list(tree.children) if isinstance(tree, SeriesNode) else [tree]
    last = blocks[-1]
    if mode == "series":
        blocks.append(new)
    elif mode == "parallel":
        blocks[-1] = (
            ParallelNode((*last.children, new))
            if isinstance(last, ParallelNode)
            else ParallelNode((last, new))
        )
    else:
        if not isinstance(last, ParallelNode):
            raise ValueError("'branch' needs a parallel group p(...) as the last block; add one first")
        branch = last.children[-1]
        parts = list(branch.children) if isinstance(branch, SeriesNode) else [branch]
        blocks[-1] = ParallelNode((*last.children[:-1], SeriesNode((*parts, new))))
    out = blocks[0] if len(blocks) == 1 else SeriesNode(tuple(blocks))
    return Circuit(out.to_string()).text  # re-parse: the result is always a valid circuit


def remove_last_element(text: str) -> str:
    """The circuit string without its last element (a parallel group left with one branch collapses)."""
    circuit = Circuit(text)
    if len(circuit.elements) <= 1:
        return ""
    victim = circuit.elements[-1].name

    def prune(node):
        if isinstance(node, ElementNode):
            return None if node.name == victim else node
        kids = [k for k in (prune(c) for c in node.children) if k is not None]
        if not kids:
            return None
        if len(kids) == 1:
            return kids[0]
        return type(node)(tuple(kids))

    return Circuit(prune(circuit.tree).to_string()).text
