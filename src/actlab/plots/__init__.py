"""Figures (matplotlib, Agg-safe: built on ``Figure`` objects, no pyplot state).

Each figure is a function taking data and returning a :class:`~matplotlib.figure.Figure`;
:func:`save_figure` writes it atomically (temporary file, then rename), so an error never
leaves a half-written file.
"""

from __future__ import annotations

import os
from pathlib import Path

from matplotlib.figure import Figure

from actlab.errors import ActlabError

FORMATS = (".png", ".svg")
DPI = 120


def check_output_path(path: str | Path) -> Path:
    """The output file's path if its suffix is a supported format, else ActlabError."""
    p = Path(path)
    if p.suffix.lower() not in FORMATS:
        raise ActlabError(
            f"output file must end in {' or '.join(FORMATS)}, got {str(p)!r}"
        )
    if p.exists() and p.is_dir():
        raise ActlabError(f"output file {str(p)!r} is a folder")
    return p


def save_figure(fig: Figure, path: str | Path) -> Path:
    """Save ``fig`` as PNG or SVG (by suffix) atomically: temp file, then rename."""
    p = check_output_path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(f".{p.stem}.{os.getpid()}.tmp{p.suffix}")
    try:
        fig.savefig(tmp, format=p.suffix.lower()[1:], dpi=DPI)
        os.replace(tmp, p)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return p
