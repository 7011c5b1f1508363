"""Experiments that measure the lesson's claims; each returns plain data (for notebooks).

- :mod:`~actlab.experiments.compare` — one playground config across activations × seeds:
  epochs to converge (``compare.compare``);
- :func:`gradient_study` — per-layer gradient size against depth (vanishing gradients);
- :func:`dying_study` — hidden units stuck at exactly 0, against learning rate;
- :func:`centring_study` — mean and spread of each hidden layer's outputs over training;
- :mod:`~actlab.experiments.claims` — the lesson's claims and the rules that give verdicts;
- :mod:`~actlab.experiments.reproduce` — all of it, into ``report.html`` and ``claims.json``.

Submodules keep their names (``compare``, ``reproduce``); the functions of the same name are
imported from them:

>>> from actlab.experiments.compare import compare, seed_strings
>>> from actlab.playground import PlaygroundConfig
>>> result = compare(PlaygroundConfig(dataset="gauss"), ["relu", "tanh"], seed_strings(4),
...                  epochs=30, threshold=0.05)
>>> result.summary("relu").n
4
"""

from actlab.experiments.centring import CentringStudy, centring_study
from actlab.experiments.compare import Comparison, format_table, seed_strings
from actlab.experiments.dying import DyingStudy, dying_study
from actlab.experiments.gradients import GradientStudy, gradient_study
from actlab.experiments.reproduce import Reproduction, Settings
from actlab.experiments.stats import Summary, convergence_epoch, summarize

__all__ = [
    "CentringStudy",
    "Comparison",
    "DyingStudy",
    "GradientStudy",
    "Reproduction",
    "Settings",
    "Summary",
    "centring_study",
    "convergence_epoch",
    "dying_study",
    "format_table",
    "gradient_study",
    "seed_strings",
    "summarize",
]
