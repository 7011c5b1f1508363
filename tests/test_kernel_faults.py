"""A JIT that cannot break a run (issue 12, item 4): every kernel fault falls back.

Each case runs in a subprocess with its own kernel cache directory, on a formula activation
(its kernel module is small: a few seconds to compile) — except ``NUMBA_DISABLE_JIT``, which
compiles nothing. Faults: JIT disabled, a garbage or truncated Numba cache file, no writable
cache location. Each must give correct numbers and one ``note:`` line, never a traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# evaluate a formula's f, f' in the kernel and compare with the registry (NumPy)
_SCRIPT = """
import warnings, numpy as np
from actlab import activations
from actlab.errors import ActlabNote
from actlab.playground import kernel
warnings.simplefilter("always", ActlabNote)
warnings.showwarning = lambda m, c, *a, **k: print("note:", m)
activations.define("fault_swish", "x*sigmoid(1.5*x)")
act = activations.get("fault_swish")
x = np.linspace(-5, 5, 101)
f, df = kernel.evaluate(act, x)
assert np.allclose(f, act(x), rtol=1e-13) and np.allclose(df, act.derivative(x), rtol=1e-13)
print("ok")
"""


def _run(args: list[str], cache: Path | str, **env: str) -> subprocess.CompletedProcess:
    full = {**os.environ, "PYTHONPATH": str(REPO / "src"), "ACTLAB_KERNEL_CACHE": str(cache),
            "NUMBA_CACHE_DIR": str(cache), **env}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=full,
                          timeout=600, cwd=REPO)


def test_numba_disable_jit_trains_with_numpy_and_one_note(tmp_path):
    proc = _run(["-m", "actlab", "train", "--activation", "relu", "--epochs", "5",
                 "--seed", "0.59704"], tmp_path, NUMBA_DISABLE_JIT="1")
    assert proc.returncode == 0, proc.stderr
    notes = [line for line in proc.stderr.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and "NUMBA_DISABLE_JIT" in notes[0], proc.stderr
    assert "Traceback" not in proc.stderr and "loss" in proc.stdout.lower()


def test_corrupt_cache_files_are_detected_and_rebuilt(tmp_path):
    first = _run(["-c", _SCRIPT], tmp_path)
    assert first.returncode == 0 and "note:" not in first.stdout, first.stderr
    data, index = sorted(tmp_path.rglob("*.nbc")), sorted(tmp_path.rglob("*.nbi"))
    assert data and index, "Numba wrote no cache files"
    for path in data:  # garbage machine code
        path.write_bytes(b"\x80garbage" * 7)
    for path in index:  # a truncated index
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])
    second = _run(["-c", _SCRIPT], tmp_path)
    assert second.returncode == 0 and second.stdout.strip().endswith("ok"), second.stderr
    notes = [line for line in second.stdout.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and "rebuilt" in notes[0], second.stdout
    third = _run(["-c", _SCRIPT], tmp_path)  # the rebuilt cache loads cleanly
    assert third.returncode == 0 and "note:" not in third.stdout, third.stdout + third.stderr


def test_no_writable_cache_location_compiles_in_memory(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    proc = _run(["-c", _SCRIPT], blocker / "cache")
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), proc.stderr
    notes = [line for line in proc.stdout.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and "in memory" in notes[0], proc.stdout
    assert not (tmp_path / "a-file").is_dir()
