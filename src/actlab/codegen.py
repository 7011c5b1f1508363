r"""One definition per activation: a tiny expression language, translated to NumPy and Numba.

Every activation — built-in or formula — is defined once, as a few assignments::

    t = tanh(x)
    f = t
    df = 1 - t*t

``f`` (the value) and ``df`` (the derivative w.r.t. ``x``) are required; other names are
shared intermediate values. From this text :func:`numpy_functions` generates the registry's
vectorised ``f(x, **params)`` and ``f'(x, **params)``, and :func:`numba_source` the scalar
``_act(x, pr) -> (f, f')`` that the fused kernel's lane loop is built around (see
:mod:`actlab.playground.kernel`). The translation keeps the written order of every operation,
so a definition written as the playground computes an activation gives the playground's bits.

Grammar: numbers, ``x``, parameters, ``pi``, ``e``, earlier names, ``+ - * / **``, unary
minus, ``A if COND else B`` and the functions of :data:`FUNCTIONS`; ``COND`` is one
comparison. Functions map to NumPy (``exp`` → ``np.exp``) and to the kernel's branch-free
vectorisable ports (few-ulp ``exp``, ``sin``, ``erf``, …; V8's own ``Math.exp``/``tanh`` in
an *exact* definition, :data:`V8_EXACT`).
Definitions are parsed with :mod:`ast` under an allow-list, and the generated source is
parsed again and checked against the same allow-list of names before it is compiled: formula
text never reaches ``compile`` other than through this translation.
"""

from __future__ import annotations

import ast
import hashlib
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from actlab.errors import ActlabError

#: Function → (arity, NumPy name, kernel name).
FUNCTIONS: dict[str, tuple[int, str, str]] = {
    "exp": (1, "np.exp", "_exp"),
    "expm1": (1, "np.expm1", "_expm1"),
    "log": (1, "np.log", "_log"),
    "log1p": (1, "np.log1p", "_log1p"),
    "sqrt": (1, "np.sqrt", "math.sqrt"),
    "abs": (1, "np.abs", "abs"),
    "sin": (1, "np.sin", "_sin"),
    "cos": (1, "np.cos", "_cos"),
    "tanh": (1, "np.tanh", "_tanh"),
    "sigmoid": (1, "_sigmoid", "_sigmoid"),
    "softplus": (1, "_softplus", "_softplus1"),
    "erf": (1, "_erf", "_erf"),
    "erfc": (1, "_erfc", "_erfc"),  # erfc(a) for a >= 0
    "max": (2, "np.maximum", "_maximum"),
    "min": (2, "np.minimum", "_minimum"),
    "clip": (3, "np.clip", "_clip"),
    "where": (3, "np.where", ""),
}
#: Kernel functions replaced by V8's own (fdlibm) ports in an *exact* definition, one that
#: must give the playground's bits (:func:`numba_source`); the others are within a few ulp.
V8_EXACT = {"_exp": "_v8_exp", "_expm1": "_v8_expm1", "_tanh": "_v8_tanh",
            "_sigmoid": "_v8_sigmoid"}
_CMP = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
_BIN = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_LOCAL = re.compile(r"[a-z_][a-z0-9_]*")


def _bad(message: str) -> ActlabError:
    return ActlabError(f"definition: {message}")


@dataclass(frozen=True)
class Definition:
    """A parsed definition: ordered ``(name, expression)`` statements and the parameters."""

    text: str
    params: tuple[str, ...]
    statements: tuple[tuple[str, ast.expr], ...]

    @property
    def digest(self) -> str:
        return hashlib.sha256(f"{self.params}\n{self.text}".encode()).hexdigest()

    def needed(self, target: str) -> list[tuple[str, ast.expr]]:
        """The statements ``target`` depends on, in order (dead ones dropped)."""
        need = {target}
        keep = []
        for name, node in reversed(self.statements):
            if name in need:
                keep.append((name, node))
                need |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
        return keep[::-1]


def parse(text: str, params: tuple[str, ...] = ()) -> Definition:
    """Parse and check a definition (ActlabError naming the problem)."""
    try:
        tree = ast.parse(text, mode="exec")
    except SyntaxError as exc:
        raise _bad(f"syntax error at line {exc.lineno}: {exc.msg}") from None
    known = {"x", "pi", "e", *params}
    statements = []
    for stmt in tree.body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)):
            raise _bad(f"only 'name = expression' lines are allowed, got {ast.unparse(stmt)!r}")
        name = stmt.targets[0].id
        if not _LOCAL.fullmatch(name) or name in known or name in FUNCTIONS:
            raise _bad(f"cannot assign to {name!r}")
        _check(stmt.value, known)
        known.add(name)
        statements.append((name, stmt.value))
    names = [n for n, _ in statements]
    if "f" not in names or "df" not in names:
        raise _bad("a definition assigns both f and df")
    return Definition(text=text, params=tuple(params), statements=tuple(statements))


def _check(node: ast.AST, known: set[str]) -> None:
    """The allow-list: every node kind and name of an expression."""
    callees = {id(n.func) for n in ast.walk(node) if isinstance(n, ast.Call)}
    for n in ast.walk(node):
        if id(n) in callees:
            continue  # a function's name: checked with its call
        if isinstance(n, ast.Constant):
            if isinstance(n.value, bool) or not isinstance(n.value, int | float):
                raise _bad(f"constant {n.value!r} is not a number")
        elif isinstance(n, ast.Name):
            if n.id not in known:
                raise _bad(f"unknown name {n.id!r}")
        elif isinstance(n, ast.Call):
            if not isinstance(n.func, ast.Name) or n.func.id not in FUNCTIONS or n.keywords \
                    or len(n.args) != FUNCTIONS[n.func.id][0]:
                raise _bad(f"bad call {ast.unparse(n)!r}")
            if n.func.id == "where" and not isinstance(n.args[0], ast.Compare):
                raise _bad("where(COND, A, B): COND is one comparison")
        elif isinstance(n, ast.Compare):
            if len(n.ops) != 1 or type(n.ops[0]) not in _CMP:
                raise _bad("a condition is one comparison")
        elif isinstance(n, ast.BinOp):
            if type(n.op) not in _BIN:
                raise _bad(f"operator {type(n.op).__name__} is not allowed")
        elif isinstance(n, ast.UnaryOp):
            if not isinstance(n.op, ast.USub | ast.UAdd):
                raise _bad(f"operator {type(n.op).__name__} is not allowed")
        elif isinstance(n, ast.IfExp):
            if not isinstance(n.test, ast.Compare):
                raise _bad("A if COND else B: COND is one comparison")
        elif not isinstance(n, ast.Load | ast.operator | ast.unaryop | ast.cmpop):
            raise _bad(f"{type(n).__name__} is not allowed")


# --------------------------------------------------------------------------- emitters
def _number(v: float | int, target: str) -> str:
    v = float(v)
    if not math.isfinite(v):
        raise _bad(f"number {v!r} is not finite")
    return repr(v)


def _emit(node: ast.expr, target: str, names: Mapping[str, str]) -> str:
    """Source text of ``node`` for ``target`` ('numpy', 'numba', or 'v8': the kernel with
    V8's exact functions, :data:`V8_EXACT`), fully parenthesised."""

    def go(n: ast.expr) -> str:
        if isinstance(n, ast.Constant):
            return _number(n.value, target)
        if isinstance(n, ast.Name):
            if n.id == "pi":
                return repr(math.pi)
            if n.id == "e":
                return repr(math.e)
            return names.get(n.id, n.id)
        if isinstance(n, ast.UnaryOp):
            return f"(-{go(n.operand)})" if isinstance(n.op, ast.USub) else go(n.operand)
        if isinstance(n, ast.BinOp):
            a, b = go(n.left), go(n.right)
            if isinstance(n.op, ast.Pow):
                if target == "numpy":
                    return f"np.power({a}, {b})"
                exponent = n.right
                neg = isinstance(exponent, ast.UnaryOp) and isinstance(exponent.op, ast.USub)
                literal = exponent.operand if neg else exponent
                if isinstance(literal, ast.Constant) and float(literal.value).is_integer():
                    return f"({a} ** {'-' if neg else ''}{int(literal.value)})"  # powi
                return f"({a} ** {b})"
            if isinstance(n.op, ast.Div) and target == "numpy":
                return f"np.divide({a}, {b})"
            return f"({a} {_BIN[type(n.op)]} {b})"
        if isinstance(n, ast.Compare):
            return f"({go(n.left)} {_CMP[type(n.ops[0])]} {go(n.comparators[0])})"
        if isinstance(n, ast.IfExp):
            return _where(go(n.test), go(n.body), go(n.orelse), target)
        if isinstance(n, ast.Call):
            fname = n.func.id  # type: ignore[attr-defined]
            args = [go(a) for a in n.args]
            if fname == "where":
                return _where(*args, target)
            _, np_name, nb_name = FUNCTIONS[fname]
            if target == "v8":
                nb_name = V8_EXACT.get(nb_name, nb_name)
            return f"{np_name if target == 'numpy' else nb_name}({', '.join(args)})"
        raise _bad(f"cannot translate {type(n).__name__}")  # pragma: no cover

    return go(node)


def _where(cond: str, a: str, b: str, target: str) -> str:
    if target == "numpy":
        return f"np.where({cond}, {a}, {b})"
    return f"({a} if {cond} else {b})"


#: Names generated NumPy code may use (besides its own locals and parameters).
NUMPY_NAMES = frozenset({"np", "_sigmoid", "_softplus", "_erf", "_erfc", "_full"})
#: Names generated kernel code may use.
NUMBA_NAMES = frozenset({
    "math", "abs", "_exp", "_expm1", "_tanh", "_sigmoid", *V8_EXACT.values(), "_log",
    "_log1p", "_softplus1", "_sin", "_cos", "_sin_slow", "_cos_slow", "_erf", "_erfc",
    "_maximum", "_minimum", "_clip", "_nan_to",
})


def recheck(source: str, allowed: frozenset[str], locals_: set[str]) -> None:
    """Re-parse generated source; only the expected statements, calls and names pass."""
    tree = ast.parse(source, mode="exec")
    for n in ast.walk(tree):
        ok = isinstance(n, ast.Module | ast.FunctionDef | ast.arguments | ast.arg | ast.Assign
                        | ast.Return | ast.Tuple | ast.Name | ast.Constant | ast.BinOp
                        | ast.UnaryOp | ast.Compare | ast.IfExp | ast.Call | ast.Attribute
                        | ast.Subscript | ast.Load | ast.Store | ast.operator | ast.unaryop
                        | ast.cmpop | ast.With | ast.withitem | ast.keyword)
        if not ok:
            raise _bad(f"generated code contains {type(n).__name__}")  # pragma: no cover
        if isinstance(n, ast.Name) and n.id not in allowed and n.id not in locals_:
            raise _bad(f"generated code uses {n.id!r}")  # pragma: no cover
        if isinstance(n, ast.Attribute):
            if not (isinstance(n.value, ast.Name) and n.value.id in ("np", "math")):
                raise _bad("generated code has an attribute access")  # pragma: no cover
            if n.attr.startswith("_"):
                raise _bad("generated code has a private attribute")  # pragma: no cover
        if isinstance(n, ast.Constant) and isinstance(n.value, str) \
                and n.value not in ("ignore", "numpy"):
            raise _bad("generated code has a string")  # pragma: no cover


# --------------------------------------------------------------------------- NumPy target
def _numpy_source(d: Definition, target: str, fname: str) -> str:
    lines = [f"def {fname}(x, {', '.join(d.params)}):" if d.params else f"def {fname}(x):"]
    lines.append("    with np.errstate(all='ignore'):")
    for name, node in d.needed(target):
        lines.append(f"        {name} = {_emit(node, 'numpy', {})}")
    lines.append(f"    return _full({target}, x)")
    return "\n".join(lines) + "\n"


def _full(value: Any, x: np.ndarray) -> np.ndarray:
    """``value`` as a fresh array shaped like ``x`` (never ``x`` itself; constants fill)."""
    out = np.asarray(value)
    if out.shape == x.shape and out is not x and out.base is None:
        return out
    return np.broadcast_to(out, x.shape).copy()


def numpy_functions(d: Definition) -> tuple[Callable[..., np.ndarray], Callable[..., np.ndarray]]:
    """Vectorised ``f(x, **params)`` and ``f'(x, **params)`` generated from ``d``."""
    from actlab.activations import _erfc, _sigmoid, _softplus1
    from actlab.formula import _erf

    namespace = {"np": np, "_sigmoid": _sigmoid, "_softplus": _softplus1, "_erf": _erf,
                 "_erfc": _erfc, "_full": _full, "__builtins__": {}}
    out = []
    for target in ("f", "df"):
        source = _numpy_source(d, target, f"_{target}")
        recheck(source, NUMPY_NAMES, {"x", *d.params, *(n for n, _ in d.statements),
                                      f"_{target}"})
        code = compile(source, f"<actlab definition {d.digest[:12]} {target}>", "exec")
        exec(code, namespace)  # noqa: S102 - generated from a checked definition, re-checked
        fn = namespace.pop(f"_{target}")
        fn.source = source
        out.append(fn)
    return out[0], out[1]


# --------------------------------------------------------------------------- Numba target
def numba_source(d: Definition, fname: str = "_act", offset: int = 0,
                 exact: bool = False, trig: str = "") -> str:
    """Scalar kernel code ``fname(x, pr) -> (f, f')``; the parameters are read from
    ``pr[offset], pr[offset + 1], …``. With ``exact``, ``exp``, ``expm1``, ``tanh`` and
    ``sigmoid`` are V8's ports (the playground's bits) instead of the faster few-ulp ones.
    With ``trig="slow"``, ``sin``/``cos`` are the variants that fall back to the C library
    beyond the vectorised range (the kernel's second pass over such lanes).

    ``f'`` is NaN where ``x`` is NaN (as the registry's), whatever the definition.
    """
    lines = [
        '@njit(forceinline=True, error_model="numpy")',
        f"def {fname}(x, pr):",
    ]
    names = {p: f"pr[{offset + i}]" for i, p in enumerate(d.params)}
    for name, node in d.statements:
        code = _emit(node, 'v8' if exact else 'numba', names)
        if trig == "slow":
            code = code.replace("_sin(", "_sin_slow(").replace("_cos(", "_cos_slow(")
        lines.append(f"    {name} = {code}")
    lines.append("    return f, _nan_to(df, x)")
    source = "\n".join(lines) + "\n"
    recheck(source, NUMBA_NAMES | {"njit", "pr"}, {"x", "pr", fname,
                                                   *(n for n, _ in d.statements)})
    return source
