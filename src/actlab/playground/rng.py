"""seedrandom 2.4 (ARC4) — the random numbers behind every TensorFlow Playground run.

The playground calls ``Math.seedrandom(seed)`` with the URL's seed string; from then on every
``Math.random()`` comes from an RC4 stream keyed by that string. :class:`SeedRandom`
reproduces that stream bit for bit (checked against seedrandom 2.4.4's own outputs).

Algorithm (see ``shared/reference/tf-playground.md``):

* key: ``smear ^= key[j & 255] * 19; key[j & 255] = (smear + code_unit_j) & 255``;
* RC4 key schedule, then 256 output bytes dropped (RC4-drop[256]);
* a double takes 6 bytes, then one byte at a time until 52 bits are filled, and is scaled
  into [0, 1) exactly as seedrandom does it (JavaScript doubles, mirrored by Python floats).
"""

from __future__ import annotations

import numpy as np

_WIDTH = 256
_SIGNIFICANCE = 2.0**52
_OVERFLOW = 2.0**53
_START = 2.0**48


def _mix_key(seed: str) -> list[int]:
    key: list[int] = []
    smear = 0
    units = seed.encode("utf-16-le")
    for j in range(len(units) // 2):
        code = units[2 * j] | (units[2 * j + 1] << 8)
        i = j & 255
        while len(key) <= i:
            key.append(0)
        smear ^= key[i] * 19
        key[i] = (smear + code) & 255
    return key or [0]


class SeedRandom:
    """The ``Math.random`` of a page after ``Math.seedrandom(seed)``.

    >>> rng = SeedRandom("0.12345")
    >>> 0.0 <= rng.random() < 1.0
    True
    """

    def __init__(self, seed: str) -> None:
        if not isinstance(seed, str):
            raise TypeError(f"seed must be a string, got {type(seed).__name__}")
        self.seed = seed
        key = _mix_key(seed)
        s = list(range(_WIDTH))
        j = 0
        for i in range(_WIDTH):
            t = s[i]
            j = (j + key[i % len(key)] + t) & 255
            s[i] = s[j]
            s[j] = t
        self._s, self._i, self._j = s, 0, 0
        self.calls = 0
        self._bytes(_WIDTH)  # RC4-drop[256]

    def _bytes(self, count: int) -> list[int]:
        """The next ``count`` RC4 output bytes."""
        s, i, j = self._s, self._i, self._j
        out = []
        for _ in range(count):
            i = (i + 1) & 255
            t = s[i]
            j = (j + t) & 255
            s[i] = s[j]
            s[j] = t
            out.append(s[(s[i] + s[j]) & 255])
        self._i, self._j = i, j
        return out

    def random(self) -> float:
        """One double in [0, 1), as ``Math.random()`` returns it."""
        self.calls += 1
        b = self._bytes(6)
        n = float((((((b[0] << 8 | b[1]) << 8 | b[2]) << 8 | b[3]) << 8 | b[4]) << 8) | b[5])
        d = _START
        x = 0
        while n < _SIGNIFICANCE:
            n = (n + x) * 256.0
            d *= 256.0
            x = self._bytes(1)[0]
        while n >= _OVERFLOW:
            n /= 2.0
            d /= 2.0
            x >>= 1
        return (n + x) / d

    def random_array(self, count: int) -> np.ndarray:
        """The next ``count`` doubles as a float64 array."""
        return np.array([self.random() for _ in range(count)], dtype=np.float64)
