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
* chunks are independent: a thread pool spreads them over the cores (the compiled
  chunk function releases the GIL). Each chunk runs all
  requested epochs without leaving compiled code; its working set (parameters,
  accumulators, node values: about 80 KiB for ``[4, 2]``, 1 MiB for six layers of 8)
  stays in L1/L2 while the data stream through.

A lane never reads another lane, and every lane executes the same operations in the same
order whatever its chunk, position or the chunk's width (a vector lane and a scalar
remainder iteration compute the same IEEE operations), so a network's numbers are
bit-identical whether it trains alone or among thousands (tested).

Transcendentals: vectorised, V8's where the playground's bits matter
--------------------------------------------------------------------
A C-library ``tanh`` call per lane cannot be vectorised and was about 70 % of the run time
of a ``[4, 2]`` classifier (750 output ``tanh`` per network-epoch). :func:`_v8_exp`,
:func:`_v8_expm1` and :func:`_v8_tanh` port V8's fdlibm routines branch-free (every case
computed, the right one selected), so lane loops calling them vectorise; they return
V8's bits (tested against ``node``), i.e. the playground's ``Math.tanh``/``Math.exp``. They
serve the activations the playground itself computes (:data:`EXACT`: hidden Tanh and the
output node). Every other definition — ELU, SiLU, GELU, Mish, softplus, sigmoid (whose
registry formula is not the page's anyway), formulas — is compared with NumPy to ~1e-14,
and uses shorter branch-free routines within 2-3 ulp: :func:`_exp`, :func:`_expm1`,
:func:`_tanh` (Estrin polynomials, no division, about twice as fast), :func:`_sin`,
:func:`_cos` (Cody-Waite reduction; beyond 2^19·π/2 a second scalar pass over the row
recomputes the lane with the C library), :func:`_log`, :func:`_log1p`, :func:`_erf`,
:func:`_erfc`. On this project's test machine a lane loop of such a routine is bound by the
latency of its dependency chain (the CPU does not overlap one vector's chain with the
next), so shallow polynomials pay twice. No select ever computes a subnormal product it
then discards: each costs a microcode assist (exp of arguments below -15 was 2× slower).

Generated per activation
------------------------
Every activation is defined once, in the registry (:mod:`actlab.activations`), as ``f`` and
``f'`` in the small expression language of :mod:`actlab.codegen`; formula activations are
definitions too. :func:`kernel_module` translates the hidden and the output activation's
definitions into scalar Numba code (``exp`` → :func:`_v8_exp`, ``max`` → NumPy's NaN
semantics, …), drops it into the loop template :mod:`actlab.playground.kernel_loop` and
imports the result: one module per activation pair, named by the hash of its source, written
to a cache directory (:func:`cache_dirs`) where Numba caches its machine code beside it. A
network's numbers are therefore the registry's formulas operation for operation, and the
kernel compiles only what a run needs.

Compilation, and a JIT that cannot break a run
----------------------------------------------
A module compiles in a few seconds and is cached on disk (``cache=True``; later processes
load it in well under a second). Small helpers are inlined by LLVM (``forceinline=True``)
rather than by Numba's IR inliner, which deep-copies the callee's IR per call site.
Failures fall back, each reported once as an :class:`~actlab.errors.ActlabNote` (one
``note:`` line from the CLI): a damaged generated file is rewritten; a truncated or garbage
Numba cache file makes loading fail, so the cache index is flushed and the kernel rebuilt;
no writable cache location means compiling in memory; ``NUMBA_DISABLE_JIT=1`` or a failed
compile means the engine trains with NumPy. Layout conversion (``[K, out, in]`` ↔
``[chunk, link, lane]``) happens once per call, not per epoch, and the packed training data
is cached per trainer.
"""

from __future__ import annotations

import atexit
import hashlib
import importlib.util
import math
import os
import struct
import sys
import tempfile
import threading
import warnings
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType

import numba
import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from actlab import activations, codegen
from actlab.errors import ActlabNote, KernelUnavailable
from actlab.playground.config import PlaygroundConfig

#: Most networks per chunk (the length of every lane loop).
LANES = 128

KernelFn = Callable[..., tuple[np.ndarray, np.ndarray]]

# ---------------------------------------------------------------------------- robust JIT
def _note(message: str) -> None:
    """One ``note:`` line for the CLI (an :class:`~actlab.errors.ActlabNote` warning)."""
    warnings.warn(message, ActlabNote, stacklevel=3)


def _cached_njit(**options):
    """``njit(cache=True)``, or in-memory ``njit`` where Numba has no usable cache location.

    Numba raises at decoration when it cannot write a cache next to the source or in a
    user-wide directory (a read-only install, a container without a writable home), or when
    the source is not a file: the function is then compiled in memory, every run.
    """

    def wrap(fn):
        try:
            return njit(cache=True, **options)(fn)
        except RuntimeError:  # "cannot cache function ...: no locator available"
            return njit(**options)(fn)

    return wrap


_HEALTHY: set[str] = set()  # modules whose kernels compiled or loaded fine in this process
_CACHED = ("_train_chunk", "_evaluate")


def _guarded(module, name: str, *args):
    """``module.name(*args)``, surviving a broken on-disk cache: flush it and rebuild, else
    compile in memory; if even that fails, :class:`KernelUnavailable` (NumPy takes over).

    Numba raises while loading a truncated or garbage cache file (an unpickling error) and
    while saving into an unwritable location; either is reported once as a note.
    """
    fn = getattr(module, name)
    if module.__name__ in _HEALTHY:
        return fn(*args)
    try:
        out = fn(*args)
    except Exception as first:  # noqa: BLE001 - any failure moves down the chain
        problem = _describe(first)
        for repair, outcome in ((_flush_caches, "rebuilt it"),
                                (_drop_caches, "compiled in memory")):
            try:
                repair(module)
                out = fn(*args)
                done = outcome
                break
            except Exception as exc:  # noqa: BLE001
                problem = _describe(exc)
        else:
            raise KernelUnavailable(f"the Numba kernel failed to compile ({problem})") from None
        _note(f"the Numba kernel cache was unusable ({problem}); {done}")
    _HEALTHY.add(module.__name__)
    return out


def _describe(exc: BaseException) -> str:
    first_line = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first_line}"


def _flush_caches(module) -> None:
    """Empty the module's cache indexes: damaged entries are never read again, and the
    next compile writes fresh ones."""
    for name in _CACHED:
        getattr(module, name)._cache.flush()


def _drop_caches(module) -> None:
    """No cache reads or writes for this module any more: compile in memory."""
    from numba.core.caching import NullCache

    for name in _CACHED:
        getattr(module, name)._cache = NullCache()

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


@intrinsic
def _bits_of_f64(typingctx, x):
    """The IEEE-754 bit pattern of the double ``x`` as an int64 (LLVM bitcast)."""
    if not isinstance(x, types.Float):
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(x), codegen


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


#: 1.5 * 2**52: for an integer-valued double |k| < 2**51, the low bits of ``k + _MAGIC``
#: are k in two's complement, so 2**k is built without a float-to-integer conversion
#: (AVX2 has no packed one: LLVM would convert lane by lane).
_MAGIC = 6755399441055744.0
_MAGIC_BITS = 0x4338000000000000  # the bits of _MAGIC


@njit(forceinline=True, error_model="numpy")
def _pow2(kf):
    """2**k for an integer-valued double -1022 <= k <= 1023 (clamped outside), from its bits."""
    kc = min(max(kf, -1022.0), 1023.0)
    return _f64_from_bits((_bits_of_f64(kc + _MAGIC) + 1023) << 52)


@njit(forceinline=True, error_model="numpy")
def _v8_exp(x):
    """V8's ``Math.exp`` (fdlibm ``__ieee754_exp``)."""
    ax = abs(x)
    neg = x < 0.0
    mid = ax < _THREE_HALF_LN2
    kf = np.trunc(_INVLN2 * x + (-0.5 if neg else 0.5))
    hi = x - kf * _LN2_HI
    lo = kf * _LN2_LO
    kf = (-1.0 if neg else 1.0) if mid else kf
    hi = (x + _LN2_HI if neg else x - _LN2_HI) if mid else hi
    lo = (-_LN2_LO if neg else _LN2_LO) if mid else lo
    reduce = ax >= _HALF_LN2_UP
    kf = kf if reduce else 0.0
    xr = hi - lo if reduce else x
    k = kf  # an integer, kept as a double (see _pow2)
    t = xr * xr
    c = xr - t * (_P1 + t * (_P2 + t * (_P3 + t * (_P4 + t * _P5))))
    y0 = 1.0 - ((xr * c) / (c - 2.0) - xr)  # k == 0
    y = 1.0 - ((lo - (xr * c) / (2.0 - c)) - hi)
    small = k < -1021.0
    twopk = _pow2(k + 1000.0 if small else k)
    y = y * 2.0 * twopk if k == 1024.0 else y * twopk
    y = y * (_TWOM1000 if small else 1.0)  # y·1 = y: the same bits, no subnormal products
    y = y0 if k == 0.0 else y
    y = _E if x == 1.0 else y
    y = 1.0 + x if ax < _TWO_M28 else y
    y = math.inf if x > _O_THRESHOLD else y
    y = 0.0 if x < _U_THRESHOLD else y
    return x + x if x != x else y


@njit(forceinline=True, error_model="numpy")
def _expm1_reduced(xr, c, k):
    """fdlibm ``expm1``'s core after the reduction ``x = k·ln2 + xr`` (``c``: the
    reduction's rounding correction, ``k`` an integer-valued double): ``(y0, e, 2**k, y)``
    with ``y0`` the result for k = 0, ``e`` the corrected remainder term and ``y`` the result
    for 2 <= k <= 56; the callers select their other cases. Shared by :func:`_v8_expm1` and
    the specialised :func:`_v8_tanh` (inlined, so the same instructions in both)."""
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
    y = ((1.0 - twomk) - (e - xr)) * twopk if k < 20.0 else y  # 2 <= k < 20
    return y0, e, twopk, y


@njit(forceinline=True, error_model="numpy")
def _v8_expm1(x):
    """V8's ``Math.expm1`` (fdlibm ``expm1``)."""
    ax = abs(x)
    neg = x < 0.0
    mid = ax < _THREE_HALF_LN2
    kf = np.trunc(_INVLN2 * x + (-0.5 if neg else 0.5))
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
    k = kf  # an integer, kept as a double (see _pow2)
    y0, e, twopk, y = _expm1_reduced(xr, c, k)
    y1 = 1.0 - (e - xr)
    yd = (y1 * 2.0 * twopk if k == 1024.0 else y1 * twopk) - 1.0
    y = yd if (k <= -2.0) | (k > 56.0) else y
    y = (-2.0 * (e - (xr + 0.5)) if xr < -0.25 else 1.0 + 2.0 * (xr - e)) if k == 1.0 else y
    y = 0.5 * (xr - e) - 0.5 if k == -1.0 else y
    y = y0 if k == 0.0 else y
    y = x if ax < _TWO_M54 else y
    y = -1.0 if neg & (ax >= _EXPM1_NEG_CUT) else y
    y = math.inf if x > _O_THRESHOLD else y
    return x + x if x != x else y


@njit(forceinline=True, error_model="numpy")
def _v8_tanh(x):
    """V8's ``Math.tanh`` (fdlibm ``tanh``), with the ``expm1`` it calls inlined.

    fdlibm computes ``expm1(2|x|)`` for |x| >= 1 and ``expm1(-2|x|)`` below; only the
    cases of :func:`_v8_expm1` that these arguments reach are kept (|x| >= 22, tiny |x| and
    NaN are answered by tanh itself), and both quotients share one division. Same bits as
    ``tanh(x)`` from the full ``_v8_expm1`` (tested), about a third fewer operations.
    """
    ax = abs(x)
    big = ax >= 1.0
    aa = 2.0 * ax
    arg = aa if big else -aa  # >= 2 when big, in (-2, 0] otherwise
    mid = aa < _THREE_HALF_LN2  # only when not big: k = -1
    kf = np.trunc(_INVLN2 * arg + (0.5 if big else -0.5))
    hi = arg + _LN2_HI if mid else arg - kf * _LN2_HI
    lo = -_LN2_LO if mid else kf * _LN2_LO
    kf = -1.0 if mid else kf
    reduce = aa >= _HALF_LN2_UP
    xr = hi - lo
    c = (hi - xr) - lo
    k = kf if reduce else 0.0
    xr = xr if reduce else arg
    c = c if reduce else 0.0
    y0, e, twopk, y = _expm1_reduced(xr, c, k)  # y: 3 <= k <= 56
    y = (1.0 - (e - xr)) * twopk - 1.0 if (k <= -2.0) | (k > 56.0) else y
    y = 0.5 * (xr - e) - 0.5 if k == -1.0 else y
    y = y0 if k == 0.0 else y  # y = expm1(arg)
    q = (2.0 if big else -y) / (y + 2.0)
    z = 1.0 - q if big else q
    z = 1.0 if ax >= _TANH_ONE else z
    z = -z if x < 0.0 else z
    z = x if ax < _TWO_M28 else z
    return x + x if x != x else z

# ---------------------------------------------------------------------------- helpers
# NumPy's float semantics, so that generated code computes the registry's definitions
# operation for operation: ``np.maximum``/``np.minimum`` propagate NaN, ``np.clip`` is
# min(max(x, lo), hi).
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
def _v8_sigmoid(x):
    """The registry's ``e^{min(x,0)} / (1 + e^{-|x|})`` with one ``exp``: for x <= 0 both
    exponents are x, for x > 0 the numerator is e^0 = 1 (same bits, NaN included)."""
    q = _v8_exp(-abs(x))
    return (q if x <= 0.0 else 1.0) / (1.0 + q)

# ---------------------------------------------------------------------------- fast exp, expm1, tanh
# Only the playground's own activations need V8's bits. Every other definition (ELU, SiLU,
# GELU, Mish, softplus, formulas, …) is compared with NumPy's libm to ~1e-14, and for those
# the kernel uses these shorter routines (exp, expm1 within 2 ulp of the correctly rounded
# result, tanh 3; tested): no division, no special-case selects beyond overflow, and the
# polynomial by Estrin's scheme. On the 2-CPU test machine a lane loop is bound by the
# *latency* of one long dependency chain (the CPU does not overlap the next vector's chain
# with it), so a shallow polynomial matters as much as fewer operations: a value of exp took
# 11.6 → 6.0 ns, expm1 16.6 → 5.3, tanh 16.6 → 7.6 (docs/benchmarks.md).
#: The few-ulp routines may fuse a multiply and an add (one rounding instead of two: fewer
#: operations, a shorter chain, slightly more accurate). The flag is per instruction, so it
#: stays inside these routines when they are inlined: V8's ports and the generated
#: definitions keep IEEE's separate roundings. On one machine a lane's bits still do not
#: depend on its batch (vector body and scalar remainder fuse alike; tested); a CPU without
#: FMA gives last-bit differences from one with it, as NumPy's libm does between machines.
_FEW_ULP = {"forceinline": True, "error_model": "numpy", "fastmath": {"contract"}}
_LN2_HI_FAST = 6.93147180369123816490e-01  # ln 2 with 32 trailing zero bits: k·hi is exact
_LN2_LO_FAST = 1.90821492927058770002e-10
_EXP_OVERFLOW = 709.782712893384  # exp(x) = inf above (the largest finite is e^709.78…)


@njit(**_FEW_ULP)
def _expm1_poly(r):
    """``e^r - 1`` for |r| <= ln2/2: ``r + r²·q(r)``, q the Taylor polynomial of degree 11
    (truncation < 4e-18 relative), evaluated by Estrin's scheme (depth 5, not 11)."""
    r2 = r * r
    r4 = r2 * r2
    p0 = 0.5 + r * (1.0 / 6.0)
    p1 = 1.0 / 24.0 + r * (1.0 / 120.0)
    p2 = 1.0 / 720.0 + r * (1.0 / 5040.0)
    p3 = 1.0 / 40320.0 + r * (1.0 / 362880.0)
    p4 = 1.0 / 3628800.0 + r * (1.0 / 39916800.0)
    p5 = 1.0 / 479001600.0 + r * (1.0 / 6227020800.0)
    q = ((p0 + r2 * p1) + r4 * (p2 + r2 * p3)) + (r4 * r4) * (p4 + r2 * p5)
    return r + r2 * q


@njit(**_FEW_ULP)
def _reduce(x):
    """``x = k·ln2 + r`` with k = round(x / ln2) (an integer-valued double) and |r| <= ln2/2."""
    kf = (x * _INVLN2 + _MAGIC) - _MAGIC  # round to nearest, no conversion
    return kf, (x - kf * _LN2_HI_FAST) - kf * _LN2_LO_FAST


@njit(**_FEW_ULP)
def _exp(x):
    """e^x within 2 ulp (subnormal results rounded once; inf above 709.78, 0 below -745.13)."""
    kf, r = _reduce(min(max(x, -746.0), 710.0))
    p = 2.0 * (_expm1_poly(r) + 1.0)  # e^r·2, scaled by 2^(k-1): k = 1024 stays finite
    small = kf < -1020.0
    y = p * _pow2(kf + 999.0 if small else kf - 1.0)
    y = y * (_TWOM1000 if small else 1.0)  # one rounding into the subnormals (only there:
    # a subnormal product in the other lanes would cost a microcode assist each)
    y = math.inf if x > _EXP_OVERFLOW else y
    y = 0.0 if x < _U_THRESHOLD else y
    return x + x if x != x else y


@njit(**_FEW_ULP)
def _expm1(x):
    """e^x - 1 within 2 ulp, to full relative precision near 0."""
    kf, r = _reduce(min(max(x, -746.0), 710.0))  # as _exp's: LLVM shares the two
    t = _pow2(kf - 1.0)  # 2^k / 2, so that k = 1024 stays finite (and 2^-1022 for k < -1021:
    # the result is -1 there anyway)
    y = 2.0 * (t * _expm1_poly(r) + (t - 0.5))  # 2^k·em1(r) + (2^k − 1), halved exactly
    y = math.inf if x > _EXP_OVERFLOW else y
    return x + x if x != x else y


@njit(**_FEW_ULP)
def _tanh(x):
    """tanh(x) = sign(x)·t/(t + 2) with t = expm1(2|x|), within 3 ulp (1 beyond |x| = 20)."""
    t = _expm1(2.0 * min(abs(x), 20.0))
    z = t / (t + 2.0)
    z = -z if x < 0.0 else z
    return x + x if x != x else z


@njit(**_FEW_ULP)
def _sigmoid(x):
    """:func:`_v8_sigmoid` with :func:`_exp`."""
    q = _exp(-abs(x))
    return (q if x <= 0.0 else 1.0) / (1.0 + q)

# ---------------------------------------------------------------------------- log, log1p, erf
# Branch-free (every case computed, the right one selected), so lane loops calling them
# vectorise, unlike a C-library call per lane. ``_log`` is fdlibm's ``__ieee754_log`` with its
# one general reconstruction (< 1 ulp); ``_log1p`` corrects ``log(1 + x)`` by the rounding
# error of ``1 + x`` (Goldberg's trick, < 2 ulp); ``_erfc`` is the registry's Chebyshev
# expansion (relative error < 5e-15) and ``_erf`` its Taylor series below 0.5.
_LG1, _LG2, _LG3, _LG4, _LG5, _LG6, _LG7 = (
    6.666666666666735130e-01, 3.999999999940941908e-01, 2.857142874366239149e-01,
    2.222219843214978396e-01, 1.818357216161805012e-01, 1.531383769920937332e-01,
    1.479819860511658591e-01,
)
_SQRT2 = 1.4142135623730951
_TINY_NORMAL = 2.2250738585072014e-308


@njit(forceinline=True, error_model="numpy")
def _log(x):
    """Natural logarithm (fdlibm's algorithm, branch-free); NaN below 0, -inf at 0."""
    sub = x < _TINY_NORMAL
    xs = x * 18014398509481984.0 if sub else x  # 2**54: subnormals become normal
    bits = _bits_of_f64(xs)
    k = (bits >> 52) - 1023 - (54 if sub else 0)
    m = _f64_from_bits((bits & 0x000FFFFFFFFFFFFF) | 0x3FF0000000000000)  # [1, 2)
    big = m > _SQRT2
    m = 0.5 * m if big else m
    k = k + 1 if big else k
    f = m - 1.0
    s = f / (2.0 + f)
    dk = _f64_from_bits(k + _MAGIC_BITS) - _MAGIC  # float(k), without a conversion
    z = s * s
    w = z * z
    r = z * (_LG1 + w * (_LG3 + w * (_LG5 + w * _LG7))) + w * (_LG2 + w * (_LG4 + w * _LG6))
    hfsq = 0.5 * f * f
    y = dk * _LN2_HI - ((hfsq - (s * (hfsq + r) + dk * _LN2_LO)) - f)
    y = -math.inf if x == 0.0 else y
    y = math.nan if x < 0.0 else y
    y = x if x == math.inf else y
    return x + x if x != x else y


@njit(forceinline=True, error_model="numpy")
def _log1p(x):
    """log(1 + x) to full relative precision (also for tiny x); NaN below -1."""
    u = 1.0 + x
    y = _log(u) - ((u - 1.0) - x) / u
    y = x if u == 1.0 else y
    y = x if x == math.inf else y
    return x + x if x != x else y


def _erfc_coefficients() -> tuple[float, ...]:
    from actlab.activations import _ERFC_POLY

    return tuple(_ERFC_POLY)


def _estrin(coefficients: tuple[float, ...]):
    """The polynomial ``Σ cᵢ sⁱ`` (``coefficients`` from the constant term up) as one
    straight-line function of ``s``, by Estrin's scheme: pairs ``c₂ⱼ + c₂ⱼ₊₁·s``, then pairs
    of those with ``s²``, ``s⁴``, …, so the dependency chain is ~2·log₂(n) operations deep
    instead of Horner's 2n (the lane loops are latency-bound; erfc's 25 terms). Built from
    inlined closures: a loop over a constant tuple inside a lane loop would not be unrolled
    by LLVM and would leave the whole lane loop scalar."""
    terms = [_constant(c) for c in coefficients]
    power = _identity
    while len(terms) > 1:
        pairs = [_linear(terms[i], terms[i + 1], power) for i in range(0, len(terms) - 1, 2)]
        terms = pairs + (terms[-1:] if len(terms) % 2 else [])
        power = _squared(power)
    return terms[0]


@njit(forceinline=True, error_model="numpy")
def _identity(s):
    return s


def _constant(c: float):
    @njit(**_FEW_ULP)
    def const(s):
        return c

    return const


def _squared(power):
    @njit(**_FEW_ULP)
    def sq(s):
        p = power(s)
        return p * p

    return sq


def _linear(low, high, power):
    @njit(**_FEW_ULP)
    def lin(s):
        return low(s) + high(s) * power(s)

    return lin


_ERFC_POLY = _estrin(_erfc_coefficients())
_ERF_SERIES = tuple((-1.0) ** n / (math.factorial(n) * (2 * n + 1)) for n in range(14))
_ERF_POLY = _estrin(_ERF_SERIES)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


@njit(**_FEW_ULP)
def _exp_sum(hi, lo):
    """e^(hi + lo) for an exact ``hi`` and a correction ``lo`` (|hi + lo| < 746), with one
    reduction: ``r = ((hi - k·ln2_hi) + lo) - k·ln2_lo`` keeps lo's bits that ``hi + lo``
    would round away (erfc's ``e^{-a²}`` to full relative precision)."""
    kf = ((hi + lo) * _INVLN2 + _MAGIC) - _MAGIC
    r = ((hi - kf * _LN2_HI_FAST) + lo) - kf * _LN2_LO_FAST
    p = 2.0 * (_expm1_poly(r) + 1.0)
    small = kf < -1020.0
    y = p * _pow2(kf + 999.0 if small else kf - 1.0)
    return y * (_TWOM1000 if small else 1.0)


@njit(**_FEW_ULP)
def _erfc(a):
    """erfc(a) for a >= 0 (the registry's expansion; inf → 0): ``t·e^{-a² + q(s)}``."""
    a = _minimum(a, 30.0)
    t = 2.0 / (2.0 + a)
    s = 2.0 * t - 1.0
    q = _ERFC_POLY(s)
    ah = np.floor(a * 1048576.0 + 0.5) * (1.0 / 1048576.0)  # a*a = ah*ah + (a-ah)(a+ah)
    return t * _exp_sum(-ah * ah, (ah - a) * (a + ah) + q)


@njit(**_FEW_ULP)
def _erf(x):
    """erf(x): a Taylor series for |x| < 0.5, 1 - erfc(|x|) beyond (odd)."""
    a = abs(x)
    small = _minimum(a, 0.5)
    s2 = small * small
    series = _TWO_OVER_SQRT_PI * small * _ERF_POLY(s2)
    y = series if a < 0.5 else 1.0 - _erfc(_maximum(a, 0.5))
    y = -y if x < 0.0 else y
    return x + x if x != x else y


@njit(**_FEW_ULP)
def _log1p_unit(q):
    """log(1 + q) for 0 <= q <= 1 (NaN → NaN), within 1 ulp, one division: fdlibm's
    ``log`` after the exact reduction ``1 + q = 2^k (1 + f)`` with k = 1, f = (q - 1)/2 when
    1 + q > √2 (else k = 0, f = q), so ``1 + q`` is never rounded (no correction term)."""
    big = q > _SQRT2 - 1.0
    f = (q - 1.0) * 0.5 if big else q
    dk = 1.0 if big else 0.0
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    r = z * (_LG1 + w * (_LG3 + w * (_LG5 + w * _LG7))) + w * (_LG2 + w * (_LG4 + w * _LG6))
    hfsq = 0.5 * f * f
    return dk * _LN2_HI - ((hfsq - (s * (hfsq + r) + dk * _LN2_LO)) - f)


@njit(**_FEW_ULP)
def _softplus1(x):
    """``max(x, 0) + log1p(e^{-|x|})`` (the registry's softplus with beta = 1)."""
    return _maximum(x, 0.0) + _log1p_unit(_exp(-abs(x)))


# ---------------------------------------------------------------------------- sin, cos
# fdlibm's ``__kernel_sin``/``__kernel_cos`` after a branch-free Cody-Waite reduction by
# π/2 (all three of fdlibm's 33-bit steps, 151 bits of π: the remainder is exact to a few
# ulp even next to a multiple of π/2), within 2 ulp of the correctly rounded result (tested),
# so lane loops calling them vectorise (a C-library call per lane would not). The reduction
# holds for |x| <= :data:`TRIG_LIMIT` (2^19·π/2, as fdlibm's "medium" case); beyond, these
# return NaN and the generated lane loop recomputes that lane with the C library
# (:func:`_sin_slow`), so every finite input gets its sine.
from actlab.playground import jsmath as _js  # noqa: E402 - the constants (fdlibm's bits)

TRIG_LIMIT = _js.MEDIUM_LIMIT
_PIO2 = (_js._PIO2_1, _js._PIO2_1T, _js._PIO2_2, _js._PIO2_2T, _js._PIO2_3, _js._PIO2_3T)
_P21, _P21T, _P22, _P22T, _P23, _P23T = _PIO2
_INVPIO2 = _js._INVPIO2
_S1, _S2, _S3, _S4, _S5, _S6 = _js._S1, _js._S2, _js._S3, _js._S4, _js._S5, _js._S6
_C1, _C2, _C3, _C4, _C5, _C6 = _js._C1, _js._C2, _js._C3, _js._C4, _js._C5, _js._C6
_COS_03 = _js._COS_03
_COS_078 = _js._COS_078


@njit(**_FEW_ULP)
def _rem_pio2(ax):
    """``ax = n·π/2 + (y0 + y1)`` for 0 <= ax <= TRIG_LIMIT: ``(n, y0, y1)``, n an
    integer-valued double, |y0| <= π/4 (n·p exact: each part of π/2 has 33 bits)."""
    n = (ax * _INVPIO2 + _MAGIC) - _MAGIC
    t = ax - n * _P21  # fdlibm's steps 1-3 (step 1's tail is replaced by step 2's)
    w = n * _P22
    r = t - w
    w = n * _P22T - ((t - r) - w)
    t = r  # the third step's tail replaces the second's (p2t = p3 + p3t)
    w = n * _P23
    r = t - w
    w = n * _P23T - ((t - r) - w)
    y0 = r - w
    return n, y0, (r - y0) - w


@njit(**_FEW_ULP)
def _sin_poly(x, y):
    """fdlibm ``__kernel_sin(x, y, 1)``: sin(x + y), |x| <= π/4."""
    z = x * x
    v = z * x
    r = _S2 + z * (_S3 + z * (_S4 + z * (_S5 + z * _S6)))
    return x - ((z * (0.5 * y - v * r) - y) - v * _S1)


@njit(**_FEW_ULP)
def _cos_poly(x, y):
    """fdlibm ``__kernel_cos(x, y)``: cos(x + y), |x| <= π/4 (its ``qx`` cases selected)."""
    ax = abs(x)
    z = x * x
    r = z * (_C1 + z * (_C2 + z * (_C3 + z * (_C4 + z * (_C5 + z * _C6)))))
    qx = _f64_from_bits(_bits_of_f64(ax) & -4294967296) * 0.25  # low word cleared, / 4
    qx = 0.28125 if ax >= _COS_078 else qx
    qx = 0.0 if ax < _COS_03 else qx
    return (1.0 - qx) - ((0.5 * z - qx) - (z * r - x * y))


@njit(**_FEW_ULP)
def _sin(x):
    """sin(x) within 2 ulp for |x| <= TRIG_LIMIT, NaN beyond (see :func:`_sin_slow`)."""
    ax = abs(x)
    n, y0, y1 = _rem_pio2(min(ax, TRIG_LIMIT))
    s = _sin_poly(y0, y1)
    c = _cos_poly(y0, y1)
    q = n - 4.0 * np.floor(n * 0.25)  # n mod 4
    y = s if (q == 0.0) | (q == 2.0) else c
    y = -y if q >= 2.0 else y
    y = -y if x < 0.0 else y
    y = x if ax < _TWO_M28 else y  # sin(±0) = ±0
    return math.nan if (ax > TRIG_LIMIT) | (x != x) else y


@njit(**_FEW_ULP)
def _cos(x):
    """cos(x) within 2 ulp for |x| <= TRIG_LIMIT, NaN beyond (see :func:`_cos_slow`)."""
    ax = abs(x)
    n, y0, y1 = _rem_pio2(min(ax, TRIG_LIMIT))
    s = _sin_poly(y0, y1)
    c = _cos_poly(y0, y1)
    q = n - 4.0 * np.floor(n * 0.25)
    y = c if (q == 0.0) | (q == 2.0) else s
    y = -y if (q == 1.0) | (q == 2.0) else y
    return math.nan if (ax > TRIG_LIMIT) | (x != x) else y


@njit(forceinline=True, error_model="numpy")
def _sin_slow(x):
    """:func:`_sin`, with the C library beyond TRIG_LIMIT (a scalar call: the lane loop's
    rare second pass)."""
    if abs(x) > TRIG_LIMIT:
        return math.sin(x)
    return _sin(x)


@njit(forceinline=True, error_model="numpy")
def _cos_slow(x):
    """:func:`_cos`, with the C library beyond TRIG_LIMIT."""
    if abs(x) > TRIG_LIMIT:
        return math.cos(x)
    return _cos(x)


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


#: Argument positions of ``_train_chunk`` that are per chunk (axis 0 of the packed arrays).
_PER_CHUNK = (*range(12), 19, 20)
_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=numba.get_num_threads(),
                                       thread_name_prefix="actlab-kernel")
        return _POOL


def _launch(module, args: tuple) -> None:
    """Run the module's kernel on every chunk, chunks spread over threads.

    ``_train_chunk`` releases the GIL (``nogil=True``), so Python threads run chunks in
    parallel; Numba's own ``parallel=True`` would add a parfor compilation (~40 % of the
    compile time) for nothing. The first call of a module goes through :func:`_guarded`
    (cache repair and fallbacks).
    """
    chunks = args[0].shape[0]

    def chunk_args(c: int) -> tuple:
        return tuple(a[c] if i in _PER_CHUNK else a for i, a in enumerate(args))

    _guarded(module, "_train_chunk", *chunk_args(0))
    if chunks > 1:
        list(_pool().map(lambda c: module._train_chunk(*chunk_args(c)), range(1, chunks)))


def _pending_after(pending: int, n: int, batch: int, epochs: int) -> int:
    """Points accumulated since the last update after ``epochs`` more epochs.

    An epoch with an update (``n >= batch``) leaves its last ``n % batch`` points pending.
    """
    if epochs == 0:
        return pending
    if n >= batch:
        return n % batch
    return pending + n * epochs


def train_epochs(trainer, epochs: int, module, pr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Train ``trainer``'s K networks ``epochs`` epochs in place (the engine's contract)."""
    if epochs == 0:
        k = trainer.train_x.shape[0]
        return np.empty((k, 0)), np.empty((k, 0))
    return _run(trainer, epochs, module, pr)


def _run(trainer, epochs: int, module, pr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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
    args = (x, y, tx, ty, w, b, dead, aw, ab, lr, rr, kind, sizes, woff, noff, pr,
            int(trainer.batch_size), int(state.pending), int(epochs), loss_train, loss_test)
    _launch(module, args)
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
        raise ValueError("the kernel is unavailable here")
    return fn.losses(trainer)


def for_config(config: PlaygroundConfig) -> KernelFn | None:
    """The fused training function for ``config``'s networks, or None if the kernel is
    unavailable (``NUMBA_DISABLE_JIT``; the engine then trains with NumPy).

    The returned ``fn(trainer, epochs)`` trains the trainer's K networks in place and
    returns ``(train_loss, test_loss)``, each ``[K, epochs]``. The kernel module for the
    activation is generated (and compiled, or loaded from the disk cache) here.
    """
    if numba.config.DISABLE_JIT:
        _note("NUMBA_DISABLE_JIT is set: training with NumPy")
        return None
    hidden = activations.get(config.activation, **config.activation_params)
    module, pr = module_for(hidden, config.output_activation)

    def fn(trainer, epochs: int) -> tuple[np.ndarray, np.ndarray]:
        return train_epochs(trainer, epochs, module, pr)

    def current_losses(trainer) -> tuple[np.ndarray, np.ndarray]:
        train, test = _run(trainer, 0, module, pr)
        return train[:, 0], test[:, 0]

    fn.losses = current_losses
    fn.module = module
    fn.ready = lambda: module.__name__ in _HEALTHY
    fn.cached = lambda: _on_disk(module)
    fn.warm = lambda: warm_in_background(module)
    fn.failed = lambda: _FAILED.get(module.__name__)
    return fn


_WARMING: dict[str, threading.Thread] = {}


def _on_disk(module) -> bool:
    """Whether Numba has a cache index for the module's kernel (loading it takes seconds,
    compiling it a minute)."""
    try:
        return Path(module._train_chunk._cache._cache_file._index_path).is_file()
    except AttributeError:  # NullCache or an in-memory module: nothing on disk
        return False


def _dummy_args(module) -> tuple:
    """A one-point, one-network problem with the argument types of every real call."""
    f64 = np.float64
    z3, z2, z1 = np.zeros((2, 2, 1), f64), np.zeros((2, 1), f64), np.zeros(1, f64)
    return (z3, z2, z3.copy(), z2.copy(), np.zeros((2, 1), f64), np.zeros((1, 1), f64),
            np.zeros((2, 1), np.bool_), np.zeros((2, 1), f64), np.zeros((1, 1), f64),
            z1, z1.copy(), np.zeros(1, np.int8), np.array([2, 1], np.int64),
            np.array([0], np.int64), np.array([0, 2], np.int64), np.zeros(2, f64), 1, 0, 1,
            np.zeros((1, 1), f64), np.zeros((1, 1), f64))


def warm_in_background(module) -> threading.Thread:
    """Compile (or load from the disk cache) ``module``'s kernel in a background thread, so
    a run can start with NumPy at once and switch when it is ready; the process waits for
    it at exit so the compiled code reaches the disk cache."""
    with _MODULES_LOCK:
        thread = _WARMING.get(module.__name__)
        if thread is None:
            def work() -> None:
                try:
                    _guarded(module, "_train_chunk", *_dummy_args(module))
                except KernelUnavailable as exc:
                    _FAILED[module.__name__] = str(exc)

            thread = threading.Thread(target=work, name=f"warm-{module.__name__}", daemon=True)
            _WARMING[module.__name__] = thread
            thread.start()
        return thread


_FAILED: dict[str, str] = {}


@atexit.register
def _finish_warming() -> None:
    for thread in list(_WARMING.values()):
        thread.join()


# ---------------------------------------------------------------------------- generated modules
_TEMPLATE = Path(__file__).with_name("kernel_loop.py")
_BEGIN, _END = "# --- generated: begin\n", "# --- generated: end\n"
_MODULES: dict[str, ModuleType] = {}
_MODULES_LOCK = threading.RLock()

#: Output activations, by their code ``pr[1]``.
OUTPUTS = ("linear", "tanh")
#: Hidden activations computed with V8's ``Math.tanh`` (the playground's bits; so is the
#: output node). The others use the shorter few-ulp ``_exp``/``_expm1``/``_tanh``: the
#: registry's sigmoid is not the page's ``1/(1+Math.exp(-x))`` anyway, and agrees with its
#: golden runs to 1e-9 either way (tested).
EXACT = ("tanh",)


def _builtin_definitions() -> list[tuple[str, str, codegen.Definition]]:
    """Every built-in definition ``(name, choice, definition)``, in registry order."""
    out = []
    for name in activations.names():
        s = activations.spec(name)
        if s.formula is None:
            keys = [""] if isinstance(s.source, str) else list(s.source)
            for key in keys:
                choice = {p.name: key for p in s.params if p.choices}
                out.append((name, key, s.kernel_definition(choice)))
    return out


def module_for(act: activations.Activation,
               output: str = "tanh") -> tuple[ModuleType, np.ndarray]:
    """The kernel module that trains ``act`` and its ``pr`` vector: ``[code, output code,
    parameters…]``. Built-ins share one module (one compile serves them all); a formula has
    its own, named by the hash of its generated code."""
    d = act.spec.kernel_definition(act.params)
    if act.spec.formula is not None:
        defs, code = [d], 0
    else:
        builtins = _builtin_definitions()
        defs = [b[2] for b in builtins]
        code = next(i for i, b in enumerate(builtins) if b[2] is d)
    params = [float(act.params[p]) for p in d.params]
    pr = np.array([float(code), float(OUTPUTS.index(output)), *params], dtype=np.float64)
    return kernel_module(defs), pr


def _dispatch(fname: str, codes: list[str], index: int, grad: bool = True,
              slow: frozenset[str] = frozenset()) -> str:
    """A lane-loop dispatcher: one straight-line loop per activation, chosen by ``pr[index]``
    outside the loops (perfectly predicted). Without ``grad`` (``{fname}_f``) it stores
    only ``f``, and LLVM drops the code that computes ``f'``.

    An activation in ``slow`` (it calls ``sin``/``cos``, which give NaN beyond
    :data:`TRIG_LIMIT`) keeps its input where a result is NaN and marks the lane in ``g``;
    a second, scalar pass over the row recomputes the marked lanes with ``{act}_slow`` (the
    C library beyond the limit; otherwise the same operations, so the same bits).
    """
    row = "r0, r1" if fname == "_activate" else "r"
    if grad:
        head = f"def {fname}(pr, a, g, {row}):"
    else:
        head = f"def {fname}_f(pr, a, g, {row}):" if fname == "_activate" \
            else f"def {fname}_f(pr, a, {row}):"
    store = "a[r, k], g[r, k] = {act}(a[r, k], pr)" if grad else "a[r, k] = {act}(a[r, k], pr)[0]"
    lines = ['@njit(forceinline=True, error_model="numpy")', head, f"    code = pr[{index}]"]
    for i, act in enumerate(codes):
        lines.append(f"    {'if' if i == 0 else 'elif'} code == {float(i)!r}:")
        indent = "        "
        if fname == "_activate":
            lines.append(f"{indent}for r in range(r0, r1):")
            indent += "    "
        inner = indent + "    "
        if act not in slow:
            lines += [f"{indent}for k in range(a.shape[1]):", inner + store.format(act=act)]
            continue
        value = f"fv, gv = {act}(x, pr)" if grad else f"fv = {act}(x, pr)[0]"
        bad = "(fv != fv) | (gv != gv)" if grad else "fv != fv"
        redo = (f"a[r, k], g[r, k] = {act}_slow(a[r, k], pr)" if grad
                else f"a[r, k] = {act}_slow(a[r, k], pr)[0]")
        lines += [f"{indent}for k in range(a.shape[1]):",
                  f"{inner}x = a[r, k]",
                  f"{inner}{value}",
                  f"{inner}bad = {bad}",
                  f"{inner}a[r, k] = x if bad else fv",
                  f"{inner}g[r, k] = math.nan if bad else {'gv' if grad else '0.0'}",
                  f"{indent}for k in range(a.shape[1]):",
                  f"{inner}if g[r, k] != g[r, k]:",
                  f"{inner}    {redo}"]
    return "\n".join(lines) + "\n"


#: The hash of this file, written into every generated module: the modules inline this
#: file's helpers (exp, tanh, erf, …), so a change here must give them new names, or
#: Numba would load machine code compiled with the old helpers from its disk cache.
_HELPERS_TAG = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def kernel_source(hidden: list[codegen.Definition]) -> str:
    """The kernel module for ``hidden`` activations: the loop template with each one's
    scalar code (generated from its definition), the output activations' and the
    dispatching lane loops in place of the template's placeholder."""
    template = _TEMPLATE.read_text()
    head, rest = template.split(_BEGIN, 1)
    _, tail = rest.split(_END, 1)
    exact = {activations.spec(name).kernel_definition().digest for name in EXACT}
    parts, slow = [], set()
    for i, d in enumerate(hidden):
        code = codegen.numba_source(d, f"_act_{i}", offset=2, exact=d.digest in exact)
        parts.append(code)
        if "_sin(" in code or "_cos(" in code:  # and its second-pass twin (see _dispatch)
            slow.add(f"_act_{i}")
            parts.append(codegen.numba_source(d, f"_act_{i}_slow", offset=2, trig="slow"))
    outs = [activations.spec(name).kernel_definition() for name in OUTPUTS]
    parts += [codegen.numba_source(d, f"_out_{name}", offset=2, exact=True)
              for name, d in zip(OUTPUTS, outs, strict=True)]
    names = [f"_act_{i}" for i in range(len(hidden))]
    for grad in (True, False):
        parts.append(_dispatch("_activate", names, 0, grad, frozenset(slow)))
        parts.append(_dispatch("_activate_output", [f"_out_{name}" for name in OUTPUTS], 1, grad))
    generated = "\n\n".join(parts)
    return (f"# Generated by actlab.playground.kernel (helpers {_HELPERS_TAG}).\n"
            f"{head}{_BEGIN}\n\n{generated}\n\n{_END}{tail}")


def cache_dirs() -> list[Path]:
    """Where generated kernel modules (and Numba's cache of them) are kept: the directory
    ``$ACTLAB_KERNEL_CACHE`` if set (and only it), else the package's ``__pycache__``,
    then ``~/.cache/actlab/kernels`` — the first one that can be written."""
    if os.environ.get("ACTLAB_KERNEL_CACHE"):
        return [Path(os.environ["ACTLAB_KERNEL_CACHE"])]
    dirs = [Path(__file__).parent / "__pycache__" / "actlab_kernels"]
    dirs.append(Path.home() / ".cache" / "actlab" / "kernels")
    return dirs


def _write_source(source: str, name: str) -> Path | None:
    """The generated module's file in the first usable cache directory (written atomically
    when missing or not byte-identical: a truncated or garbage file is replaced)."""
    for folder in cache_dirs():
        path = folder / f"{name}.py"
        try:
            if path.is_file() and path.read_text() == source:
                return path
            existed = path.exists()
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
            with os.fdopen(fd, "w") as fh:
                fh.write(source)
            os.replace(tmp, path)
            if existed:
                _note(f"kernel cache file {path} was damaged; rebuilt it")
            return path
        except (OSError, UnicodeDecodeError):
            continue
    return None


_SOURCES: dict[tuple[str, ...], str] = {}


def kernel_module(hidden: list[codegen.Definition]) -> ModuleType:
    """The kernel module for ``hidden`` activations, compiled on demand (cached by the hash
    of its generated source, in memory and on disk)."""
    digests = tuple(d.digest for d in hidden)
    source = _SOURCES.get(digests)
    if source is None:  # generating and re-checking the code takes ~40 ms: once a process
        source = _SOURCES[digests] = kernel_source(hidden)
    name = "actlab_kernel_" + hashlib.sha256(source.encode()).hexdigest()[:24]
    with _MODULES_LOCK:
        if name in _MODULES:
            return _MODULES[name]
        path = _write_source(source, name)
        module = ModuleType(name)
        if path is not None:
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
        else:  # nowhere to write: compile in memory, every run
            _note("no writable kernel cache directory; the kernel is compiled in memory")
            code = compile(source, f"<{name}>", "exec")
            exec(code, module.__dict__)  # noqa: S102 - the template + checked generated code
        _MODULES[name] = module
        return module


# ---------------------------------------------------------------------------- inspection
@_cached_njit(error_model="numpy")
def _math(which, x):
    out = np.empty_like(x)
    if which == 0:
        for i in range(x.shape[0]):
            out[i] = _v8_exp(x[i])
    elif which == 1:
        for i in range(x.shape[0]):
            out[i] = _v8_expm1(x[i])
    elif which == 2:
        for i in range(x.shape[0]):
            out[i] = _v8_tanh(x[i])
    elif which == 3:
        for i in range(x.shape[0]):
            out[i] = _log(x[i])
    elif which == 4:
        for i in range(x.shape[0]):
            out[i] = _log1p(x[i])
    elif which == 5:
        for i in range(x.shape[0]):
            out[i] = _erf(x[i])
    elif which == 6:
        for i in range(x.shape[0]):
            out[i] = _exp(x[i])
    elif which == 7:
        for i in range(x.shape[0]):
            out[i] = _expm1(x[i])
    elif which == 8:
        for i in range(x.shape[0]):
            out[i] = _tanh(x[i])
    elif which == 9:
        for i in range(x.shape[0]):
            out[i] = _erfc(x[i])
    elif which == 10:
        for i in range(x.shape[0]):
            out[i] = _sin(x[i])
    elif which == 11:
        for i in range(x.shape[0]):
            out[i] = _cos(x[i])
    else:
        for i in range(x.shape[0]):
            out[i] = _log1p_unit(x[i])
    return out


def evaluate(act: activations.Activation, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(f(x), f'(x))`` exactly as the kernel's lane loop computes them."""
    module, pr = module_for(act)
    return _guarded(module, "_evaluate", pr,
                    np.ascontiguousarray(x, dtype=np.float64).reshape(-1))


#: The kernel's own elementary functions, by name (see :func:`v8_math`).
MATH = ("exp", "expm1", "tanh", "log", "log1p", "erf", "fast_exp", "fast_expm1", "fast_tanh",
        "erfc", "sin", "cos", "log1p_unit")


def v8_math(name: str, x: np.ndarray) -> np.ndarray:
    """The kernel's ``exp``, ``expm1``, ``tanh`` (V8's ``Math.*``), ``log``, ``log1p``,
    ``erf``, ``erfc`` (for x >= 0), the few-ulp ``fast_exp``, ``fast_expm1``, ``fast_tanh``,
    ``sin``, ``cos`` (NaN beyond :data:`TRIG_LIMIT`) or ``log1p_unit`` (0 <= x <= 1) of a
    1-D array."""
    return _math(MATH.index(name), np.ascontiguousarray(x, dtype=np.float64).reshape(-1))
