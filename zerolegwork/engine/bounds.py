"""Static bounds of diagram code: what the catalog check can refuse, and what may run in-process.

Two questions about a parsed script or expression, answered without running it:

- `static_problem`: does it contain an operation whose cost is visible in the source and over a
  limit? Constant sub-expressions are folded with the same guards the compiled code calls at
  run time (`10**10**8`, `'x' * 10**10`, `[0] * 10**9`, `1 << 10**9`, `'%999999999d' % 1`),
  constant `range()` above the range limit, constant widths of `.ljust()`-like methods and f-string
  specs, and a `while True:` whose body cannot `break`. The catalog refuses such a diagram.
- `is_bounded_script`: is a script a few assignments of such expressions, none reading what another
  assigned (see below)? It runs in the platform process too.
- `is_bounded_expression`: is an expression loop-free and made only of operations whose time and
  memory are at most linear in the size of the task data they read (comparisons, `and`/`or`,
  `+ - / //`, subscripts, displays, a few helper calls)? Such an expression cannot run long or
  allocate much, so it is evaluated in the platform process; everything else (every script,
  every expression with a call, a loop, `*`, `**` …) runs in a limited worker process.
"""

from __future__ import annotations

import ast
import operator
import sys
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

from .restricted import (
    MAX_SEQUENCE,
    ScriptRefusedError,
    check_format_spec,
    guarded_lshift,
    guarded_mod,
    guarded_mul,
    guarded_pow,
    parse,
)

_UNKNOWN = object()
_FOLD_OPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Pow: guarded_pow,
    ast.Mult: guarded_mul,
    ast.LShift: guarded_lshift,
    ast.Mod: guarded_mod,
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.FloorDiv: operator.floordiv,
    ast.RShift: operator.rshift,
}
_WIDTH_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs"})
_MAX_FOLDED_DISPLAY = 1000


class _RefusalError(Exception):
    pass


def _fold(node: ast.AST) -> Any:
    """Return the constant value of `node`, or _UNKNOWN; raise _RefusalError if folding hits a guard."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd, ast.Invert)):
        value = _fold(node.operand)
        if value is _UNKNOWN or not isinstance(value, int):
            return _UNKNOWN
        unary: dict[type[ast.unaryop], Callable[[Any], Any]] = {
            ast.USub: operator.neg,
            ast.UAdd: operator.pos,
            ast.Invert: operator.invert,
        }
        return unary[type(node.op)](value)
    if isinstance(node, (ast.List, ast.Tuple)) and len(node.elts) <= _MAX_FOLDED_DISPLAY:
        items = [_fold(e) for e in node.elts]
        if any(i is _UNKNOWN for i in items):
            return _UNKNOWN
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.BinOp) and type(node.op) in _FOLD_OPS:
        left, right = _fold(node.left), _fold(node.right)
        if left is _UNKNOWN or right is _UNKNOWN:
            return _UNKNOWN
        try:
            return _FOLD_OPS[type(node.op)](left, right)
        except ScriptRefusedError as exc:
            raise _RefusalError(str(exc)) from None
        except (ArithmeticError, TypeError, ValueError):
            return _UNKNOWN  # fails at run time with its own error
    return _UNKNOWN


def _breaks_out(body: list[ast.stmt]) -> bool:
    """Whether a loop body can leave the loop (a break not inside a nested loop, or a raise)."""
    todo: list[ast.AST] = list(body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.Break, ast.Raise, ast.Return)):
            return True
        if isinstance(node, (ast.For, ast.While, ast.FunctionDef, ast.Lambda)):
            todo.extend(node.orelse if isinstance(node, (ast.For, ast.While)) else [])
            continue
        todo.extend(ast.iter_child_nodes(node))
    return False


def _problems(tree: ast.AST, max_range: int) -> Iterator[str]:
    for node in ast.walk(tree):
        try:
            problem = _problem_of(node, max_range)
        except _RefusalError as exc:
            problem = str(exc)
        if problem:
            yield f"line {getattr(node, 'lineno', 1)}: {problem}"


def _problem_of(node: ast.AST, max_range: int) -> str | None:
    if isinstance(node, ast.BinOp):
        _fold(node)
    elif isinstance(node, ast.While):
        test = _fold(node.test)
        if test is not _UNKNOWN and test and not _breaks_out(node.body):
            return "this loop never ends (while with a constant true condition and no break)"
    elif isinstance(node, ast.Call):
        args = [_fold(a) for a in node.args]
        if isinstance(node.func, ast.Name) and node.func.id == "range" and args and _UNKNOWN not in args:
            try:
                size = len(range(*args))
            except OverflowError:
                size = sys.maxsize
            except (TypeError, ValueError):
                return None
            if size > max_range:
                return f"range() of {size} items is larger than the allowed {max_range}"
        elif (
            isinstance(node.func, ast.Attribute)
            and node.func.attr in _WIDTH_METHODS
            and any(isinstance(a, int) and a > MAX_SEQUENCE for a in args)
        ):
            return f".{node.func.attr}() to more than {MAX_SEQUENCE} characters is over the limit"
    elif isinstance(node, ast.FormattedValue) and isinstance(node.format_spec, ast.JoinedStr):
        for part in node.format_spec.values:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                try:
                    check_format_spec(part.value)
                except ScriptRefusedError as exc:
                    return str(exc)
    return None


def static_problem(source: str, mode: str, max_range: int) -> str | None:
    """Return why diagram code is over a limit visible in its source, or None."""
    for problem in _problems(parse(source, mode), max_range):
        return problem
    return None


# ---- what may run in the platform process --------------------------------------------------

_LINEAR_NODES = (
    ast.Expression,
    ast.Constant,
    ast.Name,
    ast.Load,
    ast.Attribute,
    ast.Subscript,
    ast.Slice,
    ast.Compare,
    ast.BoolOp,
    ast.UnaryOp,
    ast.IfExp,
    ast.Tuple,
    ast.List,
    ast.Set,
    ast.Dict,
    ast.Call,
    ast.keyword,
    ast.BinOp,
    ast.boolop,
    ast.cmpop,
    ast.Not,
    ast.USub,
    ast.UAdd,
    ast.Invert,
    ast.Add,
    ast.Sub,
    ast.Div,
    ast.FloorDiv,
    ast.BitOr,
    ast.BitAnd,
    ast.BitXor,
)
# Calls whose cost is at most linear in their arguments' size, whatever the arguments are.
# Not here: int() (int(Decimal("1e999999999")) builds a billion-digit int), round() (round(5, -10**9)),
# sum() (of lists: quadratic), range(), every method call (.ljust(10**9), .replace(), .join()).
_LINEAR_CALLS = frozenset(
    {"len", "str", "float", "bool", "abs", "min", "max", "any", "all", "list", "dict", "set", "isinstance"}
    | {"Decimal", "date", "timedelta", "today", "now_utc"}
)


@lru_cache(maxsize=4096)
def is_bounded_expression(source: str) -> bool:
    """Whether an expression's cost is bounded by the size of its inputs (see the module doc)."""
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        if not isinstance(node, _LINEAR_NODES):
            return False
        if isinstance(node, ast.Call):
            if not (isinstance(node.func, ast.Name) and node.func.id in _LINEAR_CALLS):
                return False
            if any(k.arg is None for k in node.keywords):
                return False
    return True


@lru_cache(maxsize=4096)
def is_bounded_script(source: str) -> bool:
    """Whether a script is a few assignments of bounded expressions, none reading what another assigned.

    `progress_reports = (progress_reports + [row])[-12:]` qualifies: its cost is linear in the task data
    it reads, like a bounded expression's. A name assigned by an earlier statement may not be read by a
    later one (`a = a + a` repeated would double the data at every line), and only plain names are
    assigned (no subscripts, attributes, unpacking or augmented assignments); anything else runs in a worker.
    """
    try:
        tree = ast.parse(source, mode="exec")
    except SyntaxError:
        return False
    assigned: set[str] = set()
    for stmt in tree.body:
        if not isinstance(stmt, ast.Assign) or not all(isinstance(t, ast.Name) for t in stmt.targets):
            return False
        read = {n.id for n in ast.walk(stmt.value) if isinstance(n, ast.Name)}
        if read & assigned or not is_bounded_expression(ast.unparse(stmt.value)):
            return False
        assigned.update(t.id for t in stmt.targets if isinstance(t, ast.Name))
    return bool(tree.body)
