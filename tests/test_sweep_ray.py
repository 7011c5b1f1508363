"""Sweeps on a real local Ray (one start for the module: Ray is slow to start)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import require

import actlab
from actlab import sweep
from actlab.cli import main

SPEC = {
    "name": "ray-small",
    "epochs": 25,
    "seeds": 3,
    "taus": [0.2, 0.1],
    "base": {"dataset": "circle", "network_shape": [3, 2]},
    "axes": {"activation": ["relu", "tanh"], "noise": [0, 10]},
}


@pytest.fixture(scope="module")
def ray():
    ray = require("ray")
    src = str(Path(actlab.__file__).resolve().parents[1])
    path = os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": path}})
    yield ray
    ray.shutdown()


def _stable(rows):
    return [{k: v for k, v in r.items() if k != "wall_time"} for r in rows]


def test_ray_sweep_matches_serial_bit_for_bit(ray, tmp_path, capsys):
    serial = sweep.run(SPEC, tmp_path / "serial.sqlite", workers=1)
    on_ray = sweep.run(SPEC, tmp_path / "ray.sqlite", ray=True, chunk_size=4)
    assert on_ray.trained == serial.trained == 12
    assert ray.is_initialized()  # an existing connection is used, not shut down
    expected = _stable(sweep.load(tmp_path / "serial.sqlite", curves=True))
    assert _stable(sweep.load(tmp_path / "ray.sqlite", curves=True)) == expected
    # the CLI's --ray: resumes (trains only what is missing) on the same Ray
    spec = tmp_path / "s.toml"
    spec.write_text('name = "ray-small"\nepochs = 25\nseeds = 3\ntaus = [0.2, 0.1]\n'
                    '[base]\ndataset = "circle"\nnetwork_shape = [3, 2]\n'
                    '[axes]\nactivation = ["relu", "tanh", "sigmoid"]\nnoise = [0, 10]\n')
    assert main(["sweep", "run", str(spec), "--db", str(tmp_path / "ray.sqlite"), "--ray",
                 "--quiet"]) == 0
    assert "trained 6, already stored 12" in capsys.readouterr().out
    rows = sweep.load(tmp_path / "ray.sqlite")
    assert len(rows) == 18 and len({r["key"] for r in rows}) == 18
