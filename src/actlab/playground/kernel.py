"""The playground's training step for K networks, fused into one Numba kernel.

This module implements the contract of :func:`actlab.playground.engine.train_epochs_numpy`
(same semantics, same state, updated in place) an order of magnitude faster. The engine
calls :func:`for_config`; it returns ``fn(trainer, epochs) -> (train_loss, test_loss)``
(each ``[K, epochs]``), or ``None`` for a hidden activation the kernel does not implement
(the engine then falls back to NumPy).

Arithmetic: the playground's own order
--------------------------------------
Every network is trained exactly as ``nn.ts`` does, one point at a time: a node's total
input is ``bias + w0·a0 + w1·a1 + …`` summed left to right; back-propagation adds each
point's ``dE/dz`` and ``dE/dw`` to the accumulators point by point; a node's output
derivative is ``0 + Σ w·δ`` over its outgoing links in order; the update is
``b −= (lr·acc_b)/count``, ``w₁ = w − (lr/count)·acc_w``, ``w₂ = w₁ − (lr·rate)·R'(w)``
(``R'`` of the weight *before* the step; under L1 a weight that would cross zero becomes 0
and its link dies for good); losses are ``Σ ½ (out − label)²`` in point order, divided by
the count. Hidden activations follow the formulas of :mod:`actlab.activations` operation
for operation; ``exp``, ``expm1`` and ``tanh`` are ports of V8's own (fdlibm) routines
(see below). The kernel is compiled without ``fastmath``: no re-association and no fused
multiply-add contraction. As a result it reproduces the playground's losses bit for bit
in most golden runs (the NumPy path, which sums by matrix products and uses NumPy's
``tanh``, agrees to ~1e-14).

Layout: networks innermost
--------------------------
One network is a few dozen scalars, far too small to vectorise by itself (a ``[4, 2]``
net has 18 weights). What is wide is the batch of networks, which all run the same
instruction stream: same shape, same point index, same batch boundaries. So inside the
kernel every quantity is a row of ``width`` lanes, the network index last and contiguous:

* networks are cut into *chunks* of up to :data:`LANES` (128) networks; a short last chunk
  is padded with copies of the last network, whose results are dropped;
* per chunk: data ``x[N, F, lane]``, labels ``y[N, lane]``, all layers' weights
  concatenated in the playground's link order ``w[link, lane]``, biases ``b[node, lane]``,
  accumulators and dead-link masks alike, node values ``a[node, lane]``;
* every arithmetic statement is a loop over the lanes, the innermost loop, with a
  branch-free body (a per-lane ``if``/``else`` compiles to a blend), which LLVM turns into
  SIMD code. Long rows (128 lanes = 1 KiB) amortise each loop's set-up (index arithmetic
  and the run-time aliasing checks LLVM adds before vectorising) over 32 AVX2 vectors;
  rows of 32 lanes cost 1.2-1.3× more per network, of 16 lanes 1.6-1.9× (measured),
  longer rows gain nothing;
* the activation is chosen *outside* the lane loops (one ``if`` chain per layer and
  point, perfectly predicted), so each activation is its own straight-line vector loop;
* chunks are independent: ``prange`` spreads them over the cores. Each chunk runs all
  requested epochs without leaving compiled code; its working set (parameters,
  accumulators, node values: about 80 KiB for ``[4, 2]``, 1 MiB for six layers of 8)
  stays in L1/L2 while the data stream through.

A lane never reads another lane, and every lane executes the same operations in the same
order whatever its chunk, position or the chunk's width (a vector lane and a scalar
remainder iteration compute the same IEEE operations), so a network's numbers are
bit-identical whether it trains alone or among thousands (tested).

Transcendentals: V8's, vectorised
---------------------------------
A C-library ``tanh`` call per lane cannot be vectorised and was about 70 % of the run time
of a ``[4, 2]`` classifier (750 output ``tanh`` per network-epoch). :func:`_v8_exp`,
:func:`_v8_expm1` and :func:`_v8_tanh` port V8's fdlibm routines branch-free (every case
computed, the right one selected), so lane loops calling them vectorise; they return
V8's bits (tested against ``node``), i.e. the playground's ``Math.tanh``/``Math.exp``.

Compilation
-----------
One kernel serves every activation (the activation is a run-time code), compiled once per
machine (~15 s) and cached on disk (``cache=True``; later processes load it in well under
a second). Small helpers are inlined by LLVM (``forceinline=True``) rather than by Numba's
IR inliner, which deep-copies the callee's IR per call site and made compilation take
minutes. Layout conversion (``[K, out, in]`` ↔ ``[chunk, link, lane]``) happens once per
call, not per epoch, and the packed training data is cached per trainer.
"""

from __future__ import annotations

import math
import struct
import threading
import weakref
from collections.abc import Callable

import numba
import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.extending import intrinsic

from actlab import activations
from actlab.playground.config import PlaygroundConfig

#: Most networks per chunk (the length of every lane loop).
LANES = 128

KernelFn = Callable[..., tuple[np.ndarray, np.ndarray]]

# activation codes ------------------------------------------------------------------
LINEAR, RELU, TANH, SIGMOID, LEAKY_RELU, ELU, SELU, CELU, SOFTPLUS, SILU, MISH = range(11)
SOFTSIGN, HARDTANH, HARDSIGMOID, HARDSWISH, LOGSIGMOID, TANHSHRINK, GELU_TANH = range(11, 18)

_BIG = 800.0
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def activation_code(act: activations.Activation) -> tuple[int, float, float] | None:
    """``(code, p0, p1)`` of a registry activation for the kernel, or None if unsupported."""
    p = act.params
    simple = {
        "linear": LINEAR, "relu": RELU, "tanh": TANH, "sigmoid": SIGMOID, "selu": SELU,
        "silu": SILU, "mish": MISH, "softsign": SOFTSIGN,
        "hardsigmoid": HARDSIGMOID, "hardswish": HARDSWISH, "logsigmoid": LOGSIGMOID,
        "tanhshrink": TANHSHRINK,
    }
    if act.name in simple:
        return simple[act.name], 0.0, 0.0
    if act.name == "leaky_relu":
        return LEAKY_RELU, float(p["negative_slope"]), 0.0
    if act.name == "prelu":  # a fixed slope: the same function as leaky_relu
        return LEAKY_RELU, float(p["weight"]), 0.0
    if act.name == "elu":
        return ELU, float(p["alpha"]), 0.0
    if act.name == "celu":
        return CELU, float(p["alpha"]), 0.0
    if act.name == "softplus":
        return SOFTPLUS, float(p["beta"]), float(p["threshold"])
    if act.name == "relu6":
        return HARDTANH, 0.0, 6.0
    if act.name == "hardtanh":
        return HARDTANH, float(p["min_val"]), float(p["max_val"])
    if act.name == "gelu" and p.get("approximate") == "tanh":
        return GELU_TANH, 0.0, 0.0
    return None


#: The registry activations the kernel implements (the others fall back to NumPy).
SUPPORTED = (
    "linear", "relu", "tanh", "sigmoid", "leaky_relu", "prelu", "elu", "selu", "celu",
    "softplus", "silu", "mish", "softsign", "relu6", "hardtanh", "hardsigmoid", "hardswish",
    "logsigmoid", "tanhshrink", "gelu(approximate='tanh')",
)


# ---------------------------------------------------------------------------- V8's exp, expm1, tanh
# The playground runs in V8, whose Math.exp, Math.expm1 and Math.tanh are its ports of
# fdlibm (v8/src/base/ieee754.cc). Below are the same algorithms, operation for operation,
# written branch-free: every case is computed and the right one selected, so a lane loop
# calling them still vectorises (a C-library call would not; it was ~3/4 of the run time
# of a classification net). They return V8's bits (tests compare them with ``node``), so
# the kernel's activations are the playground's, not merely within an ulp of them.
# fdlibm tests the high word of |x|; each such test is an exact comparison of |x| with
# the double whose high word is the bound (``_from_words``).
def _from_words(high: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", high << 32))[0]


@intrinsic
def _f64_from_bits(typingctx, bits):
    """The double whose IEEE-754 bit pattern is the integer ``bits`` (LLVM bitcast)."""
    if not isinstance(bits, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        v = context.cast(builder, args[0], signature.args[0], types.int64)
        return builder.bitcast(v, ir.DoubleType())

    return types.float64(bits), codegen


_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_INVLN2 = 1.44269504088896338700e00
_O_THRESHOLD = 7.09782712893383973096e02
_U_THRESHOLD = -7.45133219101941108420e02
_E = 2.718281828459045
_TWOM1000 = 9.33263618503218878990e-302
_HALF_LN2_UP = _from_words(0x3FD62E43)  # |x| >= this  <=>  hx > 0x3FD62E42 (0.5 ln2)
_THREE_HALF_LN2 = _from_words(0x3FF0A2B2)  # |x| < this  <=>  hx < 0x3FF0A2B2 (1.5 ln2)
_EXPM1_NEG_CUT = _from_words(0x4043687A)  # 56 ln2
_TWO_M28 = _from_words(0x3E300000)
_TWO_M54 = _from_words(0x3C900000)
_TANH_ONE = _from_words(0x40360000)  # 22
_P1, _P2, _P3, _P4, _P5 = (
    1.66666666666666019037e-01, -2.77777777770155933842e-03, 6.61375632143793436117e-05,
    -1.65339022054652515390e-06, 4.13813679705723846039e-08,
)
_Q1, _Q2, _Q3, _Q4, _Q5 = (
    -3.33333333333331316428e-02, 1.58730158725481460165e-03, -7.93650757867487942473e-05,
    4.00821782732936239552e-06, -2.01099218183624371326e-07,
)


@njit(forceinline=True, error_model="numpy")
def _pow2(k):
    """2**k for an integer -1022 <= k <= 1023 (clamped outside), built from its bits."""
    return _f64_from_bits((min(max(k, np.int64(-1022)), np.int64(1023)) + 1023) << 52)


@njit(forceinline=True, error_model="numpy")
def _v8_exp(x):
    """V8's ``Math.exp`` (fdlibm ``__ieee754_exp``)."""
    ax = abs(x)
    neg = x < 0.0
    mid = ax < _THREE_HALF_LN2
    kf = math.trunc(_INVLN2 * x + (-0.5 if neg else 0.5))
    hi = x - kf * _LN2_HI
    lo = kf * _LN2_LO
    kf = (-1.0 if neg else 1.0) if mid else kf
    hi = (x + _LN2_HI if neg else x - _LN2_HI) if mid else hi
    lo = (-_LN2_LO if neg else _LN2_LO) if mid else lo
    reduce = ax >= _HALF_LN2_UP
    kf = kf if reduce else 0.0
    xr = hi - lo if reduce else x
    k = np.int64(kf)
    t = xr * xr
    c = xr - t * (_P1 + t * (_P2 + t * (_P3 + t * (_P4 + t * _P5))))
    y0 = 1.0 - ((xr * c) / (c - 2.0) - xr)  # k == 0
    y = 1.0 - ((lo - (xr * c) / (2.0 - c)) - hi)
    small = k < -1021
    twopk = _pow2(k + 1000 if small else k)
    y = y * 2.0 * twopk if k == 1024 else y * twopk
    y = y * _TWOM1000 if small else y
    y = y0 if k == 0 else y
    y = _E if x == 1.0 else y
    y = 1.0 + x if ax < _TWO_M28 else y
    y = math.inf if x > _O_THRESHOLD else y
    y = 0.0 if x < _U_THRESHOLD else y
    return x + x if x != x else y


@njit(forceinline=True, error_model="numpy")
def _v8_expm1(x):
    """V8's ``Math.expm1`` (fdlibm ``expm1``)."""
    ax = abs(x)
    neg = x < 0.0
    mid = ax < _THREE_HALF_LN2
    kf = math.trunc(_INVLN2 * x + (-0.5 if neg else 0.5))
    hi = x - kf * _LN2_HI
    lo = kf * _LN2_LO
    kf = (-1.0 if neg else 1.0) if mid else kf
    hi = (x + _LN2_HI if neg else x - _LN2_HI) if mid else hi
    lo = (-_LN2_LO if neg else _LN2_LO) if mid else lo
    reduce = ax >= _HALF_LN2_UP
    kf = kf if reduce else 0.0
    xr = hi - lo
    c = (hi - xr) - lo
    xr = xr if reduce else x
    c = c if reduce else 0.0
    k = np.int64(kf)
    hfx = 0.5 * xr
    hxs = xr * hfx
    r1 = 1.0 + hxs * (_Q1 + hxs * (_Q2 + hxs * (_Q3 + hxs * (_Q4 + hxs * _Q5))))
    t = 3.0 - r1 * hfx
    e = hxs * ((r1 - t) / (6.0 - xr * t))
    y0 = xr - (xr * e - hxs)  # k == 0
    e = (xr * (e - c) - c) - hxs
    twopk = _pow2(k)
    twomk = _pow2(-k)
    y = ((xr - (e + twomk)) + 1.0) * twopk  # 20 <= k <= 56
    y = ((1.0 - twomk) - (e - xr)) * twopk if k < 20 else y  # 2 <= k < 20
    y1 = 1.0 - (e - xr)
    yd = (y1 * 2.0 * twopk if k == 1024 else y1 * twopk) - 1.0
    y = yd if (k <= -2) | (k > 56) else y
    y = (-2.0 * (e - (xr + 0.5)) if xr < -0.25 else 1.0 + 2.0 * (xr - e)) if k == 1 else y
    y = 0.5 * (xr - e) - 0.5 if k == -1 else y
    y = y0 if k == 0 else y
    y = x if ax < _TWO_M54 else y
    y = -1.0 if neg & (ax >= _EXPM1_NEG_CUT) else y
    y = math.inf if x > _O_THRESHOLD else y
    return x + x if x != x else y


@njit(forceinline=True, error_model="numpy")
def _v8_tanh(x):
    """V8's ``Math.tanh`` (fdlibm ``tanh``)."""
    ax = abs(x)
    big = ax >= 1.0
    t = _v8_expm1(2.0 * ax if big else -2.0 * ax)
    z = 1.0 - 2.0 / (t + 2.0) if big else -t / (t + 2.0)
    z = 1.0 if ax >= _TANH_ONE else z
    z = -z if x < 0.0 else z
    z = x if ax < _TWO_M28 else z
    return x + x if x != x else z


# ---------------------------------------------------------------------------- activations
# NumPy's float semantics, so that the formulas below are the registry's operation for
# operation: ``np.maximum``/``np.minimum`` propagate NaN, ``np.clip`` is min(max(x, lo), hi).
@njit(forceinline=True, error_model="numpy")
def _maximum(a, b):
    return a if (a >= b) | (a != a) else b


@njit(forceinline=True, error_model="numpy")
def _minimum(a, b):
    return a if (a <= b) | (a != a) else b


@njit(forceinline=True, error_model="numpy")
def _clip(x, lo, hi):
    t = x if (x > lo) | (x != x) else lo
    return t if (t < hi) | (t != t) else hi


@njit(forceinline=True, error_model="numpy")
def _nan_to(g, x):
    """The registry's derivatives give NaN at NaN (``_apply``), whatever the formula."""
    return x if x != x else g


@njit(forceinline=True, error_model="numpy")
def _sigmoid(x):
    return _v8_exp(_minimum(x, 0.0)) / (1.0 + _v8_exp(-abs(x)))


@njit(forceinline=True, error_model="numpy")
def _softplus1(x):
    return _maximum(x, 0.0) + math.log1p(_v8_exp(-abs(x)))


# One function per activation: ``(f(x), f'(x))`` with the formulas of
# :mod:`actlab.activations` (same operations in the same order; see each entry there).
@njit(forceinline=True, error_model="numpy")
def _linear(x, p0, p1):
    return x, _nan_to(1.0, x)


@njit(forceinline=True, error_model="numpy")
def _relu(x, p0, p1):
    return _maximum(x, 0.0), _nan_to(1.0 if x > 0.0 else 0.0, x)


@njit(forceinline=True, error_model="numpy")
def _tanh(x, p0, p1):
    t = _v8_tanh(x)
    return t, 1.0 - t * t


@njit(forceinline=True, error_model="numpy")
def _sigmoid_fg(x, p0, p1):
    e = _v8_exp(-abs(x))
    r = 1.0 / (1.0 + e)
    return _sigmoid(x), e * r * r


@njit(forceinline=True, error_model="numpy")
def _leaky_relu(x, p0, p1):  # p0 = negative_slope (prelu's weight), in (0, 1)
    return _maximum(x, x * p0), _nan_to(_maximum(1.0 if x > 0.0 else 0.0, p0), x)


@njit(forceinline=True, error_model="numpy")
def _elu(x, p0, p1):  # p0 = alpha
    m = _minimum(x, 0.0)
    f = _maximum(x, 0.0) + p0 * _v8_expm1(m)
    return f, _nan_to(1.0 if x > 0.0 else p0 * _v8_exp(m), x)


@njit(forceinline=True, error_model="numpy")
def _selu(x, p0, p1):
    m = _minimum(x, 0.0)
    f = _SELU_SCALE * (_maximum(x, 0.0) + _SELU_ALPHA * _v8_expm1(m))
    return f, _nan_to(_SELU_SCALE * (1.0 if x > 0.0 else _SELU_ALPHA * _v8_exp(m)), x)


@njit(forceinline=True, error_model="numpy")
def _celu(x, p0, p1):  # p0 = alpha
    n = _clip(x, -_BIG * p0, 0.0) / p0
    f = _maximum(x, 0.0) + p0 * _v8_expm1(n)
    return f, _nan_to(1.0 if x > 0.0 else _v8_exp(n), x)


@njit(forceinline=True, error_model="numpy")
def _softplus(x, p0, p1):  # p0 = beta, p1 = threshold
    bx = p0 * _clip(x, -_BIG / p0, (p1 + 1.0) / p0)
    f = x if bx > p1 else _softplus1(bx) / p0
    return f, _nan_to(1.0 if bx > p1 else _sigmoid(bx), x)


@njit(forceinline=True, error_model="numpy")
def _silu(x, p0, p1):
    f = _maximum(x, -_BIG) * _sigmoid(x)
    xc = _clip(x, -_BIG, _BIG)
    d = 1.0 / (1.0 + _v8_exp(-abs(xc)))  # (σ(x), σ(-x)) as the registry's _sigmoid_pair
    s = _v8_exp(_minimum(xc, 0.0)) * d
    sm = _v8_exp(-_maximum(xc, 0.0)) * d
    return f, s * (1.0 + xc * sm)


@njit(forceinline=True, error_model="numpy")
def _mish(x, p0, p1):
    f = _maximum(x, -_BIG) * _v8_tanh(_softplus1(x))
    xc = _clip(x, -_BIG, _BIG)
    t = _v8_tanh(_softplus1(xc))
    return f, t + xc * _sigmoid(xc) * (1.0 - t * t)


@njit(forceinline=True, error_model="numpy")
def _softsign(x, p0, p1):
    xc = _clip(x, -1e18, 1e18)
    r = 1.0 / (1.0 + abs(x))
    return xc / (1.0 + abs(xc)), r * r


@njit(forceinline=True, error_model="numpy")
def _hardtanh(x, p0, p1):  # p0 = min_val, p1 = max_val; relu6 is hardtanh(0, 6)
    return _clip(x, p0, p1), _nan_to(1.0 if (x > p0) & (x < p1) else 0.0, x)


@njit(forceinline=True, error_model="numpy")
def _hardsigmoid(x, p0, p1):
    g = (1.0 if (x > -3.0) & (x < 3.0) else 0.0) * (1.0 / 6.0)
    return _clip(x + 3.0, 0.0, 6.0) / 6.0, _nan_to(g, x)


@njit(forceinline=True, error_model="numpy")
def _hardswish(x, p0, p1):
    g = 0.0 if x <= -3.0 else (x / 3.0 + 0.5 if x < 3.0 else 1.0)
    return _maximum(x, -3.0) * (_clip(x + 3.0, 0.0, 6.0) / 6.0), _nan_to(g, x)


@njit(forceinline=True, error_model="numpy")
def _logsigmoid(x, p0, p1):
    return _minimum(x, 0.0) - math.log1p(_v8_exp(-abs(x))), _sigmoid(-x)


@njit(forceinline=True, error_model="numpy")
def _tanhshrink(x, p0, p1):
    t = _v8_tanh(x)
    return x - t, t * t


@njit(forceinline=True, error_model="numpy")
def _gelu_tanh(x, p0, p1):
    xc = _clip(x, -30.0, 30.0)
    u = _SQRT_2_OVER_PI * (xc + 0.044715 * xc * xc * xc)
    t = _v8_tanh(u)
    du = _SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * xc * xc)
    f = _maximum(x, -30.0) * _sigmoid(2.0 * u)
    return f, _nan_to(0.5 * (1.0 + t) + 0.5 * xc * (1.0 - t * t) * du, x)


# ---------------------------------------------------------------------------- lane loops
# ``a``, ``g`` and ``d`` hold one row per node (inputs first) and one column per lane;
# ``a`` holds a node's total input, then its output.
@njit(cache=True, error_model="numpy")
def _activate(code, p0, p1, a, g, r0, r1):
    """Rows ``r0:r1`` of ``a`` from total input to ``f``, with ``g = f'``.

    The ``code`` test is outside the lane loops: each activation is its own branch-free
    loop, which LLVM vectorises (the scalar functions are force-inlined into it).
    """
    if code == RELU:
        for r in range(r0, r1):
            for k in range(a.shape[1]):
                a[r, k], g[r, k] = _relu(a[r, k], p0, p1)
    elif code == TANH:
        for r in range(r0, r1):
            for k in range(a.shape[1]):
                a[r, k], g[r, k] = _tanh(a[r, k], p0, p1)
    elif code == LINEAR:
        for r in range(r0, r1):
            for k in range(a.shape[1]):
                a[r, k], g[r, k] = _linear(a[r, k], p0, p1)
    elif code == SIGMOID:
        for r in range(r0, r1):
            for k in range(a.shape[1]):
                a[r, k], g[r, k] = _sigmoid_fg(a[r, k], p0, p1)
    elif code == LEAKY_RELU:
        for r in range(r0, r1):
            for k in range(a.shape[1]):
                a[r, k], g[r, k] = _leaky_relu(a[r, k], p0, p1)
    elif code == ELU:
        for r in range(r0, r1):
            for k in range(a.shape[1]):
                a[r, k], g[r, k] = _elu(a[r, k], p0, p1)
    elif code == SELU:
        for r in range(r0, r1):
            for k in range(a.shape[1]):
                a[r, k], g[r, k] = _selu(a[r, k], p0, p1)
    elif code == CELU:
        for r in range(r0, r1):
            for k in range(a.shape[1]):
                a[r, k], g[r, k] = _celu(a[r, k], p0, p1)
    elif code == SOFTPLUS:
        for r in range(r0, r1):
            for k in range(a.shape[1]):
                a[r, k], g[r, k] = _softplus(a[r, k], p0, p1)
    elif code == SILU:
        for r in range(r0, r1):
            for k in range(a.shape[1]):
                a[r, k], g[r, k] = _silu(a[r, k], p0, p1)
    elif code == MISH:
        for r in range(r0, r1):
            for k in range(a.shape[1]):
                a[r, k], g[r, k] = _mish(a[r, k], p0, p1)
    elif code == SOFTSIGN:
        for r in range(r0, r1):
            for k in range(a.shape[1]):
                a[r, k], g[r, k] = _softsign(a[r, k], p0, p1)
    elif code == HARDTANH:
        for r in range(r0, r1):
            for k in range(a.shape[1]):
                a[r, k], g[r, k] = _hardtanh(a[r, k], p0, p1)
    elif code == HARDSIGMOID:
        for r in range(r0, r1):
            for k in range(a.shape[1]):
                a[r, k], g[r, k] = _hardsigmoid(a[r, k], p0, p1)
    elif code == HARDSWISH:
        for r in range(r0, r1):
            for k in range(a.shape[1]):
                a[r, k], g[r, k] = _hardswish(a[r, k], p0, p1)
    elif code == LOGSIGMOID:
        for r in range(r0, r1):
            for k in range(a.shape[1]):
                a[r, k], g[r, k] = _logsigmoid(a[r, k], p0, p1)
    elif code == TANHSHRINK:
        for r in range(r0, r1):
            for k in range(a.shape[1]):
                a[r, k], g[r, k] = _tanhshrink(a[r, k], p0, p1)
    elif code == GELU_TANH:
        for r in range(r0, r1):
            for k in range(a.shape[1]):
                a[r, k], g[r, k] = _gelu_tanh(a[r, k], p0, p1)


@njit(forceinline=True, error_model="numpy")
def _activate_output(code, a, g, r):
    """The output node: tanh (classification) or linear (regression)."""
    if code == TANH:
        for k in range(a.shape[1]):
            a[r, k], g[r, k] = _tanh(a[r, k], 0.0, 0.0)
    else:
        for k in range(a.shape[1]):
            a[r, k], g[r, k] = _linear(a[r, k], 0.0, 0.0)


@njit(forceinline=True, error_model="numpy")
def _forward(x, p, w, b, a, g, sizes, woff, noff, code, p0, p1, out_code):
    """Every node's output (``a``) and ``f'`` (``g``) for point ``p`` of ``x``.

    A node's total input is its bias plus ``w·a`` over its incoming links in order.
    """
    nl = a.shape[1]
    n_layers = sizes.shape[0] - 1
    n_feat = sizes[0]
    for f in range(n_feat):
        for k in range(nl):
            a[f, k] = x[p, f, k]
    for layer in range(n_layers):
        n_in = sizes[layer]
        src = noff[layer]
        dst = noff[layer + 1]
        for j in range(sizes[layer + 1]):
            r = dst + j
            for k in range(nl):
                a[r, k] = b[r - n_feat, k]
            wi = woff[layer] + j * n_in
            for i in range(n_in):
                for k in range(nl):
                    a[r, k] += w[wi + i, k] * a[src + i, k]
        if layer < n_layers - 1:
            _activate(code, p0, p1, a, g, dst, dst + sizes[layer + 1])
        else:
            _activate_output(out_code, a, g, dst)


@njit(forceinline=True, error_model="numpy")
def _backward(label, w, a, g, d, aw, ab, sizes, woff, noff):
    """Add one point's ``dE/dz`` and ``dE/dw`` to the accumulators (``nn.ts`` backProp).

    ``d`` holds each node's output derivative, then its input derivative. Dead links are
    accumulated too: their sums are never used (the update skips dead links) and are
    zeroed when the state is written back, which is cheaper than masking every point.
    """
    nl = a.shape[1]
    n_layers = sizes.shape[0] - 1
    n_feat = sizes[0]
    out = noff[n_layers]
    for k in range(nl):
        d[out, k] = a[out, k] - label[k]
    for layer in range(n_layers - 1, -1, -1):
        n_in = sizes[layer]
        n_out = sizes[layer + 1]
        src = noff[layer]
        dst = noff[layer + 1]
        for r in range(dst, dst + n_out):
            for k in range(nl):
                dz = d[r, k] * g[r, k]
                d[r, k] = dz
                ab[r - n_feat, k] += dz
        for j in range(n_out):
            wi = woff[layer] + j * n_in
            for i in range(n_in):
                for k in range(nl):
                    aw[wi + i, k] += d[dst + j, k] * a[src + i, k]
        if layer > 0:
            for i in range(n_in):
                r = src + i
                for k in range(nl):
                    d[r, k] = 0.0
                for j in range(n_out):
                    wi = woff[layer] + j * n_in + i
                    for k in range(nl):
                        d[r, k] += w[wi, k] * d[dst + j, k]


@njit(forceinline=True, error_model="numpy")
def _update(count, w, b, dead, aw, ab, lr, rr, kind):
    """``updateWeights`` of ``nn.ts`` for every lane; ``count`` points were accumulated."""
    nl = w.shape[1]
    for n in range(b.shape[0]):
        for k in range(nl):
            b[n, k] = b[n, k] - lr[k] * ab[n, k] / count
            ab[n, k] = 0.0
    for n in range(w.shape[0]):
        for k in range(nl):
            wv = w[n, k]
            kd = kind[k]
            sgn = 1.0 if wv > 0.0 else (-1.0 if wv < 0.0 else wv)  # np.sign
            reg_der = sgn if kd == 1 else (wv if kd == 2 else 0.0)
            stepped = wv - (lr[k] / count) * aw[n, k]
            new = stepped - rr[k] * reg_der
            dk = dead[n, k]
            killed = (kd == 1) & (stepped * new < 0.0) & (not dk)
            new = 0.0 if killed else new
            w[n, k] = wv if dk else new
            dead[n, k] = dk | killed
            aw[n, k] = 0.0


@njit(cache=True, error_model="numpy")
def _train_chunk(x, y, tx, ty, w, b, dead, aw, ab, lr, rr, kind, sizes, woff, noff,
                 code, p0, p1, out_code, batch, pending, epochs, loss_train, loss_test):
    """Train one chunk of networks (the last axis of every array) ``epochs`` epochs.

    ``epochs = 0`` trains nothing and writes the current losses into row 0 of the loss
    arrays (the same forward code, so the same numbers as after an epoch).
    """
    nl = w.shape[1]
    n = x.shape[0]
    n_nodes = noff[sizes.shape[0] - 1] + 1
    out = n_nodes - 1
    a = np.zeros((n_nodes, nl))
    g = np.zeros((n_nodes, nl))
    d = np.zeros((n_nodes, nl))
    s = np.zeros(nl)
    count = pending
    for epoch in range(max(epochs, 1)):
        # one pass over 2N + M points: train (forward, backward, updates), then the loss
        # on the train points, then on the test points (one forward code path for all)
        for q in range(0 if epochs > 0 else n, 2 * n + tx.shape[0]):
            if q < 2 * n:
                xs, ys, p = x, y, q % n
            else:
                xs, ys, p = tx, ty, q - 2 * n
            _forward(xs, p, w, b, a, g, sizes, woff, noff, code, p0, p1, out_code)
            if q < n:
                _backward(y[p], w, a, g, d, aw, ab, sizes, woff, noff)
                count += 1
                if (p + 1) % batch == 0:
                    _update(float(count), w, b, dead, aw, ab, lr, rr, kind)
                    count = 0
                continue
            if q == n or q == 2 * n:
                for k in range(nl):
                    s[k] = 0.0
            for k in range(nl):  # ½ (out − label)², summed in point order
                e = a[out, k] - ys[p, k]
                s[k] += 0.5 * (e * e)
            if q == 2 * n - 1:
                for k in range(nl):
                    loss_train[epoch, k] = s[k] / n
        for k in range(nl):
            loss_test[epoch, k] = s[k] / tx.shape[0]


@njit(cache=True, parallel=True, error_model="numpy")
def _train_chunks(x, y, tx, ty, w, b, dead, aw, ab, lr, rr, kind, sizes, woff, noff,
                  code, p0, p1, out_code, batch, pending, epochs, loss_train, loss_test):
    """All chunks (axis 0 of every per-network array), spread over the cores."""
    for c in prange(x.shape[0]):
        _train_chunk(x[c], y[c], tx[c], ty[c], w[c], b[c], dead[c], aw[c], ab[c], lr[c], rr[c],
                     kind[c], sizes, woff, noff, code, p0, p1, out_code, batch, pending, epochs,
                     loss_train[c], loss_test[c])


# ---------------------------------------------------------------------------- Python side
def _lane_width(k: int) -> int:
    """Chunk width for K networks: at most LANES, and at least one chunk per thread."""
    return max(1, min(LANES, -(-k // numba.get_num_threads())))


def _to_lanes(arr: np.ndarray, width: int, dtype=np.float64) -> np.ndarray:
    """``[K, ...]`` → ``[chunks, ..., width]``, padding K with copies of the last network."""
    arr = np.asarray(arr, dtype=dtype)
    k = arr.shape[0]
    chunks = -(-k // width)
    if chunks * width != k:
        arr = arr[np.minimum(np.arange(chunks * width), k - 1)]
    a = arr.reshape(chunks, width, *arr.shape[1:])
    return np.ascontiguousarray(np.moveaxis(a, 1, -1))


def _from_lanes(arr: np.ndarray, k: int) -> np.ndarray:
    """``[chunks, ..., width]`` → ``[K, ...]`` (padding dropped)."""
    a = np.moveaxis(arr, -1, 1)
    return a.reshape(a.shape[0] * a.shape[1], *a.shape[2:])[:k]


_data_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _packed_data(trainer, width: int) -> tuple[np.ndarray, ...]:
    """The trainer's data in lane layout, packed once per trainer (data never changes)."""
    arrays = (trainer.train_x, trainer.train_y, trainer.test_x, trainer.test_y)
    key = (width, *(id(a) for a in arrays))
    hit = _data_cache.get(trainer)
    if hit is not None and hit[0] == key:
        return hit[1]
    packed = tuple(_to_lanes(a, width) for a in arrays)
    _data_cache[trainer] = (key, packed)
    return packed


def forget_data(trainer) -> None:
    """Drop the trainer's packed data (after its data arrays were replaced)."""
    _data_cache.pop(trainer, None)


_LAUNCH_LOCK = threading.Lock()


def _launch(args: tuple) -> None:
    """Run the parallel kernel.

    Numba's fallback threading layer, ``workqueue`` (used where neither OpenMP nor TBB is
    available), aborts the whole process when two Python threads launch parallel code at
    once (say, a web server's workers), so launches are serialised under it. OpenMP and
    TBB are thread-safe: concurrent trainers then run concurrently.
    """
    try:
        safe = numba.threading_layer() != "workqueue"
    except ValueError:  # not initialised yet: the first launch chooses the layer
        safe = False
    if safe:
        _train_chunks(*args)
    else:
        with _LAUNCH_LOCK:
            _train_chunks(*args)


def _pending_after(pending: int, n: int, batch: int, epochs: int) -> int:
    """Points accumulated since the last update after ``epochs`` more epochs.

    An epoch with an update (``n >= batch``) leaves its last ``n % batch`` points pending.
    """
    if epochs == 0:
        return pending
    if n >= batch:
        return n % batch
    return pending + n * epochs


def train_epochs(trainer, epochs: int, code: int, p0: float, p1: float,
                 out_code: int) -> tuple[np.ndarray, np.ndarray]:
    """Train ``trainer``'s K networks ``epochs`` epochs in place (the engine's contract)."""
    if epochs == 0:
        k = trainer.train_x.shape[0]
        return np.empty((k, 0)), np.empty((k, 0))
    return _run(trainer, epochs, code, p0, p1, out_code)


def _run(trainer, epochs: int, code: int, p0: float, p1: float,
         out_code: int) -> tuple[np.ndarray, np.ndarray]:
    """Pack, run the kernel (``epochs = 0``: losses only, in column 0), unpack."""
    state = trainer.state
    k = trainer.train_x.shape[0]
    width = _lane_width(k)
    x, y, tx, ty = _packed_data(trainer, width)
    sizes = np.array([trainer.train_x.shape[2], *(w.shape[1] for w in state.weights)],
                     dtype=np.int64)
    n_links = sizes[:-1] * sizes[1:]
    woff = np.concatenate([[0], np.cumsum(n_links)[:-1]]).astype(np.int64)
    noff = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)

    def flat(arrs):
        return np.concatenate([a.reshape(k, -1) for a in arrs], axis=1)

    w = _to_lanes(flat(state.weights), width)
    b = _to_lanes(flat(state.biases), width)
    dead = _to_lanes(flat(state.dead), width, np.bool_)
    aw = _to_lanes(flat(state.acc_w), width)
    ab = _to_lanes(flat(state.acc_b), width)
    lr = _to_lanes(trainer.lr, width)
    rr = _to_lanes(trainer.lr * trainer.reg_rate, width)
    kind = _to_lanes(trainer.reg_kind, width, np.int8)
    chunks = x.shape[0]
    loss_train = np.empty((chunks, max(epochs, 1), width))
    loss_test = np.empty((chunks, max(epochs, 1), width))
    args = (x, y, tx, ty, w, b, dead, aw, ab, lr, rr, kind, sizes, woff, noff, code,
            p0, p1, out_code, trainer.batch_size, state.pending, epochs, loss_train, loss_test)
    _launch(args)
    state.pending = _pending_after(state.pending, trainer.train_x.shape[1],
                                   trainer.batch_size, epochs)

    def unflat(packed, like):
        flat_k = _from_lanes(packed, k)
        start = 0
        for a in like:
            n = a[0].size
            a[...] = flat_k[:, start:start + n].reshape(a.shape)
            start += n

    unflat(w, state.weights)
    unflat(b, state.biases)
    unflat(dead, state.dead)
    unflat(aw, state.acc_w)
    unflat(ab, state.acc_b)
    for layer, acc in enumerate(state.acc_w):  # dead links accumulate nothing (see _backward)
        acc[state.dead[layer]] = 0.0
    cols = max(epochs, 1)
    return _from_lanes(loss_train, k)[:, :cols], _from_lanes(loss_test, k)[:, :cols]


def losses(trainer) -> tuple[np.ndarray, np.ndarray]:
    """The current train and test loss of the trainer's K networks (``[K]`` each).

    Computed by the kernel's forward pass (the playground's summation order, V8's tanh):
    the epoch-0 value as the playground computes it, without the ``[K, points, width]``
    intermediate arrays of a stacked NumPy forward pass.
    """
    fn = for_config(trainer.configs[0])
    if fn is None:
        raise ValueError(f"the kernel does not implement {trainer.configs[0].activation!r}")
    return fn.losses(trainer)


def for_config(config: PlaygroundConfig) -> KernelFn | None:
    """The fused training function for ``config``'s networks, or None if unsupported.

    The returned ``fn(trainer, epochs)`` trains the trainer's K networks in place and
    returns ``(train_loss, test_loss)``, each ``[K, epochs]``.
    """
    found = activation_code(activations.get(config.activation, **config.activation_params))
    if found is None:
        return None
    code, p0, p1 = found
    out_code = TANH if config.output_activation == "tanh" else LINEAR

    def fn(trainer, epochs: int) -> tuple[np.ndarray, np.ndarray]:
        return train_epochs(trainer, epochs, code, p0, p1, out_code)

    def current_losses(trainer) -> tuple[np.ndarray, np.ndarray]:
        train, test = _run(trainer, 0, code, p0, p1, out_code)
        return train[:, 0], test[:, 0]

    fn.losses = current_losses
    return fn


# ---------------------------------------------------------------------------- inspection
@njit(cache=True, error_model="numpy")
def _evaluate(code, p0, p1, x):
    a = np.empty((1, x.shape[0]))
    g = np.empty((1, x.shape[0]))
    a[0] = x
    _activate(code, p0, p1, a, g, 0, 1)
    return a[0], g[0]


@njit(cache=True, error_model="numpy")
def _v8_math(which, x):
    out = np.empty_like(x)
    if which == 0:
        for i in range(x.shape[0]):
            out[i] = _v8_exp(x[i])
    elif which == 1:
        for i in range(x.shape[0]):
            out[i] = _v8_expm1(x[i])
    else:
        for i in range(x.shape[0]):
            out[i] = _v8_tanh(x[i])
    return out


def evaluate(act: activations.Activation, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(f(x), f'(x))`` exactly as the kernel computes them (ValueError if unsupported)."""
    found = activation_code(act)
    if found is None:
        raise ValueError(f"the kernel does not implement {act.label}")
    code, p0, p1 = found
    return _evaluate(code, p0, p1, np.ascontiguousarray(x, dtype=np.float64).reshape(-1))


def v8_math(name: str, x: np.ndarray) -> np.ndarray:
    """The kernel's ``exp``, ``expm1`` or ``tanh`` (V8's ``Math.*``) of a 1-D array."""
    which = ("exp", "expm1", "tanh").index(name)
    return _v8_math(which, np.ascontiguousarray(x, dtype=np.float64).reshape(-1))
