r"""Formula activations: a small, safe expression language with derived derivatives.

A formula is one expression in ``x`` — ``x*sigmoid(beta*x)``, ``max(0, x)``,
``x if x > 0 else 0.1*x`` — over this grammar and nothing else:

* numbers (``2``, ``0.5``, ``1e-3``), ``x``, declared parameters, ``pi``, ``e``;
* ``+ - * / **`` and unary minus (the exponent of ``**`` may not contain another ``**``;
  a numeric exponent is at most :data:`MAX_EXPONENT` in size);
* the functions of :data:`FUNCTIONS`: ``exp log log1p sqrt abs sin cos tanh sigmoid softplus
  erf`` (one argument), ``max min`` (two), ``where(COND, A, B)``;
* ``A if COND else B`` (same as ``where``), ``COND`` being one comparison
  (``<``, ``<=``, ``>``, ``>=``).

Security: user text is never given to ``eval``, ``exec``, ``sympify``, ``parse_expr`` or
``lambdify`` (all of which execute code). The text is checked for size (length
:data:`MAX_LENGTH`, ASCII only — no look-alike letters —, bracket depth :data:`MAX_DEPTH`)
*before* Python's ``ast`` module parses it; the tree is walked under an allow-list (node
count :data:`MAX_NODES`) and SymPy objects are built node by node from it.

Derivative: SymPy's ``diff``, then the registry's kink convention — the value PyTorch
autograd gives for the built-ins: a step ``Heaviside(u)`` is 0 at ``u = 0`` (so
``max(0, x)'`` is 0 at 0, as ``relu'``; at a tie of ``max``/``min`` the derivative is 0),
``abs'(0) = sign(0) = 0``, a branch of ``where`` takes the derivative of the branch chosen,
and Dirac terms are dropped. ``f`` and ``f'`` are then written out as a definition of
:mod:`actlab.codegen` (the language every built-in is defined in), from which the NumPy
functions and the kernel's code are generated exactly as for the built-ins; generated source
is re-checked against an allow-list of names before it is compiled.
"""

from __future__ import annotations

import ast
import hashlib
import math
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from actlab.errors import ActlabError

#: Longest formula text accepted (checked before parsing).
MAX_LENGTH = 500
#: Deepest bracket nesting and deepest expression tree.
MAX_DEPTH = 32
#: Most syntax-tree nodes.
MAX_NODES = 200
#: Largest numeric exponent of ``**`` (in absolute value).
MAX_EXPONENT = 64
#: Most parameters of one formula.
MAX_PARAMS = 8

#: Function name → number of arguments.
FUNCTIONS = {
    "exp": 1, "log": 1, "log1p": 1, "sqrt": 1, "abs": 1, "sin": 1, "cos": 1, "tanh": 1,
    "sigmoid": 1, "softplus": 1, "erf": 1, "max": 2, "min": 2, "where": 3,
}
CONSTANTS = ("pi", "e")
_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")
_DEFINITION = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\(([^()]*)\))?\s*=(.*)", re.S)
_GRID = np.linspace(-10.0, 10.0, 2001)

_HELP = (
    "allowed: numbers, x, parameters, pi, e, + - * / **, "
    + ", ".join(FUNCTIONS) + ", 'A if COND else B'"
)


class FormulaWarning(UserWarning):
    """A formula that works but will train badly (a step, or overflow for large inputs)."""


def _err(message: str) -> ActlabError:
    return ActlabError(f"formula: {message}")


# --------------------------------------------------------------------------- SymPy side
_sp: Any = None
_FUNCS: dict[str, Any] = {}


def _sympy() -> Any:
    """Import SymPy on first use and define the three functions it lacks."""
    global _sp
    if _sp is not None:
        return _sp
    import sympy as sp

    class sigmoid(sp.Function):  # noqa: N801 - the formula language's name
        """σ(u) = 1/(1 + e^{-u}); σ' = σ(1 - σ)."""

        def fdiff(self, argindex=1):
            s = sigmoid(self.args[0])
            return s * (1 - s)

        def _latex(self, printer):
            return r"\sigma\left(" + printer._print(self.args[0]) + r"\right)"

    class softplus(sp.Function):  # noqa: N801
        """log(1 + e^u); softplus' = σ."""

        def fdiff(self, argindex=1):
            return sigmoid(self.args[0])

        def _latex(self, printer):
            return r"\operatorname{softplus}\left(" + printer._print(self.args[0]) + r"\right)"

    class log1p(sp.Function):  # noqa: N801
        """log(1 + u); log1p' = 1/(1 + u)."""

        def fdiff(self, argindex=1):
            return 1 / (1 + self.args[0])

        def _latex(self, printer):
            return r"\log\left(1 + " + printer._print(self.args[0]) + r"\right)"

    _FUNCS.update(
        exp=sp.exp, log=sp.log, log1p=log1p, sqrt=sp.sqrt, abs=sp.Abs, sin=sp.sin,
        cos=sp.cos, tanh=sp.tanh, sigmoid=sigmoid, softplus=softplus, erf=sp.erf,
        max=sp.Max, min=sp.Min,
    )
    _sp = sp
    return sp


# --------------------------------------------------------------------------- parsing
def _precheck(text: object) -> str:
    """Size and alphabet checks on the raw text, before any parser sees it."""
    if not isinstance(text, str):
        raise _err(f"a formula must be a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise _err(f"too long ({len(text)} characters; at most {MAX_LENGTH})")
    for i, ch in enumerate(text):
        if not (" " <= ch <= "~"):
            raise _err(
                f"character {ch!r} at position {i + 1} is not allowed (formulas are plain "
                "ASCII: letters a-z, digits, + - * / ( ) , . < > =)"
            )
    depth = 0
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if depth > MAX_DEPTH:
            raise _err(f"brackets nested deeper than {MAX_DEPTH}")
    stripped = text.strip()
    if not stripped:
        raise _err("empty formula")
    return stripped


_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_CMPOPS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
_FORBIDDEN = {
    ast.Attribute: "attribute access", ast.Subscript: "subscripts", ast.Lambda: "lambdas",
    ast.ListComp: "comprehensions", ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions", ast.GeneratorExp: "comprehensions",
    ast.List: "lists", ast.Tuple: "tuples", ast.Dict: "dicts", ast.Set: "sets",
    ast.Starred: "star arguments", ast.NamedExpr: "assignments", ast.Await: "await",
    ast.JoinedStr: "strings", ast.BoolOp: "and/or", ast.Slice: "slices",
}


def _check_tree(tree: ast.AST) -> None:
    """Allow-list walk (iterative): node kinds, count and depth."""
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise _err(f"too many terms (more than {MAX_NODES} syntax nodes)")
        if depth > 2 * MAX_DEPTH:
            raise _err(f"expression nested deeper than {MAX_DEPTH}")
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                kind = "strings" if isinstance(node.value, str | bytes) else repr(node.value)
                raise _err(f"{kind} are not allowed; {_HELP}")
        elif type(node) in _FORBIDDEN:
            raise _err(f"{_FORBIDDEN[type(node)]} are not allowed; {_HELP}")
        elif isinstance(node, ast.BinOp) and type(node.op) not in _BINOPS:
            raise _err(f"operator {type(node.op).__name__} is not allowed; {_HELP}")
        elif isinstance(node, ast.UnaryOp) and not isinstance(node.op, ast.USub | ast.UAdd):
            raise _err(f"operator {type(node.op).__name__} is not allowed; {_HELP}")
        elif isinstance(node, ast.Compare):
            if len(node.ops) != 1 or type(node.ops[0]) not in _CMPOPS:
                raise _err("a condition is one comparison with <, <=, > or >=")
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name):
                what = _FORBIDDEN.get(type(node.func), "calling an expression")
                raise _err(f"{what} are not allowed (only the listed functions can be "
                           f"called); {_HELP}")
            if node.func.id not in FUNCTIONS:
                raise _err(f"unknown function {node.func.id!r}; {_HELP}")
            if node.keywords:
                raise _err(f"{node.func.id}() takes no keyword arguments")
            if len(node.args) != FUNCTIONS[node.func.id]:
                raise _err(f"{node.func.id}() takes {FUNCTIONS[node.func.id]} argument(s), "
                           f"got {len(node.args)}")
        elif not isinstance(node, ast.Expression | ast.BinOp | ast.UnaryOp | ast.Name
                            | ast.IfExp | ast.Load | ast.operator | ast.unaryop | ast.cmpop):
            raise _err(f"{type(node).__name__} is not allowed; {_HELP}")
        for child in ast.iter_child_nodes(node):
            stack.append((child, depth + 1))


def _contains_pow(node: ast.AST) -> bool:
    return any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Pow) for n in ast.walk(node))


def parse(text: str, params: tuple[str, ...] = ()) -> Any:
    """The SymPy expression of ``text`` in ``x`` and ``params`` (ActlabError if invalid)."""
    stripped = _precheck(text)
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError as exc:
        col = f" at column {exc.offset}" if exc.offset else ""
        raise _err(f"syntax error{col} in {stripped!r}; {_HELP}") from None
    except (ValueError, RecursionError, MemoryError):
        raise _err(f"cannot parse {stripped[:40]!r}; {_HELP}") from None
    _check_tree(tree)
    sp = _sympy()
    x = sp.Symbol("x", real=True)
    names = {"x": x, "pi": sp.pi, "e": sp.E}
    names.update({p: sp.Symbol(p, real=True) for p in params})

    def cond(node: ast.AST) -> Any:
        if not isinstance(node, ast.Compare):
            raise _err("the condition of where/if-else must be one comparison, e.g. x > 0")
        left, right = build(node.left), build(node.comparators[0])
        op = type(node.ops[0])
        rel = {ast.Lt: sp.Lt, ast.LtE: sp.Le, ast.Gt: sp.Gt, ast.GtE: sp.Ge}[op]
        return rel(left, right)

    def choose(test: ast.AST, a: ast.AST, b: ast.AST) -> Any:
        c = cond(test)
        ea, eb = build(a), build(b)
        if c is sp.true:
            return ea
        if c is sp.false:
            return eb
        return sp.Piecewise((ea, c), (eb, True))

    def build(node: ast.AST) -> Any:
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, int):
                return sp.Integer(v)
            if not math.isfinite(v):
                raise _err(f"number {v!r} is not finite")
            return sp.Integer(int(v)) if v.is_integer() and abs(v) < 2**53 else sp.Float(v)
        if isinstance(node, ast.Name):
            if node.id in names:
                return names[node.id]
            if node.id in FUNCTIONS:
                raise _err(f"{node.id} is a function: write {node.id}(...)")
            declared = ", ".join(params) if params else "none"
            raise _err(
                f"unknown name {node.id!r} (parameters declared: {declared}; declare one as "
                f"NAME({node.id}=1.0)=EXPR); {_HELP}"
            )
        if isinstance(node, ast.UnaryOp):
            v = build(node.operand)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.BinOp):
            op = type(node.op)
            if op is ast.Pow:
                if _contains_pow(node.right):
                    raise _err("the exponent of ** may not contain another ** "
                               "(towers like x**x**x are not allowed)")
                base, expo = build(node.left), build(node.right)
                if expo.is_Number and abs(float(expo)) > MAX_EXPONENT:
                    raise _err(f"exponent {expo} is too large (at most {MAX_EXPONENT})")
                if expo.has(x) and base.has(x):
                    raise _err("x may not appear in both base and exponent of **")
                return base**expo
            left, right = build(node.left), build(node.right)
            if op is ast.Add:
                return left + right
            if op is ast.Sub:
                return left - right
            if op is ast.Mult:
                return left * right
            if right == 0:
                raise _err("division by zero")
            return left / right
        if isinstance(node, ast.IfExp):
            return choose(node.test, node.body, node.orelse)
        if isinstance(node, ast.Call):
            fname = node.func.id  # type: ignore[attr-defined]  # checked by _check_tree
            if fname == "where":
                return choose(*node.args)
            return _FUNCS[fname](*(build(a) for a in node.args))
        if isinstance(node, ast.Compare):
            raise _err("a comparison is only allowed as the condition of where/if-else")
        raise _err(f"{type(node).__name__} is not allowed; {_HELP}")  # pragma: no cover

    expr = build(tree.body)
    if not getattr(expr, "is_Atom", False) and not hasattr(expr, "free_symbols"):
        raise _err("not an expression")  # pragma: no cover
    return expr


# --------------------------------------------------------------------------- derivative
def derivative(expr: Any) -> Any:
    """d expr / dx with the registry's kink convention (see the module docstring)."""
    sp = _sympy()
    x = sp.Symbol("x", real=True)
    d = sp.diff(expr, x)
    return d.replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.Integer(0))


# --------------------------------------------------------------------------- evaluation
def _sigmoid(u: np.ndarray) -> np.ndarray:
    return np.exp(np.minimum(u, 0.0)) / (1.0 + np.exp(-np.abs(u)))


def _softplus(u: np.ndarray) -> np.ndarray:
    return np.maximum(u, 0.0) + np.log1p(np.exp(-np.abs(u)))


def _erf(u: np.ndarray) -> np.ndarray:
    """erf(u): a Taylor series for |u| < 0.5, 1 - erfc(|u|) (the registry's) beyond."""
    from actlab.activations import _erfc

    u = np.asarray(u, dtype=np.float64)
    a = np.abs(u)
    small = np.minimum(a, 0.5)
    s2 = small * small
    term, total = small.copy(), small.copy()
    for n in range(1, 14):
        term = term * -s2 / n
        total = total + term / (2 * n + 1)
    series = 2.0 / math.sqrt(math.pi) * total
    big = 1.0 - _erfc(np.maximum(a, 0.5))
    return np.copysign(np.where(a < 0.5, series, big), u)


def _numpy(source: str, params: tuple[str, ...]) -> tuple[Callable, Callable]:
    """NumPy ``f`` and ``f'`` generated from a definition (the one mechanism of codegen)."""
    from actlab import codegen

    return codegen.numpy_functions(codegen.parse(source, params))


# --------------------------------------------------------------------------- definitions
@dataclass(frozen=True, eq=False)
class Formula:
    """A parsed formula: ``f`` and ``f'`` (SymPy) with NumPy programs for both."""

    name: str
    text: str
    defaults: tuple[tuple[str, float], ...]
    f: Any
    df: Any
    source: str  # the definition (actlab.codegen) that NumPy and kernel code come from
    program: Callable[..., np.ndarray]
    dprogram: Callable[..., np.ndarray]
    switches: tuple[Callable[..., np.ndarray], ...]

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(p for p, _ in self.defaults)

    @property
    def definition(self) -> str:
        """``name(p=1)=expr``: the text ``--formula`` and the run's URL carry."""
        if not self.defaults:
            return f"{self.name}={self.text}"
        inner = ",".join(f"{p}={v!r}" for p, v in self.defaults)
        return f"{self.name}({inner})={self.text}"

    @property
    def digest(self) -> str:
        """SHA-256 of :attr:`definition` (names compiled code on disk)."""
        return hashlib.sha256(self.definition.encode()).hexdigest()

    def kinks(self, **params: float) -> tuple[float, ...]:  # noqa: C901
        """Points in [-20, 20] where a max/min/abs/where switches (f' may jump there)."""
        grid = np.linspace(-20.0, 20.0, 4001)
        found: list[float] = []
        for s in self.switches:
            v = s(grid, **params)
            for i in np.nonzero(np.sign(v[:-1]) != np.sign(v[1:]))[0]:
                lo, hi = grid[i], grid[i + 1]
                if v[i] == 0:
                    found.append(float(lo))
                    continue
                slo = np.sign(v[i])
                for _ in range(60):
                    mid = 0.5 * (lo + hi)
                    if np.sign(s(np.array([mid]), **params)[0]) == slo:
                        lo = mid
                    else:
                        hi = mid
                found.append(float(hi if s(np.array([hi]), **params)[0] == 0 else lo))
        return tuple(sorted(set(round(k, 12) + 0.0 for k in found)))


def _switches(expr: Any, params: tuple[str, ...]) -> tuple[Callable[..., np.ndarray], ...]:
    """Functions of x whose sign change marks a kink: max/min/abs arguments, conditions."""
    sp = _sympy()
    out = []
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Max | sp.Min) and len(node.args) == 2:
            out.append(node.args[0] - node.args[1])
        elif isinstance(node, sp.Abs | sp.Heaviside | sp.sign):
            out.append(node.args[0])
        elif isinstance(node, sp.core.relational.Relational):
            out.append(node.lhs - node.rhs)
    x = sp.Symbol("x", real=True)
    return tuple(_numpy(f"f = {_text(s)}\ndf = 0\n", params)[0] for s in out if s.has(x))


def parse_definition(text: str) -> tuple[str, str, dict[str, float]]:
    """``'NAME(p=1.0)=EXPR'`` → ``(NAME, EXPR, {'p': 1.0})`` (what ``--formula`` takes)."""
    if not isinstance(text, str):
        raise _err(f"a definition must be a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH + 200:
        raise _err(f"definition too long ({len(text)} characters)")
    m = _DEFINITION.fullmatch(text)
    if m is None:
        raise _err(f"expected NAME=EXPR or NAME(p=1.0)=EXPR, got {text[:60]!r}")
    name, inner, expr = m.group(1), m.group(2), m.group(3)
    defaults: dict[str, float] = {}
    if inner is not None and inner.strip():
        for item in inner.split(","):
            key, eq, value = item.partition("=")
            key = key.strip()
            if not eq or not key:
                raise _err(f"parameters look like NAME(p=1.0, q=2)=EXPR, got {item.strip()!r}")
            try:
                number = float(value)
            except ValueError:
                raise _err(f"parameter {key} must be a number, got {value.strip()!r}") from None
            if key in defaults:
                raise _err(f"parameter {key!r} declared twice")
            defaults[key] = number
    return name, expr.strip(), defaults


def compile_formula(name: str, text: str, defaults: Mapping[str, Any]) -> Formula:
    """Parse, differentiate and validate a formula (warnings: :class:`FormulaWarning`)."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise _err(f"name must be lower-case letters, digits and _ (at most 32, starting "
                   f"with a letter), got {name!r}")
    if len(defaults) > MAX_PARAMS:
        raise _err(f"at most {MAX_PARAMS} parameters, got {len(defaults)}")
    clean: dict[str, float] = {}
    for p, v in defaults.items():
        if not isinstance(p, str) or not _NAME.fullmatch(p) or p in FUNCTIONS \
                or p in CONSTANTS or p in ("x", "f", "df"):
            raise _err(f"bad parameter name {p!r}: lower-case letters, digits and _, not x, "
                       "f, df, pi, e or a function name")
        if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating) \
                or not math.isfinite(float(v)):
            raise _err(f"parameter {p} must have a finite number as default, got {v!r}")
        clean[p] = float(v)
    params = tuple(clean)
    f = parse(text, params)
    sp = _sympy()
    x = sp.Symbol("x", real=True)
    used = {s.name for s in f.free_symbols}
    unused = [p for p in params if p not in used]
    if unused:
        raise _err(f"parameter {unused[0]!r} is declared but not used in {text.strip()!r}")
    if not f.has(x):
        raise _err(f"{text.strip()!r} does not depend on x")
    df = derivative(f)
    source = to_definition(f, df)
    fn, dfn = _numpy(source, params)
    formula = Formula(
        name=name, text=_precheck(text), defaults=tuple(clean.items()), f=f, df=df,
        source=source, program=fn, dprogram=dfn,
        switches=_switches(f, params) + _switches(df, params),
    )
    problem = check_values(formula, clean)
    if problem:
        raise _err(f"{name}: {problem}")
    _check_derivative(formula, clean)
    _warn_about(formula, clean)
    return formula


def check_values(formula: Formula, params: Mapping[str, float]) -> str | None:
    """Why f or f' is unusable with ``params`` (not finite on [-10, 10]), or None."""
    for label, prog in (("f(x)", formula.program), ("f'(x)", formula.dprogram)):
        v = prog(_GRID, **params)
        bad = ~np.isfinite(v)
        if bad.any():
            at = _GRID[np.argmax(bad)]
            return (f"{label} is not finite at x = {at:g} (a formula must be defined for "
                    "every input in [-10, 10]; e.g. log(1 + x*x), not log(x))")
    return None


def _check_derivative(formula: Formula, params: Mapping[str, float]) -> None:
    """f' against central differences, away from kinks (a self-check of diff + convention)."""
    h = 1e-5
    xs = np.linspace(-9.87, 9.91, 397)
    near = np.zeros(xs.shape, dtype=bool)
    for s in formula.switches:
        lo, hi, mid = s(xs - 2 * h, **params), s(xs + 2 * h, **params), s(xs, **params)
        near |= (np.sign(lo) != np.sign(hi)) | (np.sign(mid) != np.sign(lo)) | (mid == 0)
    f = formula.program
    fd = (f(xs + h, **params) - f(xs - h, **params)) / (2 * h)
    exact = formula.dprogram(xs, **params)
    scale = np.maximum(1.0, np.maximum(np.abs(exact), np.abs(f(xs, **params))))
    bad = (np.abs(fd - exact) > 1e-5 * scale) & ~near
    if bad.any():  # pragma: no cover - a bug in diff or in the kink convention
        at = xs[np.argmax(bad)]
        raise _err(f"{formula.name}: derivative check failed at x = {at:g} "
                   f"(f' = {exact[np.argmax(bad)]:g}, finite difference {fd[np.argmax(bad)]:g})")


def _warn_about(formula: Formula, params: Mapping[str, float]) -> None:
    sp = _sympy()
    d = formula.dprogram(_GRID, **params)
    if np.mean(np.abs(d) <= 1e-12) >= 0.99:
        warnings.warn(
            f"{formula.name}: f'(x) is 0 almost everywhere (a step): gradient descent "
            "cannot learn through it", FormulaWarning, stacklevel=3,
        )
    wide = np.array([-1e10, -1e5, -1e3, -1e2, 1e2, 1e3, 1e5, 1e10])
    values = np.concatenate([formula.program(wide, **params), formula.dprogram(wide, **params)])
    if np.isfinite(values).all():
        return
    hint = ""
    for node in sp.preorder_traversal(formula.f):
        if isinstance(node, sp.log) and node.args[0].has(sp.exp):
            hint = "; use softplus(u) for log(1 + exp(u)) (the stable built-in 'softplus')"
            break
        if isinstance(node, sp.Pow) and node.args[1] == -1 and node.args[0].has(sp.exp):
            hint = "; use sigmoid(u) for 1/(1 + exp(-u)) (the stable built-in 'sigmoid')"
            break
    bad = wide[~np.isfinite(values[:8]) | ~np.isfinite(values[8:])]
    warnings.warn(
        f"{formula.name}: overflows to inf/NaN for large inputs (x = {bad[0]:g}){hint}",
        FormulaWarning, stacklevel=3,
    )


def latex(expr: Any) -> str:
    """LaTeX of a formula expression."""
    return _sympy().latex(expr)


# --------------------------------------------------------------------------- to definitions
def to_definition(f: Any, df: Any) -> str:
    """``f`` and ``f'`` as a definition of :mod:`actlab.codegen` (shared terms named once).

    The kink convention is spelled out here: ``Heaviside(u)`` becomes
    ``where(u > 0, 1, 0)``, ``sign(u)`` ``where(u > 0, 1, where(u < 0, -1, 0))``.
    """
    sp = _sympy()
    replacements, (fr, dfr) = sp.cse([f, df], symbols=sp.numbered_symbols("_c"))
    conditions: dict[Any, Any] = {}  # shared conditions go back inline (no boolean names)
    kept = []
    for sym, value in replacements:
        value = value.xreplace(conditions)
        if isinstance(value, sp.core.relational.Relational | sp.And | sp.Or | sp.Not):
            conditions[sym] = value
        else:
            kept.append((sym, value))
    fr, dfr = fr.xreplace(conditions), dfr.xreplace(conditions)
    lines = [f"{sym.name} = {_text(value)}" for sym, value in kept]
    lines += [f"f = {_text(fr)}", f"df = {_text(dfr)}"]
    return "\n".join(lines) + "\n"


def _text(e: Any) -> str:  # noqa: C901 - one case per SymPy node kind
    sp = _sympy()
    if e.is_Symbol:
        return e.name
    if e.is_Number or isinstance(e, sp.NumberSymbol):
        v = float(e)
        if not math.isfinite(v):
            raise _err(f"the formula simplifies to a non-finite constant ({e})")
        return repr(v)
    if isinstance(e, sp.Add):
        return "(" + " + ".join(_text(a) for a in e.args) + ")"
    if isinstance(e, sp.Mul):
        return "(" + " * ".join(_text(a) for a in e.args) + ")"
    if isinstance(e, sp.Pow):
        base, ex = e.args
        b = _text(base)
        if ex == sp.S.Half:
            return f"sqrt({b})"
        if ex == -sp.S.Half:
            return f"(1 / sqrt({b}))"
        if ex.is_Integer and int(ex) < 0:
            return f"(1 / ({b} ** {-int(ex)}))" if ex != -1 else f"(1 / {b})"
        if ex.is_Integer:
            return f"({b} ** {int(ex)})"
        return f"({b} ** {_text(ex)})"
    names = {sp.exp: "exp", sp.log: "log", sp.Abs: "abs", sp.sin: "sin", sp.cos: "cos",
             sp.tanh: "tanh", sp.erf: "erf", _FUNCS["sigmoid"]: "sigmoid",
             _FUNCS["softplus"]: "softplus", _FUNCS["log1p"]: "log1p"}
    if e.func in names:
        return f"{names[e.func]}({_text(e.args[0])})"
    if isinstance(e, sp.Max | sp.Min):
        fn = "max" if isinstance(e, sp.Max) else "min"
        out = _text(e.args[-1])
        for a in reversed(e.args[:-1]):
            out = f"{fn}({_text(a)}, {out})"
        return out
    if isinstance(e, sp.Heaviside):
        return f"where({_text(e.args[0])} > 0, 1, 0)"
    if isinstance(e, sp.sign):
        u = _text(e.args[0])
        return f"where({u} > 0, 1, where({u} < 0, -1, 0))"
    if isinstance(e, sp.Piecewise):
        value, cond = e.args[-1]
        if cond is not sp.true:
            raise _err("a where/if-else without an else branch cannot be compiled")
        out = _text(value)
        for value, cond in reversed(e.args[:-1]):
            out = _choose(cond, _text(value), out)
        return out
    raise _err(f"cannot compile {e.func.__name__}")


def _choose(cond: Any, a: str, b: str) -> str:
    """``where`` chains for a SymPy condition (one comparison, or and/or/not of them)."""
    sp = _sympy()
    if cond is sp.true:
        return a
    if cond is sp.false:
        return b
    if isinstance(cond, sp.And):
        first, *rest = cond.args
        return _choose(first, _choose(sp.And(*rest), a, b), b)
    if isinstance(cond, sp.Or):
        first, *rest = cond.args
        return _choose(first, a, _choose(sp.Or(*rest), a, b))
    if isinstance(cond, sp.Not):
        return _choose(cond.args[0], b, a)
    if isinstance(cond, sp.core.relational.Relational):
        lhs, rhs, op = _text(cond.lhs), _text(cond.rhs), cond.rel_op
        if op in (">", ">=", "<", "<="):
            return f"where({lhs} {op} {rhs}, {a}, {b})"
        if op == "==":
            return f"where({lhs} >= {rhs}, where({lhs} <= {rhs}, {a}, {b}), {b})"
        if op == "!=":
            return f"where({lhs} >= {rhs}, where({lhs} <= {rhs}, {b}, {a}), {a})"
    raise _err(f"cannot compile the condition {cond}")
