"""A sweep specification: a base playground config, axes to vary, seeds, an epoch budget.

A spec is a TOML file or the equivalent mapping::

    name = "lr-scan"
    epochs = 2000                 # budget per run
    seeds = 100                   # -> "0.00001".."0.00100", or a list of seed strings
    taus = [0.1, 0.05, 0.02, 0.01]
    curves = true                 # keep per-epoch train/test loss
    [base]                        # any PlaygroundConfig field, or url = "https://playground..."
    dataset = "circle"
    [axes]                        # the grid: every combination of these values
    activation = ["relu", "tanh", "leaky_relu:0.05"]
    learning_rate = [0.01, 0.03, 0.1]

The grid is the Cartesian product of the axes (in the order written), each cell trained
with every seed: ``len(grid) × len(seeds)`` runs. Every value is validated by building the
:class:`~actlab.playground.PlaygroundConfig` it describes (the config's own validation, no
second validator), before anything trains; an error names the key, its TOML line and what
is allowed.

A run is identified by :func:`run_key`: a hash of its canonical config (the fields that
change what is trained), its seed, the epoch budget and the engine-version tag.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from actlab.errors import ActlabError
from actlab.playground import PlaygroundConfig

#: Largest spec file read (bytes) and largest grid (runs) accepted.
MAX_SPEC_BYTES = 1_000_000
MAX_RUNS = 2_000_000
MAX_EPOCHS = 1_000_000
DEFAULT_TAUS = (0.1, 0.05, 0.02, 0.01)
TOP_KEYS = ("name", "epochs", "seeds", "taus", "curves", "base", "axes", "formulas")
#: Config fields a spec may set (``seed`` comes from ``seeds``; display-only URL keys are
#: left out: they change nothing that is trained).
FIELDS = (
    "activation", "activation_params", "regularization", "regularization_rate", "batch_size",
    "dataset", "reg_dataset", "learning_rate", "noise", "network_shape", "perc_train_data",
    "features", "problem", "init_zero", "data",
)
_NAME = re.compile(r"^(?=.{1,100}$)[^\s\x00-\x1f\x7f](?:[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f])?$")


@dataclass(frozen=True)
class PlannedRun:
    """One run of a sweep: its key, config, grid cell (axis values) and position."""

    key: str
    config: PlaygroundConfig
    cell: dict[str, Any]
    ordinal: int


@dataclass(frozen=True)
class Spec:
    """A validated sweep spec; :meth:`runs` expands the grid."""

    name: str
    epochs: int
    seeds: tuple[str, ...]
    taus: tuple[float, ...]
    curves: bool
    base: PlaygroundConfig
    axes: dict[str, list[Any]]
    formulas: dict[str, Any] = field(default_factory=dict)
    cells: tuple[tuple[dict[str, Any], PlaygroundConfig], ...] = ()

    @property
    def size(self) -> int:
        return len(self.cells) * len(self.seeds)

    def runs(self, backend: str = "auto") -> list[PlannedRun]:
        """Every run, cell by cell (axes in spec order), seeds innermost."""
        out = []
        for cell, config in self.cells:
            for seed in self.seeds:
                c = with_seed(config, seed)
                out.append(PlannedRun(run_key(c, self.epochs, backend), c, cell, len(out)))
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready normalized spec (what the store keeps)."""
        return {
            "name": self.name,
            "epochs": self.epochs,
            "seeds": list(self.seeds),
            "taus": list(self.taus),
            "curves": self.curves,
            "base": self.base.to_dict(),
            "axes": {k: list(v) for k, v in self.axes.items()},
            "formulas": dict(self.formulas),
        }


def with_seed(config: PlaygroundConfig, seed: str) -> PlaygroundConfig:
    """``config.replace(seed=seed)`` without validating again what was validated.

    The cell's config is valid and a seed is any string (checked by the spec), so only the
    seed is set — a grid of many thousand runs is planned in milliseconds.
    """
    if not isinstance(seed, str):
        raise ActlabError(f"seed must be a string, got {seed!r}")
    c = copy.copy(config)
    object.__setattr__(c, "seed", seed)
    return c


# ------------------------------------------------------------------------------- run key
def engine_tag(config: PlaygroundConfig, backend: str = "auto") -> str:
    """The engine version and backend that trains ``config`` (part of every run key)."""
    from actlab.playground.engine import ENGINE_VERSION, resolved_backend

    return f"{ENGINE_VERSION}/{resolved_backend(config, backend)}"


def canonical_config(config: PlaygroundConfig) -> dict[str, Any]:
    """The fields that decide what is trained, normalized (floats as floats, sorted params).

    Display-only URL keys (``showTestData``, ``discretize``, ...) and the dataset of the
    problem not being solved are left out: they change nothing. CSV data count by content
    hash (and whether inputs are scaled), not by file name; a formula activation by its
    definition (``name(p=1)=expr``), not just its name.
    """
    from actlab import activations

    data: Any = config.data_source
    if config.data is not None:
        data = {"csv": config.data, "scale": bool(config.data_scale)}
    return {
        "activation": config.activation,
        "activationFormula": activations.spec(config.activation).definition,
        "activationParams": {k: (float(v) if isinstance(v, int | float) else v)
                             for k, v in sorted(config.activation_params.items())},
        "regularization": config.regularization,
        "regularizationRate": float(config.regularization_rate),
        "batchSize": int(config.batch_size),
        "problem": config.problem,
        "data": data,
        "learningRate": float(config.learning_rate),
        "noise": float(config.noise),
        "networkShape": list(config.network_shape),
        "percTrainData": float(config.perc_train_data),
        "features": list(config.features),
        "initZero": bool(config.init_zero),
        "seed": config.seed,
    }


def run_key(config: PlaygroundConfig, epochs: int, backend: str = "auto") -> str:
    """The run's identity: SHA-256 of canonical config, seed, epoch budget and engine tag."""
    text = json.dumps(
        {"config": canonical_config(config), "epochs": int(epochs),
         "engine": engine_tag(config, backend)},
        sort_keys=True, separators=(",", ":"),
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


# ------------------------------------------------------------------------------- parsing
class _Where:
    """Locates keys in the TOML text, for error messages (``file line 12: axes.noise``)."""

    def __init__(self, source: str, text: str | None, folder: Path | None = None) -> None:
        self.source = source
        self.lines = text.splitlines() if text is not None else None
        self.folder = folder  # relative CSV paths are read from here (the spec's folder)
        self.datasets: dict[str, Any] = {}

    def line(self, table: str | None, key: str) -> int | None:
        if self.lines is None:
            return None
        current = None
        pattern = re.compile(rf"""^\s*(["']?){re.escape(key)}\1\s*=""")
        dotted = re.compile(rf"""^\s*{re.escape(table)}\s*\.\s*{re.escape(key)}\s*=""") \
            if table else None
        for i, raw in enumerate(self.lines, 1):
            header = re.match(r"^\s*\[\s*([^\]\s]+)\s*\]", raw)
            if header:
                current = header.group(1)
                continue
            if current == table and pattern.match(raw):
                return i
            if dotted is not None and current is None and dotted.match(raw):
                return i
        return None

    def error(self, table: str | None, key: str | None, message: str) -> ActlabError:
        path = ".".join(p for p in (table, key) if p)
        line = self.line(table, key) if key else None
        at = f" line {line}" if line else ""
        label = f"{path}: " if path else ""
        return ActlabError(f"spec {self.source}{at}: {label}{message}")


def load_spec(spec: Mapping[str, Any] | str | Path | Spec) -> Spec:
    """Validate a spec given as a mapping, a TOML file path, or a :class:`Spec`."""
    if isinstance(spec, Spec):
        return spec
    if isinstance(spec, Mapping):
        return _from_mapping(spec, _Where("(dict)", None))
    if not isinstance(spec, str | Path):
        raise ActlabError(f"a spec is a mapping or a TOML file path, got {type(spec).__name__}")
    path = Path(spec)
    if not path.is_file():
        what = "a folder" if path.is_dir() else "missing"
        raise ActlabError(f"spec file {str(path)!r} is {what}")
    if path.stat().st_size > MAX_SPEC_BYTES:
        raise ActlabError(f"spec file {str(path)!r} is larger than {MAX_SPEC_BYTES} bytes")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise ActlabError(f"spec {str(path)!r}: not UTF-8 text") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ActlabError(f"spec {path.name}: invalid TOML: {exc}") from None
    return _from_mapping(data, _Where(path.name, text, path.parent))


def _from_mapping(data: Mapping[str, Any], where: _Where) -> Spec:
    unknown = [k for k in data if k not in TOP_KEYS]
    if unknown:
        raise where.error(None, str(unknown[0]),
                          f"unknown key; allowed: {', '.join(TOP_KEYS)}")
    name = data.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise where.error(None, "name", "required: 1-100 printable characters, not starting "
                          f"or ending with a space, got {name!r}")
    epochs = data.get("epochs")
    if not _is_int(epochs) or not 1 <= epochs <= MAX_EPOCHS:
        raise where.error(None, "epochs",
                          f"required: a whole number in 1..{MAX_EPOCHS}, got {epochs!r}")
    seeds = _seeds(data.get("seeds"), where)
    taus = _taus(data.get("taus", DEFAULT_TAUS), where)
    curves = data.get("curves", True)
    if not isinstance(curves, bool):
        raise where.error(None, "curves", f"must be true or false, got {curves!r}")
    formulas = data.get("formulas", {})
    if not isinstance(formulas, Mapping):
        raise where.error(None, "formulas", "must be a table NAME = \"EXPR\"")
    _define_formulas(formulas, where)

    base_in = data.get("base", {})
    if isinstance(base_in, PlaygroundConfig):
        base = base_in
    elif isinstance(base_in, Mapping):
        base = _base(base_in, where)
    else:
        raise where.error(None, "base", "must be a table of config fields")

    axes_in = data.get("axes", {})
    if not isinstance(axes_in, Mapping):
        raise where.error(None, "axes", "must be a table: FIELD = [values...]")
    axes: dict[str, list[Any]] = {}
    for key, values in axes_in.items():
        if key not in FIELDS:
            raise where.error("axes", key, f"not a config field; allowed: {', '.join(FIELDS)}")
        if not isinstance(values, list | tuple) or not values:
            raise where.error("axes", key, f"must be a non-empty list of values, got {values!r}")
        normalized = [_normalize(key, v, where, "axes") for v in values]
        texts = [json.dumps(v, sort_keys=True) for v in normalized]
        if len(set(texts)) != len(texts):
            dup = next(t for t in texts if texts.count(t) > 1)
            raise where.error("axes", key, f"value {dup} listed twice")
        axes[key] = normalized

    n_cells = math.prod(len(v) for v in axes.values())
    if n_cells * len(seeds) > MAX_RUNS:
        raise where.error(None, "axes", f"the grid has {n_cells * len(seeds)} runs; at most "
                          f"{MAX_RUNS} are allowed in one sweep")
    cells = []
    for combo in itertools.product(*axes.values()):
        cell = dict(zip(axes, combo, strict=True))
        changes: dict[str, Any] = {}
        for key, value in cell.items():
            changes.update(_changes(key, value, where))
        try:
            config = base.replace(**changes)
        except ActlabError as exc:
            desc = ", ".join(f"{k}={_show(v)}" for k, v in cell.items())
            key = next(iter(cell)) if len(cell) == 1 else None
            raise where.error("axes", key, f"cell {desc}: {exc}") from None
        cells.append((cell, config))
    return Spec(name=name, epochs=int(epochs), seeds=seeds, taus=taus, curves=curves,
                base=base, axes=axes, formulas=dict(formulas), cells=tuple(cells))


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _seeds(value: Any, where: _Where) -> tuple[str, ...]:
    from actlab.experiments.compare import seed_strings

    if _is_int(value):
        try:
            return tuple(seed_strings(value))
        except ActlabError as exc:
            raise where.error(None, "seeds", str(exc)) from None
    if isinstance(value, list | tuple) and value and all(isinstance(s, str) for s in value):
        seeds = tuple(s.strip() for s in value)
        if any(not s for s in seeds):
            raise where.error(None, "seeds", "seed strings must not be empty")
        if len(set(seeds)) != len(seeds):
            raise where.error(None, "seeds", "seed strings must not repeat")
        return seeds
    raise where.error(None, "seeds", "required: a number of seeds n (-> 0.00001..n/100000) "
                      f"or a non-empty list of seed strings, got {value!r}")


def _taus(value: Any, where: _Where) -> tuple[float, ...]:
    ok = isinstance(value, list | tuple) and len(value) > 0 and all(
        isinstance(t, int | float) and not isinstance(t, bool) and math.isfinite(t) and t > 0
        for t in value)
    if not ok:
        raise where.error(None, "taus", f"must be a non-empty list of numbers > 0, got {value!r}")
    taus = tuple(dict.fromkeys(float(t) for t in value))
    return taus


def _define_formulas(formulas: Mapping[str, Any], where: _Where) -> None:
    """Register formula activations (:func:`actlab.activations.define`) before validation.

    Defining the same formula again is a no-op (``define_text`` recognizes it), so loading
    a spec twice in one process, or resuming a sweep, does not re-derive anything.
    """
    from actlab import activations

    for name, entry in formulas.items():
        if isinstance(entry, str):
            formula, params = entry, {}
        elif isinstance(entry, Mapping) and isinstance(entry.get("formula"), str):
            params = {k: v for k, v in entry.items() if k != "formula"}
            formula = entry["formula"]
        else:
            raise where.error("formulas", name, 'must be "EXPR" or {formula = "EXPR", '
                              "param = default, ...}")
        bad = [k for k, v in params.items()
               if not isinstance(v, int | float) or isinstance(v, bool)]
        if bad:
            raise where.error("formulas", name, f"parameter default {bad[0]!r} must be a number")
        inner = ",".join(f"{k}={float(v)!r}" for k, v in params.items())
        text = f"{name}({inner})={formula}" if params else f"{name}={formula}"
        try:
            activations.define_text(text)
        except ActlabError as exc:
            raise where.error("formulas", name, str(exc)) from None


def _base(table: Mapping[str, Any], where: _Where) -> PlaygroundConfig:
    url = table.get("url")
    try:
        if url is not None:
            if not isinstance(url, str):
                raise ActlabError(f"must be a playground URL string, got {url!r}")
            base = PlaygroundConfig.from_url(url)
        else:
            base = PlaygroundConfig()
    except ActlabError as exc:
        raise where.error("base", "url", str(exc)) from None
    for key, value in table.items():
        if key == "url":
            continue
        if key not in FIELDS:
            raise where.error("base", key,
                              f"not a config field; allowed: url, {', '.join(FIELDS)}")
        try:
            base = base.replace(**_changes(key, _normalize(key, value, where, "base"), where))
        except ActlabError as exc:
            raise where.error("base", key, str(exc)) from None
    return base


def _normalize(key: str, value: Any, where: _Where, table: str) -> Any:
    """A spec value in canonical form (activation as compare's text, shapes as lists)."""
    try:
        if key == "activation":
            from actlab.experiments.compare import ActivationChoice

            if not isinstance(value, str):
                raise ActlabError(f"must be a name such as relu or leaky_relu:0.05, got {value!r}")
            return activation_text(ActivationChoice.parse(value))
        if key in ("network_shape", "features"):
            if isinstance(value, str):
                value = [v.strip() for v in value.split(",") if v.strip()]
            if not isinstance(value, list | tuple):
                raise ActlabError(f"must be a list, got {value!r}")
            if key == "network_shape":
                return list(PlaygroundConfig.from_dict({"networkShape": list(value)}).network_shape)
            return [str(v) for v in value]
        if key == "regularization":
            return None if value in (None, "none") else value
        if key == "activation_params" and not isinstance(value, Mapping):
            raise ActlabError(f"must be a table of parameter values, got {value!r}")
        if key == "data":
            if value in (None, "", "none"):
                return None
            if not isinstance(value, str):
                raise ActlabError(f"must be the path of a CSV file, or \"none\", got {value!r}")
            _dataset(value, where)  # load (and check) it now
    except ActlabError as exc:
        raise where.error(table, key, str(exc)) from None
    return value


def _dataset(path: str, where: _Where) -> Any:
    """The CSV dataset at ``path`` (relative to the spec's folder), loaded once per spec."""
    if path not in where.datasets:
        from actlab.data import load_csv

        full = Path(path)
        if not full.is_absolute() and where.folder is not None:
            full = where.folder / full
        if not full.is_file():
            raise ActlabError(f"no CSV file at {str(full)!r}")
        where.datasets[path] = load_csv(full)
    return where.datasets[path]


def _changes(key: str, value: Any, where: _Where) -> dict[str, Any]:
    """PlaygroundConfig fields set by one spec key (validated when the config is built)."""
    from actlab.playground.datasets import REGRESSION_DATASETS

    if key == "data":
        if value is None:
            return {"data": None, "data_path": None, "data_columns": (), "data_scale": True}
        ds = _dataset(value, where)
        fields = ds.config_fields()
        if ds.n_inputs > 2:
            fields["features"] = ("x", "y")
        return fields
    if key == "activation":
        from actlab.experiments.compare import ActivationChoice

        choice = ActivationChoice.parse(value)
        return {"activation": choice.name, "activation_params": dict(choice.params)}
    if key == "network_shape":
        return {"network_shape": tuple(value)}
    if key == "features":
        return {"features": tuple(value)}
    if key == "activation_params":
        return {"activation_params": dict(value)}
    if key == "dataset":
        if value in REGRESSION_DATASETS:
            return {"reg_dataset": value, "problem": "regression"}
        return {"dataset": value, "problem": "classification"}
    return {key: value}


def activation_text(choice: Any) -> str:
    """An activation in compare's syntax: ``relu``, ``leaky_relu:0.05``, ``elu:alpha=0.5``."""
    from actlab import activations

    if not choice.params:
        return choice.name
    if len(choice.params) == 1 and len(activations.spec(choice.name).params) == 1:
        return f"{choice.name}:{_num(choice.params[0][1])}"
    return choice.name + "".join(f":{k}={_num(v)}" for k, v in choice.params)


def _num(v: Any) -> str:
    from actlab.playground.config import js_number

    return js_number(v) if isinstance(v, int | float) else str(v)


def _show(v: Any) -> str:
    return v if isinstance(v, str) else json.dumps(v)
