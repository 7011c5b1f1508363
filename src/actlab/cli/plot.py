"""``actlab plot``: the lesson's figures (``plot seed``) or any activations you name."""

from __future__ import annotations

import argparse

from actlab import activations
from actlab.activations import Activation
from actlab.errors import ActlabError

SEED = "seed"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "plot",
        help="draw activation functions (and derivatives) to PNG/SVG",
        description=(
            "'actlab plot seed --out DIR' writes the lesson's two figures "
            "(sigmoid_vs_relu.png, relu_vs_leaky_relu.png). 'actlab plot NAME [NAME ...] "
            "--out FILE.png|FILE.svg' draws any activations, e.g. "
            "'actlab plot relu leaky_relu --param leaky_relu.negative_slope=0.05 "
            "--derivative --out relu.png'."
        ),
    )
    parser.add_argument("names", nargs="+", metavar="NAME",
                        help=f"activation names, or '{SEED}' for the lesson's figures")
    add_param_option(parser)
    add_formula_option(parser)
    parser.add_argument("--derivative", action="store_true",
                        help="also draw the derivatives, in a second panel")
    parser.add_argument("--xlim", nargs=2, type=float, metavar=("A", "B"),
                        help="x range (default -5 5)")
    parser.add_argument("--ylim", nargs=2, type=float, metavar=("A", "B"),
                        help="y range of the function panel (default: automatic)")
    parser.add_argument("--out", required=True,
                        help="output file (.png or .svg); a folder for 'plot seed'")
    parser.set_defaults(func=run)


def add_param_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--param", action="append", default=[], metavar="NAME.KEY=VALUE",
        help="set a parameter, e.g. leaky_relu.negative_slope=0.05 (repeatable)",
    )


def add_formula_option(parser: argparse.ArgumentParser) -> None:
    """``--formula 'NAME=EXPR'`` / ``'NAME(p=1.0)=EXPR'`` (repeatable); the CLI's ``main``
    defines them before the command runs (:func:`define_formulas`)."""
    parser.add_argument(
        "--formula", action="append", default=[], metavar="'NAME(p=1.0)=EXPR'",
        help="define a formula activation, e.g. 'swish17=x*sigmoid(1.702*x)' or "
             "'swish_b(beta=1.0)=x*sigmoid(beta*x)'; then use NAME like any activation "
             "(repeatable; grammar: numbers, x, parameters, pi, e, + - * / **, exp log log1p "
             "sqrt abs sin cos tanh sigmoid softplus erf max min where, A if COND else B)",
    )


def define_formulas(items: list[str], command: str) -> None:
    """Define each ``--formula``; a :class:`FormulaWarning` is printed as one line."""
    import sys
    import warnings

    from actlab.formula import FormulaWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FormulaWarning)
        for item in items:
            activations.define_text(item)
    for w in caught:
        if issubclass(w.category, FormulaWarning):
            sys.stderr.write(f"actlab {command}: warning: {w.message}\n")


def resolve(names: list[str], param_items: list[str]) -> list[Activation]:
    """Activations for ``names`` with ``--param`` settings applied (all validated)."""
    specs = [activations.spec(n) for n in names]
    params = activations.parse_param_assignments(param_items)
    unused = sorted(set(params) - {s.name for s in specs})
    if unused:
        raise ActlabError(
            f"--param given for {unused[0]}, which is not among the activations "
            f"({', '.join(s.name for s in specs)})"
        )
    return [activations.get(s.name, **params.get(s.name, {})) for s in specs]


def run(args: argparse.Namespace) -> int:
    from actlab.plots import activations as plots

    if SEED in args.names:
        extra = [opt for opt, given in (("NAME", len(args.names) > 1), ("--param", args.param),
                 ("--derivative", args.derivative), ("--xlim", args.xlim),
                 ("--ylim", args.ylim)) if given]  # fmt: skip
        if extra:
            raise ActlabError(f"'plot {SEED}' draws the lesson's figures; it takes no {extra[0]}")
        for path in plots.plot_seed_figures(args.out):
            print(path)
        return 0
    acts = resolve(args.names, args.param)
    out = plots.check_output_path(args.out)  # validate before drawing or writing
    fig = plots.plot_activations(
        acts, derivative=args.derivative, xlim=args.xlim or (-5.0, 5.0), ylim=args.ylim
    )
    print(plots.save_figure(fig, out))
    return 0
