"""The ``actlab`` command line: argument parsing and printing only.

Each sub-command lives in its own module of this package exposing
``add_parser(subparsers)`` (which sets ``func`` on its parser) — the work itself is
done by the Python API. Errors in the input (:class:`~actlab.errors.ActlabError`) are
printed as one line on stderr with exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import signal
import sys
import threading
import warnings

from actlab.errors import ActlabError, ActlabNote

_NEGATIVE_NUMBER = re.compile(r"^-([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$|^-inf$")

#: Sub-command modules, in the order ``actlab --help`` lists them.
COMMAND_MODULES = ("plot", "table", "train", "compare", "sweep", "reproduce", "serve")


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error message, exit code 2, and no abbreviated flags
    (``--data`` must not silently mean ``--dataset``)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)
        # "-1e6" is a number, not an option (argparse's own pattern misses exponents)
        self._negative_number_matcher = _NEGATIVE_NUMBER

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


class Terminated(KeyboardInterrupt):
    """SIGTERM/SIGHUP, raised where the program is so that temporary files are removed."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated(signum)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            if sig is not None:
                previous[sig] = signal.signal(sig, _raise_terminated)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", ActlabNote)
            warnings.showwarning = _show_note(warnings.showwarning)
            return _run(args)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


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
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # overflow in exp etc.: handled
            result = args.func(args)
        sys.stdout.flush()
    except ActlabError as exc:
        sys.stderr.write(f"actlab {args.command}: error: {' '.join(str(exc).split())}\n")
        return 2
    except BrokenPipeError:  # `actlab ... | head`: the reader left; stop quietly
        _silence_stdout()
        return 141
    except Terminated as exc:
        sys.stderr.write("terminated\n")
        return 128 + exc.signum
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except OSError as exc:  # e.g. > /dev/full, or a disk that filled up while writing
        where = f" {exc.filename!r}" if exc.filename else " (standard output)"
        _silence_stdout()
        sys.stderr.write(f"actlab {args.command}: error: cannot write{where}: "
                         f"{exc.strerror or exc}\n")
        return 2
    return int(result or 0)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
