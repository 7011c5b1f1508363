"""The test suite collects without the optional extras (skipping their tests locally)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
#: Modules of the optional extras (web, browser, torch, dev's httpx) and of other tools.
OPTIONAL = ("starlette", "uvicorn", "websockets", "httpx", "playwright", "torch", "sklearn",
            "ray", "hypothesis")
CODE = f"""
import importlib.abc, sys
class Missing(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in {OPTIONAL!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
sys.meta_path.insert(0, Missing())
import pytest
sys.exit(pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider",
                      "-p", "no:hypothesispytest", {str(TESTS)!r}]))
"""


def test_the_suite_collects_without_the_optional_extras() -> None:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PYTHONPATH"] = str(TESTS.parent / "src")
    result = subprocess.run([sys.executable, "-c", CODE], env=env, capture_output=True,
                            text=True, check=False, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    summary = result.stdout.strip().splitlines()[-1]
    assert "error" not in summary and "collected" in summary, summary
    assert "test_web_api.py::" not in result.stdout  # skipped: no starlette
    assert "test_playground_engine.py::" in result.stdout  # the core tests are there
