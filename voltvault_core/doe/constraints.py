"""Constraints: expressions over a study's inputs that reject infeasible samples, each with its reason.

An expression is a comparison (chains allowed) over input names, numbers, ``+ - * / ** %``, ``and``,
``or``, ``not`` and the functions in :data:`FUNCTIONS`. Input names with spaces or brackets are written
in backticks (`` `Positive electrode thickness [m]` <= 120e-6 ``); a plain identifier that is not an input
is a derived quantity of the cell (:data:`voltvault_core.doe.evaluate.DERIVED`, e.g. ``np_ratio``).

The text is parsed into a Python AST and walked node by node over a whitelist: nothing is ``eval``-ed,
no attribute access, no calls but the listed functions, no names but inputs and derived quantities.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from voltvault_core.doe.study import DOEError

__all__ = ["FUNCTIONS", "Constraint", "Rejection", "evaluate_constraints", "parse_constraint"]

FUNCTIONS: dict[str, Callable[..., np.ndarray]] = {
    "abs": np.abs, "sqrt": np.sqrt, "log": np.log, "log10": np.log10, "exp": np.exp,
    "min": np.minimum, "max": np.maximum,
}
_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.Pow: operator.pow, ast.Mod: operator.mod}
_COMPARE = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
            ast.Eq: operator.eq, ast.NotEq: operator.ne}
_BACKTICK = re.compile(r"`([^`]+)`")
_MAX_LENGTH = 500


@dataclass(frozen=True)
class Constraint:
    """A parsed constraint: its text, its AST, and the names it reads (inputs, derived quantities)."""

    text: str
    tree: ast.Expression
    aliases: dict[str, str]  # identifier in the tree -> input or derived name
    names: tuple[str, ...]

    def evaluate(self, values: Mapping[str, np.ndarray]) -> np.ndarray:
        """True where the constraint holds (one boolean per sample)."""
        env = {alias: np.asarray(values[name], dtype=float) for alias, name in self.aliases.items()}
        with np.errstate(all="ignore"):
            out = _eval(self.tree.body, env, self.text)
        return np.asarray(out, dtype=bool)


@dataclass(frozen=True)
class Rejection:
    """One rejected sample (row of the candidate design) and why."""

    row: int
    constraint: str
    values: dict[str, float]

    @property
    def reason(self) -> str:
        shown = ", ".join(f"{k} = {v:.4g}" for k, v in self.values.items())
        return f"violates {self.constraint!r} ({shown})"


def parse_constraint(text: str, input_names: Sequence[str], derived: Sequence[str] | None = None) -> Constraint:
    """Parse and check ``text``; raises :class:`DOEError` naming what is wrong."""
    if derived is None:
        from voltvault_core.doe.evaluate import DERIVED

        derived = list(DERIVED)
    if not isinstance(text, str) or not text.strip():
        raise DOEError("a constraint is a non-empty expression, e.g. '`Negative electrode porosity` >= 0.25'")
    if len(text) > _MAX_LENGTH:
        raise DOEError(f"constraint longer than {_MAX_LENGTH} characters: {text[:40]!r}...")
    aliases: dict[str, str] = {}

    def alias(match: re.Match) -> str:
        name = match.group(1)
        if name not in input_names and name not in derived:
            raise DOEError(f"constraint {text!r}: `{name}` is not an input of the study ({', '.join(input_names)})")
        key = f"_v{len(aliases)}"
        aliases[key] = name
        return key

    source = _BACKTICK.sub(alias, text)
    if "`" in source:
        raise DOEError(f"constraint {text!r}: unbalanced backtick")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise DOEError(f"constraint {text!r} is not an expression: {exc.msg}") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in aliases and node.id not in FUNCTIONS:
            if node.id in input_names or node.id in derived:
                aliases[node.id] = node.id
            else:
                raise DOEError(
                    f"constraint {text!r}: unknown name {node.id!r}; write inputs in backticks "
                    f"(`{input_names[0]}`) or use a derived quantity ({', '.join(derived)})"
                )
    _check(tree.body, text)
    if not isinstance(tree.body, ast.Compare | ast.BoolOp) and not (
        isinstance(tree.body, ast.UnaryOp) and isinstance(tree.body.op, ast.Not)
    ):
        raise DOEError(f"constraint {text!r} must be a comparison, e.g. 'x <= 1'")
    return Constraint(text, tree, aliases, tuple(dict.fromkeys(aliases.values())))


def _check(node: ast.AST, text: str) -> None:
    if isinstance(node, ast.Constant):
        if not isinstance(node.value, int | float) or isinstance(node.value, bool):
            raise DOEError(f"constraint {text!r}: only numbers are allowed as constants, got {node.value!r}")
    elif isinstance(node, ast.Name):
        pass
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            raise DOEError(f"constraint {text!r}: operator {type(node.op).__name__} is not allowed")
        _check(node.left, text)
        _check(node.right, text)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.USub | ast.UAdd | ast.Not):
            raise DOEError(f"constraint {text!r}: operator {type(node.op).__name__} is not allowed")
        _check(node.operand, text)
    elif isinstance(node, ast.Compare):
        if any(type(op) not in _COMPARE for op in node.ops):
            raise DOEError(f"constraint {text!r}: only < <= > >= == != compare")
        for child in [node.left, *node.comparators]:
            _check(child, text)
    elif isinstance(node, ast.BoolOp):
        for child in node.values:
            _check(child, text)
    elif isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS or node.keywords:
            raise DOEError(f"constraint {text!r}: only the functions {', '.join(FUNCTIONS)} may be called")
        for child in node.args:
            _check(child, text)
    else:
        raise DOEError(f"constraint {text!r}: {type(node).__name__} is not allowed in a constraint")


def _eval(node: ast.AST, env: dict[str, np.ndarray], text: str):
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return env[node.id]
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_eval(node.left, env, text), _eval(node.right, env, text))
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, env, text)
        if isinstance(node.op, ast.Not):
            return np.logical_not(value)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Compare):
        left = _eval(node.left, env, text)
        result = None
        for op, comp in zip(node.ops, node.comparators, strict=True):
            right = _eval(comp, env, text)
            part = _COMPARE[type(op)](left, right)
            result = part if result is None else np.logical_and(result, part)
            left = right
        return result
    if isinstance(node, ast.BoolOp):
        values = [_eval(v, env, text) for v in node.values]
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        out = values[0]
        for v in values[1:]:
            out = combine(out, v)
        return out
    if isinstance(node, ast.Call):
        return FUNCTIONS[node.func.id](*[_eval(a, env, text) for a in node.args])
    raise DOEError(f"constraint {text!r}: cannot evaluate {type(node).__name__}")  # unreachable after _check


def evaluate_constraints(
    constraints: Sequence[Constraint], values: Mapping[str, np.ndarray], n_rows: int
) -> tuple[np.ndarray, list[Rejection]]:
    """Feasibility of each row and the rejections (the first violated constraint of each rejected row)."""
    feasible = np.ones(n_rows, dtype=bool)
    rejections: list[Rejection] = []
    for c in constraints:
        ok = c.evaluate(values)
        ok = np.broadcast_to(ok, (n_rows,)) & np.all([np.isfinite(np.broadcast_to(values[n], (n_rows,)))
                                                      for n in c.names], axis=0)
        newly = feasible & ~ok
        for row in np.nonzero(newly)[0]:
            rejections.append(Rejection(int(row), c.text, {n: float(np.broadcast_to(values[n], (n_rows,))[row])
                                                           for n in c.names}))
        feasible &= ok
    return feasible, rejections
