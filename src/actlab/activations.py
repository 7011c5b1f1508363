r"""The registry of activation functions: the single source of truth for value and derivative.

Every entry defines, in one place, ``f`` and its closed-form derivative with respect to
``x`` as a short definition in the expression language of :mod:`actlab.codegen` (from which
the vectorised NumPy functions here and the fused kernel's code are generated), its
parameters (defaults and allowed range), LaTeX for ``f`` and
``f'``, the output range and a few flags. Names and parameters follow
``torch.nn.functional``; at kinks the derivative is the value PyTorch autograd returns.

>>> import numpy as np
>>> from actlab import activations
>>> act = activations.get("leaky_relu", negative_slope=0.05)
>>> act(np.array([-2.0, 3.0])), act.derivative(np.array([-2.0, 3.0]))
(array([-0.1,  3. ]), array([0.05, 1.  ]))
>>> activations.sigmoid(0.0)
np.float64(0.5)

Numerics: any shape; float32 stays float32, float64 stays float64, other float dtypes
are computed in float64 and cast back, integers/bools/Python numbers give float64. The
formulas are written to be stable for every input: ``±inf`` and ``±1e300`` give the
mathematical limit without NumPy warnings, NaN gives NaN (for the derivative too).
Inputs of more than :data:`BLOCK` values are evaluated block by block, so the memory
needed beyond the result is a few MiB whatever the input's size (the same bits).
"""

from __future__ import annotations

import difflib
import functools
import inspect
import math
import numbers
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from actlab.errors import ActlabError

__all__ = [
    "Activation",
    "Param",
    "Spec",
    "get",
    "names",
    "spec",
    "aliases",
    "parse_param",
    "parse_param_assignments",
    "define",
    "define_text",
    "define_all",
    "undefine",
    "formulas",
]

ParamValue = float | str
Kernel = Callable[..., np.ndarray]
Resolvable = Any  # a value, or a callable taking the parameters as keywords


# --------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class Param:
    """One parameter of an activation: default, allowed range (or choices), meaning."""

    name: str = ""
    default: ParamValue = 0.0
    low: float = -math.inf
    high: float = math.inf
    low_open: bool = True
    high_open: bool = True
    choices: tuple[str, ...] = ()
    doc: str = ""

    def describe(self) -> str:
        """The allowed values in words, e.g. ``a finite number > 0``."""
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        lo, hi = math.isfinite(self.low), math.isfinite(self.high)
        if lo and hi:
            left, right = "(" if self.low_open else "[", ")" if self.high_open else "]"
            return f"a finite number in {left}{_num(self.low)}, {_num(self.high)}{right}"
        if lo:
            return f"a finite number {'>' if self.low_open else '>='} {_num(self.low)}"
        if hi:
            return f"a finite number {'<' if self.high_open else '<='} {_num(self.high)}"
        return "a finite number"

    def validate(self, value: object, owner: str, shown: str | None = None) -> ParamValue:
        """Return ``value`` normalised (``float`` or choice string) or raise ActlabError.

        ``shown`` is how the value appears in the error message (default: its repr).
        """
        got = repr(value) if shown is None else shown
        bad = ActlabError(f"{owner}: {self.name} must be {self.describe()}, got {got}")
        if self.choices:
            if not isinstance(value, str) or value not in self.choices:
                raise bad
            return value
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise bad
        v = float(value)
        ok = (
            math.isfinite(v)
            and (v > self.low if self.low_open else v >= self.low)
            and (v < self.high if self.high_open else v <= self.high)
        )
        if not ok:
            raise bad
        return v

    def parse(self, text: str, owner: str) -> ParamValue:
        """Parse a command-line/URL string (``"0.05"``, ``"tanh"``) and validate it."""
        text = text.strip()
        if self.choices:
            return self.validate(text.strip("'\""), owner, repr(text))
        try:  # ASCII decimal only: float() would also read "٣" and "1_0"
            value: object = float(text) if text.isascii() and "_" not in text else text
        except ValueError:
            value = text
        shown = text if isinstance(value, float) else repr(text)
        return self.validate(value, owner, shown if len(shown) <= 40 else shown[:37] + "...")

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "default": self.default, "doc": self.doc}
        if self.choices:
            d["choices"] = list(self.choices)
        else:
            d.update(low=self.low, high=self.high, low_open=self.low_open,
                     high_open=self.high_open)
        d["allowed"] = self.describe()
        return d


def _num(v: float) -> str:
    return f"{v:g}"


def _range(low: float = -math.inf, high: float = math.inf, *, low_open: bool = True,
           high_open: bool = True, doc: str = "") -> Param:
    return Param(low=low, high=high, low_open=low_open, high_open=high_open, doc=doc)


def _choice(*choices: str, doc: str = "") -> Param:
    return Param(choices=choices, doc=doc)


# --------------------------------------------------------------------------- spec & activation


@dataclass(frozen=True, eq=False)
class Spec:
    """A registry entry, without parameter values: what menus and docs read.

    ``output_range``, ``monotonic``, ``smooth`` and ``kinks`` may depend on the
    parameters; use :meth:`Activation.output_range` etc. for the resolved values, or
    :meth:`resolve` with explicit parameters.
    """

    name: str
    fn: Kernel
    derivative: Kernel
    params: tuple[Param, ...]
    latex: str
    latex_derivative: str
    output_range: Resolvable
    monotonic: Resolvable
    smooth: Resolvable
    kinks: Resolvable = ()
    param_sets: tuple[dict[str, ParamValue], ...] = ({},)
    aliases: tuple[str, ...] = ()
    check: Callable[..., str | None] | None = None
    doc: str = field(default="", repr=False)
    formula: Any = field(default=None, repr=False)  # actlab.formula.Formula for formulas
    #: The definition (actlab.codegen) f and f' are generated from; for an entry with a
    #: choice parameter (gelu's ``approximate``) a mapping choice → definition.
    source: str | Mapping[str, str] = field(default="", repr=False)

    def kernel_definition(self, params: Mapping[str, ParamValue] | None = None) -> Any:
        """The parsed definition (:class:`actlab.codegen.Definition`) for ``params``."""
        values = {**self.defaults, **(params or {})}
        return _definitions(self)[_choice_key(self, values)]

    @property
    def definition(self) -> str | None:
        """``name(p=1)=expr`` for a formula activation (what replays it), else None."""
        return None if self.formula is None else self.formula.definition

    @property
    def summary(self) -> str:
        """First line of the docstring."""
        return self.doc.split("\n", 1)[0]

    @property
    def defaults(self) -> dict[str, ParamValue]:
        return {p.name: p.default for p in self.params}

    def resolve(self, attr: str, params: Mapping[str, ParamValue] | None = None) -> Any:
        """Value of a possibly parameter-dependent attribute (``output_range``, ...)."""
        value = getattr(self, attr)
        return value(**{**self.defaults, **(params or {})}) if callable(value) else value

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly description (defaults resolved) for menus and the web UI."""
        lo, hi = self.resolve("output_range")
        return {
            "name": self.name,
            "aliases": list(self.aliases),
            "summary": self.summary,
            "doc": self.doc,
            "params": [p.to_dict() for p in self.params],
            "latex": self.latex,
            "latex_derivative": self.latex_derivative,
            "output_range": [lo, hi],
            "monotonic": self.resolve("monotonic"),
            "smooth": self.resolve("smooth"),
            "bounded_below": math.isfinite(lo),
            "bounded_above": math.isfinite(hi),
            "formula": self.definition,
        }


@dataclass(frozen=True, repr=False)
class Activation:
    """An activation with its parameter values fixed: ``act(x)``, ``act.derivative(x)``.

    Immutable and hashable; build it with :func:`get`.
    """

    spec: Spec
    param_items: tuple[tuple[str, ParamValue], ...] = ()

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def params(self) -> dict[str, ParamValue]:
        """All parameter values, defaults included."""
        return dict(self.param_items)

    def __call__(self, x: Any) -> Any:
        """``f(x)`` elementwise."""
        return _apply(self.spec.fn, x, self.param_items, derivative=False)

    def derivative(self, x: Any) -> Any:
        """``f'(x)`` elementwise (closed form; the autograd value at kinks)."""
        return _apply(self.spec.derivative, x, self.param_items, derivative=True)

    @property
    def label(self) -> str:
        """``leaky_relu(negative_slope=0.05)``, or just ``relu`` without parameters."""
        if not self.param_items:
            return self.name
        inner = ", ".join(
            f"{k}={v!r}" if isinstance(v, str) else f"{k}={v:g}" for k, v in self.param_items
        )
        return f"{self.name}({inner})"

    def __repr__(self) -> str:
        return f"Activation({self.label})"

    @property
    def latex(self) -> str:
        return self.spec.latex

    @property
    def latex_derivative(self) -> str:
        return self.spec.latex_derivative

    @property
    def output_range(self) -> tuple[float, float]:
        """``(min, max)`` of the outputs over ℝ (infimum/supremum; may be ±inf)."""
        lo, hi = self.spec.resolve("output_range", self.params)
        return float(lo), float(hi)

    @property
    def monotonic(self) -> bool:
        """Non-decreasing on ℝ."""
        return bool(self.spec.resolve("monotonic", self.params))

    @property
    def smooth(self) -> bool:
        """Continuously differentiable (C¹) on ℝ."""
        return bool(self.spec.resolve("smooth", self.params))

    @property
    def bounded_below(self) -> bool:
        return math.isfinite(self.output_range[0])

    @property
    def bounded_above(self) -> bool:
        return math.isfinite(self.output_range[1])

    @property
    def kinks(self) -> tuple[float, ...]:
        """Points where f is not twice differentiable: f' jumps or has a corner there.

        Also softplus's switch to the identity at ``threshold / beta``. Tests exclude
        them from finite differences and check the autograd value exactly there.
        """
        return tuple(float(k) for k in self.spec.resolve("kinks", self.params))


#: Inputs larger than this many values are evaluated block by block: a definition's
#: temporaries (gelu's erf needs ~8 arrays of the input's size) then take a few MiB, not
#: several times the input. Every entry is elementwise, so the values are the same bits.
#: 2**16 float64 values = 512 KiB, a multiple of 64 bytes (blocks keep the input's
#: alignment) that stays in the CPU's cache.
BLOCK = 1 << 16


def _apply(fn: Kernel, x: Any, items: tuple, *, derivative: bool) -> Any:
    a = np.asarray(x)
    if a.dtype.kind not in "fiub":
        raise ActlabError(f"activation input must be real numbers, got dtype {a.dtype}")
    dtype = a.dtype if a.dtype in (np.float32, np.float64) else None
    work = np.dtype(np.float64) if dtype is None else dtype
    given = a.dtype
    kw = dict(items)
    scalar = a.ndim == 0
    if a.size <= BLOCK:
        a = a.astype(work, copy=False).reshape(1) if scalar else a.astype(work, copy=False)
        out = np.asarray(fn(a, **kw), dtype=work)
        if derivative:  # piecewise derivatives built from comparisons would turn NaN into 0/1
            np.copyto(out, a, where=np.isnan(a))
    else:  # the output plus one block's temporaries (a copy too if x is not C-contiguous)
        src = a.reshape(-1)
        out = np.empty(a.shape, dtype=work)
        flat = out.reshape(-1)
        for start in range(0, src.size, BLOCK):
            part = src[start:start + BLOCK].astype(work, copy=False)
            dest = flat[start:start + BLOCK]
            dest[...] = fn(part, **kw)
            if derivative:
                np.copyto(dest, part, where=np.isnan(part))
    if given.kind == "f" and dtype is None:  # float16, longdouble
        out = out.astype(given)
    return out.reshape(())[()] if scalar else out


# --------------------------------------------------------------------------- registry

_REGISTRY: dict[str, Spec] = {}
_ALIASES: dict[str, str] = {}


def _entry(
    *,
    source: str | Mapping[str, str],
    latex: str,
    latex_derivative: str,
    output_range: Resolvable,
    monotonic: Resolvable,
    smooth: Resolvable,
    params: Mapping[str, Param] | None = None,
    kinks: Resolvable = (),
    param_sets: tuple[dict[str, ParamValue], ...] = ({},),
    aliases: tuple[str, ...] = (),
    check: Callable[..., str | None] | None = None,
) -> Callable[[Kernel], Callable[..., Any]]:
    """Register an activation defined by ``source`` (f and f' in :mod:`actlab.codegen`'s
    language; the NumPy functions and the kernel's code are generated from it). The
    decorated function gives the name, the parameters (its keyword defaults) and the docs.

    Returns the public, validated function ``name(x, **params)``.
    """

    def wrap(fn: Kernel) -> Callable[..., Any]:
        sig = inspect.signature(fn)
        declared = dict(params or {})
        plist = []
        for pname, p in list(sig.parameters.items())[1:]:
            plist.append(replace(declared.pop(pname), name=pname, default=p.default))
        assert not declared, f"{fn.__name__}: params without kernel argument: {declared}"
        value, derivative = _generated(fn.__name__, source, tuple(plist))
        s = Spec(
            name=fn.__name__, fn=value, derivative=derivative, params=tuple(plist),
            latex=latex, latex_derivative=latex_derivative, output_range=output_range,
            monotonic=monotonic, smooth=smooth, kinks=kinks, param_sets=param_sets,
            aliases=aliases, check=check, doc=inspect.cleandoc(fn.__doc__ or ""),
            source=source,
        )
        _REGISTRY[s.name] = s
        _ALIASES.update({a: s.name for a in aliases})

        @functools.wraps(fn)
        def public(x: Any, **kw: ParamValue) -> Any:
            return get(s.name, **kw)(x)

        return public

    return wrap


def _choice_key(s: Spec, values: Mapping[str, ParamValue]) -> str:
    """Which definition of ``s`` applies: its choice parameter's value, or '' if none."""
    choice = [p.name for p in s.params if p.choices]
    return str(values[choice[0]]) if choice and not isinstance(s.source, str) else ""


_DEFINITIONS: dict[str, dict[str, Any]] = {}


def _definitions(s: Spec) -> dict[str, Any]:
    """``s``'s parsed definitions by choice key (parsed once)."""
    from actlab import codegen

    key = s.name if s.formula is None else f"{s.name}:{s.formula.digest}"
    if key not in _DEFINITIONS:
        numeric = tuple(p.name for p in s.params if not p.choices)
        sources = {"": s.source} if isinstance(s.source, str) else dict(s.source)
        _DEFINITIONS[key] = {k: codegen.parse(v, numeric) for k, v in sources.items()}
    return _DEFINITIONS[key]


def _generated(name: str, source: str | Mapping[str, str],
               plist: tuple[Param, ...]) -> tuple[Kernel, Kernel]:
    """The NumPy ``f`` and ``f'`` generated from ``source`` (dispatching on a choice
    parameter when ``source`` maps choices to definitions)."""
    from actlab import codegen

    numeric = tuple(p.name for p in plist if not p.choices)
    if isinstance(source, str):
        return codegen.numpy_functions(codegen.parse(source, numeric))
    choice = next(p.name for p in plist if p.choices)
    table = {k: codegen.numpy_functions(codegen.parse(v, numeric)) for k, v in source.items()}

    def value(x: np.ndarray, **kw: ParamValue) -> np.ndarray:
        return table[str(kw.pop(choice))][0](x, **kw)

    def derivative(x: np.ndarray, **kw: ParamValue) -> np.ndarray:
        return table[str(kw.pop(choice))][1](x, **kw)

    value.__name__, derivative.__name__ = name, f"d_{name}"
    return value, derivative


def names() -> list[str]:
    """Canonical names, in registry order (aliases excluded)."""
    return list(_REGISTRY)


def aliases() -> dict[str, str]:
    """Alias → canonical name, e.g. ``{'swish': 'silu'}``."""
    return dict(_ALIASES)


def spec(name: str) -> Spec:
    """The registry entry for ``name`` (aliases resolve); ActlabError if unknown."""
    key = name.strip().lower() if isinstance(name, str) else name
    if isinstance(key, str):
        key = _ALIASES.get(key, key)
        if key in _REGISTRY:
            return _REGISTRY[key]
    known = list(_REGISTRY) + list(_ALIASES)
    close = difflib.get_close_matches(str(key), known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ActlabError(f"unknown activation {name!r}{hint} (known: {', '.join(_REGISTRY)})")


def get(name: str, **params: Any) -> Activation:
    """The activation ``name`` with ``params`` validated and defaults filled in.

    >>> get("elu", alpha=0.5).params
    {'alpha': 0.5}
    """
    s = spec(name)
    allowed = {p.name: p for p in s.params}
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        if not allowed:
            raise ActlabError(f"{s.name} takes no parameters, got {', '.join(unknown)}")
        raise ActlabError(
            f"{s.name}: unknown parameter {unknown[0]!r}; allowed: {', '.join(allowed)}"
        )
    values = {
        p.name: p.validate(params[p.name], s.name) if p.name in params else p.default
        for p in s.params
    }
    if s.check is not None and (problem := s.check(**values)):
        raise ActlabError(f"{s.name}: {problem}")
    return Activation(s, tuple(values.items()))


def parse_param(name: str, key: str, text: str) -> ParamValue:
    """Parse one textual parameter value (CLI ``--param NAME.KEY=VALUE``, URLs)."""
    s = spec(name)
    for p in s.params:
        if p.name == key:
            return p.parse(text, s.name)
    if not s.params:
        raise ActlabError(f"{s.name} takes no parameters, got {key!r}")
    allowed = ", ".join(p.name for p in s.params)
    raise ActlabError(f"{s.name}: unknown parameter {key!r}; allowed: {allowed}")


def parse_param_assignments(items: Iterable[str]) -> dict[str, dict[str, ParamValue]]:
    """``["leaky_relu.negative_slope=0.05", ...]`` → ``{"leaky_relu": {"negative_slope": 0.05}}``.

    Names are canonical (aliases resolve); each value is parsed and validated.
    """
    out: dict[str, dict[str, ParamValue]] = {}
    for item in items:
        target, eq, text = item.partition("=")
        name, dot, key = target.strip().rpartition(".")
        if not (eq and dot and name and key and text.strip()):
            raise ActlabError(
                f"bad parameter setting {item!r}; expected NAME.KEY=VALUE, "
                "e.g. leaky_relu.negative_slope=0.05"
            )
        canonical = spec(name).name
        out.setdefault(canonical, {})[key.strip()] = parse_param(canonical, key.strip(), text)
    return out


# --------------------------------------------------------------------------- formulas


def define(name: str, formula: str, **param_defaults: float) -> Spec:
    """Register a formula activation; afterwards ``get(name, **params)`` works everywhere.

    >>> spec_ = define("swish_b", "x*sigmoid(beta*x)", beta=1.0)
    >>> float(get("swish_b", beta=1.5).derivative(0.0))
    0.5
    >>> undefine("swish_b")

    ``formula`` is an expression in ``x`` and the declared parameters over a fixed grammar
    (see :mod:`actlab.formula`; user text is never evaluated as code). ``f'`` is derived
    symbolically with the registry's kink convention and checked numerically. A formula
    whose ``f'`` is 0 almost everywhere, or that overflows for large inputs, is accepted
    with a :class:`~actlab.formula.FormulaWarning`. Re-defining a formula replaces it;
    built-in names cannot be redefined.
    """
    from actlab import formula as _formula

    if isinstance(name, str) and (name in _ALIASES or (
            name in _REGISTRY and _REGISTRY[name].formula is None)):
        raise ActlabError(f"formula: {name!r} is a built-in activation; choose another name")
    fm = _formula.compile_formula(name, formula, param_defaults)
    params = tuple(
        Param(name=p, default=v, doc=f"formula parameter (default {v:g})")
        for p, v in fm.defaults
    )
    defaults = dict(fm.defaults)

    def resolved(attr: str) -> Callable[..., Any]:
        def compute(**values: float) -> Any:
            return _formula_properties(fm, {**defaults, **values})[attr]
        return compute

    s = Spec(
        name=fm.name,
        fn=fm.program,
        derivative=fm.dprogram,
        params=params,
        latex=f"f(x) = {_formula.latex(fm.f)}",
        latex_derivative=f"f'(x) = {_formula.latex(fm.df)}",
        output_range=resolved("output_range"),
        monotonic=resolved("monotonic"),
        smooth=resolved("smooth"),
        kinks=lambda **values: fm.kinks(**{**defaults, **values}),
        check=lambda **values: _formula.check_values(fm, values),
        source=fm.source,
        doc=f"Formula activation: ``{fm.definition}``.\n\nDerivative (derived): "
            f"``{fm.df}``.",
        formula=fm,
    )
    _REGISTRY[s.name] = s
    return s


def define_text(text: str) -> Spec:
    """Define from ``'NAME=EXPR'`` or ``'NAME(p=1.0)=EXPR'`` (the CLI's ``--formula``)."""
    from actlab import formula as _formula

    name, expr, defaults = _formula.parse_definition(text)
    existing = _REGISTRY.get(name)
    if existing is not None and existing.formula is not None and \
            (existing.formula.text, dict(existing.formula.defaults)) == (expr, defaults):
        return existing  # the same definition again (a replayed URL): nothing to redo
    return define(name, expr, **defaults)


def define_all(definitions: Mapping[str, Any] | Iterable[str]) -> list[Spec]:
    """Define several formulas: ``{"swish_b": "x*sigmoid(beta*x)"}``, with parameters
    ``{"swish_b": {"formula": "x*sigmoid(beta*x)", "beta": 1.0}}``, or a list of
    ``'NAME(p=1)=EXPR'`` texts (a spec file's ``[formulas]`` table, ``--formula`` options).
    """
    if isinstance(definitions, str):
        definitions = [definitions]
    if not isinstance(definitions, Mapping):
        return [define_text(t) for t in definitions]
    out = []
    for name, value in definitions.items():
        if isinstance(value, str):
            out.append(define(name, value))
        elif isinstance(value, Mapping) and isinstance(value.get("formula"), str):
            extra = {k: v for k, v in value.items() if k != "formula"}
            out.append(define(name, value["formula"], **extra))
        else:
            raise ActlabError(
                f"formula {name!r}: expected a formula string or a table with 'formula' and "
                f"parameter defaults, got {value!r}"
            )
    return out


def undefine(name: str) -> None:
    """Remove a formula activation (built-ins cannot be removed)."""
    s = _REGISTRY.get(name)
    if s is None or s.formula is None:
        raise ActlabError(f"{name!r} is not a formula activation")
    del _REGISTRY[name]


def formulas() -> list[str]:
    """Names of the formula activations defined in this process."""
    return [n for n, s in _REGISTRY.items() if s.formula is not None]


@functools.lru_cache(maxsize=256)
def _formula_properties_cached(fm: Any, items: tuple) -> dict[str, Any]:
    params = dict(items)
    grid = np.concatenate([-np.logspace(6, -3, 300), [0.0], np.logspace(-3, 6, 300)])
    grid = np.union1d(grid, np.linspace(-20, 20, 4001))
    v = fm.program(grid, **params)
    ok = np.isfinite(v)
    grid, v = grid[ok], v[ok]
    lo, hi = _refine(fm, params, grid, v, np.argmin), _refine(fm, params, grid, v, np.argmax)
    # unbounded when the extreme is taken at the end of the grid and still moving
    if v[0] == lo and v[0] < v[30] - 1e-9 * abs(v[30]):
        lo = -math.inf
    if v[-1] == hi and v[-1] > v[-31] + 1e-9 * abs(v[-31]):
        hi = math.inf
    if not ok[0]:
        lo = -math.inf
    if not ok[-1]:
        hi = math.inf
    sp_mod = __import__("sympy")
    kinked = any(isinstance(n, sp_mod.Max | sp_mod.Min | sp_mod.Abs | sp_mod.Piecewise)
                 for n in sp_mod.preorder_traversal(fm.f))
    return {
        "output_range": (lo, hi),
        "monotonic": bool(np.all(np.diff(v) >= -1e-12 * np.maximum(1.0, np.abs(v[1:])))),
        "smooth": not kinked,
    }


def _refine(fm: Any, params: dict, grid: np.ndarray, v: np.ndarray, arg: Callable) -> float:
    """The min (``np.argmin``) or max of f: the grid's, refined by a ternary search."""
    i = int(arg(v))
    best = float(v[i])
    if 0 < i < len(v) - 1:
        a, b = float(grid[i - 1]), float(grid[i + 1])
        sign = 1.0 if arg is np.argmin else -1.0
        for _ in range(100):
            m1, m2 = a + (b - a) / 3, b - (b - a) / 3
            f1, f2 = fm.program(np.array([m1, m2]), **params) * sign
            if f1 < f2:
                b = m2
            else:
                a = m1
        found = float(fm.program(np.array([0.5 * (a + b)]), **params)[0])
        best = min(best, found) if arg is np.argmin else max(best, found)
    return best


def _formula_properties(fm: Any, params: Mapping[str, float]) -> dict[str, Any]:
    """Range, monotonicity and smoothness of a formula, measured on a wide grid."""
    return _formula_properties_cached(fm, tuple(sorted(params.items())))


# --------------------------------------------------------------------------- numerics helpers

_INF = math.inf
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_BIG = 800.0  # exp(-800) == 0 in float64/float32: clipping there changes no result


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) = e^{min(x,0)} / (1 + e^{-|x|}): never overflows, no branches. One ``exp``:
    for x <= 0 both exponents are x, for x > 0 the numerator is e^0 = 1 (same bits)."""
    q = np.exp(-np.abs(x))
    return np.where(x <= 0.0, q, 1.0) / (1.0 + q)


def _sigmoid_pair(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(σ(x), σ(-x)) = (σ(x), 1 - σ(x)), both to full relative precision."""
    d = 1.0 / (1.0 + np.exp(-np.abs(x)))
    return np.exp(np.minimum(x, 0.0)) * d, np.exp(-np.maximum(x, 0.0)) * d


def _softplus1(x: np.ndarray) -> np.ndarray:
    """log(1 + e^x) = max(x, 0) + log1p(e^{-|x|}): never overflows."""
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def _inside(x: np.ndarray, lo: float, hi: float, value: float = 1.0) -> np.ndarray:
    """``value`` on the open interval (lo, hi), 0 elsewhere (kinks included → 0)."""
    inside = ((x > lo) & (x < hi)).astype(x.dtype)
    return inside if value == 1.0 else inside * value


def _exp_sq(a: float) -> float:
    """exp(a²) without the rounding error of a*a (a = ah + rest, ah² exact)."""
    ah = round(a * 2**20) / 2**20
    return math.exp(ah * ah) * math.exp((a - ah) * (a + ah))


def _erfc_fit(degree: int = 24) -> tuple[float, ...]:
    r"""Power-series coefficients of ``q(s) = log(erfc(a) e^{a²} / t)``.

    Here ``t = 2/(2+a)`` and ``s = 2t - 1`` in [-1, 1].

    The change of variable ``t = 2/(2+a)`` makes one smooth expansion cover all
    ``a >= 0`` (as in Numerical Recipes' ``erfccheb``). The expansion is computed at import
    by Chebyshev interpolation of :func:`math.erfc` (its asymptotic series where ``erfc``
    underflows), so no magic constants; relative error of :func:`_erfc` < 5e-15 (tested).
    """

    def erfcx(a: float) -> float:
        if a < 6.0:
            return math.erfc(a) * _exp_sq(a)
        total, term, k = 1.0, 1.0, 1
        while True:  # asymptotic series, summed to its smallest term (< 1e-16 here)
            nxt = -term * (2 * k - 1) / (2 * a * a)
            if abs(nxt) >= abs(term) or abs(nxt) < 1e-18:
                break
            total, term, k = total + nxt, nxt, k + 1
        return total / (a * math.sqrt(math.pi))

    def q(s: np.ndarray) -> np.ndarray:
        t = (s + 1.0) / 2.0
        return np.array([math.log(erfcx(2.0 / ti - 2.0) / ti) for ti in t])

    cheb = np.polynomial.Chebyshev.interpolate(q, degree)
    return tuple(float(c) for c in np.polynomial.chebyshev.cheb2poly(cheb.coef))


_ERFC_POLY = _erfc_fit()


def _erfc(a: np.ndarray) -> np.ndarray:
    """erfc(a) for a >= 0 (float64, vectorised; inf → 0, NaN → NaN)."""
    a = np.minimum(a, 30.0)  # erfc(30) == 0.0 in float64; keeps a*a finite
    t = 2.0 / (2.0 + a)
    s = 2.0 * t - 1.0
    q = np.full_like(a, _ERFC_POLY[-1])
    for c in _ERFC_POLY[-2::-1]:  # Horner
        q *= s
        q += c
    ah = np.round(a * 2.0**20) * 2.0**-20  # a*a = ah*ah (exact) + (a-ah)(a+ah)
    return t * np.exp(-ah * ah) * np.exp((ah - a) * (a + ah) + q)


def _normal_cdf(x: np.ndarray) -> np.ndarray:
    """Φ(x) = P(Z <= x), accurate in both tails."""
    x = np.asarray(x, dtype=np.float64)
    tail = 0.5 * _erfc(np.abs(x) * _SQRT_HALF)  # P(Z > |x|)
    return np.where(x > 0, 1.0 - tail, tail)


def _normal_pdf(x: np.ndarray) -> np.ndarray:
    xc = np.clip(x, -40.0, 40.0)  # φ(40) == 0.0; keeps x*x finite
    return _INV_SQRT_2PI * np.exp(-0.5 * xc * xc)


def _positive(doc: str) -> Param:
    return _range(0.0, doc=doc)


_SLOPE = _range(0.0, 1.0, doc="slope for x < 0")

# --------------------------------------------------------------------------- entries
# Each entry: its definition (f and f' in the expression language of actlab.codegen,
# from which the NumPy functions here and the kernel's code are generated), then the
# metadata; the decorated function gives the signature (parameters, defaults) and docs.

@_entry(
    source="""
f = x
df = 1
""",
    latex=r"f(x) = x",
    latex_derivative=r"f'(x) = 1",
    output_range=(-_INF, _INF),
    monotonic=True,
    smooth=True,
)
def linear(x: np.ndarray) -> np.ndarray:
    """Identity: ``linear(x) = x``.

    Derivative: 1. Range: (-∞, ∞).
    """


@_entry(
    source="""
q = exp(-abs(x))
r = 1 / (1 + q)
f = where(x > 0, 1, q) * r
df = q * r * r
""",
    latex=r"\sigma(x) = \frac{1}{1 + e^{-x}}",
    latex_derivative=r"\sigma'(x) = \sigma(x)\,\bigl(1 - \sigma(x)\bigr)",
    output_range=(0.0, 1.0),
    monotonic=True,
    smooth=True,
)
def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic sigmoid: ``sigmoid(x) = 1 / (1 + exp(-x))``.

    Derivative: ``sigmoid(x) * (1 - sigmoid(x))``, at most 0.25 (at 0). Range: (0, 1).
    Computed as ``e^{min(x,0)} · r`` with ``r = 1 / (1 + e^{-|x|})``: one exponential and
    one division for the value and the derivative ``e^{-|x|} r²``, never overflowing.
    """


@_entry(
    source="""
t = tanh(x)
f = t
df = 1 - t * t
""",
    latex=r"\tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}",
    latex_derivative=r"\tanh'(x) = 1 - \tanh^2(x)",
    output_range=(-1.0, 1.0),
    monotonic=True,
    smooth=True,
)
def tanh(x: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent: ``tanh(x) = (e^x - e^-x) / (e^x + e^-x)``.

    Derivative: ``1 - tanh(x)^2``, at most 1 (at 0). Range: (-1, 1).
    """


@_entry(
    source="""
f = max(x, 0)
df = where(x > 0, 1, 0)
""",
    latex=r"\mathrm{ReLU}(x) = \max(0, x)",
    latex_derivative=r"\mathrm{ReLU}'(x) = \begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}",
    output_range=(0.0, _INF),
    monotonic=True,
    smooth=False,
    kinks=(0.0,),
)
def relu(x: np.ndarray) -> np.ndarray:
    """Rectified linear unit: ``relu(x) = max(0, x)``.

    Derivative: 1 for x > 0, 0 for x < 0; at the kink x = 0 it is 0 (PyTorch autograd).
    Range: [0, ∞).
    """


@_entry(
    source="""
f = max(x, x * negative_slope)
df = max(where(x > 0, 1, 0), negative_slope)
""",
    latex=r"\mathrm{LeakyReLU}(x) = \begin{cases} x & x > 0 \\ a\,x & x \le 0 \end{cases}",
    latex_derivative=(
        r"\mathrm{LeakyReLU}'(x) = \begin{cases} 1 & x > 0 \\ a & x \le 0 \end{cases}"
    ),
    params={"negative_slope": _SLOPE},
    output_range=(-_INF, _INF),
    monotonic=True,
    smooth=False,
    kinks=(0.0,),
    param_sets=({}, {"negative_slope": 0.05}, {"negative_slope": 0.3}),
)
def leaky_relu(x: np.ndarray, negative_slope: float = 0.01) -> np.ndarray:
    """Leaky ReLU: ``x`` for x > 0, ``negative_slope * x`` otherwise.

    Derivative: 1 for x > 0, ``negative_slope`` for x < 0; at the kink x = 0 it is
    ``negative_slope`` (PyTorch autograd). Range: (-∞, ∞).
    ``negative_slope`` must be in (0, 1) (0 is :func:`relu`, 1 is :func:`linear`).
    """


@_entry(
    source="""
f = max(x, x * weight)
df = max(where(x > 0, 1, 0), weight)
""",
    latex=r"\mathrm{PReLU}(x) = \max(0, x) + w \min(0, x)",
    latex_derivative=r"\mathrm{PReLU}'(x) = \begin{cases} 1 & x > 0 \\ w & x \le 0 \end{cases}",
    params={"weight": _range(0.0, 1.0, doc="slope for x < 0 (learned in PyTorch; fixed here)")},
    output_range=(-_INF, _INF),
    monotonic=True,
    smooth=False,
    kinks=(0.0,),
    param_sets=({}, {"weight": 0.1}, {"weight": 0.5}),
)
def prelu(x: np.ndarray, weight: float = 0.25) -> np.ndarray:
    """Parametric ReLU with a fixed slope: ``max(0, x) + weight * min(0, x)``.

    In PyTorch ``weight`` is learned (initialised to 0.25); here it is a fixed number.
    Derivative: 1 for x > 0, ``weight`` for x < 0; at x = 0 it is ``weight`` (PyTorch
    autograd w.r.t. the input). Range: (-∞, ∞).
    """


@_entry(
    source="""
m = min(x, 0)
f = max(x, 0) + alpha * expm1(m)
df = where(x > 0, 1, alpha * exp(m))
""",
    latex=r"\mathrm{ELU}(x) = \begin{cases} x & x > 0 \\ \alpha\,(e^{x} - 1) & x \le 0 \end{cases}",
    latex_derivative=(
        r"\mathrm{ELU}'(x) = \begin{cases} 1 & x > 0 \\ \alpha\,e^{x} & x \le 0 \end{cases}"
    ),
    params={"alpha": _positive("value approached as x → -∞ is -alpha")},
    output_range=lambda alpha: (-alpha, _INF),
    monotonic=True,
    smooth=lambda alpha: alpha == 1.0,
    kinks=(0.0,),
    param_sets=({}, {"alpha": 0.5}, {"alpha": 2.0}),
)
def elu(x: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """Exponential linear unit: ``x`` for x > 0, ``alpha * (exp(x) - 1)`` otherwise.

    Derivative: 1 for x > 0, ``alpha * exp(x)`` for x < 0; at x = 0 it is ``alpha``
    (PyTorch autograd; continuous only for alpha = 1). Range: (-alpha, ∞).
    """


@_entry(
    source="""
m = min(x, 0)
f = 1.0507009873554805 * (max(x, 0) + 1.6732632423543772 * expm1(m))
df = 1.0507009873554805 * where(x > 0, 1, 1.6732632423543772 * exp(m))
""",
    latex=(
        r"\mathrm{SELU}(x) = \lambda \begin{cases} x & x > 0 \\ \alpha\,(e^{x} - 1) & x \le 0"
        r" \end{cases},\ \lambda \approx 1.0507,\ \alpha \approx 1.6733"
    ),
    latex_derivative=(
        r"\mathrm{SELU}'(x) = \lambda \begin{cases} 1 & x > 0 \\ \alpha\,e^{x} & x \le 0"
        r" \end{cases}"
    ),
    output_range=(-_SELU_SCALE * _SELU_ALPHA, _INF),
    monotonic=True,
    smooth=False,
    kinks=(0.0,),
)
def selu(x: np.ndarray) -> np.ndarray:
    """Scaled ELU: ``scale * elu(x, alpha)`` with alpha ≈ 1.6733, scale ≈ 1.0507.

    Derivative: ``scale`` for x > 0, ``scale * alpha * exp(x)`` for x < 0; at x = 0 it is
    ``scale * alpha`` ≈ 1.7581 (PyTorch autograd). Range: (-scale·alpha ≈ -1.7581, ∞).
    """


@_entry(
    source="""
n = clip(x, -800 * alpha, 0) / alpha
f = max(x, 0) + alpha * expm1(n)
df = where(x > 0, 1, exp(n))
""",
    latex=(
        r"\mathrm{CELU}(x) = \max(0, x) + \min\bigl(0, \alpha\,(e^{x/\alpha} - 1)\bigr)"
    ),
    latex_derivative=(
        r"\mathrm{CELU}'(x) = \begin{cases} 1 & x > 0 \\ e^{x/\alpha} & x \le 0 \end{cases}"
    ),
    params={"alpha": _positive("value approached as x → -∞ is -alpha")},
    output_range=lambda alpha: (-alpha, _INF),
    monotonic=True,
    smooth=True,
    kinks=(0.0,),
    param_sets=({}, {"alpha": 0.5}, {"alpha": 2.0}),
)
def celu(x: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """Continuously differentiable ELU: ``max(0, x) + min(0, alpha * (exp(x/alpha) - 1))``.

    Derivative: 1 for x > 0, ``exp(x / alpha)`` for x < 0; at x = 0 it is 1 (both sides
    agree). Range: (-alpha, ∞).
    """


@_entry(
    source={
        "none": """
tail = 0.5 * erfc(abs(x) * 0.7071067811865476)
cdf = where(x > 0, 1 - tail, tail)
f = max(x, -40) * cdf
xc = clip(x, -40, 40)
df = cdf + xc * (0.3989422804014327 * exp(-0.5 * xc * xc))
""",
        "tanh": """
xc = clip(x, -30, 30)
u = 0.7978845608028654 * (xc + 0.044715 * xc * xc * xc)
f = max(x, -30) * sigmoid(2 * u)
t = tanh(u)
du = 0.7978845608028654 * (1 + 3 * 0.044715 * xc * xc)
df = 0.5 * (1 + t) + 0.5 * xc * (1 - t * t) * du
""",
    },
    latex=r"\mathrm{GELU}(x) = x\,\Phi(x) = \frac{x}{2}\bigl(1 + \mathrm{erf}(x/\sqrt{2})\bigr)",
    latex_derivative=r"\mathrm{GELU}'(x) = \Phi(x) + x\,\varphi(x)",
    params={"approximate": _choice("none", "tanh", doc="'tanh': the tanh approximation")},
    output_range=lambda approximate: (
        (-0.1700407506, _INF) if approximate == "tanh" else (-0.1699712075, _INF)
    ),
    monotonic=False,
    smooth=True,
    param_sets=({}, {"approximate": "tanh"}),
)
def gelu(x: np.ndarray, approximate: str = "none") -> np.ndarray:
    """Gaussian error linear unit: ``x * Φ(x)``, Φ the standard normal CDF.

    With ``approximate='tanh'``: ``0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))``.
    Derivative: ``Φ(x) + x φ(x)`` (φ the normal density); 0.5 at 0, slightly above 1
    near x ≈ 1.4, never discontinuous. Range: [≈ -0.17, ∞) (minimum near x ≈ -0.75).
    """


@_entry(
    source="""
xc = clip(x, -800, 800)
q = exp(-abs(xc))
r = 1 / (1 + q)
s = where(xc > 0, 1, q) * r
f = max(x, -800) * s
df = s * (1 + xc * (where(xc > 0, q, 1) * r))
""",
    latex=r"\mathrm{SiLU}(x) = x\,\sigma(x)",
    latex_derivative=r"\mathrm{SiLU}'(x) = \sigma(x)\,\bigl(1 + x\,(1 - \sigma(x))\bigr)",
    output_range=(-0.2784645428, _INF),
    monotonic=False,
    smooth=True,
    aliases=("swish",),
)
def silu(x: np.ndarray) -> np.ndarray:
    """Sigmoid linear unit (Swish): ``silu(x) = x * sigmoid(x)``.

    Derivative: ``sigmoid(x) * (1 + x * (1 - sigmoid(x)))``; 0.5 at 0. Range:
    [≈ -0.2785, ∞) (minimum at x ≈ -1.2785).
    """


@_entry(
    source="""
xc = clip(x, -800, 40)
n = exp(xc)
w = n * (n + 2)
d = 1 / (w + 2)
t = where(xc > 1, 1 - 2 * d, w * d)
f = max(x, -800) * t
df = t + (4 * xc * n * d) * ((n + 1) * d)
""",
    latex=r"\mathrm{Mish}(x) = x \tanh\bigl(\mathrm{softplus}(x)\bigr)",
    latex_derivative=(
        r"\mathrm{Mish}'(x) = \tanh(\mathrm{sp}(x)) + x\,\sigma(x)\,"
        r"\bigl(1 - \tanh^2(\mathrm{sp}(x))\bigr)"
    ),
    output_range=(-0.3088434131, _INF),
    monotonic=False,
    smooth=True,
)
def mish(x: np.ndarray) -> np.ndarray:
    """Mish: ``mish(x) = x * tanh(softplus(x))``.

    Derivative: ``tanh(sp) + x * sigmoid(x) * (1 - tanh(sp)^2)`` with sp = softplus(x);
    ≈ 0.6 at 0. Range: [≈ -0.3088, ∞) (minimum at x ≈ -1.1924).

    Computed with one exponential: for n = e^x, ``tanh(softplus(x)) = w / (w + 2)`` (as
    ``1 - 2 / (w + 2)`` for x > 1) with w = n (n + 2), and the derivative's second term is
    ``4 x n (n + 1) / (w + 2)²``.
    """


@_entry(
    source="""
bx = beta * clip(x, -800 / beta, (threshold + 1) / beta)
f = where(bx > threshold, x, softplus(bx) / beta)
df = where(bx > threshold, 1, sigmoid(bx))
""",
    latex=r"\mathrm{Softplus}(x) = \frac{1}{\beta} \log\bigl(1 + e^{\beta x}\bigr)",
    latex_derivative=r"\mathrm{Softplus}'(x) = \sigma(\beta x)",
    params={
        "beta": _positive("sharpness; larger is closer to relu"),
        "threshold": _positive("linear (= x) where beta * x > threshold, as PyTorch"),
    },
    output_range=(0.0, _INF),
    monotonic=True,
    smooth=True,
    kinks=lambda beta, threshold: (threshold / beta,),
    param_sets=({}, {"beta": 2.0, "threshold": 10.0}, {"beta": 0.5}),
)
def softplus(x: np.ndarray, beta: float = 1.0, threshold: float = 20.0) -> np.ndarray:
    """Softplus: ``log(1 + exp(beta * x)) / beta``, and ``x`` where ``beta * x > threshold``.

    Derivative: ``sigmoid(beta * x)``, and 1 where ``beta * x > threshold`` (the switch
    to the identity is PyTorch's numerical shortcut: a jump of ~1e-9 at the default
    threshold; treated as a kink in tests). Range: (0, ∞).
    """


@_entry(
    source="""
xc = clip(x, -1e18, 1e18)
f = xc / (1 + abs(xc))
r = 1 / (1 + abs(x))
df = r * r
""",
    latex=r"\mathrm{Softsign}(x) = \frac{x}{1 + |x|}",
    latex_derivative=r"\mathrm{Softsign}'(x) = \frac{1}{(1 + |x|)^2}",
    output_range=(-1.0, 1.0),
    monotonic=True,
    smooth=True,
    kinks=(0.0,),
)
def softsign(x: np.ndarray) -> np.ndarray:
    """Softsign: ``softsign(x) = x / (1 + |x|)``.

    Derivative: ``1 / (1 + |x|)^2``; 1 at 0. Range: (-1, 1).
    """


@_entry(
    source="""
f = clip(x, 0, 6)
df = where(x > 0, where(x < 6, 1, 0), 0)
""",
    latex=r"\mathrm{ReLU6}(x) = \min\bigl(\max(0, x), 6\bigr)",
    latex_derivative=r"\mathrm{ReLU6}'(x) = \begin{cases} 1 & 0 < x < 6 \\ 0 & \text{otherwise} "
    r"\end{cases}",
    output_range=(0.0, 6.0),
    monotonic=True,
    smooth=False,
    kinks=(0.0, 6.0),
)
def relu6(x: np.ndarray) -> np.ndarray:
    """ReLU capped at 6: ``relu6(x) = min(max(0, x), 6)``.

    Derivative: 1 on (0, 6), 0 outside; at the kinks x = 0 and x = 6 it is 0 (PyTorch
    autograd). Range: [0, 6].
    """


@_entry(
    source="""
f = clip(x, min_val, max_val)
df = where(x > min_val, where(x < max_val, 1, 0), 0)
""",
    latex=r"\mathrm{Hardtanh}(x) = \min\bigl(\max(x, a), b\bigr)",
    latex_derivative=(
        r"\mathrm{Hardtanh}'(x) = \begin{cases} 1 & a < x < b \\ 0 & \text{otherwise} "
        r"\end{cases}"
    ),
    params={"min_val": _range(doc="lower clip value a"), "max_val": _range(doc="upper clip b")},
    output_range=lambda min_val, max_val: (min_val, max_val),
    monotonic=True,
    smooth=False,
    kinks=lambda min_val, max_val: (min_val, max_val),
    param_sets=({}, {"min_val": -2.0, "max_val": 0.5}),
    check=lambda min_val, max_val: (
        None if min_val < max_val
        else f"min_val must be < max_val, got min_val={min_val:g}, max_val={max_val:g}"
    ),
)
def hardtanh(x: np.ndarray, min_val: float = -1.0, max_val: float = 1.0) -> np.ndarray:
    """Hard tanh: ``hardtanh(x) = min(max(x, min_val), max_val)``.

    Derivative: 1 on (min_val, max_val), 0 outside; at the kinks x = min_val and
    x = max_val it is 0 (PyTorch autograd). Range: [min_val, max_val].
    """


@_entry(
    source="""
f = clip(x + 3, 0, 6) / 6
df = where(x > -3, where(x < 3, 1, 0), 0) * 0.16666666666666666
""",
    latex=r"\mathrm{Hardsigmoid}(x) = \frac{\mathrm{ReLU6}(x + 3)}{6}",
    latex_derivative=(
        r"\mathrm{Hardsigmoid}'(x) = \begin{cases} 1/6 & -3 < x < 3 \\ 0 & \text{otherwise} "
        r"\end{cases}"
    ),
    output_range=(0.0, 1.0),
    monotonic=True,
    smooth=False,
    kinks=(-3.0, 3.0),
)
def hardsigmoid(x: np.ndarray) -> np.ndarray:
    """Hard sigmoid: ``hardsigmoid(x) = relu6(x + 3) / 6``.

    Derivative: 1/6 on (-3, 3), 0 outside; at the kinks x = ±3 it is 0 (PyTorch autograd,
    which uses 1/6 rounded to float32 inside). Range: [0, 1].
    """


@_entry(
    source="""
f = max(x, -3) * (clip(x + 3, 0, 6) / 6)
df = where(x <= -3, 0, where(x < 3, x / 3 + 0.5, 1))
""",
    latex=r"\mathrm{Hardswish}(x) = x \, \frac{\mathrm{ReLU6}(x + 3)}{6}",
    latex_derivative=(
        r"\mathrm{Hardswish}'(x) = \begin{cases} 0 & x \le -3 \\ x/3 + 1/2 & -3 < x < 3 \\"
        r" 1 & x \ge 3 \end{cases}"
    ),
    output_range=(-0.375, _INF),
    monotonic=False,
    smooth=False,
    kinks=(-3.0, 3.0),
)
def hardswish(x: np.ndarray) -> np.ndarray:
    """Hard swish: ``hardswish(x) = x * relu6(x + 3) / 6``.

    Derivative: 0 for x < -3, ``x/3 + 1/2`` on (-3, 3), 1 for x > 3; at the kinks it is
    0 at x = -3 and 1 at x = 3 (PyTorch autograd). Range: [-0.375, ∞) (minimum at -1.5).
    """


@_entry(
    source="""
f = min(x, 0) - softplus(-abs(x))
df = sigmoid(-x)
""",
    latex=r"\mathrm{LogSigmoid}(x) = \log \sigma(x) = -\log\bigl(1 + e^{-x}\bigr)",
    latex_derivative=r"\mathrm{LogSigmoid}'(x) = 1 - \sigma(x) = \sigma(-x)",
    output_range=(-_INF, 0.0),
    monotonic=True,
    smooth=True,
)
def logsigmoid(x: np.ndarray) -> np.ndarray:
    """Log of the sigmoid: ``logsigmoid(x) = log(sigmoid(x)) = -softplus(-x)``.

    Derivative: ``sigmoid(-x) = 1 - sigmoid(x)``; 0.5 at 0. Range: (-∞, 0).
    """


@_entry(
    source="""
t = tanh(x)
f = x - t
df = t * t
""",
    latex=r"\mathrm{Tanhshrink}(x) = x - \tanh(x)",
    latex_derivative=r"\mathrm{Tanhshrink}'(x) = \tanh^2(x)",
    output_range=(-_INF, _INF),
    monotonic=True,
    smooth=True,
)
def tanhshrink(x: np.ndarray) -> np.ndarray:
    """Tanh shrink: ``tanhshrink(x) = x - tanh(x)``.

    Derivative: ``tanh(x)^2``; 0 at 0 (flat there: ≈ x³/3 near 0). Range: (-∞, ∞).
    """


swish = silu
