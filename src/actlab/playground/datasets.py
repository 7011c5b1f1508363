"""The playground's six datasets, its shuffle/split and its seven input features.

Every generator draws from a :class:`~actlab.playground.rng.SeedRandom` in exactly the order
the playground's ``dataset.ts`` does, so a seed string gives the same points as the page.
Floating-point expressions keep the playground's evaluation order.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from actlab.playground import jsmath
from actlab.playground.rng import SeedRandom

#: Classification datasets (500 points, labels ±1) and regression datasets (1200 points).
CLASSIFICATION_DATASETS = ("circle", "xor", "gauss", "spiral")
REGRESSION_DATASETS = ("reg-plane", "reg-gauss")
DATASETS = CLASSIFICATION_DATASETS + REGRESSION_DATASETS
NUM_SAMPLES = {"classification": 500, "regression": 1200}

#: Input features in the playground's fixed order, with their formulas.
FEATURES: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "x": lambda x, y: x,
    "y": lambda x, y: y,
    "xSquared": lambda x, y: x * x,
    "ySquared": lambda x, y: y * y,
    "xTimesY": lambda x, y: x * y,
    "sinX": lambda x, y: jsmath.sin_array(x),
    "sinY": lambda x, y: jsmath.sin_array(y),
}

Points = list[tuple[float, float, float]]


def _uniform(rng: SeedRandom, a: float, b: float) -> float:
    return rng.random() * (b - a) + a


def _lin(v: float, d0: float, d1: float, r0: float, r1: float, clamp: bool = False) -> float:
    """d3 v3's linear scale: ``t = (v - d0) / (d1 - d0)``, then ``r0 (1 - t) + r1 t``."""
    t = (v - d0) / (d1 - d0)
    if clamp:
        t = max(0.0, min(1.0, t))
    return r0 * (1 - t) + r1 * t


def _dist(ax: float, ay: float, bx: float, by: float) -> float:
    dx, dy = ax - bx, ay - by
    return math.sqrt(dx * dx + dy * dy)


def circle(n: int, noise: float, rng: SeedRandom) -> Points:
    radius = 5.0
    points = []
    for r_min, r_max in ((0.0, radius * 0.5), (radius * 0.7, radius)):
        for _ in range(n // 2):
            r = _uniform(rng, r_min, r_max)
            angle = _uniform(rng, 0.0, 2 * math.pi)
            x, y = r * jsmath.sin(angle), r * jsmath.cos(angle)
            nx = _uniform(rng, -radius, radius) * noise
            ny = _uniform(rng, -radius, radius) * noise
            label = 1.0 if _dist(x + nx, y + ny, 0.0, 0.0) < radius * 0.5 else -1.0
            points.append((x, y, label))
    return points


def xor(n: int, noise: float, rng: SeedRandom) -> Points:
    points = []
    for _ in range(n):
        x = _uniform(rng, -5, 5)
        x += 0.3 if x > 0 else -0.3
        y = _uniform(rng, -5, 5)
        y += 0.3 if y > 0 else -0.3
        nx = _uniform(rng, -5, 5) * noise
        ny = _uniform(rng, -5, 5) * noise
        points.append((x, y, 1.0 if (x + nx) * (y + ny) >= 0 else -1.0))
    return points


def _normal(rng: SeedRandom, mean: float, variance: float) -> float:
    """Polar Marsaglia method, as the playground's ``normalRandom``."""
    while True:
        v1 = 2 * rng.random() - 1
        v2 = 2 * rng.random() - 1
        s = v1 * v1 + v2 * v2
        if s <= 1:
            break
    return mean + math.sqrt(variance) * (math.sqrt(-2 * jsmath.log(s) / s) * v1)


def gauss(n: int, noise: float, rng: SeedRandom) -> Points:
    variance = _lin(noise, 0, 0.5, 0.5, 4)
    points = []
    for cx, cy, label in ((2.0, 2.0, 1.0), (-2.0, -2.0, -1.0)):
        for _ in range(n // 2):
            x = _normal(rng, cx, variance)
            y = _normal(rng, cy, variance)
            points.append((x, y, label))
    return points


def spiral(n: int, noise: float, rng: SeedRandom) -> Points:
    half = n // 2
    points = []
    for delta_t, label in ((0.0, 1.0), (math.pi, -1.0)):
        for i in range(half):
            r = i / half * 5
            t = 1.75 * i / half * 2 * math.pi + delta_t
            x = r * jsmath.sin(t) + _uniform(rng, -1, 1) * noise
            y = r * jsmath.cos(t) + _uniform(rng, -1, 1) * noise
            points.append((x, y, label))
    return points


def reg_plane(n: int, noise: float, rng: SeedRandom) -> Points:
    radius = 6.0
    points = []
    for _ in range(n):
        x = _uniform(rng, -radius, radius)
        y = _uniform(rng, -radius, radius)
        nx = _uniform(rng, -radius, radius) * noise
        ny = _uniform(rng, -radius, radius) * noise
        points.append((x, y, _lin((x + nx) + (y + ny), -10, 10, -1, 1)))
    return points


_GAUSSIANS = ((-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1))


def reg_gauss(n: int, noise: float, rng: SeedRandom) -> Points:
    radius = 6.0
    points = []
    for _ in range(n):
        x = _uniform(rng, -radius, radius)
        y = _uniform(rng, -radius, radius)
        px = x + _uniform(rng, -radius, radius) * noise
        py = y + _uniform(rng, -radius, radius) * noise
        label = 0.0
        for cx, cy, sign in _GAUSSIANS:
            value = sign * _lin(_dist(px, py, cx, cy), 0, 2, 1, 0, clamp=True)
            if abs(value) > abs(label):
                label = value
        points.append((x, y, label))
    return points


GENERATORS: dict[str, Callable[[int, float, SeedRandom], Points]] = {
    "circle": circle,
    "xor": xor,
    "gauss": gauss,
    "spiral": spiral,
    "reg-plane": reg_plane,
    "reg-gauss": reg_gauss,
}


@dataclass(frozen=True)
class Data:
    """One run's points, after the shuffle and the train/test split.

    ``train_xy``/``test_xy`` are ``[N, 2]`` positions (``[N, D]`` for a CSV dataset with
    ``D`` input columns, :mod:`actlab.data`) and ``*_labels`` ``[N]`` targets (±1 for
    classification; [-1, 1] for the generated regression sets, any number for a CSV's).
    """

    train_xy: np.ndarray
    train_labels: np.ndarray
    test_xy: np.ndarray
    test_labels: np.ndarray


def shuffle(points: list, rng: SeedRandom) -> None:
    """The playground's in-place Fisher-Yates shuffle."""
    counter = len(points)
    while counter > 0:
        index = math.floor(rng.random() * counter)
        counter -= 1
        points[counter], points[index] = points[index], points[counter]


def generate(
    dataset: str, problem: str, noise_percent: float, perc_train: float, rng: SeedRandom
) -> Data:
    """Draw a dataset, shuffle it and split it, consuming ``rng`` as the page does."""
    points = GENERATORS[dataset](NUM_SAMPLES[problem], noise_percent / 100, rng)
    shuffle(points, rng)
    split = math.floor(len(points) * perc_train / 100)
    arr = np.array(points, dtype=np.float64).reshape(-1, 3)
    return Data(arr[:split, :2], arr[:split, 2], arr[split:, :2], arr[split:, 2])


def features(xy: np.ndarray, enabled: tuple[str, ...]) -> np.ndarray:
    """The network's input: the enabled features of points ``xy [..., 2]``, ``[..., F]``."""
    x, y = xy[..., 0], xy[..., 1]
    return np.stack([FEATURES[name](x, y) for name in enabled], axis=-1)
