"""The ``actlab`` command line: argument parsing and printing only.

Each sub-command lives in its own module of this package exposing
``add_parser(subparsers)`` (which sets ``func`` on its parser) — the work itself is
done by the Python API. Errors in the input (:class:`~actlab.errors.ActlabError`) are
printed as one line on stderr with exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings

from actlab.errors import ActlabError, ActlabNote

#: Sub-command modules, in the order ``actlab --help`` lists them.
COMMAND_MODULES = ("plot", "table", "train", "compare", "sweep", "reproduce", "serve")


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error message and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="actlab",
        description="Activation-function laboratory: functions, figures, playground, claims.",
    )
    from actlab import __version__

    parser.add_argument("--version", action="version", version=f"actlab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"actlab.cli.{name}")
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    with warnings.catch_warnings():
        warnings.simplefilter("always", ActlabNote)
        warnings.showwarning = _show_note(warnings.showwarning)
        return _run(args)


def _show_note(fallback):
    """Print each :class:`ActlabNote` once, as one ``note:`` line; others as usual."""
    seen: set[str] = set()

    def show(message, category, filename, lineno, file=None, line=None):
        if not issubclass(category, ActlabNote):
            return fallback(message, category, filename, lineno, file, line)
        if str(message) not in seen:
            seen.add(str(message))
            sys.stderr.write(f"note: {message}\n")

    return show


def _run(args: argparse.Namespace) -> int:
    try:
        if getattr(args, "formula", None):
            from actlab.cli.plot import define_formulas

            define_formulas(args.formula, args.command)
        result = args.func(args)
    except ActlabError as exc:
        sys.stderr.write(f"actlab {args.command}: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    return int(result or 0)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
