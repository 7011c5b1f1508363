"""Output files: checked before any work, written atomically, all together or not at all.

Results that took minutes must never be lost to a bad path found at the end, nor leave a
half-written file. Two tools:

- :func:`check_output` / :func:`check_output_dir` — called *before* the work: the path is
  not empty, its name fits the file system, it is not a folder (or a file where a folder is
  wanted), its folder exists (or can be created) and is writable (a real probe file, so
  read-only mounts and full disks show up), and some space is free — at least
  :data:`MIN_FREE_BYTES`, and at least the estimated size of what will be written where a
  command can estimate it cheaply (``size``; :func:`check_space` for a file that grows,
  such as a sweep store). Estimates are lower bounds, so the check never refuses a write
  that would fit. Every problem, every ``OSError`` included, becomes one
  :class:`~actlab.errors.ActlabError` naming the path and the reason.
- :class:`Outputs` — stages every file of one command as a temporary file *inside its
  target folder* (so the final rename never crosses a file system) and renames them all at
  the end; on any error, ``KeyboardInterrupt`` or signal turned into one, the temporary
  files (and folders it created) are removed and earlier versions of the targets are kept.
  Temporary names are ``.actlab-tmp-PID-XXXX``; a leftover of a killed process (SIGKILL
  cannot be caught) is removed by the next :class:`Outputs` writing into that folder.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import secrets
import shutil
from pathlib import Path
from typing import Any

from actlab.errors import ActlabError

TMP_PREFIX = ".actlab-tmp-"
_TMP_NAME = re.compile(re.escape(TMP_PREFIX) + r"(\d+)-")
#: Refuse to start when less than this is free where the outputs go (a cheap estimate).
MIN_FREE_BYTES = 1 << 20


def size_text(n: float) -> str:
    """A byte count for people: ``512 bytes``, ``3.2 MiB``, ``170 GiB``."""
    if n < 1024:
        return f"{int(n)} bytes"
    for unit in ("KiB", "MiB", "GiB", "TiB", "PiB"):
        n /= 1024
        if n < 1024 or unit == "PiB":
            return f"{n:.1f} {unit}" if n < 10 else f"{n:,.0f} {unit}"
    raise AssertionError  # pragma: no cover


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        return 255


def _probe(folder: Path, what: str, shown: str, size: int = 0) -> None:
    """Create, write, sync and remove a small file in ``folder``: the real test; then
    the free space, against :data:`MIN_FREE_BYTES` and ``size``."""
    probe = folder / f"{TMP_PREFIX}{os.getpid()}-probe-{secrets.token_hex(4)}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, b"actlab" * 683)  # 4 KiB: a full disk refuses it
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise ActlabError(f"cannot write {what} {shown}: {_reason(exc)}") from None
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()
    _free_space(folder, what, shown, size)


def _free_space(folder: Path, what: str, shown: str, size: int) -> None:
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return
    if size > MIN_FREE_BYTES and free < size:
        raise ActlabError(f"cannot write {what} {shown}: it needs at least {size_text(size)} "
                          f"and only {size_text(free)} are free on that disk")
    if free < MIN_FREE_BYTES:
        raise ActlabError(f"cannot write {what} {shown}: only {free} bytes free on that disk")


def check_space(path: str | Path, size: int, *, what: str = "output") -> None:
    """Check, before any work, that the disk where ``path`` is (or will be) has ``size``
    bytes free: one ``statvfs`` of its nearest existing folder, no probe. ``size`` is a
    lower bound of what will be written (e.g. a sweep store's growth); :class:`ActlabError`
    (one line, naming the path, the size and the free space) if it does not fit."""
    p = _as_path(path, what)
    shown = _short(path)
    folder = p.parent if str(p.parent) else Path(".")
    try:
        anc, _ = _existing_ancestor(folder, what, shown)
    except OSError:
        return
    _free_space(anc, what, shown, int(size))


def _existing_ancestor(p: Path, what: str, shown: str) -> tuple[Path, list[Path]]:
    """The nearest existing ancestor folder of ``p`` and the missing folders below it."""
    missing = []
    cur = p
    while True:
        try:
            if cur.exists() or cur.is_symlink():
                break
        except OSError as exc:
            raise ActlabError(f"cannot write {what} {shown}: {_reason(exc)}") from None
        missing.append(cur)
        if cur.parent == cur:
            break
        cur = cur.parent
    if not cur.is_dir():
        raise ActlabError(f"cannot write {what} {shown}: {str(cur)!r} is a file, not a folder")
    return cur, missing[::-1]


def _check_name(p: Path, what: str, shown: str) -> None:
    folder = p.parent if str(p.parent) else Path(".")
    limit = _name_max(folder if folder.is_dir() else Path("."))
    for part in p.parts:
        if len(os.fsencode(part)) > limit:
            raise ActlabError(f"cannot write {what} {shown}: the name {part[:20]!r}... is "
                              f"{len(os.fsencode(part))} bytes long (this file system allows "
                              f"{limit})")


def json_text(data: Any, indent: int | None = 1) -> str:
    """Strict JSON (RFC 8259): non-finite numbers written as the strings ``"NaN"``,
    ``"Infinity"``, ``"-Infinity"`` (the convention of the golden data), never bare."""
    def clean(v: Any) -> Any:
        if isinstance(v, float) and not math.isfinite(v):
            return "NaN" if v != v else ("Infinity" if v > 0 else "-Infinity")
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [clean(x) for x in v]
        return v
    return json.dumps(clean(data), indent=indent, allow_nan=False, ensure_ascii=False)


def _short(path: Any) -> str:
    text = repr(str(path))
    return text if len(text) <= 80 else text[:50] + "..." + text[-20:]


def _as_path(path: Any, what: str) -> Path:
    if isinstance(path, Path):
        return path
    if not isinstance(path, str):
        raise ActlabError(f"{what} must be a path, got {type(path).__name__}")
    if not path.strip():
        raise ActlabError(f"{what} is empty; give a file name")
    if "\0" in path:
        raise ActlabError(f"{what} contains a NUL character")
    return Path(path)


def check_output(path: str | Path, *, what: str = "output",
                 suffixes: tuple[str, ...] = (), create_parent: bool = False,
                 size: int = 0) -> Path:
    """Check, before any work, that a file can be written at ``path``; return it.

    ``suffixes`` (e.g. ``(".png", ".svg")``) restricts the extension. The folder must exist
    unless ``create_parent``. ``size``: a lower bound of the file's size, if known (its
    disk must have that much free). Raises :class:`ActlabError` (one line) otherwise.
    """
    p = _as_path(path, what)
    shown = _short(path)
    if suffixes and p.suffix.lower() not in suffixes:
        raise ActlabError(f"{what} must end in {' or '.join(suffixes)}, got {shown}")
    _check_name(p, what, shown)
    try:
        if p.is_dir():
            raise ActlabError(f"cannot write {what} {shown}: it is a folder")
        if p.exists() and not p.is_file():
            raise ActlabError(f"cannot write {what} {shown}: it is not a regular file")
        parent = p.parent if str(p.parent) else Path(".")
        if not parent.exists() and not create_parent:
            anc, _ = _existing_ancestor(parent, what, shown)
            raise ActlabError(f"cannot write {what} {shown}: directory {str(parent)!r} does "
                              "not exist")
        anc, _ = _existing_ancestor(parent, what, shown)
    except OSError as exc:
        raise ActlabError(f"cannot write {what} {shown}: {_reason(exc)}") from None
    _probe(anc, what, shown, size)
    return p


def check_output_dir(path: str | Path, *, what: str = "output folder", size: int = 0) -> Path:
    """Check, before any work, that ``path`` is (or can be created as) a writable folder
    (with ``size`` bytes free, a lower bound of what will be written there)."""
    p = _as_path(path, what)
    shown = _short(path)
    _check_name(p, what, shown)
    try:
        if p.exists() and not p.is_dir():
            raise ActlabError(f"{what} must be a folder, got the file {shown}")
        anc, _ = _existing_ancestor(p, what, shown)
    except OSError as exc:
        raise ActlabError(f"cannot write {what} {shown}: {_reason(exc)}") from None
    _probe(anc, what, shown, size)
    return p


def clean_leftovers(folder: Path) -> list[Path]:
    """Remove temporary files of processes that no longer run (a SIGKILL's leftovers)."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        m = _TMP_NAME.match(entry.name)
        if not m:
            continue
        pid = int(m.group(1))
        if pid == os.getpid() or _alive(pid):
            continue
        with contextlib.suppress(OSError):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
            removed.append(Path(entry.path))
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists
        return True
    return True


class Outputs:
    """All output files of one command, staged and then renamed together.

    >>> with Outputs() as out:                      # doctest: +SKIP
    ...     out.write_text("run.json", text)
    ...     out.save_figure(fig, "run.png")
    ... # both appear here, or neither (and no temporary file stays behind)
    """

    def __init__(self) -> None:
        self._staged: list[tuple[Path, Path]] = []  # (temporary, target)
        self._created: list[Path] = []  # folders this object made (removed if aborted)
        self._cleaned: set[Path] = set()
        self.paths: list[Path] = []

    # ---------------------------------------------------------------- staging
    def path(self, target: str | Path) -> Path:
        """A temporary path, in ``target``'s folder, to write ``target``'s content to."""
        target = Path(target)
        folder = target.parent if str(target.parent) else Path(".")
        self._mkdirs(folder)
        if folder not in self._cleaned:
            clean_leftovers(folder)
            self._cleaned.add(folder)
        tmp = folder / f"{TMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}{target.suffix}"
        self._staged.append((tmp, target))
        return tmp

    def _mkdirs(self, folder: Path) -> None:
        missing = []
        cur = folder
        while not cur.exists() and cur.parent != cur:
            missing.append(cur)
            cur = cur.parent
        for d in reversed(missing):
            try:
                d.mkdir()
            except FileExistsError:
                continue
            except OSError as exc:
                raise ActlabError(f"cannot create folder {str(d)!r}: {_reason(exc)}") from None
            self._created.append(d)

    def write_bytes(self, target: str | Path, data: bytes) -> Path:
        tmp = self.path(target)
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
        except OSError as exc:
            raise ActlabError(f"cannot write {str(target)!r}: {_reason(exc)}") from None
        return Path(target)

    def write_text(self, target: str | Path, text: str) -> Path:
        return self.write_bytes(target, text.encode("utf-8"))

    def save_figure(self, fig: Any, target: str | Path) -> Path:
        """A matplotlib figure as PNG or SVG (by ``target``'s suffix)."""
        from actlab.plots import DPI, check_output_path

        target = check_output_path(target)
        tmp = self.path(target)
        try:
            fig.savefig(tmp, format=target.suffix.lower()[1:], dpi=DPI)
        except OSError as exc:
            raise ActlabError(f"cannot write {str(target)!r}: {_reason(exc)}") from None
        return target

    # ---------------------------------------------------------------- finishing
    def commit(self) -> list[Path]:
        """Rename every staged file to its target (same folder: atomic, never across file
        systems). If a rename fails, the targets already renamed get their old content back."""
        backups: list[tuple[Path, Path | None]] = []  # (target, its previous version)
        try:
            for tmp, target in self._staged:
                old = None
                if target.exists():
                    old = target.parent / f"{TMP_PREFIX}{os.getpid()}-old-{secrets.token_hex(4)}"
                    os.replace(target, old)
                backups.append((target, old))
                os.replace(tmp, target)
        except OSError as exc:
            for target, old in reversed(backups):
                with contextlib.suppress(OSError):
                    if old is not None:
                        os.replace(old, target)
                    else:
                        target.unlink()
            self.abort()
            raise ActlabError(f"cannot write {str(target)!r}: {_reason(exc)}") from None
        for _, old in backups:
            if old is not None:
                with contextlib.suppress(OSError):
                    old.unlink()
        self.paths = [target for _, target in self._staged]
        self._staged = []
        return self.paths

    def abort(self) -> None:
        """Remove every staged temporary file and the folders this object created."""
        for tmp, _ in self._staged:
            with contextlib.suppress(OSError):
                tmp.unlink()
        self._staged = []
        for d in reversed(self._created):
            with contextlib.suppress(OSError):
                d.rmdir()  # only if empty: never a folder with the user's files
        self._created = []

    def __enter__(self) -> Outputs:
        return self

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        if kind is None:
            self.commit()
        else:
            self.abort()
