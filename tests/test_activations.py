"""The activation registry: derivatives, PyTorch agreement, edge inputs, worked examples.

Everything is parametrised over ``activations.names()`` and each entry's declared
``param_sets``, so a new registry entry is tested automatically.
"""

from __future__ import annotations

import json
import math
import tracemalloc
import warnings

import numpy as np
import pytest
from conftest import require

from actlab import activations
from actlab.errors import ActlabError

CASES = [(n, ps) for n in activations.names() for ps in activations.spec(n).param_sets]
IDS = [activations.get(n, **ps).label for n, ps in CASES]
SCALE, ALPHA = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717


def strict():
    """Every NumPy floating-point problem (except harmless underflow to 0) is an error."""
    return np.errstate(over="raise", invalid="raise", divide="raise", under="ignore")


def test_registry_has_the_pytorch_names():
    assert activations.names() == [
        "linear", "sigmoid", "tanh", "relu", "leaky_relu", "prelu", "elu", "selu", "celu",
        "gelu", "silu", "mish", "softplus", "softsign", "relu6", "hardtanh", "hardsigmoid",
        "hardswish", "logsigmoid", "tanhshrink",
    ]  # fmt: skip
    assert activations.aliases() == {"swish": "silu"}


@pytest.mark.parametrize("name", activations.names())
def test_each_parameter_is_tested_at_two_values_at_least(name):
    s = activations.spec(name)
    for p in s.params:
        assert len({ps.get(p.name, p.default) for ps in s.param_sets}) >= 2, p.name
    for ps in s.param_sets:
        activations.get(name, **ps)  # every declared set is valid


# ---------------------------------------------------------------- (a) finite differences


@pytest.mark.parametrize(("name", "params"), CASES, ids=IDS)
def test_derivative_matches_central_differences(name, params):
    act = activations.get(name, **params)
    x = np.linspace(-10.0, 10.0, 8001)
    for k in act.kinks:
        x = x[np.abs(x - k) > 1e-3]
    h = 1e-5
    numeric = (act(x + h) - act(x - h)) / (2 * h)
    np.testing.assert_allclose(act.derivative(x), numeric, rtol=1e-7, atol=1e-8)


# ---------------------------------------------------------------- (b) PyTorch


def _torch_fn(name, torch, params):
    F = torch.nn.functional
    table = {
        "linear": lambda x: x * 1,
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": F.relu,
        "leaky_relu": lambda x: F.leaky_relu(x, params["negative_slope"]),
        "prelu": lambda x: F.prelu(x, torch.tensor([params["weight"]], dtype=x.dtype)),
        "elu": lambda x: F.elu(x, params["alpha"]),
        "selu": F.selu,
        "celu": lambda x: F.celu(x, params["alpha"]),
        "gelu": lambda x: F.gelu(x, approximate=params["approximate"]),
        "silu": F.silu,
        "mish": F.mish,
        "softplus": lambda x: F.softplus(x, params["beta"], params["threshold"]),
        "softsign": F.softsign,
        "relu6": F.relu6,
        "hardtanh": lambda x: F.hardtanh(x, params["min_val"], params["max_val"]),
        "hardsigmoid": F.hardsigmoid,
        "hardswish": F.hardswish,
        "logsigmoid": F.logsigmoid,
        "tanhshrink": F.tanhshrink,
    }
    return table[name]


# PyTorch's hardsigmoid backward multiplies by 1/6 rounded to float32 (0.16666667163...);
# ours is the exact 1/6, so the gradients differ by 5e-9 there.
GRAD_TOL = {"hardsigmoid": 1e-8}


@pytest.mark.parametrize(("name", "params"), CASES, ids=IDS)
def test_matches_torch_values_and_autograd(name, params):
    torch = require("torch")
    act = activations.get(name, **params)
    x = np.concatenate([np.linspace(-25.0, 25.0, 5001), act.kinks, [0.0, -0.0, 1e-8, -1e-8]])
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    yt = _torch_fn(name, torch, act.params)(xt)
    yt.sum().backward()
    np.testing.assert_allclose(act(x), yt.detach().numpy(), rtol=0, atol=1e-12)
    tol = GRAD_TOL.get(name, 1e-12)
    np.testing.assert_allclose(act.derivative(x), xt.grad.numpy(), rtol=0, atol=tol)


def test_derivative_at_kinks_is_the_autograd_value():
    # Written out so a reader sees the convention (the torch test checks them all too).
    d = lambda name, x, **p: float(activations.get(name, **p).derivative(x))  # noqa: E731
    assert d("relu", 0.0) == 0.0
    assert d("leaky_relu", 0.0, negative_slope=0.05) == 0.05
    assert d("prelu", 0.0) == 0.25
    assert d("elu", 0.0, alpha=2.0) == 2.0
    assert d("selu", 0.0) == pytest.approx(SCALE * ALPHA)
    assert d("celu", 0.0, alpha=2.0) == 1.0
    assert (d("relu6", 0.0), d("relu6", 6.0)) == (0.0, 0.0)
    assert (d("hardtanh", -1.0), d("hardtanh", 1.0)) == (0.0, 0.0)
    assert (d("hardsigmoid", -3.0), d("hardsigmoid", 3.0)) == (0.0, 0.0)
    assert (d("hardswish", -3.0), d("hardswish", 3.0)) == (0.0, 1.0)


def test_erfc_expansion_matches_math_erfc():
    from actlab.activations import _erfc

    # down to erfc(26) ≈ 6e-296 (gelu's Φ(-37); below that the results are subnormal)
    a = np.concatenate([np.linspace(0.0, 26.0, 20001), np.geomspace(1e-10, 1.0, 50)])
    expected = np.array([math.erfc(v) for v in a])
    np.testing.assert_allclose(_erfc(a), expected, rtol=5e-15, atol=0)


# ---------------------------------------------------------------- (c) edge inputs


def _limits(name, p):
    """(f(-inf), f(+inf), f'(-inf), f'(+inf)), worked out by hand."""
    inf = math.inf
    return {
        "linear": (-inf, inf, 1, 1),
        "sigmoid": (0, 1, 0, 0),
        "tanh": (-1, 1, 0, 0),
        "relu": (0, inf, 0, 1),
        "leaky_relu": (-inf, inf, p.get("negative_slope"), 1),
        "prelu": (-inf, inf, p.get("weight"), 1),
        "elu": (-p.get("alpha", 0), inf, 0, 1),
        "selu": (-SCALE * ALPHA, inf, 0, SCALE),
        "celu": (-p.get("alpha", 0), inf, 0, 1),
        "gelu": (0, inf, 0, 1),
        "silu": (0, inf, 0, 1),
        "mish": (0, inf, 0, 1),
        "softplus": (0, inf, 0, 1),
        "softsign": (-1, 1, 0, 0),
        "relu6": (0, 6, 0, 0),
        "hardtanh": (p.get("min_val"), p.get("max_val"), 0, 0),
        "hardsigmoid": (0, 1, 0, 0),
        "hardswish": (0, inf, 0, 1),
        "logsigmoid": (-inf, 0, 1, 0),
        "tanhshrink": (-inf, inf, 1, 1),
    }[name]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("name", "params"), CASES, ids=IDS)
def test_edge_inputs_give_limits_without_warnings(name, params, dtype):
    act = activations.get(name, **params)
    huge, tiny = (1e300, 1e-300) if dtype is np.float64 else (1e38, 1e-38)
    x = np.array([-np.inf, np.inf, -huge, huge, np.nan, 0.0, -0.0, tiny, -tiny], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with strict():
            y, d = act(x), act.derivative(x)
    assert y.dtype == dtype and d.dtype == dtype
    f_lo, f_hi, d_lo, d_hi = _limits(name, act.params)
    np.testing.assert_allclose(y[:2], [f_lo, f_hi], rtol=1e-6)
    np.testing.assert_allclose(d[:4], [d_lo, d_hi, d_lo, d_hi], rtol=1e-6)
    # at ±huge: the limit if finite, else the asymptote's slope f(x)/x = f'(±inf)
    for i, (lim, slope) in enumerate([(f_lo, d_lo), (f_hi, d_hi)]):
        got = y[2 + i] if math.isfinite(lim) else y[2 + i] / x[2 + i]
        assert got == pytest.approx(lim if math.isfinite(lim) else slope, rel=1e-6, abs=1e-12)
    assert np.isnan(y[4]) and np.isnan(d[4])
    assert np.all(np.isfinite(y[5:])) and np.all(np.isfinite(d[5:]))
    assert y[5] == y[6] and d[5] == d[6]  # -0.0 behaves as 0.0
    assert np.all(np.abs(y[7:] - y[5]) <= 2 * tiny)


@pytest.mark.parametrize("name", activations.names())
def test_output_range_and_flags_agree_with_a_wide_grid(name):
    act = activations.get(name)
    x = np.concatenate([-np.geomspace(1e8, 10, 200), np.linspace(-10, 10, 200001),
                        np.geomspace(10, 1e8, 200)])  # fmt: skip
    y = act(x)
    lo, hi = act.output_range
    assert lo <= y.min() and y.max() <= hi
    assert y.min() - lo < 1e-6 if math.isfinite(lo) else y.min() < -1e5
    assert hi - y.max() < 1e-6 if math.isfinite(hi) else y.max() > 1e5
    assert act.bounded_below == math.isfinite(lo) and act.bounded_above == math.isfinite(hi)
    assert act.monotonic == bool(np.all(np.diff(y) >= 0))
    if act.smooth:  # C¹: no jump in f' anywhere on the fine grid
        assert np.max(np.abs(np.diff(act.derivative(x[200:-200])))) < 1e-3


# ---------------------------------------------------------------- (d) worked examples

E = math.e
PHI1, PDF1 = 0.8413447460685429, math.exp(-0.5) / math.sqrt(2 * math.pi)  # Φ(1), φ(1)
T1 = math.tanh(math.sqrt(2 / math.pi) * (1 + 0.044715))  # gelu-tanh: tanh(u(1))
DU1 = math.sqrt(2 / math.pi) * (1 + 3 * 0.044715)  # u'(1)
EXAMPLES = [
    # name, params, x, f(x), f'(x)
    ("linear", {}, 5.0, 5.0, 1.0),
    ("sigmoid", {}, 0.0, 0.5, 0.25),
    ("sigmoid", {}, math.log(3), 0.75, 0.75 * 0.25),  # 1/(1+1/3)
    ("tanh", {}, 0.0, 0.0, 1.0),
    ("tanh", {}, math.log(2), 0.6, 0.64),  # (2-1/2)/(2+1/2); 1 - 0.6²
    ("relu", {}, -2.0, 0.0, 0.0),
    ("relu", {}, 3.0, 3.0, 1.0),
    ("leaky_relu", {"negative_slope": 0.05}, -2.0, -0.1, 0.05),
    ("prelu", {}, -4.0, -1.0, 0.25),
    ("elu", {}, -1.0, 1 / E - 1, 1 / E),
    ("elu", {"alpha": 2.0}, -1.0, 2 * (1 / E - 1), 2 / E),
    ("selu", {}, 1.0, SCALE, SCALE),
    ("selu", {}, -1.0, SCALE * ALPHA * (1 / E - 1), SCALE * ALPHA / E),
    ("celu", {"alpha": 2.0}, -2.0, 2 * (1 / E - 1), 1 / E),  # 2(e^(-2/2) - 1)
    ("gelu", {}, 0.0, 0.0, 0.5),
    ("gelu", {}, 1.0, PHI1, PHI1 + PDF1),  # 1·Φ(1); Φ(1) + 1·φ(1)
    ("gelu", {}, -1.0, -(1 - PHI1), 1 - PHI1 - PDF1),
    ("gelu", {"approximate": "tanh"}, 1.0, (1 + T1) / 2, (1 + T1) / 2 + (1 - T1**2) * DU1 / 2),
    ("silu", {}, 0.0, 0.0, 0.5),
    ("silu", {}, 1.0, 1 / (1 + 1 / E), (1 / (1 + 1 / E)) * (1 + 1 / (1 + E))),
    ("mish", {}, 0.0, 0.0, 0.6),  # tanh(log 2) = 0.6
    ("softplus", {}, 0.0, math.log(2), 0.5),
    ("softplus", {"beta": 2.0}, 0.0, math.log(2) / 2, 0.5),
    ("softplus", {}, 30.0, 30.0, 1.0),  # above the threshold: identity
    ("softsign", {}, 1.0, 0.5, 0.25),
    ("softsign", {}, -3.0, -0.75, 1 / 16),
    ("relu6", {}, 7.0, 6.0, 0.0),
    ("relu6", {}, 3.0, 3.0, 1.0),
    ("hardtanh", {}, 2.0, 1.0, 0.0),
    ("hardtanh", {}, -0.5, -0.5, 1.0),
    ("hardtanh", {"min_val": -2.0, "max_val": 0.5}, 1.0, 0.5, 0.0),
    ("hardsigmoid", {}, 0.0, 0.5, 1 / 6),
    ("hardsigmoid", {}, 4.0, 1.0, 0.0),
    ("hardswish", {}, -1.5, -0.375, 0.0),  # -1.5 * 1.5 / 6; -1.5/3 + 1/2
    ("hardswish", {}, 1.0, 4 / 6, 1 / 3 + 1 / 2),
    ("logsigmoid", {}, 0.0, -math.log(2), 0.5),
    ("tanhshrink", {}, math.log(2), math.log(2) - 0.6, 0.36),
]  # fmt: skip


@pytest.mark.parametrize(("name", "params", "x", "f", "df"), EXAMPLES)
def test_worked_example(name, params, x, f, df):
    act = activations.get(name, **params)
    assert act(x) == pytest.approx(f, rel=1e-14, abs=1e-15)
    assert act.derivative(x) == pytest.approx(df, rel=1e-14, abs=1e-15)


def test_every_entry_has_a_worked_example():
    assert {e[0] for e in EXAMPLES} == set(activations.names())


# ---------------------------------------------------------------- dtype and shape


@pytest.mark.parametrize("name", activations.names())
def test_dtype_and_shape_preserved(name):
    act = activations.get(name)
    x = np.random.default_rng(1).normal(0, 3, size=(2, 3, 4))
    for dtype in (np.float64, np.float32, np.float16):
        xd = x.astype(dtype)
        for out in (act(xd), act.derivative(xd)):
            assert out.dtype == dtype and out.shape == (2, 3, 4)
    np.testing.assert_allclose(act(x.astype(np.float32)), act(x), rtol=1e-5, atol=1e-6)
    scalar = act(1.5)
    assert isinstance(scalar, np.float64) and scalar == act(np.array([1.5]))[0]
    assert act([1, 2]).dtype == np.float64  # integers → float64
    assert act(np.array([], dtype=np.float32)).shape == (0,)


def test_input_is_not_modified_or_aliased():
    x = np.array([-1.0, 0.5, 2.0])
    for name in activations.names():
        act = activations.get(name)
        y = act(x)
        act.derivative(x)
        assert y is not x and not np.shares_memory(y, x)
        np.testing.assert_array_equal(x, [-1.0, 0.5, 2.0])


def _peak_extra(fn, x) -> int:
    """Peak bytes allocated while ``fn(x)`` runs (the result included)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        fn(x)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(("name", "params"), CASES, ids=IDS)
def test_large_inputs_need_little_extra_memory(name, params):
    # gelu's erf used ~8 times the input in temporaries: 1e8 values needed 6 GB extra
    act = activations.get(name, **params)
    x = np.random.default_rng(3).normal(0, 3, 2_000_000)  # 16 MB
    for fn in (act, act.derivative):
        assert _peak_extra(fn, x) < 2 * x.nbytes, fn


@pytest.mark.parametrize(("name", "params"), CASES, ids=IDS)
def test_blockwise_evaluation_gives_the_same_bits(name, params):
    act = activations.get(name, **params)
    rng = np.random.default_rng(4)
    x = np.concatenate([rng.normal(0, 5, 3 * activations.BLOCK + 123),
                        [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e300, -1e300, 5e-324, 800.0]])
    rng.shuffle(x)
    with np.errstate(over="ignore"):
        x32 = x.astype(np.float32)
    for xx in (x, x32, x[:7 * (x.size // 7)].reshape(-1, 7).T):  # last: not contiguous
        for fn in (act, act.derivative):
            whole = fn(xx)
            flat = np.ravel(xx)
            pieces = np.concatenate([fn(flat[i:i + 10_000]) for i in range(0, flat.size,
                                                                             10_000)])
            assert whole.dtype == xx.dtype and whole.shape == xx.shape
            assert np.ravel(whole).tobytes() == pieces.tobytes()


def test_bad_input_dtype():
    with pytest.raises(ActlabError, match="real numbers"):
        activations.get("relu")(np.array([1 + 2j]))
    with pytest.raises(ActlabError, match="real numbers"):
        activations.get("relu")(["a"])


# ---------------------------------------------------------------- API and errors


def test_get_fills_defaults_and_resolves_aliases():
    act = activations.get("swish")
    assert act.name == "silu" and act.params == {}
    assert activations.get("leaky_relu").params == {"negative_slope": 0.01}
    assert activations.get("ELU", alpha=2).params == {"alpha": 2.0}
    assert activations.get("softplus", beta=2).label == "softplus(beta=2, threshold=20)"
    assert activations.get("gelu", approximate="tanh").label == "gelu(approximate='tanh')"
    assert activations.get("relu").label == "relu"
    assert activations.get("elu") == activations.get("elu", alpha=1.0)
    assert len({activations.get("elu"), activations.get("elu", alpha=1)}) == 1  # hashable
    with pytest.raises(AttributeError):
        activations.get("elu").spec = None  # frozen


def test_plain_functions_validate_too():
    np.testing.assert_array_equal(activations.relu(np.array([-1.0, 2.0])), [0.0, 2.0])
    assert activations.leaky_relu(-2.0, negative_slope=0.05) == pytest.approx(-0.1)
    assert activations.swish(0.0) == 0.0
    with pytest.raises(ActlabError, match="negative_slope must be"):
        activations.leaky_relu(-2.0, negative_slope=2.0)


def test_spec_describes_entries_for_menus():
    s = activations.spec("elu")
    assert [p.name for p in s.params] == ["alpha"] and s.params[0].default == 1.0
    assert s.params[0].describe() == "a finite number > 0"
    assert "alpha" in s.doc and s.latex.startswith(r"\mathrm{ELU}")
    assert activations.spec("swish").name == "silu"
    for name in activations.names():
        d = activations.spec(name).to_dict()
        json.dumps(d, allow_nan=True)
        assert d["name"] == name and d["summary"] and d["latex"] and d["latex_derivative"]
        assert "Derivative" in d["doc"] and "Range" in d["doc"]


def test_unknown_name_suggests_and_lists():
    with pytest.raises(ActlabError) as err:
        activations.get("rleu")
    msg = str(err.value)
    assert msg.startswith("unknown activation 'rleu'; did you mean 'relu'? (known: linear, sigmoid")
    assert "\n" not in msg and "tanhshrink)" in msg
    with pytest.raises(ActlabError, match=r"^unknown activation 'zzz' \(known: "):
        activations.spec("zzz")


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("elu", {"alpha": -1}, "elu: alpha must be a finite number > 0, got -1"),
        ("elu", {"alpha": float("nan")}, "elu: alpha must be a finite number > 0, got nan"),
        ("elu", {"alpha": True}, "elu: alpha must be a finite number > 0, got True"),
        ("elu", {"alpha": "1"}, "elu: alpha must be a finite number > 0, got '1'"),
        ("leaky_relu", {"negative_slope": 0},
         "leaky_relu: negative_slope must be a finite number in (0, 1), got 0"),
        ("gelu", {"approximate": "erf"},
         "gelu: approximate must be one of 'none', 'tanh', got 'erf'"),
        ("softplus", {"beta": math.inf}, "softplus: beta must be a finite number > 0, got inf"),
        ("hardtanh", {"min_val": 2.0},
         "hardtanh: min_val must be < max_val, got min_val=2, max_val=1"),
        ("elu", {"alpah": 1}, "elu: unknown parameter 'alpah'; allowed: alpha"),
        ("relu", {"alpha": 1}, "relu takes no parameters, got alpha"),
    ],
)  # fmt: skip
def test_bad_parameters(name, params, message):
    with pytest.raises(ActlabError) as err:
        activations.get(name, **params)
    assert str(err.value) == message


def test_parse_param_from_text():
    assert activations.parse_param("leaky_relu", "negative_slope", " 0.05") == 0.05
    assert activations.parse_param("gelu", "approximate", "tanh") == "tanh"
    with pytest.raises(ActlabError, match="got 'abc'"):
        activations.parse_param("elu", "alpha", "abc")
    with pytest.raises(ActlabError, match="unknown parameter 'beta'; allowed: alpha"):
        activations.parse_param("elu", "beta", "1")


def test_docstring_examples():
    import doctest

    assert doctest.testmod(activations).failed == 0
