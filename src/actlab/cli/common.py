"""Pieces every sub-command shares: config flags generated from the constraint table,
``--no-limits``, and warnings printed as one ``warning:`` line each.

The run-configuration flags of ``actlab train`` and ``actlab compare`` are not written by
hand: :func:`add_config_arguments` reads :data:`actlab.playground.fields.FIELDS` (flag,
metavar, help, allowed values, default) and :func:`config_from_args` parses each given flag
with the same :meth:`Field.parse` that reads URL values, so the command line, the Python API
and the URL accept exactly the same values.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import warnings
from collections.abc import Iterator
from typing import Any

from actlab.errors import ActlabError

#: How the soft limits are named in command-line messages.
LIMIT_NAMES = {"epochs": "--epochs", "seeds": "the number of seeds (--seeds/--seed-list)",
               "hidden_layers": "--network-shape's number of hidden layers",
               "neurons": "--network-shape's largest layer"}
_DATASET_HELP_EXTRA = "regression: {reg} (sets --problem regression)"


def _help(text: str) -> str:
    return text.replace("%", "%%")  # argparse %-formats help strings


def add_config_arguments(parser: argparse.ArgumentParser, *,
                         exclude: tuple[str, ...] = ()) -> None:
    """``--url`` plus one flag per table field that has one (minus ``exclude``)."""
    from actlab.playground import fields

    group = parser.add_argument_group("run configuration (overrides --url)")
    group.add_argument("--url", help="a playground URL or its hash: the base configuration")
    group.add_argument("--data", metavar="CSV",
                       help="train on your own CSV file instead of a playground dataset: a "
                       "header, two or more numeric input columns, then label (two classes "
                       "-1/1, 0/1 or two names; or numbers for regression)")
    group.add_argument("--no-scale", dest="data_no_scale", action="store_true",
                       help="with --data: use the inputs as they are (default: each column "
                       "scaled linearly into the playground's [-6, 6])")
    for f in fields.FIELDS:
        if f.flag is None or f.name in exclude:
            continue
        default = f.to_text(f.default) if f.default not in ((), {}) else "none"
        if f.name == "activation_params":
            group.add_argument(f.flag, dest="cfg_activation_params", action="append",
                               default=None, metavar=f.metavar,
                               help=_help(f"{f.doc}, e.g. negative_slope=0.05 (repeatable)"))
            continue
        if f.kind == "boolean":
            group.add_argument(f.flag, dest=f"cfg_{f.name}", action="store_true", default=None,
                               help=_help(f.doc))
            continue
        allowed = f.allowed()
        if f.name == "dataset":
            reg = fields.BY_NAME["reg_dataset"]
            allowed += "; " + _DATASET_HELP_EXTRA.format(reg=", ".join(reg.choices))
        keys = f"URL keys {f.key.replace(',', ', ')}" if "," in f.key else f"URL key {f.key}"
        text = f"{f.doc}: {allowed} (default {default}; {keys})"
        group.add_argument(f.flag, dest=f"cfg_{f.name}", default=None, metavar=f.metavar,
                           help=_help(text))
    from actlab.cli.plot import add_formula_option

    add_formula_option(group)


def add_limits_argument(parser: argparse.ArgumentParser) -> None:
    from actlab.playground import fields

    limits = ", ".join(f"{lim.value:,} {lim.name.replace('_', ' ')}"
                       for lim in fields.LIMITS.values())
    parser.add_argument("--no-limits", action="store_true",
                        help=_help(f"lift the soft limits ({limits}) for a run you mean"))


@contextlib.contextmanager
def printed_warnings() -> Iterator[None]:
    """Print each Python warning raised inside as one ``warning: ...`` line on stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        print(f"warning: {' '.join(str(w.message).split())}", file=sys.stderr)


def config_from_args(args: argparse.Namespace):
    """The :class:`PlaygroundConfig` described by ``--url`` plus explicit flags."""
    from actlab import activations
    from actlab.playground import PlaygroundConfig, fields

    if args.url is not None:
        if not args.url.strip():
            raise ActlabError("--url is empty; give a playground URL or leave the flag out")
        with printed_warnings():
            base = PlaygroundConfig.from_url(args.url)
    else:
        base = PlaygroundConfig()
    given = {key[4:]: value for key, value in vars(args).items()
             if key.startswith("cfg_") and value is not None}
    changes: dict[str, Any] = {}
    data_file = getattr(args, "data", None)
    if data_file is not None:
        from actlab.data import load_csv

        if "dataset" in given:
            raise ActlabError("--data and --dataset exclude each other: train on a CSV file "
                              "or on a playground dataset")
        problem = given.pop("problem", None)
        problem = "auto" if problem is None else fields.parse("problem", problem, "--problem")
        dataset = load_csv(data_file, scale=not args.data_no_scale, problem=problem)
        changes.update(dataset.config_fields())
        if dataset.n_inputs > 2 and "features" not in given:
            changes["features"] = ("x", "y")
    elif getattr(args, "data_no_scale", False):
        raise ActlabError("--no-scale applies to --data only")
    for name, value in given.items():
        f = fields.BY_NAME[name]
        if name == "activation_params":
            act = changes.get("activation") or fields.parse(
                "activation", given.get("activation", base.activation), "--activation")
            params = {}
            for item in value:
                k, sep, v = item.partition("=")
                if not sep:
                    raise ActlabError(f"{f.flag} must look like KEY=VALUE, got {item!r}")
                params[k.strip()] = activations.parse_param(act, k.strip(), v)
            changes[name] = params
        elif f.kind == "boolean":
            changes[name] = bool(value)
        elif name == "dataset":
            changes.update(_dataset_changes(value, given.get("problem")))
        else:
            changes[name] = f.parse(value, f.flag)
    if "activation" in changes and "activation_params" not in changes:
        changes["activation_params"] = {}
    return base.replace(**changes)


def _dataset_changes(text: str, problem_text: str | None) -> dict[str, Any]:
    """``--dataset`` takes classification and regression names; it must agree with
    ``--problem`` when both are given."""
    from actlab.playground import fields

    problem = None if problem_text is None else fields.parse("problem", problem_text,
                                                             "--problem")
    name = text.strip().lower()
    for f, kind in ((fields.BY_NAME["dataset"], "classification"),
                    (fields.BY_NAME["reg_dataset"], "regression")):
        if name in f.choices:
            if problem is not None and problem != kind:
                raise ActlabError(
                    f"--dataset {name} is a {kind} dataset, but --problem is {problem}"
                )
            return {f.name: name, "problem": kind}
    choices = fields.BY_NAME["dataset"].choices + fields.BY_NAME["reg_dataset"].choices
    raise ActlabError(f"--dataset must be one of {', '.join(choices)}, got "
                      f"{fields._shown(text)}")


def describe_data(cfg, out) -> None:
    """Print what CSV data a config trains on (its rows, scaling, labels, hash)."""
    if cfg.data is None:
        return
    from actlab.data import resolve

    dataset = resolve(cfg.data, cfg.data_path, scale=cfg.data_scale, problem=cfg.problem)
    print(dataset.describe(), file=out)
