"""Your own data: CSV files as playground datasets, identified by their content hash.

>>> from actlab.data import load_csv
>>> ds = load_csv("points.csv")                       # doctest: +SKIP
>>> ds.sha256, ds.rows, ds.columns, ds.problem        # doctest: +SKIP
>>> from actlab.playground import train
>>> run = train(ds.config(network_shape=(8, 4)), epochs=200)   # doctest: +SKIP

- :mod:`~actlab.data.csvfile` — strict CSV reading (limits, file/line/column errors);
- :mod:`~actlab.data.dataset` — :class:`Dataset`: content hash, scaling into the
  playground's [−6, 6] box, the playground's seeded shuffle and split, and the in-process
  registry through which a config's ``data`` hash finds its rows.

The playground's six generated datasets stay in :mod:`actlab.playground.datasets`.
"""

from actlab.data.csvfile import MAX_BYTES, MAX_COLUMNS, MAX_ROWS, load_csv
from actlab.data.dataset import BOX, Dataset, content_hash, register, resolve

__all__ = [
    "BOX",
    "MAX_BYTES",
    "MAX_COLUMNS",
    "MAX_ROWS",
    "Dataset",
    "content_hash",
    "load_csv",
    "register",
    "resolve",
]
