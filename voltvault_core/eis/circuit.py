"""Circuit strings in impedance.py's grammar, parsed into a tree (never ``eval``).

Grammar::

    series   := term ('-' term)*
    term     := 'p(' series (',' series)+ ')' | element
    element  := SYMBOL [0-9A-Za-z_]*      e.g. R0, CPE1, Wo1, R_sei

``-`` joins in series, ``p(a,b,...)`` in parallel. An element's type is the longest registered symbol
(:data:`voltvault_core.eis.elements.ELEMENTS`) its name starts with, followed by a digit, ``_`` or the end.
Parameters are named as in impedance.py: ``R0`` for one-parameter elements, ``CPE1_0``, ``CPE1_1``
for the others, in the order the elements appear in the string.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voltvault_core.eis.elements import ELEMENTS, ElementSpec, ParameterSpec

__all__ = ["Circuit", "CircuitSyntaxError", "ElementNode", "ParallelNode", "SeriesNode", "parse_circuit"]


class CircuitSyntaxError(ValueError):
    """A circuit string that does not parse; the message shows the string and points at the column."""

    def __init__(self, text: str, position: int, message: str) -> None:
        self.text = text
        self.position = position
        pointer = " " * position + "^"
        super().__init__(f"{message} at column {position + 1}:\n  {text}\n  {pointer}")


@dataclass(frozen=True)
class ElementNode:
    """A leaf: one named element."""

    name: str
    spec: ElementSpec

    def to_string(self) -> str:
        """Circuit-string form."""
        return self.name


@dataclass(frozen=True)
class SeriesNode:
    """Elements or groups in series: impedances add."""

    children: tuple[ElementNode | SeriesNode | ParallelNode, ...]

    def to_string(self) -> str:
        """Circuit-string form."""
        return "-".join(c.to_string() for c in self.children)


@dataclass(frozen=True)
class ParallelNode:
    """Branches in parallel: admittances add."""

    children: tuple[ElementNode | SeriesNode | ParallelNode, ...]

    def to_string(self) -> str:
        """Circuit-string form."""
        return "p(" + ",".join(c.to_string() for c in self.children) + ")"


Node = ElementNode | SeriesNode | ParallelNode


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.names: set[str] = set()

    def error(self, message: str) -> CircuitSyntaxError:
        return CircuitSyntaxError(self.text, self.pos, message)

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def parse(self) -> Node:
        if not self.text:
            raise CircuitSyntaxError(self.text, 0, "the circuit string is empty")
        node = self.series()
        if self.pos != len(self.text):
            raise self.error(f"unexpected {self.peek()!r}")
        return node

    def series(self) -> Node:
        terms = [self.term()]
        while self.peek() == "-":
            self.pos += 1
            terms.append(self.term())
        return terms[0] if len(terms) == 1 else SeriesNode(tuple(terms))

    def term(self) -> Node:
        if self.text.startswith("p(", self.pos):
            self.pos += 2
            branches = [self.series()]
            while self.peek() == ",":
                self.pos += 1
                branches.append(self.series())
            if self.peek() != ")":
                raise self.error("expected ',' or ')' to close 'p('")
            self.pos += 1
            if len(branches) < 2:
                raise CircuitSyntaxError(
                    self.text, self.pos - 1, "a parallel group p(...) needs two branches or more"
                )
            return ParallelNode(tuple(branches))
        return self.element()

    def element(self) -> ElementNode:
        start = self.pos
        while self.pos < len(self.text) and (self.text[self.pos].isalnum() or self.text[self.pos] == "_"):
            self.pos += 1
        name = self.text[start : self.pos]
        if not name:
            self.pos = start
            found = self.peek()
            raise self.error(
                f"expected an element name, found {found!r}" if found else "expected an element name"
            )
        spec = _element_type(name)
        if spec is None:
            self.pos = start
            raise self.error(
                f"unknown element {name!r}; known elements: {', '.join(sorted(ELEMENTS))} "
                "(followed by a number or _label, e.g. R0, CPE1, Wo_anode)"
            )
        if name in self.names:
            self.pos = start
            raise self.error(f"element name {name!r} is used twice; give each element its own index")
        self.names.add(name)
        return ElementNode(name, spec)


def _element_type(name: str) -> ElementSpec | None:
    best = None
    for symbol, spec in ELEMENTS.items():
        if name.startswith(symbol):
            rest = name[len(symbol) :]
            if (rest == "" or rest[0].isdigit() or rest[0] == "_") and (
                best is None or len(symbol) > len(best.symbol)
            ):
                best = spec
    return best


def parse_circuit(text: str) -> Node:
    """Parse a circuit string into its tree (whitespace ignored).

    Raises
    ------
    CircuitSyntaxError
        With the column of the first problem.
    """
    return _Parser("".join(str(text).split())).parse()


@dataclass(frozen=True)
class ParameterInfo:
    """A parameter of a circuit: its name, element and :class:`ParameterSpec`."""

    name: str
    element: str
    spec: ParameterSpec

    @property
    def unit(self) -> str:
        """Unit text."""
        return self.spec.unit


class Circuit:
    """A parsed equivalent circuit.

    Parameters
    ----------
    text : str
        Circuit string, e.g. ``"R0-p(R1,CPE1)-W1"``.

    Examples
    --------
    >>> c = Circuit("R0-p(R1,C1)")
    >>> c.parameter_names
    ['R0', 'R1', 'C1']
    """

    def __init__(self, text: str) -> None:
        self.tree: Node = parse_circuit(text)
        self.text: str = self.tree.to_string()
        self.elements: list[ElementNode] = []
        self._collect(self.tree)
        self.parameters: list[ParameterInfo] = []
        for node in self.elements:
            n = node.spec.n_parameters
            for i, spec in enumerate(node.spec.parameters):
                self.parameters.append(
                    ParameterInfo(node.name if n == 1 else f"{node.name}_{i}", node.name, spec)
                )
        self._slices: dict[str, slice] = {}
        k = 0
        for node in self.elements:
            self._slices[node.name] = slice(k, k + node.spec.n_parameters)
            k += node.spec.n_parameters
        self._evaluate = self._compile(self.tree)

    def _compile(self, node: Node):
        """A closure ``(values, f) -> Z`` for ``node``: the tree walked once, not at every evaluation."""
        if isinstance(node, ElementNode):
            func, where = node.spec.impedance, self._slices[node.name]
            return lambda values, f: func(values[where], f)
        parts = [self._compile(child) for child in node.children]
        if isinstance(node, SeriesNode):

            def series(values, f):
                total = parts[0](values, f)
                for part in parts[1:]:
                    total = total + part(values, f)
                return total

            return series

        def parallel(values, f):
            admittance = 1.0 / parts[0](values, f)
            for part in parts[1:]:
                admittance = admittance + 1.0 / part(values, f)
            return 1.0 / admittance

        return parallel

    def _collect(self, node: Node) -> None:
        if isinstance(node, ElementNode):
            self.elements.append(node)
        else:
            for child in node.children:
                self._collect(child)

    def __repr__(self) -> str:
        return f"Circuit({self.text!r})"

    @property
    def parameter_names(self) -> list[str]:
        """Names in vector order (impedance.py convention)."""
        return [p.name for p in self.parameters]

    @property
    def n_parameters(self) -> int:
        """Length of the parameter vector."""
        return len(self.parameters)

    def element_parameters(self, name: str, values: np.ndarray) -> np.ndarray:
        """The slice of ``values`` belonging to element ``name``."""
        return np.asarray(values)[self._slices[name]]

    def impedance(self, values: np.ndarray | dict[str, float], frequency_Hz: np.ndarray) -> np.ndarray:
        """Complex impedance [ohm] of the circuit.

        Parameters
        ----------
        values : array or dict
            Parameter vector in :attr:`parameter_names` order, or a dict by name.
        frequency_Hz : array
            Frequencies [Hz].
        """
        if isinstance(values, dict):
            missing = [n for n in self.parameter_names if n not in values]
            if missing:
                raise KeyError(f"missing parameter(s) {missing} for circuit {self.text}")
            values = np.array([values[n] for n in self.parameter_names], dtype=float)
        values = np.asarray(values, dtype=float)
        if values.size != self.n_parameters:
            raise ValueError(
                f"circuit {self.text} has {self.n_parameters} parameters {self.parameter_names}, got {values.size}"
            )
        f = np.asarray(frequency_Hz, dtype=float)
        with np.errstate(all="ignore"):
            return self._evaluate(values, f)

    def impedance_unchecked(self, values: np.ndarray, frequency_Hz: np.ndarray) -> np.ndarray:
        """:meth:`impedance` without argument checks or floating-point error suppression (for solvers
        that call it thousands of times inside their own ``np.errstate``)."""
        return self._evaluate(values, frequency_Hz)

    # ---------------------------------------------------------------- structure
    def parent_map(self) -> dict[str, tuple[Node, ...]]:
        """For each element, the chain of enclosing nodes from the root (used by the guesser)."""
        out: dict[str, tuple[Node, ...]] = {}

        def walk(node: Node, chain: tuple[Node, ...]) -> None:
            if isinstance(node, ElementNode):
                out[node.name] = chain
            else:
                for child in node.children:
                    walk(child, (*chain, node))

        walk(self.tree, ())
        return out
