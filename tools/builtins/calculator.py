"""A calculator that evaluates arithmetic by walking the AST (never ``eval``)."""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import Field

from interlace.protocols.errors import UsageError

from ..function import tool

Number = int | float

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
}
_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": abs,
    "round": round,
    "min": min,
    "max": max,
    "sqrt": math.sqrt,
    "exp": math.exp,
    "log": math.log,
    "log10": math.log10,
    "log2": math.log2,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "asin": math.asin,
    "acos": math.acos,
    "atan": math.atan,
    "floor": math.floor,
    "ceil": math.ceil,
    "factorial": math.factorial,
}
_CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e, "tau": math.tau}
MAX_LENGTH = 500
MAX_INT_BITS = 4096  # bigger integers (9**9**9) are refused instead of hanging the process
MAX_FACTORIAL = 500


class CalculatorError(UsageError, ValueError):
    """The expression is not plain arithmetic the calculator supports."""


def evaluate(expression: str) -> Number:
    """Evaluate an arithmetic expression: numbers, + - * / // % **, parentheses,
    ``pi``/``e``/``tau`` and the functions in ``_FUNCTIONS``."""
    if len(expression) > MAX_LENGTH:
        raise CalculatorError(f"expression longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as error:
        raise CalculatorError(f"not a valid arithmetic expression: {error.msg}") from None
    result = _eval(tree.body)
    if isinstance(result, bool) or not isinstance(result, int | float):
        raise CalculatorError("the expression does not evaluate to a number")
    return result


def _eval(node: ast.expr) -> Number:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise CalculatorError(f"only numbers are allowed, not {node.value!r}")
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _eval(node.left), _eval(node.right)
        if isinstance(node.op, ast.Pow):
            _check_power(left, right)
        return _checked(_BINARY[type(node.op)](left, right))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _checked(_UNARY[type(node.op)](_eval(node.operand)))
    if isinstance(node, ast.Name) and node.id in _CONSTANTS:
        return _CONSTANTS[node.id]
    if isinstance(node, ast.Call):
        return _call(node)
    raise CalculatorError(f"unsupported syntax: {ast.unparse(node)!r}")


def _call(node: ast.Call) -> Number:
    if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS or node.keywords:
        known = ", ".join(sorted(_FUNCTIONS))
        raise CalculatorError(f"unsupported function call {ast.unparse(node)!r}; known: {known}")
    args = [_eval(arg) for arg in node.args]
    if node.func.id == "factorial" and args and args[0] > MAX_FACTORIAL:
        raise CalculatorError(f"factorial is limited to n <= {MAX_FACTORIAL}")
    result: Number = _FUNCTIONS[node.func.id](*args)
    return _checked(result)


def _check_power(base: Number, exponent: Number) -> None:
    if not (isinstance(base, int) and isinstance(exponent, int)) or abs(base) <= 1:
        return
    if exponent * max(abs(base).bit_length(), 1) > MAX_INT_BITS:
        raise CalculatorError(f"result too large (more than {MAX_INT_BITS} bits)")


def _checked(value: Number) -> Number:
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise CalculatorError(f"result too large (more than {MAX_INT_BITS} bits)")
    if isinstance(value, complex):
        raise CalculatorError("the result is a complex number")
    return value


@tool(idempotent=True)
def calculator(expression: Annotated[str, Field(examples=["6 * 7"])]) -> str:
    """Evaluate an arithmetic expression and return the result.

    Args:
        expression: Arithmetic such as "2 * (3 + 4) ** 2 / 7" or "sqrt(2) * pi".
            Supports + - * / // % **, parentheses, pi, e, and abs, round, min, max,
            sqrt, exp, log, log10, log2, sin, cos, tan, asin, acos, atan, floor, ceil,
            factorial.
    """
    try:
        return repr(evaluate(expression))
    except (ArithmeticError, ValueError, TypeError) as error:
        raise CalculatorError(f"cannot evaluate {expression!r}: {error}") from None
