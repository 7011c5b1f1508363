"""Template of the fused training loop; :mod:`actlab.playground.kernel` generates one module
per activation from this file.

The block between the ``generated`` markers is replaced by the activations' scalar code
(translated from the registry's one definition of each by :mod:`actlab.codegen`) and the
lane loops that call them: ``_activate`` for the hidden layers (one loop per activation,
chosen by the code ``pr[0]``), ``_activate_output`` for the output node (tanh or linear,
``pr[1]``), each also in a value-only form (``_activate_f``, ``_activate_output_f``) for the
loss passes; parameters follow from ``pr[2]``. The rest is copied verbatim. This file itself
is never imported for training: it is the text the generator reads (its placeholder
activation, the identity, only keeps it importable and lint-clean).

Everything here follows ``nn.ts`` operation for operation; the module docstring of
:mod:`actlab.playground.kernel` explains the lane layout and the arithmetic.
"""

# ruff: noqa: F401
import math

import numpy as np
from numba import njit

from actlab.playground.kernel import (
    _cached_njit,
    _clip,
    _cos,
    _cos_slow,
    _erf,
    _erfc,
    _exp,
    _expm1,
    _log,
    _log1p,
    _maximum,
    _minimum,
    _nan_to,
    _sigmoid,
    _sin,
    _sin_slow,
    _softplus1,
    _tanh,
    _v8_exp,
    _v8_expm1,
    _v8_sigmoid,
    _v8_tanh,
)

# --- generated: begin


@njit(forceinline=True, error_model="numpy")
def _activate(pr, a, g, r0, r1):
    """Rows ``r0:r1`` of ``a`` from total input to ``f``, with ``g = f'`` (generated: one
    branch-free lane loop per activation, chosen by the code ``pr[0]``)."""
    for r in range(r0, r1):
        for k in range(a.shape[1]):
            a[r, k], g[r, k] = a[r, k], _nan_to(1.0, a[r, k])


@njit(forceinline=True, error_model="numpy")
def _activate_output(pr, a, g, r):
    """The output node (generated: tanh or linear by the code ``pr[1]``)."""
    for k in range(a.shape[1]):
        a[r, k], g[r, k] = a[r, k], _nan_to(1.0, a[r, k])


@njit(forceinline=True, error_model="numpy")
def _activate_f(pr, a, g, r0, r1):
    """:func:`_activate` without ``f'``, for the loss passes (generated; ``g`` is scratch)."""
    for r in range(r0, r1):
        for k in range(a.shape[1]):
            a[r, k] = a[r, k]


@njit(forceinline=True, error_model="numpy")
def _activate_output_f(pr, a, r):
    """:func:`_activate_output` without ``f'`` (generated)."""
    for k in range(a.shape[1]):
        a[r, k] = a[r, k]


# --- generated: end


@njit(forceinline=True, error_model="numpy")
def _forward(x, p, w, b, a, g, sizes, woff, noff, pr, grad):
    """Every node's output (``a``) and, if ``grad``, ``f'`` (``g``) for point ``p`` of ``x``.

    A node's total input is its bias plus ``w·a`` over its incoming links in order. The
    loss passes need no ``f'``: skipping it saves two thirds of the derivative work.
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
            if grad:
                _activate(pr, a, g, dst, dst + sizes[layer + 1])
            else:
                _activate_f(pr, a, g, dst, dst + sizes[layer + 1])
        elif grad:
            _activate_output(pr, a, g, dst)
        else:
            _activate_output_f(pr, a, dst)


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


@_cached_njit(nogil=True, error_model="numpy")
def _train_chunk(x, y, tx, ty, w, b, dead, aw, ab, lr, rr, kind, sizes, woff, noff,
                 pr, batch, pending, epochs, loss_train, loss_test):
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
            _forward(xs, p, w, b, a, g, sizes, woff, noff, pr, q < n)
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


@_cached_njit(error_model="numpy")
def _evaluate(pr, x):
    """``(f(x), f'(x))`` of the hidden activation, as the lane loop computes them."""
    a = np.empty((1, x.shape[0]))
    g = np.empty((1, x.shape[0]))
    a[0] = x
    _activate(pr, a, g, 0, 1)
    return a[0], g[0]
