"""Reading a user's CSV file into a :class:`~actlab.data.dataset.Dataset`, strictly.

The format: UTF-8 text (a BOM is allowed), comma-separated, RFC 4180 quoting; a header
line naming every column, two or more numeric input columns, then ``label`` last.
Blank lines are skipped. A label column holding

* two values ``-1``/``1`` or ``0``/``1``, or two distinct texts (``cat``/``dog``), is a
  classification problem: the values map to −1/+1 (``0`` → −1; texts in sorted order, the
  first → −1), as the playground's classification labels are ±1;
* any other finite numbers is a regression problem (labels are used as given).

``problem="classification"`` or ``"regression"`` forces a reading (say a regression whose
targets happen to be 0 and 1).

Everything is checked before anything is returned — nothing is half-loaded: the size in
bytes before reading or parsing (:data:`MAX_BYTES`), at most :data:`MAX_ROWS` data rows
and :data:`MAX_COLUMNS` columns, unique non-empty names, numbers in plain decimal notation
(``1``, ``-2.5``, ``3e-4``; not ``1_000``, ``0x1f``, ``NaN`` or ``inf``), equal field counts.
Each error is one :class:`~actlab.errors.ActlabError` line naming the file, the line and
the column. Numbers are parsed by :func:`float` after a regular expression has accepted
them, so nothing in the file is ever evaluated.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from pathlib import Path

import numpy as np

from actlab.data.dataset import Dataset, content_hash, register
from actlab.errors import ActlabError

#: The most bytes a CSV file (or text) may have; checked before it is read or parsed.
MAX_BYTES = 32 * 1024 * 1024
#: The most data rows (lines after the header).
MAX_ROWS = 100_000
#: The most columns, label included.
MAX_COLUMNS = 64
LABEL = "label"
PROBLEMS = ("auto", "classification", "regression")

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NON_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)


class _Where:
    """Formats error locations: ``points.csv, line 7, column 2 (y): ...``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.columns: list[str] = []

    def error(self, message: str, line: int | None = None,
              column: int | None = None) -> ActlabError:
        parts = [self.name]
        if line is not None:
            parts.append(f"line {line}")
        if column is not None:
            named = f" ({self.columns[column - 1]})" if column <= len(self.columns) else ""
            parts.append(f"column {column}{named}")
        return ActlabError(f"{', '.join(parts)}: {message}")


def _show(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _read(source: str | os.PathLike | bytes, max_bytes: int,
          name: str | None) -> tuple[str, str, str | None]:
    """``(text, name for messages, path or None)``, the size checked before reading."""
    limit = f"the limit is {max_bytes:,} bytes"
    if isinstance(source, bytes | bytearray):
        where = name or "CSV data"
        if len(source) > max_bytes:
            raise ActlabError(f"{where} is {len(source):,} bytes; {limit}")
        return _decode(bytes(source), where), where, name
    if isinstance(source, str) and (not source or "\n" in source or "\r" in source
                                    or ("," in source and not Path(source).exists())):
        where = name or "CSV text"
        if len(source) > max_bytes or len(source.encode("utf-8", "replace")) > max_bytes:
            raise ActlabError(f"{where} is more than {max_bytes:,} bytes; {limit}")
        return source.removeprefix("\ufeff"), where, name
    if not isinstance(source, str | os.PathLike):
        raise ActlabError(f"load_csv takes a path, CSV text or bytes, got {type(source).__name__}")
    path = Path(source)
    where = name or str(source)
    if not path.is_file():
        raise ActlabError(f"{where}: no such file")
    size = path.stat().st_size
    if size > max_bytes:
        raise ActlabError(f"{where} is {size:,} bytes; {limit}")
    with path.open("rb") as fh:
        raw = fh.read(max_bytes + 1)
    if len(raw) > max_bytes:  # grew while we looked
        raise ActlabError(f"{where} is more than {max_bytes:,} bytes; {limit}")
    return _decode(raw, where), where, str(source)


def _decode(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ActlabError(f"{where}, line {line}: not UTF-8 text (byte {exc.start})") from None


def _header(row: list[str], line: int, w: _Where) -> list[str]:
    names = [f.strip() for f in row]
    if all(_NUMBER.fullmatch(n) for n in names):
        raise w.error("the first line must be a header naming the columns, e.g. "
                      "x,y,label; found numbers", line)
    if len(names) > MAX_COLUMNS:
        raise w.error(f"{len(names)} columns; at most {MAX_COLUMNS} are allowed "
                      f"(inputs and label)", line, MAX_COLUMNS + 1)
    for i, n in enumerate(names):
        if not n:
            raise w.error("a column without a name; the header must name every column",
                          line, i + 1)
    seen: dict[str, int] = {}
    for i, n in enumerate(names):
        if n in seen:
            raise w.error(f"duplicate column name {_show(n)} (also column {seen[n] + 1}); "
                          "names must be unique", line, i + 1)
        seen[n] = i
    w.columns = names
    lowered = [n.lower() for n in names]
    if lowered[-1] != LABEL:
        if LABEL in lowered:
            at = lowered.index(LABEL) + 1
            raise w.error(f"the label column is column {at} of {len(names)}; it must be "
                          "the last column", line, at)
        raise w.error(f"no label column: the last column must be named {LABEL} "
                      f"(found {_show(names[-1])})", line, len(names))
    if len(names) < 3:
        raise w.error(f"at least two input columns are needed before {LABEL}, found "
                      f"{len(names) - 1}", line)
    return names


def _number(text: str, line: int, column: int, w: _Where) -> float:
    s = text.strip()
    if _NUMBER.fullmatch(s):
        v = float(s)
        if not math.isfinite(v):
            raise w.error(f"{_show(s)} overflows a double; numbers must be finite", line, column)
        return v
    if _NON_FINITE.fullmatch(s):
        raise w.error(f"{_show(s)}: NaN and infinity are not allowed; numbers must be finite",
                      line, column)
    if not s:
        raise w.error("empty field; every input must be a number", line, column)
    raise w.error(f"{_show(s)} is not a number (use decimal notation such as 1.5 or -2e3)",
                  line, column)


def _parse(text: str, w: _Where) -> tuple[list[str], list[list[float]], list[str], list[int]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    xs: list[list[float]] = []
    labels: list[str] = []
    lines: list[int] = []
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise w.error(f"malformed CSV ({exc})", line) from None
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if header is None:
            header = _header(row, line, w)
            width = len(header)
            continue
        if len(row) != width:
            if len(row) > width:
                raise w.error(f"{len(row)} fields, but the header has {width} columns",
                              line, width + 1)
            raise w.error(f"{len(row)} fields, but the header has {width} columns "
                          f"(column {len(row) + 1} onwards missing)", line, len(row) + 1)
        if len(xs) >= MAX_ROWS:
            raise w.error(f"more than {MAX_ROWS:,} data rows; at most {MAX_ROWS:,} are allowed",
                          line)
        xs.append([_number(f, line, c + 1, w) for c, f in enumerate(row[:-1])])
        labels.append(row[-1].strip())
        lines.append(line)
    if header is None:
        raise w.error("empty file; expected a header line (e.g. x,y,label) and data rows")
    if not xs:
        raise w.error("no data rows after the header")
    return header, xs, labels, lines


def _labels(texts: list[str], lines: list[int], problem: str,
            w: _Where) -> tuple[np.ndarray, str, tuple[str, str] | None]:
    """Labels as numbers, the problem, and the two class names (classification)."""
    col = len(w.columns)
    values: list[float | None] = []
    for t, line in zip(texts, lines, strict=True):
        if _NUMBER.fullmatch(t):
            v = float(t)
            if not math.isfinite(v):
                raise w.error(f"{_show(t)} overflows a double; labels must be finite",
                              line, col)
            values.append(v)
        elif _NON_FINITE.fullmatch(t):
            raise w.error(f"{_show(t)}: NaN and infinity are not allowed as labels", line, col)
        elif not t:
            raise w.error("empty label", line, col)
        else:
            values.append(None)
    numeric = all(v is not None for v in values)
    if problem == "regression":
        if not numeric:
            i = values.index(None)
            raise w.error(f"label {_show(texts[i])} is not a number (regression needs "
                          "numeric labels)", lines[i], col)
        return np.array(values, dtype=np.float64), "regression", None
    keys: list = values if numeric else texts
    distinct: dict = {}
    for key, line in zip(keys, lines, strict=True):
        if key not in distinct:
            if len(distinct) == 2 and (problem == "classification" or not numeric):
                names = ", ".join(_show(str(k)) for k in (*distinct, key))
                raise w.error(f"a third class {_show(str(key))} ({names}); classification "
                              "needs exactly two classes", line, col)
            distinct[key] = line
    if problem == "auto" and numeric:
        kinds = set(distinct)
        if len(kinds) > 2 or not (kinds <= {-1.0, 1.0} or kinds <= {0.0, 1.0}):
            return np.array(values, dtype=np.float64), "regression", None
    if len(distinct) < 2:
        only = texts[0]
        raise w.error(f"one class only (all {len(texts)} labels are {_show(only)}); "
                      "classification needs two classes (-1/1, 0/1 or two names)", None, col)
    low, high = sorted(distinct)
    first_text: dict = {}
    for key, t in zip(keys, texts, strict=True):
        first_text.setdefault(key, t)
    classes = (first_text[low], first_text[high])
    y = np.array([1.0 if k == high else -1.0 for k in keys], dtype=np.float64)
    return y, "classification", classes


def load_csv(
    source: str | os.PathLike | bytes,
    *,
    scale: bool = True,
    problem: str = "auto",
    max_bytes: int = MAX_BYTES,
    name: str | None = None,
) -> Dataset:
    """Load a CSV file (a path), CSV text (a ``str`` with a line break) or bytes.

    Returns a :class:`~actlab.data.dataset.Dataset` (also registered in this process by
    its content hash, so configs naming that hash train on it). ``scale`` maps each input
    column into the playground's box [−6, 6] (default; the hash does not depend on it);
    ``problem`` is ``"auto"``, ``"classification"`` or ``"regression"``; ``name`` is used
    in messages (and recorded as the source) for text or bytes, e.g. an upload's file
    name. Every problem raises one :class:`~actlab.errors.ActlabError` naming file, line
    and column; nothing is returned half-loaded.
    """
    if problem not in PROBLEMS:
        raise ActlabError(f"problem must be one of {', '.join(PROBLEMS)}, got {problem!r}")
    if not isinstance(max_bytes, int) or max_bytes < 1:
        raise ActlabError(f"max_bytes must be a whole number >= 1, got {max_bytes!r}")
    text, where, source_name = _read(source, max_bytes, name)
    w = _Where(where)
    header, xs, label_texts, lines = _parse(text, w)
    y, kind, classes = _labels(label_texts, lines, problem, w)
    x = np.array(xs, dtype=np.float64).reshape(len(xs), len(header) - 1) + 0.0  # -0 -> 0
    y = y + 0.0
    x.setflags(write=False)
    y.setflags(write=False)
    columns = tuple(header[:-1])
    dataset = Dataset(columns=columns, x=x, y=y, problem=kind, classes=classes,
                      sha256=content_hash(columns, kind, x, y), source=source_name,
                      scale=bool(scale))
    register(dataset)
    return dataset
