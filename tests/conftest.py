"""Shared test helpers.

``require(module)`` imports an optional dependency for a test (or, called at module level,
for a whole test module). On a developer's machine a missing one skips; in CI (``CI=true``)
it fails, so CI never silently skips. So plain ``pytest`` after ``pip install -e .[dev]``
runs the core tests and skips the torch/web/browser ones instead of erroring at collection.

The session fixture :func:`warm_jit` compiles (or loads from Numba's cache) the engine's
training kernel once, before the first test, so no test's timing includes the compile.
"""

from __future__ import annotations

import importlib
import os
import shutil
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ACTLAB_SHARED", REPO.parent / "shared"))
GOLDEN = SHARED / "golden" / "tfpg"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _missing(what: str) -> None:
    if IN_CI:
        pytest.fail(f"{what} is required in CI but missing (.ci/run installs it)",
                    pytrace=False)
    pytest.skip(f"{what} not available", allow_module_level=True)


def require(module: str):
    """Import an optional module, or skip (locally) / fail (CI=true)."""
    try:
        return importlib.import_module(module)
    except ImportError:
        _missing(f"python module {module!r}")


def require_executable(path: str) -> str:
    """Return an executable's path, or skip (locally) / fail (CI=true)."""
    found = shutil.which(path)
    if not found:
        _missing(f"executable {path!r}")
    return found


def require_golden() -> Path:
    """The reference runs made with the playground's own code (../shared/golden/tfpg)."""
    if not (GOLDEN / "golden" / "index.json").exists():
        _missing(f"golden data at {GOLDEN}")
    return GOLDEN


def require_mount():
    """A function ``mount(path, *options)`` that mounts a small tmpfs (root only), and
    unmounts it at the end; skip locally / fail in CI where mounting is impossible."""
    import subprocess

    if os.geteuid() != 0 or not shutil.which("mount"):
        _missing("root and mount(8) (for read-only / full-disk cases)")
    return lambda path, *options: subprocess.run(
        ["mount", "-t", "tmpfs", "-o", ",".join(("size=256k", *options)), "tmpfs", str(path)],
        check=True, capture_output=True)


@pytest.fixture(scope="session", autouse=True)
def warm_jit() -> None:
    """Train one epoch of the default run: the Numba kernel compiles (or loads) here, once."""
    from actlab.playground import PlaygroundConfig, Trainer

    Trainer([PlaygroundConfig(seed="0.5")]).step(1)
