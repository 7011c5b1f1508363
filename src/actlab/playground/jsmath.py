"""``Math.sin``, ``Math.cos`` and ``Math.log`` exactly as V8 (Node 20 / Chrome) computes them.

Why this module exists: the TensorFlow Playground draws its datasets with ``Math.sin``,
``Math.cos`` and ``Math.log`` (circle angles, spiral arms, the polar Box-Muller of the gauss
dataset, the ``sinX``/``sinY`` features). V8 does not call the C library for these: it
carries its own port of FreeBSD's fdlibm (``v8/src/base/ieee754.cc``). Python's ``math``
and NumPy call glibc/SVML, which are correctly rounded more often but disagree with
fdlibm in the last bit for a few percent of arguments, so points computed with them
differ from the playground's by 1-2 ulp. The functions here are a line-by-line port of
the fdlibm routines V8 uses, evaluated in IEEE double arithmetic (Python floats and
NumPy ``float64`` ufuncs never fuse multiply-adds), so they return the same bits:

* :func:`sin`, :func:`cos`: ``__ieee754_rem_pio2`` (the ``|x| < 3pi/4`` special case, the
  medium-size Cody-Waite reduction with up to three steps for ``|x| <= 2^19 pi/2``, and
  ``__kernel_rem_pio2`` with the 396-hex-digit table of 2/pi beyond), then
  ``__kernel_sin``/``__kernel_cos``;
* :func:`log`: ``__ieee754_log``;
* :func:`sin_array`, :func:`cos_array`: the same algorithm vectorised with NumPy for
  ``|x| <= 2^19 pi/2`` (huge and non-finite elements fall back to the scalar code).

All are checked bit for bit against ``node`` in ``tests/test_playground_jsmath.py``.
Exactness assumes V8 was compiled without fused multiply-add contraction of the fdlibm
expressions (true for x86-64 builds of Node/Chrome); NaN results are NaN, with
unspecified payload/sign.
"""

from __future__ import annotations

import math
import struct

import numpy as np

__all__ = ["sin", "cos", "log", "sin_array", "cos_array"]

_D = struct.Struct("<d")
_Q = struct.Struct("<Q")


def _bits(x: float) -> int:
    return _Q.unpack(_D.pack(x))[0]


def _from_bits(b: int) -> float:
    return _D.unpack(_Q.pack(b & 0xFFFFFFFFFFFFFFFF))[0]


def _high(x: float) -> int:
    """The high 32-bit word, as an unsigned int."""
    return _bits(x) >> 32


def _insert(hi: int, lo: int) -> float:
    return _from_bits(((hi & 0xFFFFFFFF) << 32) | (lo & 0xFFFFFFFF))


# --------------------------------------------------------------------------- constants

# 2/pi in 24-bit chunks (396 hex digits), for __kernel_rem_pio2.
_TWO_OVER_PI = (
    0xA2F983, 0x6E4E44, 0x1529FC, 0x2757D1, 0xF534DD, 0xC0DB62, 0x95993C,
    0x439041, 0xFE5163, 0xABDEBB, 0xC561B7, 0x246E3A, 0x424DD2, 0xE00649,
    0x2EEA09, 0xD1921C, 0xFE1DEB, 0x1CB129, 0xA73EE8, 0x8235F5, 0x2EBB44,
    0x84E99C, 0x7026B4, 0x5F7E41, 0x3991D6, 0x398353, 0x39F49C, 0x845F8B,
    0xBDF928, 0x3B1FF8, 0x97FFDE, 0x05980F, 0xEF2F11, 0x8B5A0A, 0x6D1F6D,
    0x367ECF, 0x27CB09, 0xB74F46, 0x3F669E, 0x5FEA2D, 0x7527BA, 0xC7EBE5,
    0xF17B3D, 0x0739F7, 0x8A5292, 0xEA6BFB, 0x5FB11F, 0x8D5D08, 0x560330,
    0x46FC7B, 0x6BABF0, 0xCFBC20, 0x9AF436, 0x1DA9E3, 0x91615E, 0xE61B08,
    0x659985, 0x5F14A0, 0x68408D, 0xFFD880, 0x4D7327, 0x310606, 0x1556CA,
    0x73A8C9, 0x60E27B, 0xC08C6B,
)  # fmt: skip

# High words of n*pi/2, n = 1..32 (a quick test for "no cancellation possible").
_NPIO2_HW = (
    0x3FF921FB, 0x400921FB, 0x4012D97C, 0x401921FB, 0x401F6A7A, 0x4022D97C,
    0x4025FDBB, 0x402921FB, 0x402C463A, 0x402F6A7A, 0x4031475C, 0x4032D97C,
    0x40346B9C, 0x4035FDBB, 0x40378FDB, 0x403921FB, 0x403AB41B, 0x403C463A,
    0x403DD85A, 0x403F6A7A, 0x40407E4C, 0x4041475C, 0x4042106C, 0x4042D97C,
    0x4043A28C, 0x40446B9C, 0x404534AC, 0x4045FDBB, 0x4046C6CB, 0x40478FDB,
    0x404858EB, 0x404921FB,
)  # fmt: skip

_TWO24 = _insert(0x41700000, 0)  # 2^24
_TWON24 = _insert(0x3E700000, 0)  # 2^-24
_INVPIO2 = _insert(0x3FE45F30, 0x6DC9C883)  # 53 bits of 2/pi
_PIO2_1 = _insert(0x3FF921FB, 0x54400000)  # first 33 bits of pi/2
_PIO2_1T = _insert(0x3DD0B461, 0x1A626331)  # pi/2 - pio2_1
_PIO2_2 = _insert(0x3DD0B461, 0x1A600000)  # second 33 bits of pi/2
_PIO2_2T = _insert(0x3BA3198A, 0x2E037073)  # pi/2 - (pio2_1 + pio2_2)
_PIO2_3 = _insert(0x3BA3198A, 0x2E000000)  # third 33 bits of pi/2
_PIO2_3T = _insert(0x397B839A, 0x252049C1)  # pi/2 - (pio2_1 + pio2_2 + pio2_3)

# pi/2 cut into 24-bit chunks, for __kernel_rem_pio2.
_PIO2_CHUNKS = tuple(
    _insert(hi, lo)
    for hi, lo in (
        (0x3FF921FB, 0x40000000), (0x3E74442D, 0x00000000), (0x3CF84698, 0x80000000),
        (0x3B78CC51, 0x60000000), (0x39F01B83, 0x80000000), (0x387A2520, 0x40000000),
        (0x36E38222, 0x80000000), (0x3569F31D, 0x00000000),
    )
)  # fmt: skip

# __kernel_sin: sin(x) ~ x + S1 x^3 + ... + S6 x^13 on [-pi/4, pi/4].
_S1 = _insert(0xBFC55555, 0x55555549)
_S2 = _insert(0x3F811111, 0x1110F8A6)
_S3 = _insert(0xBF2A01A0, 0x19C161D5)
_S4 = _insert(0x3EC71DE3, 0x57B1FE7D)
_S5 = _insert(0xBE5AE5E6, 0x8A2B9CEB)
_S6 = _insert(0x3DE5D93A, 0x5ACFD57C)

# __kernel_cos: cos(x) ~ 1 - x^2/2 + C1 x^4 + ... + C6 x^14 on [-pi/4, pi/4].
_C1 = _insert(0x3FA55555, 0x5555554C)
_C2 = _insert(0xBF56C16C, 0x16C15177)
_C3 = _insert(0x3EFA01A0, 0x19CB1590)
_C4 = _insert(0xBE927E4F, 0x809C52AD)
_C5 = _insert(0x3E21EE9E, 0xBDB4B1C4)
_C6 = _insert(0xBDA8FAE9, 0xBE8838D4)

# __ieee754_log.
_LN2_HI = _insert(0x3FE62E42, 0xFEE00000)
_LN2_LO = _insert(0x3DEA39EF, 0x35793C76)
_LG1 = _insert(0x3FE55555, 0x55555593)
_LG2 = _insert(0x3FD99999, 0x9997FA04)
_LG3 = _insert(0x3FD24924, 0x94229359)
_LG4 = _insert(0x3FCC71C5, 0x1D8E78AF)
_LG5 = _insert(0x3FC74664, 0x96CB03DE)
_LG6 = _insert(0x3FC39A09, 0xD078C69F)
_LG7 = _insert(0x3FC2F112, 0xDF3E5244)

_NAN = float("nan")
_INF = float("inf")

# Thresholds on the high word of |x|.
_HW_PIO4 = 0x3FE921FB  # |x| ~<= pi/4: no reduction
_HW_3PIO4 = 0x4002D97C  # |x| < 3pi/4: n = +-1
_HW_MEDIUM = 0x413921FB  # |x| ~<= 2^19 pi/2: Cody-Waite
_HW_TINY = 0x3E400000  # |x| < 2^-27

#: Largest |x| that :func:`sin_array`/:func:`cos_array` reduce vectorised.
MEDIUM_LIMIT = _insert(_HW_MEDIUM, 0xFFFFFFFF)

# The scalar code tests the same high-word conditions as fdlibm, but as comparisons of |x|
# with doubles (no struct round trip): ``ix < H`` <=> ``|x| < _insert(H, 0)`` and
# ``ix <= H`` <=> ``|x| < _insert(H + 1, 0)``.
_PIO4_END = _insert(_HW_PIO4 + 1, 0)
_3PIO4 = _insert(_HW_3PIO4, 0)
_MEDIUM_END = _insert(_HW_MEDIUM + 1, 0)
_TINY = _insert(_HW_TINY, 0)  # 2^-27
_COS_03 = _insert(0x3FD33333, 0)  # ~0.3
_COS_078 = _insert(0x3FE90001, 0)  # ix > 0x3FE90000 (0.78125)
_PIO2_HW_LO = _insert(0x3FF921FB, 0)  # ix == 0x3FF921FB: |x| within 2^-20 of pi/2
_PIO2_HW_HI = _insert(0x3FF921FC, 0)
_NPIO2_LO = tuple(_insert(h, 0) for h in _NPIO2_HW)
_NPIO2_HI = tuple(_insert(h + 1, 0) for h in _NPIO2_HW)
# log: thresholds on the mantissa y = x / 2^k in [1, 2) (hx's low 20 bits = y's high word)
_LOG_HALVE = _insert(0x3FF6A09C, 0)  # (hx + 0x95F64) & 0x100000: use y/2 (~sqrt 2)
_LOG_NEAR1_HI = _insert(0x3FF00001, 0)  # (0xFFFFF & (2 + hx)) < 3: hx in {0, 0xFFFFE, 0xFFFFF}
_LOG_NEAR2_LO = _insert(0x3FFFFFFE, 0)
_LOG_HFSQ_LO = _insert(0x3FF6147A, 0)  # (hx - 0x6147A) | (0x6B851 - hx) > 0
_LOG_HFSQ_HI = _insert(0x3FF6B852, 0)


# --------------------------------------------------------------------------- kernels


def _kernel_sin(x: float, y: float, iy: int) -> float:
    """sin(x + y) for |x| ~<= pi/4, y the tail of x (assumed 0 when iy == 0)."""
    if -_TINY < x < _TINY:  # |x| < 2^-27
        return x
    z = x * x
    v = z * x
    r = _S2 + z * (_S3 + z * (_S4 + z * (_S5 + z * _S6)))
    if iy == 0:
        return x + v * (_S1 + z * r)
    return x - ((z * (0.5 * y - v * r) - y) - v * _S1)


def _kernel_cos(x: float, y: float) -> float:
    """cos(x + y) for |x| ~<= pi/4, y the tail of x."""
    ax = abs(x)
    if ax < _TINY:  # |x| < 2^-27
        return 1.0
    z = x * x
    r = z * (_C1 + z * (_C2 + z * (_C3 + z * (_C4 + z * (_C5 + z * _C6)))))
    if ax < _COS_03:  # |x| < 0.3
        return 1.0 - (0.5 * z - (z * r - x * y))
    if ax >= _COS_078:  # |x| > 0.78125
        qx = 0.28125
    else:  # INSERT_WORDS(qx, ix - 0x00200000, 0): |x| with its low word cleared, / 4 (exact)
        qx = (ax - math.fmod(ax, 2.0**-22 if ax < 0.5 else 2.0**-21)) * 0.25
    iz = 0.5 * z - qx
    a = 1.0 - qx
    return a - (iz - (z * r - x * y))


def _kernel_rem_pio2(x: list[float], e0: int, nx: int) -> tuple[int, float, float]:
    """fdlibm's __kernel_rem_pio2 with prec = 2 (jk = 4): ``(n & 7, y0, y1)``.

    ``x`` holds ``nx`` 24-bit chunks of |input| scaled by ``2^-e0``.
    """
    ipio2 = _TWO_OVER_PI
    jk = 4
    jp = jk
    jx = nx - 1
    jv = max(0, int((e0 - 3) / 24))  # C division truncates toward zero
    q0 = e0 - 24 * (jv + 1)

    f = [0.0] * 20
    q = [0.0] * 20
    fq = [0.0] * 20
    iq = [0] * 20

    j = jv - jx
    for i in range(jx + jk + 1):
        f[i] = 0.0 if j < 0 else float(ipio2[j])
        j += 1
    for i in range(jk + 1):
        fw = 0.0
        for j in range(jx + 1):
            fw += x[j] * f[jx + i - j]
        q[i] = fw

    jz = jk
    while True:  # "recompute:"
        # distill q[] into iq[] reversingly
        z = q[jz]
        i = 0
        for j in range(jz, 0, -1):
            fw = float(int(_TWON24 * z))
            iq[i] = int(z - _TWO24 * fw)
            z = q[j - 1] + fw
            i += 1

        z = math.ldexp(z, q0)
        z -= 8.0 * math.floor(z * 0.125)
        n = int(z)
        z -= float(n)
        ih = 0
        if q0 > 0:  # need iq[jz-1] to determine n
            i = iq[jz - 1] >> (24 - q0)
            n += i
            iq[jz - 1] -= i << (24 - q0)
            ih = iq[jz - 1] >> (23 - q0)
        elif q0 == 0:
            ih = iq[jz - 1] >> 23
        elif z >= 0.5:
            ih = 2

        if ih > 0:  # q > 0.5
            n += 1
            carry = 0
            for i in range(jz):  # compute 1 - q
                j = iq[i]
                if carry == 0:
                    if j != 0:
                        carry = 1
                        iq[i] = 0x1000000 - j
                else:
                    iq[i] = 0xFFFFFF - j
            if q0 == 1:
                iq[jz - 1] &= 0x7FFFFF
            elif q0 == 2:
                iq[jz - 1] &= 0x3FFFFF
            if ih == 2:
                z = 1.0 - z
                if carry != 0:
                    z -= math.ldexp(1.0, q0)

        if z == 0.0:  # check whether recomputation is needed
            j = 0
            for i in range(jz - 1, jk - 1, -1):
                j |= iq[i]
            if j == 0:
                k = 1
                while jk >= k and iq[jk - k] == 0:
                    k += 1
                for i in range(jz + 1, jz + k + 1):
                    f[jx + i] = float(ipio2[jv + i])
                    fw = 0.0
                    for j in range(jx + 1):
                        fw += x[j] * f[jx + i - j]
                    q[i] = fw
                jz += k
                continue
        break

    # chop off zero terms
    if z == 0.0:
        jz -= 1
        q0 -= 24
        while iq[jz] == 0:
            jz -= 1
            q0 -= 24
    else:  # break z into 24-bit chunks if necessary
        z = math.ldexp(z, -q0)
        if z >= _TWO24:
            fw = float(int(_TWON24 * z))
            iq[jz] = int(z - _TWO24 * fw)
            jz += 1
            q0 += 24
            iq[jz] = int(fw)
        else:
            iq[jz] = int(z)

    # convert integer "bit" chunks to floating-point values
    fw = math.ldexp(1.0, q0)
    for i in range(jz, -1, -1):
        q[i] = fw * float(iq[i])
        fw *= _TWON24

    # compute PIo2[0..jp] * q[jz..0]
    for i in range(jz, -1, -1):
        fw = 0.0
        k = 0
        while k <= jp and k <= jz - i:
            fw += _PIO2_CHUNKS[k] * q[i + k]
            k += 1
        fq[jz - i] = fw

    # compress fq[] into y[] (prec 2)
    fw = 0.0
    for i in range(jz, -1, -1):
        fw += fq[i]
    y0 = fw if ih == 0 else -fw
    fw = fq[0] - fw
    for i in range(1, jz + 1):
        fw += fq[i]
    y1 = fw if ih == 0 else -fw
    return n & 7, y0, y1


def _rem_pio2(x: float) -> tuple[int, float, float]:
    """fdlibm's __ieee754_rem_pio2 for finite |x| > pi/4: ``(n, y0, y1)``, x - n pi/2 = y0 + y1."""
    negative = x < 0.0
    t = -x if negative else x  # |x|; all steps below are odd in x
    if t < _3PIO4:  # |x| < 3pi/4, n = 1
        z = t - _PIO2_1
        if not _PIO2_HW_LO <= t < _PIO2_HW_HI:  # 33+53 bit pi is good enough
            y0 = z - _PIO2_1T
            y1 = (z - y0) - _PIO2_1T
        else:  # near pi/2, use 33+33+53 bit pi
            z -= _PIO2_2
            y0 = z - _PIO2_2T
            y1 = (z - y0) - _PIO2_2T
        n = 1
    elif t < _MEDIUM_END:  # medium size
        n = int(t * _INVPIO2 + 0.5)
        fn = float(n)
        r = t - fn * _PIO2_1
        w = fn * _PIO2_1T  # 1st round good to 85 bits
        y0 = r - w
        # quick check for no cancellation: n < 32 and ix != npio2_hw[n - 1]
        if not (n < 32 and not _NPIO2_LO[n - 1] <= t < _NPIO2_HI[n - 1]):
            j = _high(t) >> 20
            i = j - ((_high(y0) >> 20) & 0x7FF)
            if i > 16:  # 2nd iteration needed, good to 118 bits
                t = r
                w = fn * _PIO2_2
                r = t - w
                w = fn * _PIO2_2T - ((t - r) - w)
                y0 = r - w
                i = j - ((_high(y0) >> 20) & 0x7FF)
                if i > 49:  # 3rd iteration, 151 bits
                    t = r
                    w = fn * _PIO2_3
                    r = t - w
                    w = fn * _PIO2_3T - ((t - r) - w)
                    y0 = r - w
        y1 = (r - y0) - w
    else:  # large: z = scalbn(|x|, ilogb(x) - 23) split into 24-bit chunks
        b = _bits(t)
        ix = b >> 32
        e0 = (ix >> 20) - 1046
        z = _insert(ix - (e0 << 20), b & 0xFFFFFFFF)
        tx = [0.0, 0.0, 0.0]
        for i in range(2):
            tx[i] = float(int(z))
            z = (z - tx[i]) * _TWO24
        tx[2] = z
        nx = 3
        while tx[nx - 1] == 0.0:
            nx -= 1
        n, y0, y1 = _kernel_rem_pio2(tx, e0, nx)
    if negative:
        return -n, -y0, -y1
    return n, y0, y1


# --------------------------------------------------------------------------- public scalars


def sin(x: float) -> float:
    """``Math.sin(x)`` as V8 returns it (fdlibm ``sin``)."""
    x = float(x)
    ax = abs(x)
    if ax < _PIO4_END:  # |x| ~<= pi/4
        return _kernel_sin(x, 0.0, 0)
    if not ax < _INF:  # inf or NaN
        return x - x  # NaN
    n, y0, y1 = _rem_pio2(x)
    n &= 3
    if n == 0:
        return _kernel_sin(y0, y1, 1)
    if n == 1:
        return _kernel_cos(y0, y1)
    if n == 2:
        return -_kernel_sin(y0, y1, 1)
    return -_kernel_cos(y0, y1)


def cos(x: float) -> float:
    """``Math.cos(x)`` as V8 returns it (fdlibm ``cos``)."""
    x = float(x)
    ax = abs(x)
    if ax < _PIO4_END:  # |x| ~<= pi/4
        return _kernel_cos(x, 0.0)
    if not ax < _INF:  # inf or NaN
        return x - x  # NaN
    n, y0, y1 = _rem_pio2(x)
    n &= 3
    if n == 0:
        return _kernel_cos(y0, y1)
    if n == 1:
        return -_kernel_sin(y0, y1, 1)
    if n == 2:
        return -_kernel_cos(y0, y1)
    return _kernel_sin(y0, y1, 1)


def log(x: float) -> float:
    """``Math.log(x)`` as V8 returns it (fdlibm ``__ieee754_log``); NaN for x < 0, -inf at ±0."""
    x = float(x)
    if not x > 0.0:
        if x == 0.0:
            return -_INF  # log(+-0)
        return x + x if x != x else _NAN  # log(NaN), log(-#)
    if x == _INF:
        return x
    # x = 2^k y with y in [1, 2) (exact, subnormals included); fdlibm's hx & 0xFFFFF is the
    # high word of y's fraction, so its tests on hx are comparisons of y with doubles.
    m, k = math.frexp(x)
    y = m * 2.0
    k -= 1
    if y >= _LOG_HALVE:  # normalize x or x/2 into ~[sqrt(2)/2, sqrt(2))
        f = m - 1.0
        k += 1
    else:
        f = y - 1.0
    if y < _LOG_NEAR1_HI or y >= _LOG_NEAR2_LO:  # -2^-20 <= f < 2^-20
        if f == 0.0:
            if k == 0:
                return 0.0
            dk = float(k)
            return dk * _LN2_HI + dk * _LN2_LO
        R = f * f * (0.5 - 0.33333333333333333 * f)
        if k == 0:
            return f - R
        dk = float(k)
        return dk * _LN2_HI - ((R - dk * _LN2_LO) - f)
    s = f / (2.0 + f)
    dk = float(k)
    z = s * s
    w = z * z
    t1 = w * (_LG2 + w * (_LG4 + w * _LG6))
    t2 = z * (_LG1 + w * (_LG3 + w * (_LG5 + w * _LG7)))
    R = t2 + t1
    if _LOG_HFSQ_LO <= y < _LOG_HFSQ_HI:  # 0x6147A <= hx <= 0x6B851
        hfsq = 0.5 * f * f
        if k == 0:
            return f - (hfsq - s * (hfsq + R))
        return dk * _LN2_HI - ((hfsq - (s * (hfsq + R) + dk * _LN2_LO)) - f)
    if k == 0:
        return f - s * (f - R)
    return dk * _LN2_HI - ((s * (f - R) - dk * _LN2_LO) - f)


# --------------------------------------------------------------------------- vectorised


def _hw(a: np.ndarray) -> np.ndarray:
    """High words of |a| as int64."""
    return ((a.view(np.uint64) >> np.uint64(32)) & np.uint64(0x7FFFFFFF)).astype(np.int64)


def _exp_field(a: np.ndarray) -> np.ndarray:
    return (a.view(np.uint64) >> np.uint64(52)).astype(np.int64) & 0x7FF


_NPIO2_HW_ARR = np.array(_NPIO2_HW, dtype=np.int64)


def _v_rem_pio2(t: np.ndarray, ix: np.ndarray):
    """Vectorised __ieee754_rem_pio2 of t = |x| > pi/4, |x| ~<= 2^19 pi/2 (no huge path)."""
    # |x| < 3pi/4: n = 1
    z = t - _PIO2_1
    z2 = z - _PIO2_2
    at_pio2 = ix == 0x3FF921FB
    y0a = np.where(at_pio2, z2 - _PIO2_2T, z - _PIO2_1T)
    y1a = np.where(at_pio2, (z2 - y0a) - _PIO2_2T, (z - y0a) - _PIO2_1T)
    # medium size
    n = np.trunc(t * _INVPIO2 + 0.5)
    fn = n
    n = n.astype(np.int64)
    r = t - fn * _PIO2_1
    w = fn * _PIO2_1T
    y0 = r - w
    quick = (n < 32) & (ix != _NPIO2_HW_ARR[np.clip(n - 1, 0, 31)])
    j = ix >> 20
    step2 = ~quick & (j - _exp_field(y0) > 16)
    tt = r
    w2 = fn * _PIO2_2
    r2 = tt - w2
    w2 = fn * _PIO2_2T - ((tt - r2) - w2)
    y02 = r2 - w2
    step3 = step2 & (j - _exp_field(y02) > 49)
    tt = r2
    w3 = fn * _PIO2_3
    r3 = tt - w3
    w3 = fn * _PIO2_3T - ((tt - r3) - w3)
    y03 = r3 - w3
    r = np.where(step3, r3, np.where(step2, r2, r))
    w = np.where(step3, w3, np.where(step2, w2, w))
    y0 = np.where(step3, y03, np.where(step2, y02, y0))
    y1 = (r - y0) - w
    small = ix < _HW_3PIO4
    return (np.where(small, 1, n), np.where(small, y0a, y0), np.where(small, y1a, y1))


def _v_kernel_sin(x: np.ndarray, y: np.ndarray, iy0: np.ndarray) -> np.ndarray:
    z = x * x
    v = z * x
    r = _S2 + z * (_S3 + z * (_S4 + z * (_S5 + z * _S6)))
    res = np.where(iy0, x + v * (_S1 + z * r), x - ((z * (0.5 * y - v * r) - y) - v * _S1))
    return np.where(_hw(x) < _HW_TINY, x, res)


def _v_kernel_cos(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    ix = _hw(x)
    z = x * x
    r = z * (_C1 + z * (_C2 + z * (_C3 + z * (_C4 + z * (_C5 + z * _C6)))))
    zr_xy = z * r - x * y
    small = 1.0 - (0.5 * z - zr_xy)
    qx = np.where(
        ix > 0x3FE90000,
        0.28125,
        (np.maximum(ix - 0x00200000, 0).astype(np.uint64) << np.uint64(32)).view(np.float64),
    )
    big = (1.0 - qx) - ((0.5 * z - qx) - zr_xy)
    return np.where(ix < _HW_TINY, 1.0, np.where(ix < 0x3FD33333, small, big))


def _v_trig(a, want_sin: bool) -> np.ndarray:
    x = np.asarray(a, dtype=np.float64)
    shape = x.shape
    x = np.ascontiguousarray(x).reshape(-1)
    ix = _hw(x)
    vec = ix <= _HW_MEDIUM
    xv = np.where(vec, x, 0.0)
    ixv = np.where(vec, ix, 0)
    with np.errstate(all="ignore"):
        negative = np.signbit(xv)
        reduce = ixv > _HW_PIO4
        n, y0, y1 = _v_rem_pio2(np.abs(xv), ixv)
        n = np.where(negative, -n, n)
        y0 = np.where(negative, -y0, y0)
        y1 = np.where(negative, -y1, y1)
        n = np.where(reduce, n, 0) & 3
        y0 = np.where(reduce, y0, xv)
        y1 = np.where(reduce, y1, 0.0)
        ks = _v_kernel_sin(y0, y1, ~reduce)
        kc = _v_kernel_cos(y0, y1)
        if want_sin:
            out = np.select([n == 0, n == 1, n == 2], [ks, kc, -ks], -kc)
        else:
            out = np.select([n == 0, n == 1, n == 2], [kc, -ks, -kc], ks)
    rest = np.flatnonzero(~vec)
    if rest.size:
        f = sin if want_sin else cos
        out[rest] = [f(v) for v in x[rest].tolist()]
    return out.reshape(shape)


def sin_array(a: np.ndarray) -> np.ndarray:
    """Elementwise :func:`sin` of a float64 array (any shape), bit-identical to ``Math.sin``."""
    return _v_trig(a, True)


def cos_array(a: np.ndarray) -> np.ndarray:
    """Elementwise :func:`cos` of a float64 array (any shape), bit-identical to ``Math.cos``."""
    return _v_trig(a, False)
