"""Formula activations: grammar, security catalogue, derived derivatives, replay."""

from __future__ import annotations

import builtins
import json
import os
import signal
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from actlab import activations as A
from actlab.errors import ActlabError
from actlab.formula import FormulaWarning, parse_definition

SENTINEL = Path("/tmp/actlab-formula-pwned")

#: The injection catalogue of issue 10: each must be one clean error, nothing executed.
CATALOGUE = [
    f"__import__('os').system('touch {SENTINEL}')",
    "__import__('os').getpid()",
    f"open('{SENTINEL}', 'w')",
    "x.__class__.__bases__[0].__subclasses__()",
    "().__class__",
    "x.real",
    "exp.__globals__",
    "[x][0]",
    "x[0]",
    "(lambda: 1)()",
    "lambda x: x",
    "[i for i in range(10**9)]",
    "sum(i for i in range(10**9))",
    "{i: i for i in range(9)}",
    "'x' * 10**9",
    "b'abc'",
    "f'{x}'",
    "9**9**9",
    "x**x**x**x",
    "2**10000",
    "x**1e6",
    "x" + "+x" * 5000,
    "(" * 500 + "x" + ")" * 500,
    "-" * 400 + "x",
    "\u0445*2",  # Cyrillic х
    "\U0001d431 + 1",  # mathematical bold x (NFKC-normalises to x)
    "x\u200b+1",  # zero-width space
    "x\x00",
    "exp(x, 2)",
    "exp(x=1)",
    "max(*[x, 0])",
    "x if x > 0 and x < 1 else 0",
    "x if 0 < x < 1 else 0",
    "x == 1",
    "x @ x",
    "x // 2",
    "x % 2",
    "~x",
    "not x",
    "x := 1",
    "True",
    "1j*x",
    "y",
    "exec",
    "eval('1')",
    "globals()",
    "1/0",
    "",
    "x,",
    "x; import os",
    "import os",
]


@pytest.fixture(autouse=True)
def _cleanup():
    before = set(A.formulas())
    yield
    for name in set(A.formulas()) - before:
        A.undefine(name)


class _ForbidCodeExecution:
    """While active, every code-executing entry point fails loudly if reached."""

    def __enter__(self):
        import sympy
        import sympy.parsing.sympy_parser as parser

        def boom(*args, **kwargs):
            raise AssertionError("code-executing function called on user text")

        self.saved = []
        for mod, name in ((sympy, "sympify"), (sympy, "lambdify"), (sympy, "parse_expr"),
                          (parser, "parse_expr"), (builtins, "eval"), (builtins, "exec"),
                          (os, "system"), (os, "getpid")):
            self.saved.append((mod, name, getattr(mod, name)))
            setattr(mod, name, boom)

    def __exit__(self, *exc):
        for mod, name, value in self.saved:
            setattr(mod, name, value)


class _HangGuard:
    """Fail (instead of hanging the suite) if one case runs for more than ``seconds``."""

    def __init__(self, seconds: int = 20):
        self.seconds = seconds

    def __enter__(self):
        def fire(*_):
            raise AssertionError("formula parsing hung")

        self.old = signal.signal(signal.SIGALRM, fire)
        signal.alarm(self.seconds)

    def __exit__(self, *exc):
        signal.alarm(0)
        signal.signal(signal.SIGALRM, self.old)


def test_injection_catalogue_one_clean_error_each():
    A.define("warmup", "x*sigmoid(x)")  # imports sympy before entry points are patched
    SENTINEL.unlink(missing_ok=True)
    for text in CATALOGUE:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # not even a SyntaxWarning escapes
            with _HangGuard(), pytest.raises(ActlabError) as info, _ForbidCodeExecution():
                A.define("evil", text)
        message = str(info.value)
        assert message.startswith("formula: "), (text, message)
        assert "\n" not in message and len(message) < 400, (text, message)
    assert not SENTINEL.exists()
    assert "evil" not in A.names()


def test_cli_injection_exit_2_one_line_nothing_executed(tmp_path):
    SENTINEL.unlink(missing_ok=True)
    out = tmp_path / "x.png"
    for text in CATALOGUE[:3] + ["x" * 10_000]:
        proc = subprocess.run(
            [sys.executable, "-m", "actlab", "plot", "--formula", f"evil={text}", "evil",
             "--out", str(out)], capture_output=True, text=True, timeout=120,
        )
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.count("\n") == 1 and "formula: " in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr
    assert not SENTINEL.exists() and not out.exists()


def test_define_get_and_derived_derivative():
    A.define("swish_b", "x*sigmoid(beta*x)", beta=1.0)
    act = A.get("swish_b", beta=1.5)
    x = np.linspace(-8, 8, 101)
    s = 1 / (1 + np.exp(-1.5 * x))
    np.testing.assert_allclose(act(x), x * s, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(act.derivative(x), s + 1.5 * x * s * (1 - s), rtol=1e-12,
                               atol=1e-15)
    assert act.label == "swish_b(beta=1.5)" and A.spec("swish_b").definition == \
        "swish_b(beta=1.0)=x*sigmoid(beta*x)"
    with pytest.raises(ActlabError, match="unknown parameter"):
        A.get("swish_b", gamma=1.0)
    with pytest.raises(ActlabError, match="built-in"):
        A.define("relu", "max(0, x)")


@pytest.mark.parametrize(("text", "at0", "builtin"), [
    ("max(0, x)", 0.0, "relu"),
    ("max(x, 0)", 0.0, "relu"),
    ("abs(x)", 0.0, None),
    ("x if x > 0 else 0.1*x", 0.1, None),
    ("where(x > 0, x, exp(x) - 1)", 1.0, None),
    ("min(max(x, 0), 6)", 0.0, "relu6"),
])
def test_kink_convention_is_autograds(text, at0, builtin):
    A.define("kinky", text)
    act = A.get("kinky")
    assert act.derivative(0.0) == at0
    assert 0.0 in act.kinks
    if builtin is not None:
        ref = A.get(builtin)
        x = np.concatenate([np.linspace(-9, 9, 181), [0.0, 6.0, np.nan]])
        np.testing.assert_array_equal(act(x), ref(x))
        np.testing.assert_array_equal(act.derivative(x), ref.derivative(x))


def test_warnings_step_and_overflow():
    with pytest.warns(FormulaWarning, match="cannot learn"):
        A.define("step", "where(x > 0, 1, 0)")
    with pytest.warns(FormulaWarning, match="softplus"):
        A.define("naive_softplus", "log(1 + exp(x))")
    with pytest.warns(FormulaWarning, match="sigmoid"):
        A.define("naive_sigmoid", "1/(1 + exp(-x))")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A.define("good", "softplus(x) + x*sigmoid(x) + erf(x) + log1p(x*x)")


@pytest.mark.parametrize("text", ["log(x)", "1/x", "sqrt(x)", "x**-1", "2", "p*x"])
def test_invalid_formulas_rejected(text):
    with pytest.raises(ActlabError):
        A.define("bad", text)


def test_parameters_and_definition_text():
    assert parse_definition("s(beta=1.5, c=-2)= x*sigmoid(beta*x)+c") == \
        ("s", "x*sigmoid(beta*x)+c", {"beta": 1.5, "c": -2.0})
    for bad in ("s(beta)=x", "s(beta=a)=x", "=x", "s(b=1,b=2)=x"):
        with pytest.raises(ActlabError):
            parse_definition(bad)
    with pytest.raises(ActlabError, match="not used"):
        A.define("s", "x", beta=1.0)
    with pytest.warns(FormulaWarning, match="overflows"):
        A.define("lg", "log(x + c)", c=20.0)  # NaN at x = -1e10
    with pytest.raises(ActlabError, match="not finite"):
        A.get("lg", c=1.0)
    A.define_all({"a1": "tanh(x)", "a2": {"formula": "x*sigmoid(b*x)", "b": 2.0}})
    assert A.get("a2").params == {"b": 2.0}


def test_erf_matches_math_erf():
    import math

    A.define("e1", "erf(x)")
    x = np.concatenate([np.linspace(-7, 7, 1401), [1e-12, -1e-300, 0.4999, 0.5, 30.0]])
    expected = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(A.get("e1")(x), expected, rtol=2e-15, atol=0)


def test_url_carries_the_formula_and_replays():
    from actlab.playground import PlaygroundConfig

    A.define("swish_b", "x*sigmoid(beta*x)", beta=1.0)
    cfg = PlaygroundConfig(activation="swish_b", activation_params={"beta": 1.5})
    url = cfg.to_url()
    assert "activationFormula=" in url
    A.undefine("swish_b")
    again = PlaygroundConfig.from_url(url)
    assert again == cfg and again.to_url() == url
    assert A.get("swish_b", beta=1.5)(1.0) == pytest.approx(1 / (1 + np.exp(-1.5)))


@pytest.mark.parametrize(("golden", "text"), [("circle_relu", "max(0, x)"),
                                             ("circle_tanh_default", "tanh(x)")])
def test_formula_replays_golden_run_like_the_builtin(golden, text):
    """Every per-epoch loss within 1e-9 relative of the built-in's and of the page's."""
    from conftest import GOLDEN, require_golden

    from actlab.playground import PlaygroundConfig, train

    require_golden()
    index = json.loads((GOLDEN / "golden" / "index.json").read_text())
    entry = next(e for e in index if e["name"] == golden)
    g = json.loads((GOLDEN / "golden" / entry["file"]).read_text())
    cfg = PlaygroundConfig.from_url(g["url"])
    A.define("mine", text)
    epochs = 300
    ref = train(cfg, epochs)
    mine = train(cfg.replace(activation="mine"), epochs)
    for ours, theirs, key in ((mine.train_loss, ref.train_loss, "loss_train"),
                              (mine.test_loss, ref.test_loss, "loss_test")):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=0)
        np.testing.assert_allclose(ours, np.array(g[key], dtype=float)[: epochs + 1],
                                   rtol=1e-9, atol=0)
