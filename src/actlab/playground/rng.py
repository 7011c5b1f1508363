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

from collections.abc import Callable, Iterator

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
        self.calls = 0
        self._doubles = _doubles(s)

    def random(self) -> float:
        """One double in [0, 1), as ``Math.random()`` returns it."""
        self.calls += 1
        return next(self._doubles)

    def random_array(self, count: int,
                     progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """The next ``count`` doubles as a float64 array (no Python list in between).

        ``progress(done, count)`` is called after every :data:`PROGRESS_EVERY` values.
        """
        count = int(count)
        if progress is None:
            out = np.fromiter(self._doubles, np.float64, count)
        else:
            out = np.empty(count)
            for start in range(0, count, PROGRESS_EVERY):
                stop = min(count, start + PROGRESS_EVERY)
                out[start:stop] = np.fromiter(self._doubles, np.float64, stop - start)
                progress(stop, count)
        self.calls += count
        return out


#: :meth:`SeedRandom.random_array` reports progress after this many values (~0.2 s).
PROGRESS_EVERY = 1 << 16


def _doubles(s: list[int]) -> Iterator[float]:
    """seedrandom's doubles from the RC4 state ``s`` (after its key schedule).

    One generator holds the whole state in local variables and does the RC4 steps in
    place (no call and no list per byte, no attribute per double): about 1.5 times as fast
    as a method per byte. The arithmetic is seedrandom's own, in the same order (so the
    same bits).
    """
    i = j = 0
    for _ in range(_WIDTH):  # RC4-drop[256]
        i = (i + 1) & 255
        t = s[i]
        j = (j + t) & 255
        s[i] = s[j]
        s[j] = t
    six = range(6)
    while True:
        n = 0
        for _ in six:  # 6 bytes, big-endian
            i = (i + 1) & 255
            t = s[i]
            j = (j + t) & 255
            u = s[j]
            s[i] = u
            s[j] = t
            n = n << 8 | s[(t + u) & 255]
        n = float(n)
        d = _START
        x = 0
        while n < _SIGNIFICANCE:  # one byte at a time until 52 bits are filled
            n = (n + x) * 256.0
            d *= 256.0
            i = (i + 1) & 255
            t = s[i]
            j = (j + t) & 255
            u = s[j]
            s[i] = u
            s[j] = t
            x = s[(t + u) & 255]
        while n >= _OVERFLOW:
            n /= 2.0
            d /= 2.0
            x >>= 1
        yield (n + x) / d
